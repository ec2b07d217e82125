// Network namespaces for tests, benchmarks and the lab, with cleanup that survives failures.
//
//   const scope = await LabScope.create('dp');        // one per test file / benchmark / lab
//   after(() => scope.cleanup());                     // never throws, idempotent
//   const a = await scope.netns('a');                 // `${scope.prefix}-a`, lo up
//   const b = await scope.netns('b');
//   await veth(a, 'eth0', b, 'eth0', { mtu: 9000 });  // created inside a, peer moved to b, both up
//   await a.ip(['addr', 'add', '10.0.0.1/31', 'dev', 'eth0']);   // `ip -n NAME ...`, throws on failure
//   await a.run(['ping', '-c1', '10.0.0.0']);         // `ip netns exec NAME ...` -> stdout, throws ERR_LAB_COMMAND
//   await a.exec(['ping', '-c1', '10.0.0.9']);        // same, returns { code, stdout, stderr }, never throws on exit != 0
//   const child = a.spawn(['some-daemon', '-f', f]);  // long-running: its pid is tracked by the scope
//   const dir = scope.dir();                          // a private temp dir (configs, pcaps), removed by cleanup
//
// Names. A scope's prefix is `ll${tag}-${pid base 36}-${n}` (tag: 1-8 of [a-z0-9], starting with a
// letter), unique per process and per scope; namespaces are `${prefix}-${shortName}`. Namespace
// names are not limited to 15 characters, interface names are: use interfaceName() to build them.
// veth ends are created directly inside their namespaces, so interface names only have to be unique
// within a namespace, never on the host.
//
// Cleanup order: onCleanup() callbacks (reverse order, e.g. a router's orderly stop), tracked pids
// (reverse order: SIGTERM, wait, SIGKILL), any process still inside one of the scope's namespaces
// (SIGKILL), the namespaces, tracked paths. A process 'exit' hook and SIGINT/SIGTERM/SIGHUP handlers
// do the same synchronously (best effort) for scopes not yet cleaned up, so an interrupted run leaves
// nothing behind. LabScope.create() also removes what earlier runs of the same tag left behind when
// their creating process is gone (namespaces with their processes, temp dirs, FRR run dirs).
//
// A lab that outlives its process (`lagless lab up`): LabScope.create(tag, { persistent: { prefix,
// dir } }) names everything `${prefix}-...` (never swept as another run's leftovers), dir() is `dir`,
// and spawn() detaches its processes (own session, not waited for). Once built, detach(): the exit
// and signal hooks then leave the scope alone; whoever tears the lab down later works from a record
// of namespaces, trackedPids and trackedPaths.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabError, isRunning, killPid, run, stopPid, type RunOptions, type RunResult } from './proc.js';

const TAG_RE = /^[a-z][a-z0-9]{0,7}$/;
const SHORT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const IFNAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;
export const IFNAME_MAX = 15;

/** Directories where a scope (or a router starter) keeps per-namespace or per-prefix entries. */
const STALE_DIRS = [tmpdir(), '/var/run/frr'];

let scopeSeq = 0;
const liveScopes = new Set<LabScope>();

/** A persistent prefix: not of the `ll${tag}-...` form, so no scope's stale sweep ever matches it. */
const PERSISTENT_PREFIX_RE = /^(?!ll)[a-z][a-z0-9-]{0,31}$/;

export interface ScopeOptions {
  /** a lab that outlives this process: a fixed prefix (the caller keeps it unique) and directory */
  readonly persistent?: { readonly prefix: string; readonly dir: string };
}

export class LabScope {
  readonly prefix: string;
  readonly tag: string;
  #namespaces: Netns[] = [];
  #pids: { pid: number; label: string }[] = [];
  #paths: string[] = [];
  #hooks: { label: string; fn: () => Promise<void> | void }[] = [];
  #dir: string | undefined;
  #cleaning: Promise<void> | undefined;
  readonly #persistentDir: string | undefined;

  private constructor(tag: string, prefix: string, persistentDir?: string) {
    this.tag = tag;
    this.prefix = prefix;
    this.#persistentDir = persistentDir;
  }

  static async create(tag: string, opts: ScopeOptions = {}): Promise<LabScope> {
    if (!TAG_RE.test(tag)) throw new LabError('ERR_LAB_ARGUMENT', `scope tag must match ${TAG_RE}: ${JSON.stringify(tag)}`);
    const p = opts.persistent;
    if (p !== undefined && !PERSISTENT_PREFIX_RE.test(p.prefix)) {
      throw new LabError('ERR_LAB_ARGUMENT', `persistent prefix must match ${PERSISTENT_PREFIX_RE}: ${JSON.stringify(p.prefix)}`);
    }
    await removeStale(tag);
    const scope = p === undefined ? new LabScope(tag, `ll${tag}-${process.pid.toString(36)}-${(scopeSeq++).toString(36)}`) : new LabScope(tag, p.prefix, p.dir);
    liveScopes.add(scope);
    installExitHooks();
    return scope;
  }

  /** Creates namespace `${prefix}-${shortName}` with lo up; the scope deletes it in cleanup(). */
  async netns(shortName: string): Promise<Netns> {
    this.#assertOpen();
    if (!SHORT_NAME_RE.test(shortName)) throw new LabError('ERR_LAB_ARGUMENT', `netns short name must match ${SHORT_NAME_RE}: ${JSON.stringify(shortName)}`);
    const name = `${this.prefix}-${shortName}`;
    if (this.#namespaces.some((n) => n.name === name)) throw new LabError('ERR_LAB_ARGUMENT', `netns ${name} already exists in this scope`);
    await run(['ip', 'netns', 'add', name]);
    const ns = new Netns(name, this);
    this.#namespaces.push(ns); // tracked before anything else can fail
    await ns.ip(['link', 'set', 'lo', 'up']);
    return ns;
  }

  get namespaces(): readonly Netns[] {
    return this.#namespaces;
  }

  /** cleanup() stops this pid (SIGTERM, then SIGKILL). Tracking the same pid twice is harmless. */
  trackPid(pid: number, label: string): void {
    if (!Number.isInteger(pid) || pid <= 0) throw new LabError('ERR_LAB_ARGUMENT', `bad pid for ${label}: ${pid}`);
    if (!this.#pids.some((p) => p.pid === pid)) this.#pids.push({ pid, label });
  }

  /** Forget a pid (e.g. a daemon the caller stopped itself). */
  untrackPid(pid: number): void {
    this.#pids = this.#pids.filter((p) => p.pid !== pid);
  }

  get trackedPids(): readonly { pid: number; label: string }[] {
    return this.#pids;
  }

  get trackedPaths(): readonly string[] {
    return this.#paths;
  }

  /** A persistent scope: spawn() detaches, the prefix and dir are the caller's. */
  get persistent(): boolean {
    return this.#persistentDir !== undefined;
  }

  /** From now on the process exit and signal hooks leave this scope alone (cleanup() still works). */
  detach(): void {
    liveScopes.delete(this);
  }

  /** cleanup() removes this file or directory (recursively). */
  trackPath(path: string): void {
    if (!this.#paths.includes(path)) this.#paths.push(path);
  }

  /** cleanup() awaits fn first (callbacks run in reverse order of registration; errors are swallowed). */
  onCleanup(label: string, fn: () => Promise<void> | void): void {
    this.#hooks.push({ label, fn });
  }

  /** A private directory `${tmpdir}/${prefix}` (a persistent scope's own dir; mode 0755, so dropped-privilege daemons can read configs); removed by cleanup(). */
  dir(): string {
    this.#assertOpen();
    if (this.#dir === undefined) {
      const d = this.#persistentDir ?? join(tmpdir(), this.prefix);
      mkdirSync(d, { recursive: true, mode: 0o755 });
      this.trackPath(d);
      this.#dir = d;
    }
    return this.#dir;
  }

  get closed(): boolean {
    return this.#cleaning !== undefined;
  }

  /** Stops everything and deletes everything this scope made. Never throws; calling it again returns the same promise. */
  cleanup(): Promise<void> {
    this.#cleaning ??= this.#cleanup();
    return this.#cleaning;
  }

  async #cleanup(): Promise<void> {
    for (const h of [...this.#hooks].reverse()) {
      try {
        await h.fn();
      } catch {
        // best effort: what the hook did not stop is stopped below
      }
    }
    for (const p of [...this.#pids].reverse()) await stopPid(p.pid);
    for (const ns of [...this.#namespaces].reverse()) {
      try {
        const left = await nsPids(ns.name);
        await Promise.all(left.map((pid) => killPid(pid)));
        await run(['ip', 'netns', 'del', ns.name], { allowFail: true });
      } catch {
        // best effort
      }
    }
    for (const p of [...this.#paths].reverse()) rmSync(p, { recursive: true, force: true });
    liveScopes.delete(this);
  }

  /** Synchronous best effort cleanup for process exit and signals. */
  cleanupSync(): void {
    if (!liveScopes.has(this)) return;
    liveScopes.delete(this);
    this.#cleaning ??= Promise.resolve();
    const pids = this.#pids.map((p) => p.pid).filter(isRunning);
    for (const pid of pids) signalQuiet(pid, 'SIGTERM');
    sleepSyncUntil(() => pids.every((pid) => !isRunning(pid)), 1500);
    for (const pid of pids) if (isRunning(pid)) signalQuiet(pid, 'SIGKILL');
    for (const ns of [...this.#namespaces].reverse()) removeNetnsSync(ns.name);
    for (const p of [...this.#paths].reverse()) {
      try {
        rmSync(p, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  }

  #assertOpen(): void {
    if (this.#cleaning !== undefined) throw new LabError('ERR_LAB_ARGUMENT', `scope ${this.prefix} is already cleaned up`);
  }
}

export class Netns {
  readonly name: string;
  readonly scope: LabScope;

  constructor(name: string, scope: LabScope) {
    this.name = name;
    this.scope = scope;
  }

  /** `ip netns exec NAME argv...`: never throws for a non-zero exit (it does for a timeout or a missing binary). */
  exec(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return run(['ip', 'netns', 'exec', this.name, ...argv], { ...opts, allowFail: opts.allowFail ?? true });
  }

  /** `ip netns exec NAME argv...` -> stdout; throws ERR_LAB_COMMAND (with stderr) on a non-zero exit. */
  async run(argv: readonly string[], opts: Omit<RunOptions, 'allowFail'> = {}): Promise<string> {
    return (await run(['ip', 'netns', 'exec', this.name, ...argv], { ...opts, allowFail: false })).stdout;
  }

  /** `ip -n NAME args...` -> stdout; throws ERR_LAB_COMMAND on failure. Cheaper than run(['ip', ...]). */
  async ip(args: readonly string[], opts: Omit<RunOptions, 'allowFail'> = {}): Promise<string> {
    return (await run(['ip', '-n', this.name, ...args], { ...opts, allowFail: false })).stdout;
  }

  /**
   * Starts a long-running process inside the namespace (`ip netns exec` execs it, so child.pid is the
   * process itself). The scope tracks the pid under `label` (default argv[0]) and stops it in cleanup().
   * Default stdio: ignore stdin, pipe stdout/stderr (read them or pass stdio: 'ignore'/'inherit').
   */
  spawn(argv: readonly string[], opts: SpawnOptions & { label?: string } = {}): ChildProcess {
    const [cmd] = argv;
    if (cmd === undefined) throw new LabError('ERR_LAB_ARGUMENT', 'spawn: empty argv');
    const { label, ...spawnOpts } = opts;
    const persistent = this.scope.persistent;
    const child = spawn('ip', ['netns', 'exec', this.name, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...(persistent ? { detached: true } : {}), ...spawnOpts });
    if (child.pid !== undefined) this.scope.trackPid(child.pid, label ?? cmd);
    child.on('error', () => {}); // a failed spawn shows as no pid / exit; do not crash the test process
    if (persistent) child.unref(); // the lab outlives this process
    return child;
  }

  /** Pids of every process currently inside this namespace. */
  pids(): Promise<number[]> {
    return nsPids(this.name);
  }
}

export interface VethOptions {
  readonly aMac?: string;
  readonly bMac?: string;
  readonly mtu?: number;
}

/** A veth pair: `aIf` inside a, `bIf` inside b (a and b may be the same namespace); both ends up. */
export async function veth(a: Netns, aIf: string, b: Netns, bIf: string, opts: VethOptions = {}): Promise<void> {
  checkInterfaceName(aIf);
  checkInterfaceName(bIf);
  const mtu = opts.mtu === undefined ? [] : ['mtu', String(opts.mtu)];
  const aMac = opts.aMac === undefined ? [] : ['address', opts.aMac];
  const bMac = opts.bMac === undefined ? [] : ['address', opts.bMac];
  await a.ip(['link', 'add', aIf, ...aMac, ...mtu, 'type', 'veth', 'peer', 'name', bIf, ...bMac, ...mtu, 'netns', b.name]);
  await a.ip(['link', 'set', aIf, 'up']);
  await b.ip(['link', 'set', bIf, 'up']);
}

/** Throws ERR_LAB_ARGUMENT unless `name` is a valid Linux interface name (1-15 of [A-Za-z0-9_.-]). */
export function checkInterfaceName(name: string): void {
  if (!IFNAME_RE.test(name) || name === '.' || name === '..') {
    throw new LabError('ERR_LAB_ARGUMENT', `bad interface name ${JSON.stringify(name)} (1-${IFNAME_MAX} of [A-Za-z0-9_.-])`);
  }
}

/**
 * Joins parts with '-' into an interface name. When that is longer than 15 characters, the result is
 * the first 10 characters, '-', and 4 hex digits of a hash of the full name: deterministic, and
 * different full names stay different with high probability.
 */
export function interfaceName(...parts: readonly (string | number)[]): string {
  const full = parts.map(String).join('-');
  if (full.length === 0 || /[^A-Za-z0-9_.-]/.test(full)) {
    throw new LabError('ERR_LAB_ARGUMENT', `interface name parts must be of [A-Za-z0-9_.-]: ${JSON.stringify(parts)}`);
  }
  if (full.length <= IFNAME_MAX) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 4);
  return `${full.slice(0, IFNAME_MAX - 5)}-${hash}`;
}

// ---------------------------------------------------------------- helpers

async function nsPids(name: string): Promise<number[]> {
  const r = await run(['ip', 'netns', 'pids', name], { allowFail: true });
  return parsePids(r.stdout);
}

function parsePids(text: string): number[] {
  return text.split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number).filter((p) => p !== process.pid);
}

/** Names from `ip netns list` output ("name (id: 3)" or "name"). */
export function parseNetnsList(text: string): string[] {
  return text.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n !== '');
}

/**
 * For a name made by a scope of `tag` (a namespace, or a temp/run dir named after one), the pid of
 * the process that made it; undefined for names of other tags or not made by a scope.
 */
export function creatorPid(tag: string, name: string): number | undefined {
  const m = new RegExp(`^ll${tag}-([0-9a-z]+)-[0-9a-z]+(?:-|$)`).exec(name);
  if (!m?.[1]) return undefined;
  const pid = parseInt(m[1], 36);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isStale(tag: string, name: string): boolean {
  const pid = creatorPid(tag, name);
  return pid !== undefined && pid !== process.pid && !isRunning(pid);
}

async function removeStale(tag: string): Promise<void> {
  const list = await run(['ip', 'netns', 'list'], { allowFail: true });
  for (const name of parseNetnsList(list.stdout)) {
    if (!isStale(tag, name)) continue;
    const left = await nsPids(name);
    await Promise.all(left.map((pid) => killPid(pid)));
    await run(['ip', 'netns', 'del', name], { allowFail: true });
  }
  for (const dir of STALE_DIRS) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const e of entries) if (isStale(tag, e)) rmSync(join(dir, e), { recursive: true, force: true });
  }
}

function signalQuiet(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone
  }
}

function sleepSyncUntil(done: () => boolean, maxMs: number): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + maxMs;
  while (!done() && Date.now() < deadline) Atomics.wait(cell, 0, 0, 20);
}

function removeNetnsSync(name: string): void {
  try {
    const out = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    const pids = parsePids(out);
    for (const pid of pids) signalQuiet(pid, 'SIGKILL');
    sleepSyncUntil(() => pids.every((pid) => !isRunning(pid)), 2000);
  } catch {
    // best effort
  }
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore', timeout: 5000 });
  } catch {
    // best effort
  }
}

let hooksInstalled = false;
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const s of [...liveScopes]) s.cleanupSync();
  });
  const onSignal = (signal: NodeJS.Signals, n: number) => {
    for (const s of [...liveScopes]) s.cleanupSync();
    // keep the default meaning of the signal for whoever started us
    if (process.listenerCount(signal) <= 1) process.exit(128 + n);
  };
  process.on('SIGINT', () => onSignal('SIGINT', 2));
  process.on('SIGTERM', () => onSignal('SIGTERM', 15));
  process.on('SIGHUP', () => onSignal('SIGHUP', 1));
}
