// Shared plumbing for the router starters: a daemon process started in the foreground inside a
// namespace, its output appended to a log file, its pid tracked by the scope, and an error that
// quotes the log when it dies during startup.
import { openSync, closeSync, readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import type { Netns } from '../netns.js';
import { LabError, isRunning, killPid, stopPid, waitFor } from '../proc.js';

export class ForegroundDaemon {
  readonly pid: number;
  readonly label: string;
  readonly logFile: string;
  readonly #ns: Netns;
  #exitCode: number | null | undefined; // undefined while running

  private constructor(ns: Netns, child: ChildProcess, label: string, logFile: string) {
    this.#ns = ns;
    this.label = label;
    this.logFile = logFile;
    if (child.pid === undefined) throw new LabError('ERR_LAB_DAEMON', `${label} did not start in ${ns.name}`);
    this.pid = child.pid;
    child.on('exit', (code, signal) => {
      this.#exitCode = code ?? (signal ? -1 : null);
    });
  }

  /** Spawns argv inside ns with stdout and stderr appended to logFile; the scope tracks the pid. */
  static spawn(ns: Netns, argv: readonly string[], opts: { label: string; logFile: string; env?: NodeJS.ProcessEnv }): ForegroundDaemon {
    const fd = openSync(opts.logFile, 'a');
    try {
      const child = ns.spawn(argv, { label: opts.label, stdio: ['ignore', fd, fd], env: opts.env ?? process.env });
      return new ForegroundDaemon(ns, child, opts.label, opts.logFile);
    } finally {
      closeSync(fd);
    }
  }

  get running(): boolean {
    return this.#exitCode === undefined && isRunning(this.pid);
  }

  /** Waits for `ready` while the process lives; ERR_LAB_DAEMON with the log tail if it exits first. */
  async waitReady(ready: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    await waitFor(
      async () => {
        if (!this.running) throw this.diedError(what);
        return (await ready()) || undefined;
      },
      { timeoutMs, intervalMs: 25, what: `${this.label} in ${this.#ns.name}: ${what}` },
    );
  }

  diedError(what: string): LabError {
    return new LabError('ERR_LAB_DAEMON', `${this.label} in ${this.#ns.name} exited (${this.#exitCode}) before ${what}:\n${logTail(this.logFile)}`);
  }

  async stop(graceMs = 5000): Promise<void> {
    await stopPid(this.pid, { graceMs });
    this.#ns.scope.untrackPid(this.pid);
  }

  async kill(): Promise<void> {
    await killPid(this.pid);
    this.#ns.scope.untrackPid(this.pid);
  }
}

export function logTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Reads a pid file; undefined when missing or not a number. */
export function readPidFile(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
