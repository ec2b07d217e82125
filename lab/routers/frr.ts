// FRR 8.4 in a namespace: zebra + bgpd (+ bfdd, staticd on request), one pathspace per namespace.
//
//   const r = await startFrr(scope, ns, { config: frrConfig(spec), bfd: true });
//   await r.waitEstablished('10.0.0.2');
//   const sum = await r.vtyshJson<Record<string, unknown>>('show bgp summary json');
//   await r.vtysh(['configure terminal', 'router bgp 65001', 'neighbor 10.0.0.2 shutdown']);
//   await r.stop(); await r.start();   // same config; r.kill() is SIGKILL (no NOTIFICATION)
//
// How: each daemon is `ip netns exec NS /usr/lib/frr/DAEMON -d -N NS -P 0 -A 127.0.0.1 -f CONF
// --log file:LOG` (-N puts pid files and vty sockets in /var/run/frr/NS, created first and owned by
// frr). Every daemon reads the same config file (one integrated-style config) and skips the lines of
// the others (logged as "No such command"). `vtysh --vty_socket /var/run/frr/NS` talks to them
// (`vtysh -N NS` works too but warns about a missing /etc/frr/NS/vtysh.conf). The config is given at
// start: pushing it later with `vtysh -f` converged 3x slower (lab notes).
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabScope, Netns } from '../netns.js';
import { LabError, isRunning, killPid, run, stopPid, waitFor } from '../proc.js';
import { logTail, readPidFile } from './daemon.js';
import {
  DEFAULT_HOLD_TIME,
  checkSpec,
  familyOf,
  isLinkLocal,
  neighborFamilies,
  normalizePeerState,
  type BgpSpec,
  type PeerState,
  type Router,
} from './spec.js';

const FRR_DIR = '/usr/lib/frr';
export type FrrDaemon = 'zebra' | 'staticd' | 'bfdd' | 'bgpd';

export interface FrrOptions {
  /** the FRR configuration (integrated style: zebra, bgpd, bfd sections in one text) */
  readonly config: string;
  /** also run bfdd */
  readonly bfd?: boolean;
  /** also run staticd (for `ip route` lines) */
  readonly staticd?: boolean;
  /** -F profile; default traditional */
  readonly profile?: 'traditional' | 'datacenter';
}

let cachedVersion: string | undefined;
async function frrVersion(): Promise<string> {
  if (cachedVersion === undefined) {
    const out = (await run([join(FRR_DIR, 'bgpd'), '--version'])).stdout;
    cachedVersion = /version\s+(\S+)/.exec(out)?.[1] ?? 'unknown';
  }
  return cachedVersion;
}

export class FrrRouter implements Router {
  readonly daemon = 'frr';
  readonly version: string;
  readonly ns: Netns;
  /** /var/run/frr/NS: pid files and vty sockets */
  readonly runDir: string;
  /** logs and the config file */
  readonly dir: string;
  readonly configFile: string;
  readonly #daemons: FrrDaemon[];
  readonly #profile: string;
  #pids = new Map<FrrDaemon, number>();

  constructor(ns: Netns, version: string, opts: FrrOptions, dir: string) {
    this.ns = ns;
    this.version = version;
    this.runDir = `/var/run/frr/${ns.name}`;
    this.dir = dir;
    this.configFile = join(dir, 'frr.conf');
    this.#profile = opts.profile ?? 'traditional';
    this.#daemons = ['zebra', ...(opts.staticd ? ['staticd' as const] : []), ...(opts.bfd ? ['bfdd' as const] : []), 'bgpd'];
  }

  logFile(d: FrrDaemon): string {
    return join(this.dir, `${d}.log`);
  }

  pids(): number[] {
    return [...this.#pids.values()].filter(isRunning);
  }

  pidOf(d: FrrDaemon): number | undefined {
    const pid = this.#pids.get(d);
    return pid !== undefined && isRunning(pid) ? pid : undefined;
  }

  async start(): Promise<void> {
    for (const d of this.#daemons) {
      if (this.pidOf(d) !== undefined) continue;
      const pidFile = join(this.runDir, `${d}.pid`);
      rmSync(pidFile, { force: true });
      const argv = [join(FRR_DIR, d), '-d', '-N', this.ns.name, '-F', this.#profile, '-P', '0', '-A', '127.0.0.1', '-f', this.configFile, '--log', `file:${this.logFile(d)}`];
      const r = await this.ns.exec(argv, { timeoutMs: 30_000 });
      if (r.code !== 0) {
        throw new LabError('ERR_LAB_DAEMON', `FRR ${d} failed to start in ${this.ns.name} (exit ${r.code}): ${r.stderr.trim()}\n${logTail(this.logFile(d))}`, { argv, exitCode: r.code, stderr: r.stderr });
      }
      const pid = await waitFor(() => readPidFile(pidFile), { timeoutMs: 5000, what: `${pidFile}` });
      this.#pids.set(d, pid);
      this.ns.scope.trackPid(pid, `frr ${d} ${this.ns.name}`);
    }
  }

  /** SIGTERM bgpd first (it sends Cease NOTIFICATIONs to its peers), then the others. */
  async stop(): Promise<void> {
    for (const d of [...this.#daemons].reverse()) {
      const pid = this.#pids.get(d);
      if (pid === undefined) continue;
      await stopPid(pid, { graceMs: 5000 });
      this.ns.scope.untrackPid(pid);
      this.#pids.delete(d);
    }
  }

  async kill(): Promise<void> {
    await Promise.all([...this.#pids.values()].map((pid) => killPid(pid)));
    for (const pid of this.#pids.values()) this.ns.scope.untrackPid(pid);
    this.#pids.clear();
  }

  /** Runs one or more vtysh commands (in order, in one session: `configure terminal`, ... work). */
  async vtysh(cmds: string | readonly string[]): Promise<string> {
    const list = typeof cmds === 'string' ? [cmds] : cmds;
    const r = await run(['vtysh', '--vty_socket', this.runDir, ...list.flatMap((c) => ['-c', c])], { allowFail: true, timeoutMs: 30_000 });
    if (r.code !== 0 || /^% (Unknown command|Command incomplete|Ambiguous command)/m.test(r.stdout)) {
      throw new LabError('ERR_LAB_COMMAND', `vtysh in ${this.ns.name} failed (exit ${r.code}) for ${JSON.stringify(list)}: ${(r.stdout + r.stderr).trim()}`, {
        exitCode: r.code,
        stderr: r.stderr,
      });
    }
    return r.stdout;
  }

  async vtyshJson<T = unknown>(cmd: string): Promise<T> {
    const out = await this.vtysh(cmd);
    try {
      return JSON.parse(out) as T;
    } catch (e) {
      throw new LabError('ERR_LAB_COMMAND', `vtysh in ${this.ns.name}: ${cmd} did not print JSON: ${out.slice(0, 300)}`, { cause: e });
    }
  }

  /** For an interface (unnumbered) neighbour pass the interface name. */
  async peerState(address: string): Promise<PeerState> {
    if (this.pidOf('bgpd') === undefined) return 'unknown';
    const j = await this.vtyshJson<Record<string, { bgpState?: string } | undefined>>(`show bgp neighbors ${address} json`);
    const entry = Object.values(j).find((v) => typeof v === 'object' && v !== null && 'bgpState' in v);
    return entry?.bgpState ? normalizePeerState(entry.bgpState) : 'unknown';
  }

  async waitEstablished(address: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(async () => (await this.peerState(address)) === 'established', { timeoutMs, intervalMs: 100, what: `FRR ${this.ns.name} peer ${address} established` });
  }
}

/** Starts FRR's daemons in `ns` with `opts.config`; cleanup is the scope's. */
export async function startFrr(scope: LabScope, ns: Netns, opts: FrrOptions): Promise<FrrRouter> {
  const dir = join(scope.dir(), `${ns.name}-frr`);
  mkdirSync(dir, { recursive: true });
  const router = new FrrRouter(ns, await frrVersion(), opts, dir);
  writeFileSync(router.configFile, opts.config);
  chmodSync(router.configFile, 0o644);
  mkdirSync(router.runDir, { recursive: true });
  scope.trackPath(router.runDir);
  await run(['chown', 'frr:frr', router.runDir, dir]);
  scope.onCleanup(`frr ${ns.name}`, () => router.kill()); // the namespace goes away anyway: no orderly stop needed
  await router.start();
  return router;
}

/**
 * An FRR config for a simple eBGP speaker: test-friendly timers, no policy requirement, every
 * neighbour activated for its families, `spec.announce` originated with `network` (import check
 * off, so default routes and prefixes not in the RIB are sent too) through a route map that sets
 * communities, large communities and MED. `extra` is appended inside `router bgp`.
 */
export function frrConfig(spec: BgpSpec, extra: { routerBgp?: string; global?: string } = {}): string {
  checkSpec(spec);
  const hold = spec.holdTime ?? DEFAULT_HOLD_TIME;
  const keepalive = Math.max(1, Math.floor(hold / 3));
  const setLines = [
    ...(spec.communities?.length ? [` set community ${spec.communities.join(' ')}`] : []),
    ...(spec.largeCommunities?.length ? [` set large-community ${spec.largeCommunities.join(' ')}`] : []),
    ...(spec.med !== undefined ? [` set metric ${spec.med}`] : []),
  ];
  const originMap = setLines.length > 0 ? ' route-map LL-ORIGINATE' : '';
  const nbrId = (n: BgpSpec['neighbors'][number]) => n.address;
  const lines: string[] = [
    'frr defaults traditional',
    `hostname ${spec.routerId}`,
    'log timestamp precision 3',
    // network statements with a route map wait for this timer (default 5 s) before they are announced
    'bgp route-map delay-timer 1',
    ...(extra.global ? [extra.global] : []),
    '!',
    `router bgp ${spec.asn}`,
    ` bgp router-id ${spec.routerId}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ' no bgp network import-check',
    ' bgp bestpath as-path multipath-relax',
    ...(spec.gracefulRestart ? [' bgp graceful-restart'] : []),
    ` timers bgp ${keepalive} ${hold}`,
    ' coalesce-time 50',
  ];
  for (const n of spec.neighbors) {
    const id = nbrId(n);
    lines.push(` neighbor ${id} remote-as ${n.asn}`);
    lines.push(` neighbor ${id} timers connect 5`);
    lines.push(` neighbor ${id} advertisement-interval 0`);
    if (isLinkLocal(n.address) && n.interface) lines.push(` neighbor ${id} interface ${n.interface}`);
    if (n.localAddress) lines.push(` neighbor ${id} update-source ${n.localAddress}`);
    if (n.passive) lines.push(` neighbor ${id} passive`);
  }
  for (const fam of ['ipv4', 'ipv6'] as const) {
    const nbrs = spec.neighbors.filter((n) => neighborFamilies(n).includes(fam));
    const prefixes = (spec.announce ?? []).filter((p) => familyOf(p) === fam);
    if (nbrs.length === 0 && prefixes.length === 0) continue;
    const nh = fam === 'ipv6' ? spec.nextHop6 : spec.nextHop4;
    lines.push(' !', ` address-family ${fam} unicast`);
    for (const p of prefixes) lines.push(`  network ${p}${originMap}`);
    for (const n of nbrs) {
      lines.push(`  neighbor ${nbrId(n)} activate`);
      if (nh) lines.push(`  neighbor ${nbrId(n)} route-map LL-NH-${fam} out`);
    }
    lines.push(' exit-address-family');
  }
  if (extra.routerBgp) lines.push(extra.routerBgp);
  lines.push('exit', '!');
  if (setLines.length > 0) lines.push('route-map LL-ORIGINATE permit 10', ...setLines, 'exit', '!');
  if (spec.nextHop6) lines.push('route-map LL-NH-ipv6 permit 10', ` set ipv6 next-hop global ${spec.nextHop6}`, 'exit', '!');
  if (spec.nextHop4) lines.push('route-map LL-NH-ipv4 permit 10', ` set ip next-hop ${spec.nextHop4}`, 'exit', '!');
  return `${lines.join('\n')}\n`;
}
