// ROUTE-REFRESH (RFC 2918) with the RFC 7313 subtypes: 0 = request, 1 = BoRR, 2 = EoRR.
import { BgpWireError, NOTIF_ROUTE_REFRESH, ROUTE_REFRESH_INVALID_LENGTH, headerError, HEADER_BAD_LENGTH } from './errors.js';
import { HEADER_LENGTH } from './header.js';
import type { RouteRefreshMessage } from './types.js';
import type { Writer } from './writer.js';

const BODY_LENGTH = 4;

/** Decodes a ROUTE-REFRESH body: bytes [start, end) after the header (the header check guarantees 4 bytes). */
export function decodeRouteRefresh(buf: Uint8Array, start: number, end: number): RouteRefreshMessage {
  const afi = ((buf[start] ?? 0) << 8) | (buf[start + 1] ?? 0);
  const subtype = buf[start + 2] ?? 0;
  const safi = buf[start + 3] ?? 0;
  if (end - start !== BODY_LENGTH) {
    if (subtype === 1 || subtype === 2) {
      // RFC 7313 §5: the whole message goes back in the data field
      throw new BgpWireError({
        code: 'ERR_BGP_ROUTE_REFRESH_LENGTH',
        message: `ROUTE-REFRESH subtype ${subtype} is ${end - start + HEADER_LENGTH} bytes, not 23`,
        notifCode: NOTIF_ROUTE_REFRESH,
        notifSubcode: ROUTE_REFRESH_INVALID_LENGTH,
        data: buf.slice(start - HEADER_LENGTH, end),
        action: 'session-reset',
      });
    }
    throw headerError('ERR_BGP_HEADER_LENGTH', HEADER_BAD_LENGTH, `ROUTE-REFRESH is ${end - start + HEADER_LENGTH} bytes, not 23`, lengthBytes(end - start + HEADER_LENGTH));
  }
  if (subtype !== 0 && subtype !== 1 && subtype !== 2) {
    // RFC 7313 §5: a message with another subtype MUST be ignored. No NOTIFICATION, no reset:
    // "treat-as-withdraw" with nothing to withdraw is exactly "ignore this message".
    throw new BgpWireError({
      code: 'ERR_BGP_ROUTE_REFRESH_SUBTYPE',
      message: `ROUTE-REFRESH subtype ${subtype} is unknown; the message must be ignored`,
      notifCode: NOTIF_ROUTE_REFRESH,
      notifSubcode: 0,
      action: 'treat-as-withdraw',
    });
  }
  return { type: 'route-refresh', afi, safi, subtype };
}

export function encodeRouteRefresh(w: Writer, m: RouteRefreshMessage): void {
  w.u16(m.afi, 'afi');
  w.u8(m.subtype, 'subtype');
  w.u8(m.safi, 'safi');
}

function lengthBytes(n: number): Uint8Array {
  return new Uint8Array([n >>> 8, n & 0xff]);
}
