// The one error type the codec throws. It carries what the session needs to act (RFC 7606):
// the NOTIFICATION to send (code, subcode, data) and the action to take.
import type { Prefix } from './types.js';

/** RFC 7606 §2 approaches, plus the classic session reset. */
export type ErrorAction = 'session-reset' | 'treat-as-withdraw' | 'attribute-discard' | 'afi-safi-disable';

// NOTIFICATION error codes (RFC 4271 §4.5) and the subcodes the codec uses.
export const NOTIF_HEADER = 1;
export const NOTIF_OPEN = 2;
export const NOTIF_UPDATE = 3;
export const NOTIF_HOLD_TIMER = 4;
export const NOTIF_FSM = 5;
export const NOTIF_CEASE = 6;
export const NOTIF_ROUTE_REFRESH = 7; // RFC 7313

export const HEADER_NOT_SYNCHRONIZED = 1;
export const HEADER_BAD_LENGTH = 2;
export const HEADER_BAD_TYPE = 3;

export const OPEN_UNSUPPORTED_VERSION = 1;
export const OPEN_BAD_PEER_AS = 2;
export const OPEN_BAD_BGP_ID = 3;
export const OPEN_UNSUPPORTED_PARAM = 4;
export const OPEN_UNACCEPTABLE_HOLD = 6;
export const OPEN_UNSUPPORTED_CAPABILITY = 7;

export const UPDATE_MALFORMED_ATTR_LIST = 1;
export const UPDATE_UNRECOGNIZED_WELLKNOWN = 2;
export const UPDATE_MISSING_WELLKNOWN = 3;
export const UPDATE_ATTR_FLAGS = 4;
export const UPDATE_ATTR_LENGTH = 5;
export const UPDATE_INVALID_ORIGIN = 6;
export const UPDATE_INVALID_NEXT_HOP = 8;
export const UPDATE_OPTIONAL_ATTR = 9;
export const UPDATE_INVALID_NETWORK = 10;
export const UPDATE_MALFORMED_AS_PATH = 11;

export const CEASE_MAX_PREFIX = 1;
export const CEASE_ADMIN_SHUTDOWN = 2;
export const CEASE_PEER_DECONFIGURED = 3;
export const CEASE_ADMIN_RESET = 4;
export const CEASE_CONNECTION_REJECTED = 5;
export const CEASE_OTHER_CONFIG_CHANGE = 6;
export const CEASE_COLLISION = 7;
export const CEASE_OUT_OF_RESOURCES = 8;
export const CEASE_HARD_RESET = 9;

export interface BgpWireErrorInit {
  /** stable machine-readable code, e.g. 'ERR_BGP_ATTR_LENGTH'; tests assert on it */
  readonly code: string;
  readonly message: string;
  readonly notifCode: number;
  readonly notifSubcode: number;
  readonly data?: Uint8Array;
  readonly action: ErrorAction;
  /** for treat-as-withdraw: every prefix the UPDATE carried (classic and MP), to be withdrawn */
  readonly withdraw?: readonly Prefix[];
  /** the attribute type code at fault, when there is one */
  readonly attrType?: number;
  readonly cause?: unknown;
}

export class BgpWireError extends Error {
  override readonly name = 'BgpWireError';
  readonly code: string;
  readonly notifCode: number;
  readonly notifSubcode: number;
  readonly data: Uint8Array;
  readonly action: ErrorAction;
  readonly withdraw: readonly Prefix[];
  readonly attrType: number | undefined;

  constructor(init: BgpWireErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.notifCode = init.notifCode;
    this.notifSubcode = init.notifSubcode;
    this.data = init.data ?? new Uint8Array(0);
    this.action = init.action;
    this.withdraw = init.withdraw ?? [];
    this.attrType = init.attrType;
  }
}

// ---------------------------------------------------------------- constructors used by the codec

export const ROUTE_REFRESH_INVALID_LENGTH = 1; // RFC 7313 §5

interface Detail {
  readonly data?: Uint8Array;
  readonly attrType?: number;
  readonly withdraw?: readonly Prefix[];
  readonly cause?: unknown;
}

/** Message header error (RFC 4271 §6.1): always a session reset. */
export function headerError(code: string, subcode: number, message: string, data?: Uint8Array): BgpWireError {
  return new BgpWireError({ code, message, notifCode: NOTIF_HEADER, notifSubcode: subcode, action: 'session-reset', ...(data && { data }) });
}

/** OPEN message error (RFC 4271 §6.2): always a session reset. Subcode 0 is "unspecific". */
export function openError(code: string, subcode: number, message: string, data?: Uint8Array): BgpWireError {
  return new BgpWireError({ code, message, notifCode: NOTIF_OPEN, notifSubcode: subcode, action: 'session-reset', ...(data && { data }) });
}

/** UPDATE message error (RFC 4271 §6.3) with the RFC 7606 action the receiver takes. */
export function updateError(code: string, subcode: number, action: ErrorAction, message: string, detail: Detail = {}): BgpWireError {
  return new BgpWireError({ code, message, notifCode: NOTIF_UPDATE, notifSubcode: subcode, action, ...detail });
}

/**
 * A value the encoder cannot put on the wire (a caller bug: an out-of-range number, a malformed
 * address, a message too long). Codes start with ERR_BGP_ENCODE_; there is no NOTIFICATION to send
 * (code 0), and nothing was written.
 */
export function encodeError(code: string, message: string): BgpWireError {
  return new BgpWireError({ code, message, notifCode: 0, notifSubcode: 0, action: 'session-reset' });
}

/** The same error with the prefixes to withdraw attached (RFC 7606 treat-as-withdraw). */
export function withWithdraw(e: BgpWireError, withdraw: readonly Prefix[]): BgpWireError {
  return new BgpWireError({
    code: e.code,
    message: e.message,
    notifCode: e.notifCode,
    notifSubcode: e.notifSubcode,
    data: e.data,
    action: e.action,
    withdraw,
    ...(e.attrType !== undefined && { attrType: e.attrType }),
    cause: e,
  });
}

/** For exhaustive switches over value kinds: a value of a kind the encoder does not know. */
export function unknownKind(x: never, what: string): never {
  throw encodeError('ERR_BGP_ENCODE_KIND', `unknown ${what}: ${JSON.stringify(x)}`);
}
