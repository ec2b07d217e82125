// Reconnect delays: exponential with jitter, capped. Pure (the random source is an argument).
//   backoffDelay(1, opts, Math.random) -> ~initialMs; attempt n -> ~initialMs * factor^(n-1), never above maxMs

export interface BackoffOptions {
  /** the first delay, ms */
  readonly initialMs: number;
  /** no delay is longer than this, ms */
  readonly maxMs: number;
  /** growth per attempt */
  readonly factor: number;
  /** 0..1: each delay is spread uniformly over ±jitter of its base, so agents do not reconnect in step */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000, factor: 2, jitter: 0.2 };

/** The delay before reconnect attempt `attempt` (1-based). */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number): number {
  const n = Math.max(1, Math.floor(attempt));
  const base = Math.min(opts.maxMs, opts.initialMs * opts.factor ** (n - 1));
  const spread = 1 - opts.jitter + 2 * opts.jitter * Math.min(1, Math.max(0, random()));
  return Math.max(0, Math.min(opts.maxMs, Math.round(base * spread)));
}
