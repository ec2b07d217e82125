// Per-port status after each flush, and the events the agent waits for: 'port-wired' once every
// object of a port is in place, 'port-unwired' once a port that was wired is not any more (tap
// gone, or removed and its objects deleted), 'port-failed' with the code that keeps it unwired.
import type { PortProblem } from './firewall-sync.js';
import type { Logger } from './logger.js';

export type PortState =
  /** tap wired: firewall rules, sysctls, routes, neighbour entries, gateway addresses in place */
  | 'wired'
  /** the port's tap does not exist (yet) */
  | 'pending-tap'
  /** waiting for in-sync (its firewall rules) or for the next flush */
  | 'pending'
  /** the port or one of its kernel objects failed: `error` says why; retried with backoff */
  | 'failed'
  /** removed from the desired set; its kernel objects are still there (not in sync yet, or removal failed) */
  | 'unwiring';

export interface PortStatus {
  readonly id: string;
  readonly tap: string;
  readonly state: PortState;
  readonly error?: PortProblem;
}

export interface StatusInput {
  /** every desired port: id -> tap */
  readonly desired: ReadonlyMap<string, string>;
  /** ports that will not be wired, and why */
  readonly problems: ReadonlyMap<string, PortProblem>;
  /** ports whose objects were planned this flush, with their object keys */
  readonly ready: readonly { readonly id: string; readonly tap: string; readonly keys: readonly string[] }[];
  readonly pendingTap: ReadonlySet<string>;
  /** the failure holding an object back, if any */
  readonly failureOf: (key: string) => PortProblem | undefined;
  /** true while anything of a removed port is still in the kernel */
  readonly leftover: (tap: string, keys: readonly string[]) => boolean;
}

export interface StatusEvents {
  wired(s: PortStatus): void;
  unwired(p: { id: string; tap: string }): void;
  failed(s: PortStatus): void;
}

export class PortStatusBook {
  #status = new Map<string, PortStatus>();
  /** the object keys of every port planned (ready) in the last flush, kept while a removed port is unwiring */
  #keysByPort = new Map<string, { tap: string; keys: readonly string[] }>();
  #retiring = new Map<string, { tap: string; keys: readonly string[] }>();
  readonly #events: StatusEvents;
  readonly #log: Logger;

  constructor(events: StatusEvents, log: Logger) {
    this.#events = events;
    this.#log = log;
  }

  get(id: string): PortStatus | undefined {
    return this.#status.get(id);
  }

  all(): PortStatus[] {
    return [...this.#status.values()];
  }

  isWired(id: string): boolean {
    return this.#status.get(id)?.state === 'wired';
  }

  update(input: StatusInput): void {
    const next = new Map<string, PortStatus>();
    const planned = new Map<string, { tap: string; keys: readonly string[] }>();
    for (const r of input.ready) {
      planned.set(r.id, { tap: r.tap, keys: r.keys });
      let error: PortProblem | undefined;
      for (const k of r.keys) {
        error = input.failureOf(k);
        if (error !== undefined) break;
      }
      next.set(r.id, error === undefined ? { id: r.id, tap: r.tap, state: 'wired' } : { id: r.id, tap: r.tap, state: 'failed', error });
    }
    for (const [id, tap] of input.desired) {
      if (next.has(id)) continue;
      const problem = input.problems.get(id);
      if (problem !== undefined) next.set(id, { id, tap, state: 'failed', error: problem });
      else next.set(id, { id, tap, state: input.pendingTap.has(id) ? 'pending-tap' : 'pending' });
    }
    // removed ports: 'unwiring' until nothing of theirs is left in the kernel
    for (const id of this.#status.keys()) {
      if (input.desired.has(id) || this.#retiring.has(id)) continue;
      const known = this.#keysByPort.get(id);
      if (known !== undefined) this.#retiring.set(id, known);
    }
    const unwired: { id: string; tap: string }[] = [];
    for (const [id, r] of this.#retiring) {
      if (input.desired.has(id)) this.#retiring.delete(id);
      else if (input.leftover(r.tap, r.keys)) next.set(id, { id, tap: r.tap, state: 'unwiring' });
      else {
        this.#retiring.delete(id);
        if (this.#status.get(id)?.state === 'wired' || this.#status.get(id)?.state === 'unwiring') unwired.push({ id, tap: r.tap });
      }
    }
    const prevStatus = this.#status;
    this.#status = next;
    for (const [id, k] of planned) this.#keysByPort.set(id, k);
    for (const id of [...this.#keysByPort.keys()]) if (!planned.has(id) && !this.#retiring.has(id)) this.#keysByPort.delete(id);

    for (const u of unwired) this.#events.unwired(u);
    for (const [id, s] of next) {
      const prev = prevStatus.get(id);
      if (s.state === 'wired' && prev?.state !== 'wired') this.#events.wired(s);
      if (s.state === 'failed' && (prev?.state !== 'failed' || prev.error?.code !== s.error?.code)) {
        this.#log.warn('port failed', { code: s.error?.code, port: id, tap: s.tap, key: s.error?.key, error: s.error?.message });
        this.#events.failed(s);
      }
      if (prev?.state === 'wired' && s.state !== 'wired' && s.state !== 'unwiring' && input.desired.has(id)) this.#events.unwired({ id, tap: s.tap });
    }
  }
}
