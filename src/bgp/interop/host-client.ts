// The test side of speaker-host.ts: starts the host inside a namespace, sends commands, collects
// events. The scope tracks the host's pid, so cleanup stops it even when a test fails.
//
//   const host = await SpeakerHost.start(ns, { speaker: { asn, routerId }, peers: [...] });
//   await host.request('setAnnouncements', { routes: [{ prefix: '10.9.0.1/32' }] });
//   const peers = await host.request<PeerView[]>('peers');
//   await host.waitEvent((e) => e.event === 'route' && e.prefix === '0.0.0.0/0', 10_000, 'default route');
//   await host.stop();
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Netns } from '../../../lab/netns.js';
import { LabError, isRunning, stopPid, waitFor } from '../../../lab/proc.js';
import type { PeerView, RouteView } from '../speaker.js';
import type { HostCommand, HostConfig } from './speaker-host.js';

const HOST = new URL('./speaker-host.ts', import.meta.url).pathname;

export interface HostEvent {
  readonly event: string;
  readonly [k: string]: unknown;
}

export class HostError extends Error {
  override readonly name = 'HostError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Params<C extends HostCommand['cmd']> = Omit<Extract<HostCommand, { cmd: C }>, 'cmd'>;

export class SpeakerHost {
  readonly pid: number;
  readonly events: HostEvent[] = [];
  readonly #proc: ChildProcess;
  readonly #ns: Netns;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #stderr = '';
  #exited = false;

  private constructor(ns: Netns, proc: ChildProcess) {
    this.#ns = ns;
    this.#proc = proc;
    if (proc.pid === undefined) throw new LabError('ERR_LAB_DAEMON', `speaker host did not start in ${ns.name}`);
    this.pid = proc.pid;
    createInterface({ input: proc.stdout! }).on('line', (line) => this.#line(line));
    proc.stderr!.on('data', (b: Buffer) => {
      this.#stderr = (this.#stderr + b.toString()).slice(-4000);
    });
    proc.on('exit', () => {
      this.#exited = true;
      for (const p of this.#pending.values()) p.reject(new HostError('ERR_HOST_EXITED', `speaker host exited: ${this.#stderr.trim()}`));
      this.#pending.clear();
    });
  }

  /**
   * Starts the host in `ns` and waits for 'ready': the TypeScript source through tsx, or `script`,
   * a compiled speaker-host.js, with plain node (what a deployed agent runs: no loader in memory).
   * Extra node flags in `nodeArgs`.
   */
  static async start(ns: Netns, config: HostConfig, opts: { nodeArgs?: readonly string[]; script?: string; timeoutMs?: number } = {}): Promise<SpeakerHost> {
    const entry = opts.script === undefined ? ['--import', 'tsx', HOST] : [opts.script];
    const proc = ns.spawn([process.execPath, ...(opts.nodeArgs ?? []), ...entry, JSON.stringify(config)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      label: `speaker host in ${ns.name}`,
    });
    const host = new SpeakerHost(ns, proc);
    await waitFor(
      () => {
        if (host.#exited) throw new LabError('ERR_LAB_DAEMON', `speaker host in ${ns.name} exited before ready: ${host.#stderr.trim()}`);
        return host.events.some((e) => e.event === 'ready');
      },
      { timeoutMs: opts.timeoutMs ?? 20_000, intervalMs: 20, what: `speaker host in ${ns.name} ready` },
    );
    return host;
  }

  get running(): boolean {
    return !this.#exited && isRunning(this.pid);
  }

  request(cmd: 'peers'): Promise<PeerView[]>;
  request(cmd: 'routes', params?: Params<'routes'>): Promise<RouteView[]>;
  request(cmd: 'route', params: Params<'route'>): Promise<RouteView | null>;
  request<T = unknown>(cmd: HostCommand['cmd'], params?: object): Promise<T>;
  request(cmd: HostCommand['cmd'], params: object = {}): Promise<unknown> {
    if (this.#exited) return Promise.reject(new HostError('ERR_HOST_EXITED', 'speaker host is not running'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#proc.stdin!.write(`${JSON.stringify({ id, cmd, ...params })}\n`);
    });
  }

  async peer(id: string): Promise<PeerView> {
    const p = (await this.request('peers')).find((x) => x.id === id);
    if (p === undefined) throw new HostError('ERR_HOST_NO_PEER', `no peer ${id}`);
    return p;
  }

  async waitPeerState(id: string, state: string, timeoutMs: number): Promise<PeerView> {
    return waitFor(async () => {
      const p = await this.peer(id);
      return p.state === state ? p : undefined;
    }, { timeoutMs, intervalMs: 100, what: `lagless peer ${id} ${state} (in ${this.#ns.name})` });
  }

  of(event: string): HostEvent[] {
    return this.events.filter((e) => e.event === event);
  }

  waitEvent(pred: (e: HostEvent) => boolean, timeoutMs: number, what: string): Promise<HostEvent> {
    return waitFor(() => this.events.find(pred), { timeoutMs, intervalMs: 20, what });
  }

  /** The log lines the host printed, for failure messages. */
  logs(): string {
    return this.of('log').map((e) => `${String(e.level)} ${String(e.msg)} ${JSON.stringify(e.fields ?? {})}`).join('\n');
  }

  /** 'stop' (Cease to every peer), then the process ends by itself; killed if it has not within 10 s. */
  async stop(): Promise<void> {
    if (this.running) {
      try {
        await Promise.race([this.request('stop'), new Promise((r) => setTimeout(r, 10_000))]);
      } catch {
        // exited meanwhile
      }
      // let it exit by itself (a --cpu-prof profile is written on the way out)
      await waitFor(() => !this.running, { timeoutMs: 10_000, intervalMs: 20, what: 'speaker host exit' }).catch(() => {});
    }
    await stopPid(this.pid, { graceMs: 3000 });
    this.#ns.scope.untrackPid(this.pid);
  }

  /** Ends the process at once (no Cease, no teardown: what a benchmark wants after measuring). */
  async exit(): Promise<void> {
    if (this.running) {
      this.#proc.stdin!.write(`${JSON.stringify({ id: this.#nextId++, cmd: 'exit' })}\n`);
      await waitFor(() => !this.running, { timeoutMs: 10_000, intervalMs: 20, what: 'speaker host exit' }).catch(() => {});
    }
    await stopPid(this.pid, { graceMs: 3000 });
    this.#ns.scope.untrackPid(this.pid);
  }

  #line(line: string): void {
    let msg: { id?: number; result?: unknown; error?: { code: string; message: string } } & Partial<HostEvent>;
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      this.events.push({ event: 'stdout', line });
      return;
    }
    if (typeof msg.id === 'number') {
      const p = this.#pending.get(msg.id);
      if (p === undefined) return;
      this.#pending.delete(msg.id);
      if (msg.error) p.reject(new HostError(msg.error.code, msg.error.message));
      else p.resolve(msg.result);
      return;
    }
    if (typeof msg.event === 'string') this.events.push(msg as HostEvent);
  }
}
