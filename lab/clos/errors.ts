// The lab's errors: one class, a stable code each, and for a bad topology every issue found.
import { formatIssue, type Issue } from '../../src/lib/schema.js';

export type ClosErrorCode =
  /** the topology (a file or a preset with overrides) is not buildable: see `issues` */
  | 'ERR_LAB_TOPOLOGY'
  /** no lab of that name is up (no state file, no namespaces) */
  | 'ERR_LAB_NOT_UP'
  /** `lab exec NODE` or a name that is not a node of the lab */
  | 'ERR_LAB_UNKNOWN_NODE'
  /** a state file that cannot be read or is not a lab's */
  | 'ERR_LAB_STATE'
  /** bringing the lab up failed (a daemon, a command, convergence); everything built so far was removed */
  | 'ERR_LAB_BUILD';

export class ClosError extends Error {
  override readonly name = 'ClosError';
  readonly code: ClosErrorCode;
  readonly issues: readonly Issue[];

  constructor(code: ClosErrorCode, message: string, details: { issues?: readonly Issue[]; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.issues = details.issues ?? [];
  }

  static topology(issues: readonly Issue[], file?: string): ClosError {
    const head = `${file ?? 'topology'}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`;
    return new ClosError('ERR_LAB_TOPOLOGY', `${head}\n${issues.map((i) => `  ${formatIssue(i, file)}`).join('\n')}`, { issues });
  }
}
