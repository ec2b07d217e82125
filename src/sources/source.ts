// What the agent needs from a source of ports (the `file` source, the `neutron` source): the
// complete desired set of ports bound to this host, each time it changes, and a signal once that
// set is complete. A source never sends deltas; the reconciler diffs.
import type { PortSpec } from '../dataplane/port.js';
import type { Issue } from '../lib/schema.js';

/**
 * One entry of the desired set that was skipped (bad or conflicting), with where it came from:
 * { path: "ports[2].fixed_ips[0].address", code: "ERR_PORT_ADDRESS", message, line?, column? }.
 * The other entries still apply.
 */
export type SourceIssue = Issue;

export interface SourceEvents {
  /** the complete desired set (not a delta) and the entries skipped; sent when either changes */
  ports: [ports: readonly PortSpec[], issues: readonly SourceIssue[]];
  /** once, after the first complete view: until then the agent deletes nothing (restart safety) */
  'in-sync': [];
  /**
   * the source cannot currently deliver (file unreadable or malformed, broker unreachable); the
   * last delivered set stands. Sources emit it only when someone listens (an unheard 'error' event
   * would throw), and always log it.
   */
  error: [err: SourceError];
}

export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    /** e.g. ERR_SOURCE_FILE_YAML, ERR_SOURCE_FILE_MISSING */
    readonly code: string,
    message: string,
    readonly issues: readonly SourceIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Source {
  /** "file" or "neutron": for logs and `lagless show status` */
  readonly kind: string;
  /** true once 'in-sync' was emitted */
  readonly inSync: boolean;
  /** starts delivering; rejects (with a coded error) only when the source cannot work at all */
  start(): Promise<void>;
  /** stops every watcher, timer and connection; no event is emitted afterwards */
  stop(): Promise<void>;
  on<E extends keyof SourceEvents>(event: E, listener: (...args: SourceEvents[E]) => void): this;
  off<E extends keyof SourceEvents>(event: E, listener: (...args: SourceEvents[E]) => void): this;
}
