// Whole messages: header + body, dispatched on the type. The public entry points of the codec.
import { encodeError, HEADER_BAD_LENGTH, HEADER_BAD_TYPE, headerError, unknownKind } from './errors.js';
import { beginMessage, checkHeader, endMessage, HEADER_LENGTH, maxLengthOfType } from './header.js';
import { decodeNotification, encodeNotification } from './notification.js';
import { decodeOpen, encodeOpen } from './open.js';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.js';
import type { CodecContext, Message } from './types.js';
import { MSG_KEEPALIVE, MSG_NOTIFICATION, MSG_OPEN, MSG_ROUTE_REFRESH, MSG_UPDATE } from './types.js';
import { decodeUpdate, encodeUpdate } from './update.js';
import { Writer } from './writer.js';

/**
 * Decodes one whole message (19-byte header included). With only `buf`, the buffer must hold
 * exactly one message; with `offset` (and optionally `length`, e.g. from readMessageLength) the
 * message is read in place from a larger stream buffer, without copying. Throws BgpWireError.
 */
export function decodeMessage(buf: Uint8Array, ctx: CodecContext, offset = 0, length?: number): Message {
  const available = (length ?? buf.length - offset);
  if (offset < 0 || available < HEADER_LENGTH || offset + available > buf.length) {
    throw headerError('ERR_BGP_HEADER_LENGTH', HEADER_BAD_LENGTH, `${Math.max(0, Math.min(available, buf.length - offset))} bytes cannot hold a message header`);
  }
  const h = checkHeader(buf, offset, ctx);
  if (h.length !== available) {
    throw headerError('ERR_BGP_HEADER_LENGTH', HEADER_BAD_LENGTH, `header says ${h.length} bytes, ${available} given`, new Uint8Array([h.length >>> 8, h.length & 0xff]));
  }
  const start = offset + HEADER_LENGTH;
  const end = offset + h.length;
  switch (h.type) {
    case MSG_OPEN: return decodeOpen(buf, start, end);
    case MSG_UPDATE: return decodeUpdate(buf, start, end, ctx);
    case MSG_NOTIFICATION: return decodeNotification(buf, start, end);
    case MSG_KEEPALIVE: return { type: 'keepalive' };
    case MSG_ROUTE_REFRESH: return decodeRouteRefresh(buf, start, end);
    default: throw headerError('ERR_BGP_HEADER_TYPE', HEADER_BAD_TYPE, `unknown message type ${h.type}`, new Uint8Array([h.type]));
  }
}

const TYPE_CODE = { open: MSG_OPEN, update: MSG_UPDATE, notification: MSG_NOTIFICATION, keepalive: MSG_KEEPALIVE, 'route-refresh': MSG_ROUTE_REFRESH } as const;

// One writer for every encode (encoding is synchronous; finish() copies the bytes out), so a
// message costs one allocation, its own bytes.
const scratch = new Writer(4096);

/** Encodes one message with its header. Throws BgpWireError (ERR_BGP_ENCODE_*) for values that cannot be sent. */
export function encodeMessage(msg: Message, ctx: CodecContext): Uint8Array {
  const type = TYPE_CODE[msg.type];
  if (type === undefined) return unknownKind(msg as never, 'message type');
  const w = scratch.reset();
  const start = beginMessage(w, type);
  switch (msg.type) {
    case 'open': encodeOpen(w, msg); break;
    case 'update': encodeUpdate(w, msg, ctx); break;
    case 'notification': encodeNotification(w, msg); break;
    case 'keepalive': break;
    case 'route-refresh': encodeRouteRefresh(w, msg); break;
    default: return unknownKind(msg, 'message type');
  }
  const length = endMessage(w, start);
  const max = maxLengthOfType(type, ctx);
  if (length > max) throw encodeError('ERR_BGP_ENCODE_TOO_LONG', `${msg.type} message of ${length} bytes exceeds ${max}`);
  return w.finish();
}
