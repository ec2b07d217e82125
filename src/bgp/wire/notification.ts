// NOTIFICATION (RFC 4271 §4.5): error code, subcode, data. Also KEEPALIVE, which has no body.
import { Reader } from './reader.js';
import { headerError, HEADER_BAD_LENGTH } from './errors.js';
import type { NotificationMessage } from './types.js';
import type { Writer } from './writer.js';

/** Decodes a NOTIFICATION body: bytes [start, end) after the header (the header check guarantees 2 bytes). */
export function decodeNotification(buf: Uint8Array, start: number, end: number): NotificationMessage {
  const r = new Reader(buf, start, end, () => headerError('ERR_BGP_HEADER_LENGTH', HEADER_BAD_LENGTH, 'NOTIFICATION shorter than 21 bytes'));
  const code = r.u8('error code');
  const subcode = r.u8('error subcode');
  return { type: 'notification', code, subcode, data: r.bytes(r.remaining, 'data') };
}

export function encodeNotification(w: Writer, m: NotificationMessage): void {
  w.u8(m.code, 'notification code');
  w.u8(m.subcode, 'notification subcode');
  w.bytes(m.data);
}
