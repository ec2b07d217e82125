// How the Linux kernel implementation runs commands: one seam, so tests can count and inspect
// every process it starts, and so every command can run inside a network namespace.
//
//   const runner = new ExecRunner({ netns: 'hv1' });       // or {} for the host's own namespace
//   await runner.run(['ip', '-json', 'link', 'show'], { purpose: 'read' });   // -> ip -n hv1 -json link show
//   await runner.run(['nft', '-f', '-'], { purpose: 'write', input: script }); // -> ip netns exec hv1 nft -f -
//   const counting = new CountingRunner(runner);           // counting.reads / .writes / .commands
import { spawn, type ChildProcess } from 'node:child_process';
import { DataplaneError } from '../errors.js';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** written to stdin, which is then closed */
  readonly input?: string;
  /** for counting: does the command change the kernel? */
  readonly purpose: 'read' | 'write';
}

export interface CommandRunner {
  /** Runs argv to completion (argv[0] is 'ip', 'nft' or 'sh'). Never throws for a non-zero exit; throws ERR_DP_COMMAND when it cannot start. */
  run(argv: readonly string[], opts: RunOptions): Promise<CommandResult>;
  /** Starts a long-running command (the monitor), stdout and stderr piped. */
  spawn(argv: readonly string[]): ChildProcess;
}

export interface ExecRunnerOptions {
  /** run everything inside this network namespace (`ip -n NS`, `ip netns exec NS ...`) */
  readonly netns?: string;
  /** per command; default 120 s */
  readonly timeoutMs?: number;
}

export class ExecRunner implements CommandRunner {
  readonly netns: string | undefined;
  readonly #timeoutMs: number;

  constructor(opts: ExecRunnerOptions = {}) {
    this.netns = opts.netns;
    this.#timeoutMs = opts.timeoutMs ?? 120_000;
  }

  /** The argv actually executed for `argv` in this runner's namespace. */
  wrap(argv: readonly string[]): string[] {
    if (this.netns === undefined) return [...argv];
    if (argv[0] === 'ip') return ['ip', '-n', this.netns, ...argv.slice(1)];
    return ['ip', 'netns', 'exec', this.netns, ...argv];
  }

  run(argv: readonly string[], opts: RunOptions): Promise<CommandResult> {
    const [file, ...args] = this.wrap(argv);
    if (file === undefined) return Promise.reject(new DataplaneError('ERR_DP_COMMAND', 'empty command'));
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on('data', (b: Buffer) => out.push(b));
      child.stderr?.on('data', (b: Buffer) => err.push(b));
      const timer = setTimeout(() => child.kill('SIGKILL'), this.#timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new DataplaneError('ERR_DP_COMMAND', `cannot run ${argv.join(' ')}: ${e.message}`, { command: argv.join(' '), cause: e }));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
      if (opts.input !== undefined && child.stdin) {
        child.stdin.on('error', () => {});
        child.stdin.end(opts.input);
      }
    });
  }

  spawn(argv: readonly string[]): ChildProcess {
    const [file, ...args] = this.wrap(argv);
    if (file === undefined) throw new DataplaneError('ERR_DP_COMMAND', 'empty command');
    return spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

/** Counts (and remembers) the commands another runner runs. */
export class CountingRunner implements CommandRunner {
  readonly inner: CommandRunner;
  reads = 0;
  writes = 0;
  spawns = 0;
  /** argv of each command, with its purpose */
  readonly log: { purpose: 'read' | 'write' | 'spawn'; argv: readonly string[]; inputLines: number; inputHead: string }[] = [];

  constructor(inner: CommandRunner) {
    this.inner = inner;
  }

  get commands(): number {
    return this.reads + this.writes;
  }

  reset(): void {
    this.reads = 0;
    this.writes = 0;
    this.spawns = 0;
    this.log.length = 0;
  }

  run(argv: readonly string[], opts: RunOptions): Promise<CommandResult> {
    if (opts.purpose === 'read') this.reads++;
    else this.writes++;
    const input = opts.input ?? '';
    this.log.push({ purpose: opts.purpose, argv, inputLines: input.split('\n').filter((l) => l !== '').length, inputHead: input.slice(0, 400) });
    return this.inner.run(argv, opts);
  }

  spawn(argv: readonly string[]): ChildProcess {
    this.spawns++;
    this.log.push({ purpose: 'spawn', argv, inputLines: 0, inputHead: '' });
    return this.inner.spawn(argv);
  }
}
