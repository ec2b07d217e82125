// Time as a dependency: the session asks a Clock for timers so tests can run a FakeClock instead.

export type CancelTimer = () => void;

export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
  /** run `fn` once after `ms` milliseconds; the returned function cancels it */
  setTimer(ms: number, fn: () => void): CancelTimer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
