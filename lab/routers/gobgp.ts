// GoBGP 3.10 in a namespace: `gobgpd -f CONF -t toml --api-hosts 127.0.0.1:PORT --pprof-disable` in
// the foreground; the `gobgp` CLI must run inside the same namespace (the API listens on its
// loopback). GoBGP is a BGP peer only here (its zebra client panics against FRR 8.4).
//
//   const { config, routes } = gobgpFromSpec(spec);
//   const g = await startGobgp(scope, ns, { config, routes });   // routes are re-added after every start
//   await g.waitEstablished('10.0.0.1');
//   await g.cli(['global', 'rib', 'add', '-a', 'ipv4', '10.9.0.0/24', 'origin', 'igp']);
//   const rib = await g.cliJson(['global', 'rib', '-a', 'ipv4']);
//   await g.cli(['neighbor', '10.0.0.1', 'shutdown']);          // Cease / administrative shutdown
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabScope, Netns } from '../netns.js';
import { LabError, isRunning, run, waitFor } from '../proc.js';
import { ForegroundDaemon } from './daemon.js';
import {
  DEFAULT_HOLD_TIME,
  checkSpec,
  familyOf,
  isLinkLocal,
  neighborFamilies,
  type BgpSpec,
  type PeerState,
  type Router,
} from './spec.js';

export interface GobgpOptions {
  /** the gobgpd TOML config */
  readonly config: string;
  /** gRPC API port on the namespace's 127.0.0.1; default 50051 (each namespace has its own loopback) */
  readonly apiPort?: number;
  /** `gobgp` CLI argument lists run after every start, e.g. ['global', 'rib', 'add', '-a', 'ipv4', ...] */
  readonly routes?: readonly (readonly string[])[];
}

let cachedVersion: string | undefined;
async function gobgpVersion(): Promise<string> {
  if (cachedVersion === undefined) {
    const r = await run(['gobgpd', '--version'], { allowFail: true });
    cachedVersion = /version\s+(\S+)/.exec(r.stdout + r.stderr)?.[1] ?? 'unknown';
  }
  return cachedVersion;
}

// apipb.PeerState_SessionState
const SESSION_STATES: Record<number, PeerState> = { 1: 'idle', 2: 'connect', 3: 'active', 4: 'opensent', 5: 'openconfirm', 6: 'established' };

export class GobgpRouter implements Router {
  readonly daemon = 'gobgp';
  readonly version: string;
  readonly ns: Netns;
  readonly dir: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly apiPort: number;
  readonly #routes: readonly (readonly string[])[];
  #proc: ForegroundDaemon | undefined;

  constructor(ns: Netns, version: string, dir: string, opts: GobgpOptions) {
    this.ns = ns;
    this.version = version;
    this.dir = dir;
    this.configFile = join(dir, 'gobgpd.toml');
    this.logFile = join(dir, 'gobgpd.log');
    this.apiPort = opts.apiPort ?? 50051;
    this.#routes = opts.routes ?? [];
  }

  pids(): number[] {
    return this.#proc?.running ? [this.#proc.pid] : [];
  }

  async start(): Promise<void> {
    if (this.#proc?.running) return;
    this.#proc = ForegroundDaemon.spawn(
      this.ns,
      ['gobgpd', '-f', this.configFile, '-t', 'toml', '--api-hosts', `127.0.0.1:${this.apiPort}`, '--pprof-disable', '-p'],
      { label: `gobgpd ${this.ns.name}`, logFile: this.logFile },
    );
    await this.#proc.waitReady(async () => (await this.#cliRaw(['global', '-j'])).code === 0, 10_000, 'API answers');
    for (const args of this.#routes) await this.cli(args);
  }

  async stop(): Promise<void> {
    await this.#proc?.stop();
  }

  async kill(): Promise<void> {
    await this.#proc?.kill();
  }

  #cliRaw(args: readonly string[]) {
    return this.ns.exec(['gobgp', '-u', '127.0.0.1', '-p', String(this.apiPort), ...args], { timeoutMs: 30_000 });
  }

  /** Runs the gobgp CLI in the namespace against this daemon; throws ERR_LAB_COMMAND on failure. */
  async cli(args: readonly string[]): Promise<string> {
    const r = await this.#cliRaw(args);
    if (r.code !== 0) throw new LabError('ERR_LAB_COMMAND', `gobgp ${args.join(' ')} in ${this.ns.name} failed: ${(r.stderr + r.stdout).trim()}`, { exitCode: r.code, stderr: r.stderr });
    return r.stdout;
  }

  /** cli(args) with -j, parsed. */
  async cliJson<T = unknown>(args: readonly string[]): Promise<T> {
    const out = await this.cli([...args, '-j']);
    try {
      return JSON.parse(out) as T;
    } catch (e) {
      throw new LabError('ERR_LAB_COMMAND', `gobgp ${args.join(' ')} -j did not print JSON: ${out.slice(0, 300)}`, { cause: e });
    }
  }

  async peerState(address: string): Promise<PeerState> {
    if (!this.#proc?.running || !isRunning(this.#proc.pid)) return 'unknown';
    const r = await this.#cliRaw(['neighbor', address, '-j']);
    if (r.code !== 0) return 'unknown';
    try {
      const j = JSON.parse(r.stdout) as { state?: { session_state?: number } };
      return SESSION_STATES[j.state?.session_state ?? 0] ?? 'unknown';
    } catch {
      return 'unknown';
    }
  }

  async waitEstablished(address: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(async () => (await this.peerState(address)) === 'established', { timeoutMs, intervalMs: 100, what: `GoBGP ${this.ns.name} peer ${address} established` });
  }
}

/** Starts gobgpd in `ns`; cleanup is the scope's. */
export async function startGobgp(scope: LabScope, ns: Netns, opts: GobgpOptions): Promise<GobgpRouter> {
  const dir = join(scope.dir(), `${ns.name}-gobgp`);
  mkdirSync(dir, { recursive: true });
  const router = new GobgpRouter(ns, await gobgpVersion(), dir, opts);
  writeFileSync(router.configFile, opts.config);
  scope.onCleanup(`gobgpd ${ns.name}`, () => router.kill());
  await router.start();
  return router;
}

/**
 * A gobgpd TOML config for a simple eBGP speaker (test-friendly timers, idle hold after reset 1 s)
 * and the `gobgp global rib add` argument lists that originate `spec.announce` (origin igp: the
 * default, incomplete, loses to other daemons' routes and breaks ECMP).
 */
export function gobgpFromSpec(spec: BgpSpec): { config: string; routes: string[][] } {
  checkSpec(spec);
  const hold = spec.holdTime ?? DEFAULT_HOLD_TIME;
  const q = JSON.stringify;
  const lines: string[] = ['[global.config]', `  as = ${spec.asn}`, `  router-id = ${q(spec.routerId)}`];
  for (const n of spec.neighbors) {
    const addr = isLinkLocal(n.address) ? `${n.address}%${n.interface}` : n.address;
    lines.push('', '[[neighbors]]', '  [neighbors.config]', `    neighbor-address = ${q(addr)}`, `    peer-as = ${n.asn}`);
    lines.push('  [neighbors.timers.config]', '    connect-retry = 5', `    hold-time = ${hold}`, `    keepalive-interval = ${Math.max(1, Math.floor(hold / 3))}`, '    idle-hold-time-after-reset = 1');
    if (n.localAddress || n.passive) {
      lines.push('  [neighbors.transport.config]');
      if (n.localAddress) lines.push(`    local-address = ${q(n.localAddress)}`);
      if (n.passive) lines.push('    passive-mode = true');
    }
    if (spec.gracefulRestart) lines.push('  [neighbors.graceful-restart.config]', '    enabled = true', '    restart-time = 120');
    for (const fam of neighborFamilies(n)) {
      lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${fam}-unicast"`);
      if (spec.gracefulRestart) lines.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
    }
  }
  const attrs = [
    'origin',
    'igp',
    ...(spec.communities?.length ? ['community', spec.communities.join(',')] : []),
    ...(spec.largeCommunities?.length ? ['large-community', spec.largeCommunities.join(',')] : []),
    ...(spec.med !== undefined ? ['med', String(spec.med)] : []),
  ];
  const routes = (spec.announce ?? []).map((p) => {
    const fam = familyOf(p);
    const nh = fam === 'ipv6' ? spec.nextHop6 : spec.nextHop4;
    return ['global', 'rib', 'add', '-a', fam, p, ...attrs, ...(nh ? ['nexthop', nh] : [])];
  });
  return { config: `${lines.join('\n')}\n`, routes };
}
