// The control protocol between a running agent and `lagless show`: JSON lines over a Unix socket.
//   request:  {"id": 1, "method": "peers", "params": {...}?}
//   response: {"id": 1, "result": ...}  or  {"id": 1, "error": {"code": "ERR_...", "message": "..."}}
// One request or response per line; a connection may carry many requests, answered by id (not
// necessarily in order). The result types below are the contract the CLI and scripts (--json) see.

/** Where the agent listens unless the config says otherwise (control.socket). */
export const DEFAULT_SOCKET = '/run/lagless/agent.sock';

export const CONTROL_METHODS = ['peers', 'routes', 'ports', 'status'] as const;
export type ControlMethod = (typeof CONTROL_METHODS)[number];

/** RFC 4271 FSM states. */
export type PeerState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export interface CodedProblem {
  readonly code: string;
  readonly message: string;
}

export interface PeerInfo {
  /** the uplink's name from the config */
  readonly name: string;
  readonly address: string;
  readonly asn: number;
  readonly state: PeerState;
  /** why the session is in this state: the reason of its last transition, e.g. "hold-timer-expired" */
  readonly reason: string;
  /** seconds since the session reached Established; null when it is not established */
  readonly uptimeS: number | null;
  /** prefixes received from the peer, accepted by the import filter, and sent to it */
  readonly received: number;
  readonly accepted: number;
  readonly sent: number;
  /** the last error on the session (a NOTIFICATION sent or received, a socket error), with when */
  readonly lastError: (CodedProblem & { readonly at: string }) | null;
  readonly interface?: string;
}

export interface RoutePath {
  /** the uplink name the path was learned from; "local" for our own announcements */
  readonly peer: string;
  readonly nextHop: string;
  /** AS path as text, e.g. "65100 65200" ("{1 2}" for a set) */
  readonly asPath: string;
  /** the decision process picked this path */
  readonly best: boolean;
  /** the path is in the installed ECMP set */
  readonly ecmp: boolean;
}

export interface RouteInfo {
  readonly prefix: string;
  readonly paths: readonly RoutePath[];
  /** why the best path won: the decision step that decided, e.g. "as-path-length" or "only-path" */
  readonly reason: string;
  /** in the kernel FIB */
  readonly installed?: boolean;
}

/**
 * wired; waiting-for-tap (the port is desired, its tap does not exist); pending (the next
 * reconcile, or in-sync, will wire it); failed (see error; retried with backoff); unwiring (no
 * longer desired, its kernel objects still there).
 */
export type PortState = 'wired' | 'waiting-for-tap' | 'pending' | 'failed' | 'unwiring';

export interface PortInfo {
  readonly id: string;
  readonly tap: string;
  readonly state: PortState;
  readonly addresses: readonly string[];
  /** why the port is failed or waiting */
  readonly error?: CodedProblem;
}

export interface Status {
  readonly host: string;
  readonly version: string;
  readonly pid: number;
  readonly uptimeS: number;
  /** every source delivered a complete view (before that the agent deletes nothing) */
  readonly inSync: boolean;
  readonly source: string;
  readonly peers: { readonly up: number; readonly total: number };
  readonly ports: { readonly wired: number; readonly waiting: number; readonly failed: number; readonly total: number };
  readonly routes?: { readonly announced: number; readonly installed: number };
  readonly lastReconcile?: { readonly at: string; readonly durationMs: number; readonly errors: number };
  /** entries of the port source that were skipped (bad or conflicting), where they are and why; the others apply */
  readonly sourceIssues?: readonly SourceIssueInfo[];
  /** the source cannot deliver right now (file unreadable or malformed, broker down): the last good set of ports stands */
  readonly sourceError?: CodedProblem;
}

/** One skipped entry of the port source: "ports[2].mac" (line 14) ERR_PORT_MAC "..." */
export interface SourceIssueInfo extends CodedProblem {
  readonly path: string;
  readonly line?: number;
}

/** What each method returns. */
export interface ControlResults {
  peers: readonly PeerInfo[];
  routes: readonly RouteInfo[];
  ports: readonly PortInfo[];
  status: Status;
}

export type ControlParams = Readonly<Record<string, unknown>>;

/** What the agent implements to answer the control socket; a method may throw a coded error. */
export type ControlProvider = {
  readonly [M in ControlMethod]: (params: ControlParams) => ControlResults[M] | Promise<ControlResults[M]>;
};

export interface ControlRequest {
  readonly id: number | string;
  readonly method: ControlMethod;
  readonly params?: ControlParams;
}

export type ControlResponse =
  | { readonly id: number | string | null; readonly result: unknown }
  | { readonly id: number | string | null; readonly error: CodedProblem };

export type ControlErrorCode =
  | 'ERR_CONTROL_BAD_REQUEST'
  | 'ERR_CONTROL_UNKNOWN_METHOD'
  | 'ERR_CONTROL_TOO_LONG'
  | 'ERR_CONTROL_INTERNAL'
  | 'ERR_CONTROL_BAD_RESPONSE'
  | 'ERR_CONTROL_CONNECT'
  | 'ERR_CONTROL_TIMEOUT'
  | 'ERR_CONTROL_CLOSED'
  | 'ERR_CONTROL_IN_USE'
  | 'ERR_CONTROL_NOT_SOCKET'
  | 'ERR_CONTROL_LISTEN';

export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    /** one of ControlErrorCode, or the code of an error the agent returned */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Longest request line the server reads; responses may be much longer (a full routing table). */
export const MAX_REQUEST_BYTES = 64 * 1024;
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

export const encodeLine = (msg: ControlRequest | ControlResponse): string => `${JSON.stringify(msg)}\n`;

/** Parses one request line; a bad one gives the error to answer with (and its id when readable). */
export function decodeRequest(line: string): ControlRequest | { error: ControlError; id: number | string | null } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { error: new ControlError('ERR_CONTROL_BAD_REQUEST', 'request is not JSON'), id: null };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: new ControlError('ERR_CONTROL_BAD_REQUEST', 'request must be a JSON object'), id: null };
  const o = v as Record<string, unknown>;
  const id = typeof o.id === 'number' || typeof o.id === 'string' ? o.id : null;
  if (id === null) return { error: new ControlError('ERR_CONTROL_BAD_REQUEST', 'request needs an "id" (number or string)'), id };
  if (typeof o.method !== 'string' || !(CONTROL_METHODS as readonly string[]).includes(o.method)) {
    return { error: new ControlError('ERR_CONTROL_UNKNOWN_METHOD', `unknown method ${JSON.stringify(o.method)}; known: ${CONTROL_METHODS.join(', ')}`), id };
  }
  if (o.params !== undefined && (typeof o.params !== 'object' || o.params === null || Array.isArray(o.params))) {
    return { error: new ControlError('ERR_CONTROL_BAD_REQUEST', '"params" must be a JSON object'), id };
  }
  return { id, method: o.method as ControlMethod, ...(o.params !== undefined ? { params: o.params as ControlParams } : {}) };
}

/** Parses one response line. */
export function decodeResponse(line: string): ControlResponse {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new ControlError('ERR_CONTROL_BAD_RESPONSE', 'response is not JSON');
  }
  if (typeof v !== 'object' || v === null || !('id' in v)) throw new ControlError('ERR_CONTROL_BAD_RESPONSE', 'response has no id');
  const o = v as Record<string, unknown>;
  if ('error' in o) {
    const e = o.error as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e.code !== 'string' || typeof e.message !== 'string') {
      throw new ControlError('ERR_CONTROL_BAD_RESPONSE', 'response error needs code and message');
    }
    return { id: o.id as number | string | null, error: { code: e.code, message: e.message } };
  }
  if (!('result' in o)) throw new ControlError('ERR_CONTROL_BAD_RESPONSE', 'response has neither result nor error');
  return { id: o.id as number | string | null, result: o.result };
}

/** Splits a byte stream into lines, refusing any line longer than `max` bytes. */
export class LineSplitter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  constructor(readonly max: number) {}
  /** Returns the complete lines in `chunk`; throws ERR_CONTROL_TOO_LONG past the limit. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const part = chunk.subarray(start, nl);
      if (this.#pendingBytes + part.length > this.max) throw this.#tooLong();
      lines.push(Buffer.concat([...this.#pending, part]).toString('utf8'));
      this.#pending = [];
      this.#pendingBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.#pendingBytes += rest.length;
      if (this.#pendingBytes > this.max) throw this.#tooLong();
      this.#pending.push(Buffer.from(rest));
    }
    return lines.filter((l) => l.trim() !== '');
  }
  #tooLong(): ControlError {
    return new ControlError('ERR_CONTROL_TOO_LONG', `line longer than ${this.max} bytes`);
  }
}
