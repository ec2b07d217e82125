// The oslo.messaging wire format, as Neutron and its agents speak it over RabbitMQ: a pure codec.
//
// Every AMQP body is a v2.0 envelope, a JSON object whose message is itself JSON *text*:
//   {"oslo.version": "2.0", "oslo.message": "{\"method\": ..., \"args\": {...}, ...}"}
// The inner message is one of three shapes (see fixtures/ for real ones):
//   call   {method, args, version?, namespace?, _msg_id, _reply_q, _timeout, _unique_id, _context_*}
//   cast   {method, args, version?, namespace?, _unique_id, _context_*}      (also every fanout)
//   reply  {result, failure, ending, _msg_id, _unique_id}
// A reply's `failure` is JSON text too: {"class", "module", "message", "tb", "args", "kwargs"}.
// The request context travels flattened as `_context_<key>` entries; here it is `context` with
// the prefix removed.
//
//   decodeEnvelope(body)  -> OsloMessage, or throws NeutronError ERR_OSLO_JSON | _ENVELOPE | _VERSION | _MESSAGE
//   encodeEnvelope(msg)   -> the body text (JSON)
// No I/O, no clocks, no randomness: ids are the caller's.
import { NeutronError } from './errors.js';

export const ENVELOPE_VERSION = '2.0';
const VERSION_KEY = 'oslo.version';
const MESSAGE_KEY = 'oslo.message';
const CONTEXT_PREFIX = '_context_';

export type OsloContext = Readonly<Record<string, unknown>>;
export type OsloArgs = Readonly<Record<string, unknown>>;

/** The exception a server raised for a call, as oslo.messaging serialises it. */
export interface RemoteFailure {
  /** e.g. "NoSuchMethod", "UnsupportedVersion", "ValueError" */
  readonly class: string;
  /** e.g. "oslo_messaging.rpc.dispatcher" */
  readonly module: string;
  readonly message: string;
  readonly tb: readonly string[];
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
}

export interface OsloCall {
  readonly kind: 'call';
  readonly method: string;
  readonly args: OsloArgs;
  /** the target's RPC API version, e.g. "1.9" */
  readonly version?: string;
  readonly namespace?: string;
  /** 32 hex characters; the reply carries it back */
  readonly msgId: string;
  /** the queue the caller consumes replies from, "reply_<32 hex>" */
  readonly replyQ: string;
  /** oslo's call-monitor timeout in seconds; null: no heartbeats wanted */
  readonly timeout: number | null;
  readonly uniqueId: string;
  readonly context: OsloContext;
}

export interface OsloCast {
  readonly kind: 'cast';
  readonly method: string;
  readonly args: OsloArgs;
  readonly version?: string;
  readonly namespace?: string;
  readonly uniqueId?: string;
  readonly context: OsloContext;
}

export interface OsloReply {
  readonly kind: 'reply';
  readonly msgId: string;
  readonly uniqueId?: string;
  readonly result: unknown;
  readonly failure: RemoteFailure | null;
  /** true on the last (in oslo.messaging >= 2: the only) reply message of a call */
  readonly ending: boolean;
}

export type OsloMessage = OsloCall | OsloCast | OsloReply;

// ------------------------------------------------------------------ decode

/** Decodes one AMQP body (text or bytes, UTF-8) into a typed message. */
export function decodeEnvelope(body: string | Uint8Array): OsloMessage {
  return decodeMessage(unwrapEnvelope(body));
}

/** The inner message object of an envelope, not yet interpreted. */
export function unwrapEnvelope(body: string | Uint8Array): Record<string, unknown> {
  const text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: false }).decode(body);
  const outer = parseJson(text, 'ERR_OSLO_JSON', 'envelope');
  if (!isObject(outer)) throw new NeutronError('ERR_OSLO_ENVELOPE', 'envelope is not a JSON object');
  const version = outer[VERSION_KEY];
  const inner = outer[MESSAGE_KEY];
  if (version === undefined || inner === undefined) {
    throw new NeutronError('ERR_OSLO_ENVELOPE', `envelope lacks "${VERSION_KEY}" or "${MESSAGE_KEY}"`);
  }
  if (typeof version !== 'string') throw new NeutronError('ERR_OSLO_ENVELOPE', `"${VERSION_KEY}" is not a string`, { field: VERSION_KEY });
  if (!versionCompatible(version)) {
    throw new NeutronError('ERR_OSLO_VERSION', `envelope version ${JSON.stringify(version)} is not compatible with ${ENVELOPE_VERSION}`, { field: VERSION_KEY });
  }
  if (typeof inner !== 'string') throw new NeutronError('ERR_OSLO_ENVELOPE', `"${MESSAGE_KEY}" is not a string`, { field: MESSAGE_KEY });
  const msg = parseJson(inner, 'ERR_OSLO_MESSAGE', 'message');
  if (!isObject(msg)) throw new NeutronError('ERR_OSLO_MESSAGE', 'message is not a JSON object');
  return msg;
}

/** Interprets an inner message object as a call, cast or reply. */
export function decodeMessage(msg: Record<string, unknown>): OsloMessage {
  if ('method' in msg) return decodeRequest(msg);
  if ('_msg_id' in msg && ('result' in msg || 'failure' in msg || 'ending' in msg)) return decodeReply(msg);
  throw new NeutronError('ERR_OSLO_MESSAGE', 'message is neither a request (method) nor a reply (_msg_id with result/failure)');
}

function decodeRequest(msg: Record<string, unknown>): OsloCall | OsloCast {
  const method = msg['method'];
  if (typeof method !== 'string' || method === '') throw bad('method', 'a non-empty string');
  const args = msg['args'] ?? {};
  if (!isObject(args)) throw bad('args', 'an object');
  const version = optionalString(msg, 'version');
  const namespace = optionalString(msg, 'namespace');
  const uniqueId = optionalString(msg, '_unique_id');
  const context = decodeContext(msg);
  const head = {
    method,
    args,
    ...(version === undefined ? {} : { version }),
    ...(namespace === undefined ? {} : { namespace }),
  };
  const msgId = msg['_msg_id'];
  if (msgId === undefined || msgId === null) {
    return { kind: 'cast', ...head, ...(uniqueId === undefined ? {} : { uniqueId }), context };
  }
  if (typeof msgId !== 'string' || msgId === '') throw bad('_msg_id', 'a non-empty string');
  const replyQ = msg['_reply_q'];
  if (typeof replyQ !== 'string' || replyQ === '') throw bad('_reply_q', 'a non-empty string (a call needs a reply queue)');
  const timeout = msg['_timeout'] ?? null;
  if (timeout !== null && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0)) {
    throw bad('_timeout', 'null or a non-negative number');
  }
  if (uniqueId === undefined) throw bad('_unique_id', 'a string');
  return { kind: 'call', ...head, msgId, replyQ, timeout, uniqueId, context };
}

function decodeReply(msg: Record<string, unknown>): OsloReply {
  const msgId = msg['_msg_id'];
  if (typeof msgId !== 'string' || msgId === '') throw bad('_msg_id', 'a non-empty string');
  const ending = msg['ending'] ?? false;
  if (typeof ending !== 'boolean') throw bad('ending', 'a boolean');
  const uniqueId = optionalString(msg, '_unique_id');
  const failureText = msg['failure'] ?? null;
  let failure: RemoteFailure | null = null;
  if (failureText !== null) {
    if (typeof failureText !== 'string') throw bad('failure', 'null or JSON text');
    failure = decodeFailure(failureText);
  }
  return {
    kind: 'reply',
    msgId,
    ...(uniqueId === undefined ? {} : { uniqueId }),
    result: msg['result'] ?? null,
    failure,
    ending,
  };
}

function decodeFailure(text: string): RemoteFailure {
  const f = parseJson(text, 'ERR_OSLO_MESSAGE', 'failure');
  if (!isObject(f)) throw bad('failure', 'JSON text of an object');
  const cls = f['class'];
  const module = f['module'];
  const message = f['message'];
  if (typeof cls !== 'string' || typeof module !== 'string' || typeof message !== 'string') {
    throw bad('failure', 'an object with string class, module and message');
  }
  const tb = f['tb'] ?? [];
  const args = f['args'] ?? [];
  const kwargs = f['kwargs'] ?? {};
  if (!Array.isArray(tb) || !tb.every((l) => typeof l === 'string')) throw bad('failure.tb', 'a list of strings');
  if (!Array.isArray(args)) throw bad('failure.args', 'a list');
  if (!isObject(kwargs)) throw bad('failure.kwargs', 'an object');
  return { class: cls, module, message, tb: tb as string[], args, kwargs };
}

/** Sets an own data property, even for keys such as "__proto__" that plain assignment would not create. */
function defineOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function decodeContext(msg: Record<string, unknown>): OsloContext {
  const ctx: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(msg)) {
    if (k.startsWith(CONTEXT_PREFIX)) defineOwn(ctx, k.slice(CONTEXT_PREFIX.length), v);
  }
  return ctx;
}

// ------------------------------------------------------------------ encode

/** The AMQP body (JSON text) for a message. */
export function encodeEnvelope(msg: OsloMessage): string {
  return wrapEnvelope(encodeMessage(msg));
}

/** Wraps an inner message object in a v2.0 envelope. */
export function wrapEnvelope(inner: Readonly<Record<string, unknown>>): string {
  return JSON.stringify({ [VERSION_KEY]: ENVELOPE_VERSION, [MESSAGE_KEY]: JSON.stringify(inner) });
}

/** The inner message object, keys in the order oslo.messaging writes them. */
export function encodeMessage(msg: OsloMessage): Record<string, unknown> {
  switch (msg.kind) {
    case 'call':
    case 'cast': {
      const out: Record<string, unknown> = { method: msg.method, args: msg.args };
      if (msg.namespace !== undefined) out['namespace'] = msg.namespace;
      if (msg.version !== undefined) out['version'] = msg.version;
      if (msg.kind === 'call') {
        out['_msg_id'] = msg.msgId;
        out['_reply_q'] = msg.replyQ;
        out['_timeout'] = msg.timeout;
        out['_unique_id'] = msg.uniqueId;
      } else if (msg.uniqueId !== undefined) {
        out['_unique_id'] = msg.uniqueId;
      }
      for (const [k, v] of Object.entries(msg.context)) defineOwn(out, CONTEXT_PREFIX + k, v);
      return out;
    }
    case 'reply': {
      const out: Record<string, unknown> = {
        result: msg.result,
        failure: msg.failure === null ? null : JSON.stringify(msg.failure),
        ending: msg.ending,
        _msg_id: msg.msgId,
      };
      if (msg.uniqueId !== undefined) out['_unique_id'] = msg.uniqueId;
      return out;
    }
    default:
      return assertNever(msg);
  }
}

// ------------------------------------------------------------------ helpers

/** oslo.messaging's version_is_compatible(ENVELOPE_VERSION, v): same major, minor not newer. */
function versionCompatible(v: string): boolean {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(v);
  if (!m) return false;
  const [major, minor] = ENVELOPE_VERSION.split('.').map(Number);
  return Number(m[1]) === major && Number(m[2]) <= (minor ?? 0);
}

function parseJson(text: string, code: 'ERR_OSLO_JSON' | 'ERR_OSLO_MESSAGE', what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new NeutronError(code, `${what} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

function optionalString(msg: Record<string, unknown>, key: string): string | undefined {
  const v = msg[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(key, 'a string or null');
  return v;
}

function bad(field: string, expected: string): NeutronError {
  return new NeutronError('ERR_OSLO_MESSAGE', `message field "${field}" must be ${expected}`, { field });
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function assertNever(x: never): never {
  throw new Error(`unexpected message kind: ${JSON.stringify(x)}`);
}
