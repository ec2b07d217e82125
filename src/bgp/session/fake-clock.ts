// A Clock for tests: time moves only when the test says so.
import type { CancelTimer, Clock } from './clock.js';

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, Pending>();

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    const seq = this.#seq++;
    this.#timers.set(seq, { at: this.#now + Math.max(0, ms), seq, fn });
    return () => {
      this.#timers.delete(seq);
    };
  }

  /** number of timers waiting */
  get pending(): number {
    return this.#timers.size;
  }

  #due(end: number): Pending | undefined {
    let next: Pending | undefined;
    for (const t of this.#timers.values()) {
      if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
    }
    return next;
  }

  /** Move time forward by `ms`, running due timers in deadline order (including ones they set). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (let t = this.#due(end); t !== undefined; t = this.#due(end)) {
      this.#timers.delete(t.seq);
      this.#now = t.at;
      t.fn();
    }
    this.#now = end;
  }

  /**
   * Like advance, but lets the event loop run (`settle`) after each timer, so that I/O the timers
   * cause (in-memory connections deliver asynchronously) happens at the right fake time.
   */
  async advanceAsync(ms: number, settle: () => Promise<void> = settleEventLoop): Promise<void> {
    const end = this.#now + ms;
    await settle();
    for (let t = this.#due(end); t !== undefined; t = this.#due(end)) {
      this.#timers.delete(t.seq);
      this.#now = t.at;
      t.fn();
      await settle();
    }
    this.#now = end;
  }
}

/** Let queued I/O callbacks, microtasks and immediates run a few rounds. */
export async function settleEventLoop(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
