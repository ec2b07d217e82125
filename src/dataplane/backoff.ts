// Per-object retry with exponential backoff: one failing object waits alone while the rest of the
// dataplane keeps converging.
import type { DataplaneError } from './errors.js';

export interface BackoffOptions {
  /** wait after the first failure */
  readonly initialMs: number;
  /** the wait doubles per failure up to this */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 30_000 };

export interface Failure {
  readonly error: DataplaneError;
  /** consecutive failures */
  readonly attempts: number;
  /** not retried before this time (ms, the clock given to the tracker) */
  readonly retryAt: number;
}

export class BackoffTracker {
  readonly #opts: BackoffOptions;
  readonly #failures = new Map<string, Failure>();

  constructor(opts: BackoffOptions = DEFAULT_BACKOFF) {
    this.#opts = opts;
  }

  /** Records a failure of `key` at time `now`; returns it with its retry time. */
  fail(key: string, error: DataplaneError, now: number): Failure {
    const attempts = (this.#failures.get(key)?.attempts ?? 0) + 1;
    const wait = Math.min(this.#opts.maxMs, this.#opts.initialMs * 2 ** Math.min(attempts - 1, 30));
    const f = { error, attempts, retryAt: now + wait };
    this.#failures.set(key, f);
    return f;
  }

  succeed(key: string): void {
    this.#failures.delete(key);
  }

  /** True while `key` waits for its retry. */
  held(key: string, now: number): boolean {
    const f = this.#failures.get(key);
    return f !== undefined && f.retryAt > now;
  }

  get(key: string): Failure | undefined {
    return this.#failures.get(key);
  }

  /** Forget keys nobody wants any more. */
  retain(keep: (key: string) => boolean): void {
    for (const k of this.#failures.keys()) if (!keep(k)) this.#failures.delete(k);
  }

  /** The earliest retry time, or undefined when nothing failed. */
  nextRetryAt(): number | undefined {
    let min: number | undefined;
    for (const f of this.#failures.values()) if (min === undefined || f.retryAt < min) min = f.retryAt;
    return min;
  }

  get size(): number {
    return this.#failures.size;
  }

  entries(): IterableIterator<[string, Failure]> {
    return this.#failures.entries();
  }
}
