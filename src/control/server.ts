// The agent's side of the control socket: answers JSON-line requests from a provider object.
// The socket file is mode 0600 (root's `lagless show` only), created that way (no window where it
// is open to others); a stale socket left by a dead agent is removed, a live agent's is not.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { chmod, link, lstat, mkdir, mkdtemp, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { silentLogger, type Logger } from '../lib/log.js';
import {
  ControlError, LineSplitter, MAX_REQUEST_BYTES, decodeRequest, encodeLine,
  type ControlProvider, type ControlRequest, type ControlResponse,
} from './protocol.js';

/** sun_path holds 108 bytes including the terminating NUL */
const SOCKET_PATH_MAX = 107;

/** Listens on `path`; bind() happens inside listen(), so a umask makes the file 0600 from its first moment. */
function listenOn(server: Server, path: string, shown: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new ControlError(err.code === 'EADDRINUSE' ? 'ERR_CONTROL_IN_USE' : 'ERR_CONTROL_LISTEN', `cannot listen on ${shown}: ${err.code ?? err.message}`, { cause: err })),
    );
    const old = process.umask(0o177);
    try {
      server.listen(path, () => resolve());
    } finally {
      process.umask(old);
    }
  });
}

export interface ControlServerOptions {
  readonly path: string;
  readonly provider: ControlProvider;
  readonly logger?: Logger;
}

export class ControlServer {
  readonly path: string;
  readonly #provider: ControlProvider;
  readonly #log: Logger;
  readonly #connections = new Set<Socket>();
  #server: Server | undefined;
  #ino: number | undefined;

  constructor(opts: ControlServerOptions) {
    this.path = opts.path;
    this.#provider = opts.provider;
    this.#log = (opts.logger ?? silentLogger).child({ component: 'control' });
  }

  async listen(): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o755 });
      await this.#removeStale();
    } catch (err) {
      if (err instanceof ControlError) throw err;
      throw new ControlError('ERR_CONTROL_LISTEN', `cannot prepare ${this.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    const server = createServer((sock) => this.#serve(sock));
    // Bind in a fresh 0700 directory next to the target, make the socket 0600, then link it into
    // place: it is never reachable by others with looser rights, and link() fails if an agent
    // started meanwhile has taken the path (where rename would silently replace its socket).
    const tmpDir = await mkdtemp(join(dirname(this.path), '.lagless-'));
    const tmpPath = join(tmpDir, 's');
    try {
      await listenOn(server, Buffer.byteLength(tmpPath) <= SOCKET_PATH_MAX ? tmpPath : this.path, this.path);
      if (server.address() === tmpPath) {
        await chmod(tmpPath, 0o600);
        await link(tmpPath, this.path).catch((err: NodeJS.ErrnoException) => {
          server.close();
          throw new ControlError(err.code === 'EEXIST' ? 'ERR_CONTROL_IN_USE' : 'ERR_CONTROL_LISTEN', `cannot create ${this.path}: ${err.code ?? err.message}`, { cause: err });
        });
        await unlink(tmpPath);
      } else {
        await chmod(this.path, 0o600); // the temporary path was too long for a socket: bound in place (still 0600 via umask)
      }
    } finally {
      await rm(tmpDir, { recursive: true, force: true });
    }
    server.on('error', (err) => this.#log.error('control socket error', { err }));
    this.#ino = (await lstat(this.path)).ino;
    this.#server = server;
    this.#log.info('control socket listening', { path: this.path });
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const c of this.#connections) c.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // remove our socket file (not one another process has put there since)
    const st = await lstat(this.path).catch(() => undefined);
    if (st?.isSocket() && st.ino === this.#ino) await unlink(this.path).catch(() => undefined);
  }

  async #removeStale(): Promise<void> {
    const st = await lstat(this.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!st) return;
    if (!st.isSocket()) throw new ControlError('ERR_CONTROL_NOT_SOCKET', `${this.path} exists and is not a socket; not touching it`);
    const alive = await new Promise<boolean>((resolve) => {
      const s = connect(this.path);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (alive) throw new ControlError('ERR_CONTROL_IN_USE', `another agent is answering on ${this.path}`);
    this.#log.info('removing stale control socket', { path: this.path });
    await unlink(this.path).catch(() => undefined);
  }

  #serve(sock: Socket): void {
    this.#connections.add(sock);
    sock.on('close', () => this.#connections.delete(sock));
    sock.on('error', () => sock.destroy());
    const lines = new LineSplitter(MAX_REQUEST_BYTES);
    sock.on('data', (chunk: Buffer) => {
      if (sock.writableEnded) return;
      let got: string[];
      try {
        got = lines.push(chunk);
      } catch (err) {
        const e = err as ControlError;
        sock.end(encodeLine({ id: null, error: { code: e.code, message: e.message } }));
        return;
      }
      for (const line of got) void this.#answer(line).then((resp) => sock.writable && sock.write(encodeLine(resp)));
    });
  }

  async #answer(line: string): Promise<ControlResponse> {
    const req = decodeRequest(line);
    if ('error' in req) return { id: req.id, error: { code: req.error.code, message: req.error.message } };
    try {
      const result: unknown = await this.#call(req);
      JSON.stringify(result); // fails here (and is reported) rather than half-written on the socket
      return { id: req.id, result };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const message = err instanceof Error ? err.message : String(err);
      if (typeof code === 'string' && code.startsWith('ERR_')) return { id: req.id, error: { code, message } };
      this.#log.error('control request failed', { method: req.method, err });
      return { id: req.id, error: { code: 'ERR_CONTROL_INTERNAL', message } };
    }
  }

  #call(req: ControlRequest): unknown {
    const params = req.params ?? {};
    switch (req.method) {
      case 'peers':
        return this.#provider.peers(params);
      case 'routes':
        return this.#provider.routes(params);
      case 'ports':
        return this.#provider.ports(params);
      case 'status':
        return this.#provider.status(params);
      default: {
        const never: never = req.method;
        throw new ControlError('ERR_CONTROL_UNKNOWN_METHOD', `unknown method ${String(never)}`);
      }
    }
  }
}
