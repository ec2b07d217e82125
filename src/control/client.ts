// The CLI's side of the control socket.
import { connect, type Socket } from 'node:net';
import {
  ControlError, LineSplitter, MAX_RESPONSE_BYTES, decodeResponse, encodeLine,
  type ControlMethod, type ControlParams, type ControlResults,
} from './protocol.js';

export const DEFAULT_TIMEOUT_MS = 5000;

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class ControlClient {
  readonly path: string;
  readonly #sock: Socket;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed: ControlError | undefined;

  private constructor(path: string, sock: Socket) {
    this.path = path;
    this.#sock = sock;
    const lines = new LineSplitter(MAX_RESPONSE_BYTES);
    sock.on('data', (chunk: Buffer) => {
      try {
        for (const line of lines.push(chunk)) this.#onLine(line);
      } catch (err) {
        this.#fail(err as ControlError);
      }
    });
    sock.on('close', () => this.#fail(new ControlError('ERR_CONTROL_CLOSED', `the agent closed the control connection (${path})`)));
    sock.on('error', (err) => this.#fail(new ControlError('ERR_CONTROL_CLOSED', `control connection failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err })));
  }

  /** Connects to an agent's control socket. */
  static connect(path: string, opts: { timeoutMs?: number } = {}): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const sock = connect(path);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new ControlError('ERR_CONTROL_TIMEOUT', `no answer from ${path} within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`));
      }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        resolve(new ControlClient(path, sock));
      });
      sock.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new ControlError('ERR_CONTROL_CONNECT', connectMessage(path, err), { cause: err }));
      });
    });
  }

  call<M extends ControlMethod>(method: M, params?: ControlParams, opts: { timeoutMs?: number } = {}): Promise<ControlResults[M]> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ControlError('ERR_CONTROL_TIMEOUT', `the agent did not answer "${method}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.#sock.write(encodeLine({ id, method, ...(params !== undefined ? { params } : {}) }));
    });
  }

  close(): void {
    this.#sock.end();
    this.#sock.destroy();
  }

  #onLine(line: string): void {
    const resp = decodeResponse(line);
    const p = typeof resp.id === 'number' ? this.#pending.get(resp.id) : undefined;
    if (!p) {
      // an error not tied to a request (e.g. our line was too long) fails everything outstanding
      if ('error' in resp && resp.id === null) this.#fail(new ControlError(resp.error.code, resp.error.message));
      return;
    }
    this.#pending.delete(resp.id as number);
    clearTimeout(p.timer);
    if ('error' in resp) p.reject(new ControlError(resp.error.code, resp.error.message));
    else p.resolve(resp.result);
  }

  #fail(err: ControlError): void {
    this.#closed ??= err;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.#pending.clear();
  }
}

function connectMessage(path: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return `no control socket at ${path}: is the agent running? (--socket PATH to use another)`;
    case 'ECONNREFUSED':
      return `nothing is listening on ${path}: the agent is not running (stale socket)`;
    case 'EACCES':
      return `permission denied on ${path}: run as root`;
    default:
      return `cannot connect to ${path}: ${err.code ?? err.message}`;
  }
}

/** Connects, makes one call, closes. */
export async function callControl<M extends ControlMethod>(path: string, method: M, params?: ControlParams, opts: { timeoutMs?: number } = {}): Promise<ControlResults[M]> {
  const c = await ControlClient.connect(path, opts);
  try {
    return await c.call(method, params, opts);
  } finally {
    c.close();
  }
}
