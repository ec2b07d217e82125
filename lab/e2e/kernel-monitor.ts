// `ip -ts -o monitor label ...` inside a namespace, every event with the kernel's timestamp:
// - the restart proof: which events touched state lagless owns while its agent was restarted;
// - the wiring-latency benchmark: when a /32 appeared in (or left) a hypervisor's FIB.
//
//   const m = await KernelMonitor.start(ns, ['route', 'neigh', 'address', 'link']);
//   ... m.events() ...
//   const all = await m.stop();
//   laglessChanges(all)          // events that changed routes, addresses, links or permanent neighbours
import { spawn, type ChildProcess } from 'node:child_process';
import { LabError, waitFor } from '../proc.js';

export type MonitorKind = 'ROUTE' | 'ADDR' | 'LINK' | 'NEIGH';

export interface MonitorEvent {
  /** the kernel event's time (ip -ts), ms since the epoch */
  readonly atMs: number;
  readonly kind: MonitorKind;
  readonly deleted: boolean;
  /** the event without timestamp, label and "Deleted " */
  readonly text: string;
  /** first word of a ROUTE event: its destination ("default", "10.100.0.11", "2001:db8::5") */
  readonly dst?: string;
}

const LINE_RE = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)\] \[(ROUTE|ADDR|LINK|NEIGH)\](Deleted )?(.*)$/;
const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'unreachable', 'prohibit', 'blackhole', 'throw', 'anycast']);

/** One line of `ip -ts -o monitor label ...` (pure). ip prints local time without a zone. */
export function parseMonitorTsLine(line: string): MonitorEvent | undefined {
  const m = LINE_RE.exec(line.trimEnd());
  if (m?.[1] === undefined || m[2] === undefined || m[4] === undefined) return undefined;
  const [date, frac = '0'] = m[1].split('.') as [string, string?];
  const atMs = new Date(date).getTime() + Number(`0.${frac}`) * 1000;
  const kind = m[2] as MonitorKind;
  const text = m[4];
  let dst: string | undefined;
  if (kind === 'ROUTE') {
    const words = text.split(/\s+/);
    dst = words[0] !== undefined && ROUTE_TYPES.has(words[0]) ? `${words[0]} ${words[1] ?? ''}` : words[0];
  }
  return { atMs, kind, deleted: m[3] !== undefined, text, ...(dst === undefined ? {} : { dst }) };
}

/**
 * The events that changed state of the kinds lagless owns on a hypervisor: any main-table route
 * (lagless's host routes and learned routes; nothing else writes routes there), any address, any
 * link, and neighbour entries that are permanent or proxy (lagless's); dynamic neighbour state
 * changes (REACHABLE, STALE ... of the uplinks' and VMs' own resolution) are not changes to it.
 */
export function laglessChanges(events: readonly MonitorEvent[]): MonitorEvent[] {
  return events.filter((e) => {
    switch (e.kind) {
      case 'ROUTE':
        return !/ table \S+/.test(` ${e.text}`); // ip prints a table for every table but main
      case 'ADDR':
      case 'LINK':
        return true;
      case 'NEIGH':
        return / PERMANENT\b/.test(e.text) || / proxy\b/.test(e.text);
    }
    return true;
  });
}

export class KernelMonitor {
  readonly ns: string;
  readonly #child: ChildProcess;
  readonly #closed: Promise<void>;
  #buf = '';
  readonly #events: MonitorEvent[] = [];

  private constructor(ns: string, child: ChildProcess) {
    this.ns = ns;
    this.#child = child;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#buf += chunk;
      let nl: number;
      while ((nl = this.#buf.indexOf('\n')) !== -1) {
        const e = parseMonitorTsLine(this.#buf.slice(0, nl));
        this.#buf = this.#buf.slice(nl + 1);
        if (e !== undefined) this.#events.push(e);
      }
    });
    child.on('error', () => {});
    this.#closed = new Promise((resolve) => child.on('close', () => resolve()));
  }

  /** Starts the monitor and waits until it is listening (a probe route in table 250 is seen). */
  static async start(ns: string, objects: readonly ('route' | 'neigh' | 'address' | 'link')[]): Promise<KernelMonitor> {
    const child = spawn('ip', ['-n', ns, '-ts', '-o', 'monitor', 'label', ...objects], { stdio: ['ignore', 'pipe', 'ignore'] });
    if (child.pid === undefined) throw new LabError('ERR_LAB_COMMAND', `cannot start ip monitor in ${ns}`);
    const m = new KernelMonitor(ns, child);
    if (objects.includes('route')) {
      // a route in a private table the filters above ignore: proves the monitor is listening
      // (removed and added each round: a route already there would give no event once listening)
      const probe = ['unreachable', '198.51.100.255/32', 'table', '250'];
      try {
        await waitFor(
          async () => {
            await runIp(ns, ['route', 'del', ...probe]);
            await runIp(ns, ['route', 'add', ...probe]);
            return m.#events.some((e) => e.text.includes('198.51.100.255') && e.text.includes('table 250'));
          },
          { timeoutMs: 5000, intervalMs: 50, what: `ip monitor in ${ns} to listen` },
        );
      } catch (err) {
        await m.stop();
        throw err;
      }
      await runIp(ns, ['route', 'del', ...probe]);
    }
    return m;
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** Events so far. */
  events(): MonitorEvent[] {
    return [...this.#events];
  }

  async stop(): Promise<MonitorEvent[]> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
    await this.#closed;
    return this.events();
  }
}

async function runIp(ns: string, args: readonly string[]): Promise<void> {
  await new Promise<void>((resolve) => {
    const c = spawn('ip', ['-n', ns, ...args], { stdio: 'ignore' });
    c.on('close', () => resolve());
    c.on('error', () => resolve());
  });
}
