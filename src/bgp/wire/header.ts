// The 19-byte message header (RFC 4271 §4.1) and stream framing: marker, length, type.
import { HEADER_BAD_LENGTH, HEADER_BAD_TYPE, HEADER_NOT_SYNCHRONIZED, headerError } from './errors.js';
import type { CodecContext } from './types.js';
import { MSG_KEEPALIVE, MSG_NOTIFICATION, MSG_OPEN, MSG_ROUTE_REFRESH, MSG_UPDATE } from './types.js';
import type { Writer } from './writer.js';

export const MARKER_LENGTH = 16;
export const HEADER_LENGTH = 19;
/** RFC 4271 maximum message size; OPEN and KEEPALIVE never exceed it (RFC 8654 §4). */
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654 maximum once the extended message capability is negotiated. */
export const EXTENDED_MAX_MESSAGE_LENGTH = 65535;

export function maxMessageLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? EXTENDED_MAX_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

/** Smallest valid length of each message type (RFC 4271 §4, RFC 2918 §3). */
const MIN_LENGTH: Readonly<Record<number, number>> = {
  [MSG_OPEN]: 29,
  [MSG_UPDATE]: 23,
  [MSG_NOTIFICATION]: 21,
  [MSG_KEEPALIVE]: 19,
  [MSG_ROUTE_REFRESH]: 23,
};

/** Largest valid length of each message type under `ctx`. */
export function maxLengthOfType(type: number, ctx: CodecContext): number {
  if (type === MSG_KEEPALIVE) return HEADER_LENGTH;
  if (type === MSG_OPEN) return MAX_MESSAGE_LENGTH;
  return maxMessageLength(ctx);
}

function lengthField(length: number): Uint8Array {
  return new Uint8Array([length >>> 8, length & 0xff]);
}

/**
 * Validates the header at `offset` (which must have 19 bytes available) and returns the message
 * length and type. Checks in RFC 4271 §6.1 order: marker, length, type, length for the type.
 */
export function checkHeader(buf: Uint8Array, offset: number, ctx: CodecContext): { length: number; type: number } {
  for (let i = 0; i < MARKER_LENGTH; i++) {
    if (buf[offset + i] !== 0xff) {
      throw headerError('ERR_BGP_HEADER_MARKER', HEADER_NOT_SYNCHRONIZED, 'message header marker is not all ones: stream not synchronized');
    }
  }
  const length = ((buf[offset + 16] ?? 0) << 8) | (buf[offset + 17] ?? 0);
  const type = buf[offset + 18] ?? 0;
  if (length < HEADER_LENGTH || length > maxMessageLength(ctx)) {
    throw headerError('ERR_BGP_HEADER_LENGTH', HEADER_BAD_LENGTH, `message length ${length} outside ${HEADER_LENGTH}..${maxMessageLength(ctx)}`, lengthField(length));
  }
  const min = MIN_LENGTH[type];
  if (min === undefined) {
    throw headerError('ERR_BGP_HEADER_TYPE', HEADER_BAD_TYPE, `unknown message type ${type}`, new Uint8Array([type]));
  }
  const max = maxLengthOfType(type, ctx);
  if (length < min || length > max) {
    throw headerError('ERR_BGP_HEADER_LENGTH', HEADER_BAD_LENGTH, `message type ${type} cannot be ${length} bytes long (${min}..${max})`, lengthField(length));
  }
  return { length, type };
}

/**
 * Framing: the total length of the message starting at `offset`, or undefined while fewer than
 * 19 bytes are available. Throws a header error (session reset) on a bad marker, length or type.
 */
export function readMessageLength(buf: Uint8Array, offset: number, ctx: CodecContext): number | undefined {
  if (buf.length - offset < HEADER_LENGTH) return undefined;
  return checkHeader(buf, offset, ctx).length;
}

/** Writes a header with a placeholder length; returns where the message starts. */
const MARKER = new Uint8Array(MARKER_LENGTH).fill(0xff);

export function beginMessage(w: Writer, type: number): number {
  const start = w.pos;
  w.bytes(MARKER);
  w.u16(0);
  w.u8(type);
  return start;
}

/** Patches the length of the message begun at `start`; returns it. The caller checks the maximum. */
export function endMessage(w: Writer, start: number): number {
  const length = w.pos - start;
  w.patchU16(start + MARKER_LENGTH, Math.min(length, 0xffff));
  return length;
}
