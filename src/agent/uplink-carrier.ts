// Fast external failover (FRR's default for directly connected eBGP peers): when an uplink's
// interface loses carrier, its BGP session is reset at once, so its paths leave the FIB and the
// ToR side reconverges now, not when the hold timer expires (9 s by default, more on a ToR that
// keeps the link's far end up). The kernel already stops using a next hop on a link without
// carrier (ignore_routes_with_linkdown=1); this is the routing side catching up.
//
//   watchUplinkCarrier(dataplane, speaker, config.uplinks, log);   // main.ts, once
import type { Logger } from '../lib/log.js';
import type { UplinkConfig } from '../config/types.js';

export interface CarrierEvents {
  on(event: 'carrier', listener: (change: { readonly name: string; readonly up: boolean }) => void): unknown;
}

export interface PeerResetter {
  resetPeer(id: string, why: { readonly code: string; readonly message: string }): void;
}

export const UPLINK_CARRIER_LOST = 'ERR_AGENT_UPLINK_CARRIER';

/** Resets an uplink's session whenever its interface loses carrier. */
export function watchUplinkCarrier(links: CarrierEvents, speaker: PeerResetter, uplinks: readonly Pick<UplinkConfig, 'name' | 'interface'>[], log: Logger): void {
  links.on('carrier', ({ name, up }) => {
    const affected = uplinks.filter((u) => u.interface === name);
    for (const u of affected) {
      if (up) {
        log.info('uplink interface has carrier again', { uplink: u.name, interface: name });
        continue;
      }
      const message = `uplink ${u.name}: interface ${name} lost carrier`;
      log.warn(message, { uplink: u.name, interface: name, code: UPLINK_CARRIER_LOST });
      try {
        speaker.resetPeer(u.name, { code: UPLINK_CARRIER_LOST, message });
      } catch (err) {
        log.error('cannot reset the uplink session', { uplink: u.name, code: (err as { code?: string }).code, error: String(err) });
      }
    }
  });
}
