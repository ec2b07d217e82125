// Where a command writes: the real process for `lagless`, buffers in tests.
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const processIO: CliIO = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  env: process.env,
};

/** Exit codes: 0 ok, 1 the command failed (bad config, agent unreachable), 2 usage errors and missing parts. */
export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;

/** A usage error: printed with the command's help, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'ERR_CLI_USAGE';
}
