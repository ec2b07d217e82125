// Neutron port latency: from `port create` (bound to hv1) to the port ACTIVE, and to its /32 in
// the FIB of the other hypervisor's ToRs.
//   npm run bench -- neutron [N]          (N ports, default 100, one after the other)
//
// The stack is the end-to-end test's (lab/openstack/e2e): a real neutron-server (Zed, ML2
// lagless/routed) on RabbitMQ and MariaDB; a lab CLOS of 1 spine and 2 racks (2 FRR ToRs and 1
// hypervisor each); real `lagless agent`s with the neutron source. Per port, timed from just
// before POST /v2.0/ports (binding:host_id hv1, over the REST API; the CLI alone costs ~1 s):
//   create   the API answers (the port exists and is bound)
//   plug     its tap exists on hv1, as Nova plugs it right after binding (a veth, carrier up)
//   active   GET /v2.0/ports/<id> says ACTIVE (polled every 10 ms): hv1's agent saw the tap,
//            asked neutron-server for the port, wired it, sent its /32 and /128 to both its ToRs,
//            then update_device_up
//   fib      the /32 is in the kernel FIB of both ToRs above hv2 (other rack; `ip monitor route`).
//            hv2 itself holds only the ECMP default those ToRs send it (the lab's ToRs send
//            hypervisors nothing else, as in LINE's design), so this is when hv2 can reach the VM.
// Last line: one JSON object with active_p50_ms, active_p99_ms, fib_p50_ms, fib_p99_ms and more.
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { run, waitFor } from '../lab/proc.js';
import { linksOf } from '../lab/clos/topology.js';
import type { ApiPort } from '../lab/openstack/e2e/neutron-api.js';
import { startNeutronLab } from '../lab/openstack/e2e/neutron-lab.js';
import { tapNameForPort } from '../src/dataplane/port.js';

const N = Number(process.argv[2] ?? 100);

/** First time (performance.now()) each IPv4 host route appeared in a namespace's FIB. */
class RouteWatch {
  readonly seen = new Map<string, number>();
  readonly #child: ChildProcess;
  constructor(ns: string) {
    this.#child = spawn('ip', ['-n', ns, '-4', 'monitor', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      const m = /^(\d+\.\d+\.\d+\.\d+)(?:\/32)? /.exec(line);
      if (m?.[1] !== undefined && !this.seen.has(m[1])) this.seen.set(m[1], performance.now());
    });
  }
  stop(): void {
    this.#child.kill('SIGTERM');
  }
}

/** Nearest-rank percentile. */
function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}
const r1 = (x: number) => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const t00 = Date.now();
  const lab = await startNeutronLab({ tag: 'bneutron', reportInterval: 10, progress: (l) => console.log(l) });
  const watches: RouteWatch[] = [];
  try {
    await lab.waitAgentsAlive(30_000);
    console.log(`stack up in ${Date.now() - t00} ms`);
    const net = await lab.api.create('networks', { name: 'bench', 'provider:network_type': 'routed' });
    await lab.api.create('subnets', { network_id: net.id, ip_version: 4, cidr: '10.100.0.0/16', name: 'bench4' });
    await lab.api.create('subnets', { network_id: net.id, ip_version: 6, cidr: '2001:db8:100::/64', name: 'bench6' });

    const farTors = linksOf(lab.topology, 'hv2').map((l) => l.remote.node);
    for (const t of farTors) watches.push(new RouteWatch(lab.ns(t)));
    const hv1 = lab.ns('hv1');

    const samples: { create: number; plug: number; active: number; fib: number }[] = [];
    const starts = new Map<string, number>(); // port id -> wall clock at t0 (the agent logs wall-clock times)
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      const wall0 = Date.now();
      const port = await lab.api.create<ApiPort>('ports', { network_id: net.id, 'binding:host_id': 'hv1', name: `b${i}` });
      const tCreate = performance.now() - t0;
      starts.set(port.id, wall0);
      if (port['binding:vif_type'] !== 'tap') throw new Error(`port ${port.id} bound with vif_type ${port['binding:vif_type']}`);
      const tap = tapNameForPort(port.id);
      await run(['ip', '-n', hv1, '-batch', '-'], { input: `link add ${tap} address fe:16:3e:00:00:01 type veth peer name p${tap.slice(3)}\nlink set ${tap} up\nlink set p${tap.slice(3)} up\n` });
      const tPlug = performance.now() - t0;
      const active = await waitFor(
        async () => ((await lab.api.getPort(port.id)).status === 'ACTIVE' ? performance.now() - t0 : undefined),
        { timeoutMs: 60_000, intervalMs: 10, what: `port ${port.id} ACTIVE` },
      );
      const v4 = port.fixed_ips.find((f) => !f.ip_address.includes(':'))!.ip_address;
      const fib = await waitFor(
        () => (watches.every((w) => w.seen.has(v4)) ? Math.max(...watches.map((w) => w.seen.get(v4)!)) - t0 : undefined),
        { timeoutMs: 30_000, intervalMs: 5, what: `${v4} in the FIB of ${farTors.join(' and ')}` },
      );
      samples.push({ create: tCreate, plug: tPlug, active, fib });
      if ((i + 1) % 10 === 0) console.log(`${i + 1}/${N} ports: last active ${active.toFixed(0)} ms, fib ${fib.toFixed(0)} ms`);
    }

    const col = (k: keyof (typeof samples)[number]) => samples.map((s) => s[k]);
    console.log('');
    console.log(`${N} ports, ms from POST /v2.0/ports       p50      p99      max`);
    for (const [label, k] of [['API answered (port bound)', 'create'], ['tap plugged on hv1', 'plug'], ['ACTIVE', 'active'], [`/32 in FIB of ${farTors.join('+')}`, 'fib']] as const) {
      console.log(`  ${label.padEnd(36)} ${pct(col(k), 50).toFixed(0).padStart(6)}   ${pct(col(k), 99).toFixed(0).padStart(6)}   ${Math.max(...col(k)).toFixed(0).padStart(6)}`);
    }
    const fromPlug = samples.map((s) => s.active - s.plug);
    // inside hv1's agent (its log's wall-clock times): wired, then update_device_list answered
    const log = lab.agentLog('hv1');
    const at = (msg: string, match: (l: Record<string, unknown>) => string[]) => {
      const out = new Map<string, number>();
      for (const l of log) if (l['msg'] === msg) for (const id of match(l)) if (starts.has(id) && !out.has(id)) out.set(id, Date.parse(String(l['ts'])) - starts.get(id)!);
      return out;
    };
    const wired = [...at('port wired', (l) => [String(l['port'])]).values()];
    const reported = [...at('device status reported', (l) => (l['up'] as string[] | undefined) ?? []).values()];
    const fetchMs = log.filter((l) => l['msg'] === 'devices fetched' && l['full'] === false).map((l) => Number(l['durationMs']));
    if (fetchMs.length > 0) console.log(`  hv1's agent: get_devices_details+bulk_pull round trips ${pct(fetchMs, 50).toFixed(0)} ms p50, ${pct(fetchMs, 99).toFixed(0)} ms p99 (${fetchMs.length} calls)`);
    if (wired.length > 0) console.log(`  hv1's agent: port wired               ${pct(wired, 50).toFixed(0).padStart(6)}   ${pct(wired, 99).toFixed(0).padStart(6)}`);
    if (reported.length > 0) console.log(`  hv1's agent: update_device_up answered${pct(reported, 50).toFixed(0).padStart(6)}   ${pct(reported, 99).toFixed(0).padStart(6)}`);
    console.log(`  tap plugged -> ACTIVE                ${pct(fromPlug, 50).toFixed(0).padStart(6)}   ${pct(fromPlug, 99).toFixed(0).padStart(6)}`);
    console.log('  (lab notes baseline, FRR hypervisors: a kernel /32 on hv1 to hv2\'s FIB 172 ms p50, 173 ms p99; no Neutron in that path)');
    console.log(
      JSON.stringify({
        bench: 'neutron',
        ports: N,
        active_p50_ms: r1(pct(col('active'), 50)),
        active_p99_ms: r1(pct(col('active'), 99)),
        fib_p50_ms: r1(pct(col('fib'), 50)),
        fib_p99_ms: r1(pct(col('fib'), 99)),
        create_p50_ms: r1(pct(col('create'), 50)),
        create_p99_ms: r1(pct(col('create'), 99)),
        plug_to_active_p50_ms: r1(pct(fromPlug, 50)),
        plug_to_active_p99_ms: r1(pct(fromPlug, 99)),
        agent_wired_p50_ms: r1(pct(wired, 50)),
        agent_up_answered_p50_ms: r1(pct(reported, 50)),
        agent_fetch_p50_ms: r1(pct(fetchMs, 50)),
        fib_routers: farTors,
      }),
    );
  } finally {
    for (const w of watches) w.stop();
    await lab.stop();
  }
}

await main();
