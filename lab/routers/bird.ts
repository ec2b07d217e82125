// BIRD 2.0 in a namespace: one foreground `bird -f` per namespace with its own config, control socket
// and pid file; `birdc -s SOCK` talks to it.
//
//   const b = await startBird(scope, ns, { config: birdConfig(spec) });
//   await b.waitEstablished('10.0.0.1');
//   console.log(await b.birdc('show route all'));
//   await b.birdc('disable p0');      // Cease / administrative shutdown to that peer
//   await b.stop(); await b.start();  // same config; b.kill() is SIGKILL
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
  normalizePeerState,
  type BgpSpec,
  type PeerState,
  type Router,
} from './spec.js';

export interface BirdOptions {
  /** the complete bird.conf */
  readonly config: string;
}

let cachedVersion: string | undefined;
async function birdVersion(): Promise<string> {
  if (cachedVersion === undefined) {
    const r = await run(['bird', '--version'], { allowFail: true });
    cachedVersion = /version\s+(\S+)/.exec(r.stdout + r.stderr)?.[1] ?? 'unknown';
  }
  return cachedVersion;
}

export class BirdRouter implements Router {
  readonly daemon = 'bird';
  readonly version: string;
  readonly ns: Netns;
  readonly dir: string;
  readonly configFile: string;
  readonly socket: string;
  readonly pidFile: string;
  readonly logFile: string;
  #proc: ForegroundDaemon | undefined;

  constructor(ns: Netns, version: string, dir: string) {
    this.ns = ns;
    this.version = version;
    this.dir = dir;
    this.configFile = join(dir, 'bird.conf');
    this.socket = join(dir, 'bird.ctl');
    this.pidFile = join(dir, 'bird.pid');
    this.logFile = join(dir, 'bird.log');
  }

  pids(): number[] {
    return this.#proc?.running ? [this.#proc.pid] : [];
  }

  async start(): Promise<void> {
    if (this.#proc?.running) return;
    this.#proc = ForegroundDaemon.spawn(this.ns, ['bird', '-f', '-c', this.configFile, '-s', this.socket, '-P', this.pidFile], {
      label: `bird ${this.ns.name}`,
      logFile: this.logFile,
    });
    await this.#proc.waitReady(async () => (await run(['birdc', '-s', this.socket, 'show status'], { allowFail: true })).code === 0, 10_000, 'control socket answers');
  }

  async stop(): Promise<void> {
    await this.#proc?.stop();
  }

  async kill(): Promise<void> {
    await this.#proc?.kill();
  }

  /** Runs one birdc command; throws ERR_LAB_COMMAND when birdc fails or BIRD answers with an error. */
  async birdc(cmd: string): Promise<string> {
    const r = await run(['birdc', '-s', this.socket, cmd], { allowFail: true, timeoutMs: 30_000 });
    // birdc prints the banner, then the reply; BIRD error replies are "syntax error" or codes 8xxx/9xxx
    if (r.code !== 0 || /^(syntax error|\d{4}-?\s*(?:Unknown|No protocols match|Syntax error))/m.test(r.stdout)) {
      throw new LabError('ERR_LAB_COMMAND', `birdc in ${this.ns.name} failed for ${JSON.stringify(cmd)}: ${(r.stdout + r.stderr).trim()}`, { exitCode: r.code, stderr: r.stderr });
    }
    return r.stdout;
  }

  /** The BGP state of the protocol whose neighbour address is `address` (parsed from `show protocols all`). */
  async peerState(address: string): Promise<PeerState> {
    if (!this.#proc?.running || !isRunning(this.#proc.pid)) return 'unknown';
    const out = await this.birdc('show protocols all');
    const block = parseBirdProtocols(out).find((p) => p.neighborAddress?.split('%')[0] === address);
    return block?.bgpState ? normalizePeerState(block.bgpState) : 'unknown';
  }

  /** The name of the protocol peering with `address`, e.g. to `disable` it. */
  async protocolFor(address: string): Promise<string> {
    const block = parseBirdProtocols(await this.birdc('show protocols all')).find((p) => p.neighborAddress?.split('%')[0] === address);
    if (!block) throw new LabError('ERR_LAB_ARGUMENT', `BIRD in ${this.ns.name} has no protocol for neighbour ${address}`);
    return block.name;
  }

  async waitEstablished(address: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(async () => (await this.peerState(address)) === 'established', { timeoutMs, intervalMs: 100, what: `BIRD ${this.ns.name} peer ${address} established` });
  }
}

export interface BirdProtocolInfo {
  readonly name: string;
  readonly proto: string;
  readonly state: string;
  readonly bgpState?: string;
  readonly neighborAddress?: string;
}

/** Parses `birdc show protocols all`: one entry per protocol, with BGP state and neighbour address when shown. */
export function parseBirdProtocols(text: string): BirdProtocolInfo[] {
  const out: BirdProtocolInfo[] = [];
  let cur: { name: string; proto: string; state: string; bgpState?: string; neighborAddress?: string } | undefined;
  for (const line of text.split('\n')) {
    const head = /^(\S+)\s+(BGP|Device|Static|Kernel|Direct|BFD|Pipe|OSPF|RIP|Babel|RAdv|Perf|MRT|RPKI)\s+\S+\s+(\w+)/.exec(line);
    if (head) {
      if (cur) out.push(cur);
      cur = { name: head[1]!, proto: head[2]!, state: head[3]! };
      continue;
    }
    if (!cur) continue;
    const st = /^\s+BGP state:\s+(\S+)/.exec(line);
    if (st) cur.bgpState = st[1]!;
    const na = /^\s+Neighbor address:\s+(\S+)/.exec(line);
    if (na) cur.neighborAddress = na[1]!;
  }
  if (cur) out.push(cur);
  return out;
}

/** Starts BIRD in `ns` with `opts.config`; cleanup is the scope's. */
export async function startBird(scope: LabScope, ns: Netns, opts: BirdOptions): Promise<BirdRouter> {
  const dir = join(scope.dir(), `${ns.name}-bird`);
  mkdirSync(dir, { recursive: true });
  const router = new BirdRouter(ns, await birdVersion(), dir);
  writeFileSync(router.configFile, opts.config);
  scope.onCleanup(`bird ${ns.name}`, () => router.kill());
  await router.start();
  return router;
}

/**
 * A BIRD config for a simple eBGP speaker: device protocol, static blackhole routes for
 * `spec.announce` (carrying the communities, large communities and MED), one BGP protocol per
 * neighbour named p0, p1, ... with test-friendly timers, importing and exporting everything.
 * `extra` is appended at top level.
 */
export function birdConfig(spec: BgpSpec, extra = ''): string {
  checkSpec(spec);
  const hold = spec.holdTime ?? DEFAULT_HOLD_TIME;
  const attrs = [
    ...(spec.communities ?? []).map((c) => `bgp_community.add((${c.replace(':', ',')}));`),
    ...(spec.largeCommunities ?? []).map((c) => `bgp_large_community.add((${c.replaceAll(':', ',')}));`),
    ...(spec.med !== undefined ? [`bgp_med = ${spec.med};`] : []),
  ];
  const routeAttrs = attrs.length > 0 ? ` { ${attrs.join(' ')} }` : '';
  const lines: string[] = [`router id ${spec.routerId};`, 'log stderr all;', 'protocol device { scan time 10; }'];
  for (const fam of ['ipv4', 'ipv6'] as const) {
    const prefixes = (spec.announce ?? []).filter((p) => familyOf(p) === fam);
    if (prefixes.length === 0) continue;
    lines.push(`protocol static static_${fam} {`, `  ${fam};`, ...prefixes.map((p) => `  route ${p} blackhole${routeAttrs};`), '}');
  }
  spec.neighbors.forEach((n, i) => {
    const nbr = isLinkLocal(n.address) ? `${n.address}%${n.interface}` : n.address;
    lines.push(`protocol bgp p${i} {`);
    lines.push(`  local${n.localAddress ? ` ${n.localAddress}` : ''} as ${spec.asn};`);
    lines.push(`  neighbor ${nbr} as ${n.asn};`);
    if (isLinkLocal(n.address) && n.interface) lines.push(`  interface "${n.interface}";`);
    lines.push(`  hold time ${hold}; keepalive time ${Math.max(1, Math.floor(hold / 3))}; connect retry time 5; start delay time 1; error wait time 1, 10;`);
    if (n.passive) lines.push('  passive on;');
    if (spec.gracefulRestart) lines.push('  graceful restart on;');
    for (const fam of neighborFamilies(n)) {
      const nh = fam === 'ipv6' ? spec.nextHop6 : spec.nextHop4;
      const crossFamily = (fam === 'ipv4') !== !n.address.includes(':');
      const opts = [
        'import all;',
        'export all;',
        ...(nh ? [`next hop address ${nh};`] : []),
        ...(fam === 'ipv4' && crossFamily && !nh ? ['extended next hop on;'] : []),
      ];
      lines.push(`  ${fam} { ${opts.join(' ')} };`);
    }
    lines.push('}');
  });
  if (extra) lines.push(extra);
  return `${lines.join('\n')}\n`;
}
