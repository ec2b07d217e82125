// FamilyKey ("afi/safi") helpers.
import { AFI_IPV4, AFI_IPV6, SAFI_UNICAST, familyKey } from '../wire/types.js';
import type { FamilyKey } from '../wire/types.js';

export const IPV4_UNICAST: FamilyKey = familyKey(AFI_IPV4, SAFI_UNICAST);
export const IPV6_UNICAST: FamilyKey = familyKey(AFI_IPV6, SAFI_UNICAST);

export function splitFamily(key: FamilyKey): { afi: number; safi: number } {
  const [afi, safi] = key.split('/');
  return { afi: Number(afi), safi: Number(safi) };
}

export function familyName(key: FamilyKey): string {
  if (key === IPV4_UNICAST) return 'ipv4-unicast';
  if (key === IPV6_UNICAST) return 'ipv6-unicast';
  return `afi ${key.replace('/', ' safi ')}`;
}
