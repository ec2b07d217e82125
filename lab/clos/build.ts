// `lab up`: a Topology -> a running lab that outlives this process.
//
//   const r = await labUp(topology, { root: '/run/lagless-lab', progress: (l) => console.log(l) });
//   r.state      // what was made (also in <root>/<name>/state.json)
//   r.converged  // every session up, every hypervisor's ECMP default, every VM route on every router
//
// Steps: remove a leftover lab of the same name; namespaces (one per node); cables (veth pairs,
// /31 + /127); routers (FRR or BIRD, config given at start); VMs (eth0 <-> tap, configured as a
// guest); hypervisors (kind frr: FRR + ports wired by script; kind lagless: agent config, ports
// file, `lagless agent` in the namespace); wait for convergence. A failed build removes everything
// it made (ERR_LAB_BUILD); a lab that does not converge in time stays up for `lab status`.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabScope, veth, type Netns } from '../netns.js';
import { run, waitFor } from '../proc.js';
import { startBird } from '../routers/bird.js';
import { ForegroundDaemon } from '../routers/daemon.js';
import { startFrr } from '../routers/frr.js';
import { agentConfigText, portSpecFor, portsFileText } from './agent-config.js';
import { birdFabricConfig } from './bird-config.js';
import { ClosError } from './errors.js';
import { frrFabricConfig, frrHypervisorConfig } from './frr-config.js';
import { birdSessions, defaultNextHops, frrSessions, kernelRoutes } from './probe.js';
import { STATE_VERSION, labDir, writeState, type HypervisorAccess, type LabState, type RouterAccess } from './state.js';
import { teardownLab } from './teardown.js';
import { LINK_PREFIX_LEN4, LINK_PREFIX_LEN6, allVms, labPrefix, linksOf, nsName, routers, type HypervisorNode, type RouterNode, type Topology, type VmNode } from './topology.js';
import { wirePortByScript } from './wire-port.js';

export interface UpOptions {
  /** where labs keep their state: <root>/<name>/ */
  readonly root: string;
  /** one line per step */
  readonly progress?: (line: string) => void;
  /** wait for convergence (default true) */
  readonly wait?: boolean;
  /** how long to wait for convergence; default 60 s */
  readonly convergeTimeoutMs?: number;
  /** the command that runs the agent: default [node, <repo>/bin/lagless] */
  readonly laglessCommand?: readonly string[];
  /**
   * Per lagless hypervisor, before its agent starts: prepare what its source needs inside its
   * namespace (processes started with the lab's scope are the lab's, removed by teardown) and
   * return the agent's `source:` section, e.g. the neutron source. Default: the ports file.
   */
  readonly agentSource?: (h: HypervisorNode, ns: Netns, scope: LabScope) => Promise<Readonly<Record<string, unknown>>>;
}

export interface UpResult {
  readonly state: LabState;
  /** a leftover lab of the same name was removed first */
  readonly replaced: boolean;
  readonly converged: boolean;
  /** what was still missing when the wait ended (empty when converged or not waited for) */
  readonly missing: readonly string[];
}

const STEPS = 6;
const ROUTER_SYSCTLS = ['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.ipv4.fib_multipath_hash_policy=1', 'net.ipv6.fib_multipath_hash_policy=1'];
// every namespace: no duplicate address detection (addresses usable at once), also on the veths made later
const NS_SYSCTLS = ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'];

export async function labUp(t: Topology, opts: UpOptions): Promise<UpResult> {
  const progress = opts.progress ?? (() => {});
  const started = Date.now();
  const old = await teardownLab(opts.root, t.name);
  const replaced = old.hadState || old.namespaces > 0;
  if (replaced) progress(`removed a leftover lab "${t.name}" (${old.namespaces} namespaces, ${old.processes} processes)`);

  mkdirSync(opts.root, { recursive: true, mode: 0o755 });
  assertTraversable(opts.root);
  const dir = labDir(opts.root, t.name);
  const scope = await LabScope.create('lab', { persistent: { prefix: labPrefix(t.name), dir } });
  scope.dir();
  const namespaces = Object.fromEntries([...routers(t), ...t.hypervisors, ...allVms(t)].map((n) => [n.name, nsName(t.name, n.name)]));
  const routerAccess: Record<string, RouterAccess> = {};
  const hvAccess: Record<string, HypervisorAccess> = {};
  const snapshot = (phase: LabState['phase'], buildMs?: number): LabState => ({
    version: STATE_VERSION,
    name: t.name,
    prefix: labPrefix(t.name),
    dir,
    phase,
    createdAt: new Date(started).toISOString(),
    ...(buildMs === undefined ? {} : { buildMs }),
    topology: t,
    namespaces,
    processes: scope.trackedPids.map((p) => ({ pid: p.pid, label: p.label })),
    paths: scope.trackedPaths.filter((p) => p !== dir && !p.startsWith(`${dir}/`)),
    routers: routerAccess,
    hypervisors: hvAccess,
  });
  writeState(opts.root, snapshot('building'));

  try {
    const step = timedSteps(progress);
    const ns = new Map<string, Netns>();

    await step(1, 'namespaces', async () => {
      const all = [...routers(t), ...t.hypervisors, ...allVms(t)];
      for (const n of all) ns.set(n.name, await scope.netns(n.name));
      await Promise.all([...ns.values()].map((n) => n.run(['sysctl', '-qw', ...NS_SYSCTLS])));
      await Promise.all(routers(t).map((r) => get(ns, r.name).run(['sysctl', '-qw', ...ROUTER_SYSCTLS])));
      return `${all.length}: ${[...routers(t), ...t.hypervisors].map((n) => n.name).join(' ')} + ${allVms(t).length} VMs`;
    });

    await step(2, 'cables', async () => {
      await Promise.all(
        t.links.map(async (l) => {
          await veth(get(ns, l.upper.node), l.upper.ifname, get(ns, l.lower.node), l.lower.ifname);
          for (const e of [l.upper, l.lower]) {
            await get(ns, e.node).ip(['-batch', '-'], { input: `addr add ${e.ipv4}/${LINK_PREFIX_LEN4} dev ${e.ifname}\naddr add ${e.ipv6}/${LINK_PREFIX_LEN6} dev ${e.ifname} nodad\n` });
          }
        }),
      );
      return `${t.links.length} veth pairs, /31 + /127 each`;
    });

    await step(3, 'routers', async () => {
      await Promise.all(routers(t).map(async (r) => (routerAccess[r.name] = await startRouter(scope, t, r, get(ns, r.name)))));
      return routers(t).map((r) => `${r.name} ${r.daemon}`).join(', ');
    });

    await step(4, 'VMs', async () => {
      await Promise.all(allVms(t).map((vm) => cableVm(t, vm, get(ns, vm.hypervisor), get(ns, vm.name))));
      return allVms(t).map((v) => `${v.name} ${v.ipv4} on ${v.hypervisor}`).join(', ') || 'none';
    });

    await step(5, 'hypervisors', async () => {
      await Promise.all(
        t.hypervisors.map(async (h) => (hvAccess[h.name] = await startHypervisor(scope, t, h, get(ns, h.name), () => opts.laglessCommand ?? defaultLaglessCommand(), opts.agentSource))),
      );
      return t.hypervisors.map((h) => `${h.name} ${h.kind}`).join(', ');
    });
    writeState(opts.root, snapshot('building'));

    let missing: string[] = [];
    if (opts.wait ?? true) {
      await step(6, 'converging', async () => {
        const timeoutMs = opts.convergeTimeoutMs ?? 60_000;
        try {
          await waitFor(async () => (missing = await whatIsMissing(t, routerAccess)).length === 0, { timeoutMs, intervalMs: 200, what: 'convergence' });
          return 'every session established, ECMP defaults on every hypervisor, every VM route on every router';
        } catch {
          return `NOT converged after ${timeoutMs / 1000} s: ${missing.slice(0, 5).join('; ')}${missing.length > 5 ? `; and ${missing.length - 5} more` : ''}`;
        }
      });
    } else progress(`[6/${STEPS}] converging: not waited for (--no-wait)`);

    scope.detach();
    const state = snapshot('up', Date.now() - started);
    writeState(opts.root, state);
    return { state, replaced, converged: (opts.wait ?? true) && missing.length === 0, missing };
  } catch (err) {
    await scope.cleanup();
    const e = err as Error & { code?: string };
    throw new ClosError('ERR_LAB_BUILD', `lab ${t.name} could not be built (everything made so far was removed): ${e.message}${e.code ? ` [${e.code}]` : ''}`, { cause: err });
  }
}

function timedSteps(progress: (line: string) => void) {
  return async (n: number, what: string, fn: () => Promise<string>): Promise<void> => {
    const t0 = Date.now();
    progress(`[${n}/${STEPS}] ${what} ...`);
    const detail = await fn();
    progress(`[${n}/${STEPS}] ${what}: ${detail} (${((Date.now() - t0) / 1000).toFixed(2)} s)`);
  };
}

function get(ns: Map<string, Netns>, name: string): Netns {
  const n = ns.get(name);
  if (n === undefined) throw new ClosError('ERR_LAB_UNKNOWN_NODE', `no namespace for node ${name}`);
  return n;
}

async function startRouter(scope: LabScope, t: Topology, r: RouterNode, ns: Netns): Promise<RouterAccess> {
  if (r.daemon === 'frr') {
    const frr = await startFrr(scope, ns, { config: frrFabricConfig(t, r) });
    return { daemon: 'frr', vtyDir: frr.runDir, logDir: frr.dir };
  }
  const bird = await startBird(scope, ns, { config: birdFabricConfig(t, r) });
  return { daemon: 'bird', socket: bird.socket, logFile: bird.logFile };
}

/** The VM's namespace joined to its hypervisor by a veth pair (eth0 with the VM's MAC <-> the tap), configured as a guest. */
async function cableVm(t: Topology, vm: VmNode, hv: Netns, vmNs: Netns): Promise<void> {
  await veth(hv, vm.tap, vmNs, 'eth0', { bMac: vm.mac });
  // As a guest configures itself from DHCP / RA: its address with the subnet's prefix, default via the
  // gateway. IPv6 without the on-link /64 route (an RA prefix with L=0, as routed designs send): every
  // destination, same subnet or not, goes to the router fe80::1.
  await vmNs.ip(['-batch', '-'], {
    input: [
      `addr add ${vm.ipv4}/${vm.prefixLen4} dev eth0`,
      `route add default via ${t.subnet.gateway4} dev eth0`,
      `addr add ${vm.ipv6}/${vm.prefixLen6} dev eth0 nodad noprefixroute`,
      `route add ::/0 via ${t.subnet.gateway6} dev eth0`,
      '',
    ].join('\n'),
  });
}

async function startHypervisor(
  scope: LabScope,
  t: Topology,
  h: HypervisorNode,
  ns: Netns,
  lagless: () => readonly string[],
  agentSource?: UpOptions['agentSource'],
): Promise<HypervisorAccess> {
  const dir = join(scope.dir(), h.name);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  // the hypervisor's own addresses, as its operator would configure them
  await ns.ip(['-batch', '-'], { input: `addr add ${h.loopback4}/32 dev lo\naddr add ${h.loopback6}/128 dev lo\n` });
  if (h.kind === 'frr') {
    // the baseline: forwarding as the host's setup; each port wired by script; FRR redistributes
    await ns.run(['sysctl', '-qw', ...ROUTER_SYSCTLS]);
    for (const vm of h.vms) await wirePortByScript(ns, portSpecFor(t, vm));
    const frr = await startFrr(scope, ns, { config: frrHypervisorConfig(t, h) });
    return { kind: 'frr', dir, vtyDir: frr.runDir };
  }
  const config = join(dir, 'agent.yaml');
  const portsFile = join(dir, 'ports.yaml');
  const socket = join(dir, 'agent.sock');
  const logFile = join(dir, 'agent.log');
  writeFileSync(portsFile, portsFileText(t, h.vms));
  const source = agentSource === undefined ? undefined : await agentSource(h, ns, scope);
  writeFileSync(config, agentConfigText(t, h, { portsFile, socket }, source));
  const agent = ForegroundDaemon.spawn(ns, [...lagless(), 'agent', '--config', config], { label: `lagless agent ${h.name}`, logFile });
  await agent.waitReady(() => existsSync(socket), 30_000, `its control socket ${socket} appears`);
  return { kind: 'lagless', dir, socket, config, portsFile, logFile };
}

/** FRR drops to user frr and reads its config from the lab dir: every directory above it must let others through. */
function assertTraversable(dir: string): void {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new ClosError('ERR_LAB_BUILD', `${d} is not searchable by other users (mode ${(statSync(d).mode & 0o777).toString(8)}): FRR runs as user frr and reads its config under ${dir}; chmod o+x ${d} or choose another --dir`);
    }
    if (dirname(d) === d) return;
  }
}

/** [node, bin/lagless] of this checkout (found from this file, built or not). */
export function defaultLaglessCommand(): string[] {
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const bin = join(d, 'bin', 'lagless');
    if (existsSync(bin) && existsSync(join(d, 'package.json'))) return [process.execPath, bin];
    const up = dirname(d);
    if (up === d) throw new ClosError('ERR_LAB_BUILD', 'cannot find bin/lagless above lab/clos');
    d = up;
  }
}

/**
 * What keeps the lab from being converged, in words: sessions not established, hypervisors without
 * an ECMP default over every uplink, routers without a VM's /32 or /128. Empty when converged.
 */
export async function whatIsMissing(t: Topology, access: Readonly<Record<string, RouterAccess>>): Promise<string[]> {
  const missing: string[] = [];
  const vms = allVms(t);
  await Promise.all([
    ...routers(t).map(async (r) => {
      const a = access[r.name];
      if (a === undefined) return void missing.push(`${r.name}: not started`);
      let sessions;
      try {
        sessions = a.daemon === 'frr' ? await frrSessions(a.vtyDir) : await birdSessions(a.socket);
      } catch (err) {
        return void missing.push(`${r.name}: ${(err as Error).message}`);
      }
      const want = linksOf(t, r.name).length;
      const up = sessions.filter((s) => s.state === 'established').length;
      if (up < want) missing.push(`${r.name}: ${up}/${want} BGP sessions established`);
      const ns = nsName(t.name, r.name);
      const [v4, v6] = await Promise.all([kernelRoutes(ns, 4), kernelRoutes(ns, 6)]);
      const have = new Set([...v4, ...v6].map((x) => x.dst));
      const absent = vms.flatMap((v) => [v.ipv4, v.ipv6]).filter((a) => !have.has(a));
      if (absent.length > 0) missing.push(`${r.name}: no route to ${absent.join(', ')}`);
    }),
    ...t.hypervisors.map(async (h) => {
      const want = linksOf(t, h.name).length;
      const ns = nsName(t.name, h.name);
      for (const fam of [4, 6] as const) {
        const hops = await defaultNextHops(ns, fam);
        if (hops.length < want) missing.push(`${h.name}: IPv${fam} default has ${hops.length}/${want} next hops`);
      }
    }),
  ]);
  return missing.sort();
}
