// Processes for the lab and integration tests: run a command, poll with a bounded wait, know
// whether a pid is alive, stop a pid. No namespaces here (see netns.ts).
//
//   await run(['ip', 'link', 'show'])                  -> { code, stdout, stderr }; throws ERR_LAB_COMMAND on exit != 0
//   await run(argv, { allowFail: true })               -> never throws for a non-zero exit (it still throws when argv[0] cannot be started)
//   await run(argv, { input: 'text', timeoutMs: 5000 })-> stdin text; ERR_LAB_TIMEOUT (process killed) after timeoutMs
//   await waitFor(() => cond() && value, { timeoutMs: 5000, what: 'bgp established' })
//                                                      -> the first truthy value; ERR_LAB_TIMEOUT naming `what`
//   isRunning(pid)                                     -> false for a missing pid and for a zombie (reads /proc/PID/stat;
//                                                         a SIGKILLed daemon stays a zombie for ~1 s here, `kill -0` lies)
//   await stopPid(pid, { graceMs: 3000 })              -> SIGTERM, wait, SIGKILL, wait until gone; never throws
//
// Every error is a LabError with a stable `code`: ERR_LAB_COMMAND, ERR_LAB_TIMEOUT, ERR_LAB_ARGUMENT.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export type LabErrorCode = 'ERR_LAB_COMMAND' | 'ERR_LAB_TIMEOUT' | 'ERR_LAB_ARGUMENT' | 'ERR_LAB_DAEMON';

export class LabError extends Error {
  override readonly name = 'LabError';
  readonly code: LabErrorCode;
  /** the command, when the error is about one */
  readonly argv: readonly string[] | undefined;
  readonly exitCode: number | undefined;
  readonly stderr: string | undefined;

  constructor(
    code: LabErrorCode,
    message: string,
    details: { argv?: readonly string[]; exitCode?: number; stderr?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.argv = details.argv;
    this.exitCode = details.exitCode;
    this.stderr = details.stderr;
  }
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** written to the command's stdin, which is then closed */
  readonly input?: string;
  /** return non-zero exits instead of throwing ERR_LAB_COMMAND */
  readonly allowFail?: boolean;
  /** the command is SIGKILLed and ERR_LAB_TIMEOUT thrown after this long (default 60 s) */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

const DEFAULT_RUN_TIMEOUT_MS = 60_000;

/** Runs argv (no shell) to completion and collects its output. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new LabError('ERR_LAB_ARGUMENT', 'run: empty argv'));
  const timeoutMs = opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new LabError('ERR_LAB_COMMAND', `cannot start ${argv.join(' ')}: ${e.message}`, { argv, cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(new LabError('ERR_LAB_TIMEOUT', `timed out after ${timeoutMs} ms: ${argv.join(' ')}`, { argv, stderr }));
        return;
      }
      const exitCode = code ?? 128 + signalNumber(signal);
      if (exitCode !== 0 && !opts.allowFail) {
        const msg = `exit ${exitCode}${signal ? ` (${signal})` : ''}: ${argv.join(' ')}: ${stderr.trim() || stdout.trim()}`;
        reject(new LabError('ERR_LAB_COMMAND', msg, { argv, exitCode, stderr }));
        return;
      }
      resolve({ code: exitCode, stdout, stderr });
    });
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on('error', () => {}); // the command may exit without reading
      child.stdin.end(opts.input);
    }
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  if (signal === null) return 0;
  const n = (({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 }) as Record<string, number>)[signal];
  return n ?? 0;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  /** between checks; default 50 ms */
  readonly intervalMs?: number;
  /** what is being waited for, named in the timeout error */
  readonly what: string;
}

/**
 * Polls `check` until it returns something other than undefined/false (returned), or throws
 * ERR_LAB_TIMEOUT after `timeoutMs`. `check` runs at least once; an exception from it propagates.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: WaitOptions,
): Promise<T> {
  const interval = opts.intervalMs ?? 50;
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    const left = deadline - Date.now();
    if (left <= 0) throw new LabError('ERR_LAB_TIMEOUT', `timed out after ${opts.timeoutMs} ms waiting for ${opts.what}`);
    await sleep(Math.min(interval, left));
  }
}

/** The one-letter state from /proc/PID/stat ('R', 'S', 'Z', ...), or undefined when there is no such pid. */
export function procState(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return parseProcStatState(stat);
}

/** The state field of a /proc/PID/stat line; the command name may itself contain spaces and ')'. */
export function parseProcStatState(stat: string): string | undefined {
  const close = stat.lastIndexOf(')');
  if (close === -1) return undefined;
  const state = stat.slice(close + 1).trimStart()[0];
  return state === undefined || state === '' ? undefined : state;
}

/** True while the pid exists and is not a zombie (or dead). */
export function isRunning(pid: number): boolean {
  const s = procState(pid);
  return s !== undefined && s !== 'Z' && s !== 'X' && s !== 'x';
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM, wait up to graceMs (default 3 s), SIGKILL, wait until it is gone (zombie counts as gone). Never throws. */
export async function stopPid(pid: number, opts: { graceMs?: number } = {}): Promise<void> {
  if (!isRunning(pid)) return;
  signalPid(pid, 'SIGTERM');
  try {
    await waitFor(() => !isRunning(pid), { timeoutMs: opts.graceMs ?? 3000, intervalMs: 20, what: `pid ${pid} to exit` });
    return;
  } catch {
    // still there: kill it
  }
  await killPid(pid);
}

/** SIGKILL and wait (up to 5 s) until it is gone. Never throws. */
export async function killPid(pid: number): Promise<void> {
  if (!isRunning(pid)) return;
  signalPid(pid, 'SIGKILL');
  try {
    await waitFor(() => !isRunning(pid), { timeoutMs: 5000, intervalMs: 20, what: `pid ${pid} to die` });
  } catch {
    // a process in uninterruptible sleep; nothing more we can do
  }
}
