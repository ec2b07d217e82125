// The OPEN we send, built from the configuration (RFC 4271 §4.2, capabilities RFC 5492).
import { AFI_IPV4, AFI_IPV6, SAFI_UNICAST } from '../wire/types.js';
import type { Capability, OpenMessage } from '../wire/types.js';
import { AS_TRANS } from './config.js';
import { IPV4_UNICAST, splitFamily } from './family.js';
import type { FsmConfig } from './types.js';

export const BGP_VERSION = 4;

export function buildOpen(config: FsmConfig): OpenMessage {
  const caps: Capability[] = config.families.map((f) => ({ kind: 'multiprotocol', ...splitFamily(f) }));
  caps.push({ kind: 'route-refresh' });
  caps.push({ kind: 'four-octet-as', asn: config.localAs });
  if (config.extendedNextHop && config.families.includes(IPV4_UNICAST)) {
    caps.push({ kind: 'extended-next-hop', entries: [{ afi: AFI_IPV4, safi: SAFI_UNICAST, nextHopAfi: AFI_IPV6 }] });
  }
  if (config.extendedMessage) caps.push({ kind: 'extended-message' });
  const gr = config.gracefulRestart;
  if (gr !== undefined) {
    caps.push({
      kind: 'graceful-restart',
      restarting: false,
      notification: gr.notification,
      restartTime: gr.restartTime,
      families: config.families.map((f) => ({ ...splitFamily(f), forwardingPreserved: gr.forwardingPreserved.includes(f) })),
    });
  }
  if (config.hostname !== undefined) caps.push({ kind: 'fqdn', hostname: config.hostname, domain: '' });
  return {
    type: 'open',
    version: BGP_VERSION,
    myAs: config.localAs > 0xffff ? AS_TRANS : config.localAs,
    holdTime: config.holdTime,
    bgpId: config.routerId,
    capabilities: caps,
  };
}
