// Building and describing NOTIFICATION messages (RFC 4271 §4.5, RFC 9003 shutdown communication).
import {
  CEASE_ADMIN_RESET,
  CEASE_ADMIN_SHUTDOWN,
  NOTIF_CEASE,
} from '../wire/errors.js';
import type { NotificationMessage } from '../wire/types.js';

export function notification(code: number, subcode: number, data: Uint8Array = new Uint8Array(0)): NotificationMessage {
  return { type: 'notification', code, subcode, data };
}

const CODE_NAMES: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
};

const SUBCODE_NAMES: Record<number, Record<number, string>> = {
  1: { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' },
  2: {
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
  },
  3: {
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  5: {
    1: 'Unexpected Message in OpenSent State',
    2: 'Unexpected Message in OpenConfirm State',
    3: 'Unexpected Message in Established State',
  },
  6: {
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
  },
};

/** "Cease/Administrative Shutdown (6/2)", with the shutdown communication when there is one. */
export function describeNotification(n: NotificationMessage): string {
  const code = CODE_NAMES[n.code] ?? `code ${n.code}`;
  const sub = SUBCODE_NAMES[n.code]?.[n.subcode];
  let text = sub === undefined ? `${code} (${n.code}/${n.subcode})` : `${code}/${sub} (${n.code}/${n.subcode})`;
  const said = shutdownCommunication(n);
  if (said !== undefined && said !== '') text += `: "${said}"`;
  return text;
}

/** RFC 9003: a Cease admin shutdown/reset may carry a length-prefixed UTF-8 message (up to 255 octets). */
export function encodeShutdownCommunication(message: string): Uint8Array {
  let bytes = Buffer.from(message, 'utf8');
  if (bytes.length > 255) {
    // cut on a character boundary
    let end = 255;
    while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    bytes = bytes.subarray(0, end);
  }
  const out = new Uint8Array(1 + bytes.length);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

export function shutdownCommunication(n: NotificationMessage): string | undefined {
  if (n.code !== NOTIF_CEASE || (n.subcode !== CEASE_ADMIN_SHUTDOWN && n.subcode !== CEASE_ADMIN_RESET)) return undefined;
  const len = n.data[0];
  if (len === undefined || len + 1 > n.data.length) return undefined;
  return Buffer.from(n.data.subarray(1, 1 + len)).toString('utf8');
}
