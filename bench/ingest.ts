// Benchmark: table ingest, side by side in one run. A generator process (bench/lib/table-sender.ts)
// writes a pre-encoded table (1,000,000 IPv4 /24s, then 200,000 IPv6 /48s; ~20 prefixes per
// attribute set) as fast as the socket drains to each receiver in its own namespace pair:
// lagless (speaker-host.ts compiled to JavaScript, plain node), BIRD, FRR (bgpd, `bgp no-rib`)
// and GoBGP, one at a time.
//
//   npm run bench -- ingest [ipv4Prefixes=1000000] [ipv6Prefixes=200000] [receivers=lagless,bird,frr,gobgp] [rounds=1]
//
// With rounds > 1 the receivers take turns (lagless, bird, ..., lagless, bird, ...) and each one's
// figures are those of its median run by time (this machine's CPUs are shared: single runs vary).
// Per receiver: seconds from the sender's first UPDATE byte (Date.now() in the sender just before
// its first write) until the receiver's own CLI/API reports every prefix (polled every 25 ms, less
// often as time goes on: 2% of the time elapsed, at most 2 s; so the figure is late by at most that
// plus one CLI round trip); prefixes per second; peak RSS (VmHWM of the
// receiver's process: node for lagless, bird, bgpd, gobgpd; FRR's zebra holds no routes with
// no-rib and is reported aside); RSS per route = (VmHWM - VmRSS before the table) / prefixes.
// The last output line is one JSON object: { results: [{receiver, family, prefixes, seconds,
// prefixes_per_s, peak_rss_mb, rss_per_route_bytes, ...}], ratios, goals }.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LabScope, veth } from '../lab/netns.js';
import { waitFor } from '../lab/proc.js';
import type { AddressFamily } from '../lab/routers/spec.js';
import { buildSpeakerHost } from './lib/build-host.js';
import { RECEIVERS, startReceiver, type Receiver, type ReceiverName } from './lib/ingest-receivers.js';
import type { SenderOptions } from './lib/table-sender.js';

const V4 = Number(process.argv[2] ?? 1_000_000);
const V6 = Number(process.argv[3] ?? 200_000);
const WHO = (process.argv[4] ?? RECEIVERS.join(',')).split(',') as ReceiverName[];
const ROUNDS = Number(process.argv[5] ?? 1);
for (const w of WHO) if (!RECEIVERS.includes(w)) throw new Error(`unknown receiver ${w} (${RECEIVERS.join(', ')})`);
if (process.getuid?.() !== 0) throw new Error('the ingest benchmark needs root (network namespaces)');

const SENDER = new URL('./lib/table-sender.ts', import.meta.url).pathname;
const RECEIVER_ASN = 65000;
const SENDER_ASN = 65001;
/** extra node flags for the lagless receiver, e.g. INGEST_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' */
const NODE_ARGS = (process.env.INGEST_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const POLL_MS = 25;
const POLL_MAX_MS = 2000;
const ADDR = { ipv4: { rx: '10.0.0.1', tx: '10.0.0.0' }, ipv6: { rx: 'fd00::1', tx: 'fd00::2' } } as const;

interface Result {
  receiver: ReceiverName;
  version: string;
  family: AddressFamily;
  prefixes: number;
  seconds: number;
  prefixes_per_s: number;
  peak_rss_mb: number;
  baseline_rss_mb: number;
  rss_per_route_bytes: number;
  /** how long the sender took to write the table (the receiver reading it as fast as it could) */
  sender_write_s: number;
  side_rss_mb?: number;
  /** with rounds > 1: every run's time and peak RSS, fastest first */
  runs_seconds?: number[];
  runs_peak_rss_mb?: number[];
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
const sumKb = (pids: number[], field: 'VmRSS' | 'VmHWM') => pids.reduce((n, p) => n + statusKb(p, field), 0);
const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;

async function runOne(name: ReceiverName, family: AddressFamily, prefixes: number): Promise<Result> {
  const scope = await LabScope.create('ingest');
  let receiver: Receiver | undefined;
  try {
    const rx = await scope.netns('rx');
    const tx = await scope.netns('tx');
    await veth(tx, 'eth0', rx, 'eth0');
    await tx.ip(['addr', 'add', '10.0.0.0/31', 'dev', 'eth0']);
    await rx.ip(['addr', 'add', '10.0.0.1/31', 'dev', 'eth0']);
    await tx.ip(['addr', 'add', 'fd00::2/64', 'dev', 'eth0', 'nodad']);
    await rx.ip(['addr', 'add', 'fd00::1/64', 'dev', 'eth0', 'nodad']);
    const a = ADDR[family];
    receiver = await startReceiver(name, {
      scope,
      ns: rx,
      family,
      address: a.rx,
      asn: RECEIVER_ASN,
      senderAddress: a.tx,
      senderAsn: SENDER_ASN,
      laglessScript: hostScript,
      laglessNodeArgs: NODE_ARGS,
    });
    await new Promise((r) => setTimeout(r, 500));
    const baselineKb = sumKb(receiver.pids(), 'VmRSS');

    const opts: SenderOptions = {
      host: a.rx,
      port: 179,
      localAddress: a.tx,
      asn: SENDER_ASN,
      routerId: '10.255.0.2',
      table: { family, prefixes, senderAsn: SENDER_ASN, nextHop: a.tx },
    };
    const sender = tx.spawn([process.execPath, '--import', 'tsx', SENDER, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe'], label: 'table sender' });
    const events: Record<string, unknown>[] = [];
    let stderr = '';
    createInterface({ input: sender.stdout! }).on('line', (l) => {
      try {
        events.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        stderr += `${l}\n`;
      }
    });
    sender.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    let exited = false;
    sender.on('exit', () => (exited = true));
    const ev = (name: string) => events.find((e) => e.event === name);
    const firstByte = await waitFor(() => {
      if (exited) throw new Error(`sender exited: ${stderr}`);
      return ev('first-byte');
    }, { timeoutMs: 180_000, intervalMs: 20, what: `${name}: the sender starts writing` });
    const t0 = Number(firstByte.at);
    let last = 0;
    const deadline = t0 + 1_800_000;
    for (;;) {
      if (exited) throw new Error(`sender exited: ${stderr}`);
      last = await receiver.count();
      if (last >= prefixes) break;
      if (Date.now() > deadline) throw new Error(`${name}: ${last} of ${prefixes} ${family} prefixes after 30 minutes`);
      // every CLI call costs the receiver CPU: poll less often the longer it takes (error stays ~2%)
      await new Promise((r) => setTimeout(r, Math.min(POLL_MAX_MS, Math.max(POLL_MS, (Date.now() - t0) * 0.02))));
    }
    const tDone = Date.now();
    if (last !== prefixes) throw new Error(`${name} reports ${last} prefixes, expected ${prefixes}`);
    const sent = await waitFor(() => ev('sent'), { timeoutMs: 60_000, what: 'sender done' });
    const peakKb = sumKb(receiver.pids(), 'VmHWM');
    const sideKb = sumKb(receiver.sidePids(), 'VmHWM');
    const seconds = (tDone - t0) / 1000;
    const result: Result = {
      receiver: name,
      version: receiver.version,
      family,
      prefixes,
      seconds: Math.round(seconds * 100) / 100,
      prefixes_per_s: Math.round(prefixes / seconds),
      peak_rss_mb: mb(peakKb),
      baseline_rss_mb: mb(baselineKb),
      rss_per_route_bytes: Math.round(((peakKb - baselineKb) * 1024) / prefixes),
      sender_write_s: Math.round(Number(sent.ms) / 10) / 100,
      ...(receiver.sidePids().length > 0 && { side_rss_mb: mb(sideKb) }),
    };
    console.log(`${family} ${name}: ${result.seconds} s, ${result.prefixes_per_s} prefixes/s, peak RSS ${result.peak_rss_mb} MiB (baseline ${result.baseline_rss_mb}), ${result.rss_per_route_bytes} B/route`);
    return result;
  } finally {
    const t = Date.now();
    await receiver?.stop().catch((e: unknown) => console.log(`stopping ${name}: ${String(e)}`));
    if (process.env.INGEST_DEBUG === '1') console.log(`stopped ${name} in ${Date.now() - t} ms`);
    await scope.cleanup();
  }
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || b === 0 ? null : Math.round((a / b) * 100) / 100;
}

const buildDir = mkdtempSync(join(os.tmpdir(), 'lagless-ingest-'));
// also when a signal ends the run (the lab's handlers exit the process without unwinding)
process.on('exit', () => rmSync(buildDir, { recursive: true, force: true }));
const hostScript = WHO.includes('lagless') ? await buildSpeakerHost(buildDir) : undefined;
const load = os.loadavg().map((x) => Math.round(x * 100) / 100);
console.log(`cpus ${os.cpus().length}, load average ${load.join(' ')} (other work on this machine shares the CPUs)`);
const results: Result[] = [];
try {
  for (const [family, n] of [['ipv4', V4], ['ipv6', V6]] as const) {
    if (n <= 0) continue;
    const runs = new Map<ReceiverName, Result[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const who of WHO) runs.set(who, [...(runs.get(who) ?? []), await runOne(who, family, n)]);
    }
    for (const who of WHO) {
      const sorted = [...(runs.get(who) ?? [])].sort((x, y) => x.seconds - y.seconds);
      const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
      results.push(ROUNDS > 1 ? { ...median, runs_seconds: sorted.map((r) => r.seconds), runs_peak_rss_mb: sorted.map((r) => r.peak_rss_mb) } : median);
    }
  }
} finally {
  rmSync(buildDir, { recursive: true, force: true });
}

const pad = (s: string | number, w: number) => String(s).padStart(w);
console.log(`\n${'family'.padEnd(6)} ${'receiver'.padEnd(8)} ${pad('prefixes', 9)} ${pad('seconds', 8)} ${pad('prefixes/s', 11)} ${pad('peak MiB', 9)} ${pad('B/route', 8)}`);
for (const r of results) {
  console.log(`${r.family.padEnd(6)} ${r.receiver.padEnd(8)} ${pad(r.prefixes, 9)} ${pad(r.seconds, 8)} ${pad(r.prefixes_per_s, 11)} ${pad(r.peak_rss_mb, 9)} ${pad(r.rss_per_route_bytes, 8)}`);
}
interface Ratios {
  lagless_bird_rate: number | null;
  lagless_bird_peak_rss: number | null;
  lagless_bird_rss_per_route: number | null;
  lagless_gobgp_rate: number | null;
}
const ratios: Record<string, Ratios> = {};
const goals: Record<string, Record<string, boolean | null>> = {};
for (const family of ['ipv4', 'ipv6'] as const) {
  const of = (w: ReceiverName) => results.find((r) => r.family === family && r.receiver === w);
  const [l, b, g] = [of('lagless'), of('bird'), of('gobgp')];
  if (l === undefined) continue;
  const r: Ratios = {
    lagless_bird_rate: ratio(l.prefixes_per_s, b?.prefixes_per_s),
    lagless_bird_peak_rss: ratio(l.peak_rss_mb, b?.peak_rss_mb),
    lagless_bird_rss_per_route: ratio(l.rss_per_route_bytes, b?.rss_per_route_bytes),
    lagless_gobgp_rate: ratio(l.prefixes_per_s, g?.prefixes_per_s),
  };
  ratios[family] = r;
  goals[family] = {
    rate_at_least_bird: r.lagless_bird_rate === null ? null : r.lagless_bird_rate >= 1,
    peak_rss_at_most_1_5x_bird: r.lagless_bird_peak_rss === null ? null : r.lagless_bird_peak_rss <= 1.5,
    rate_at_least_3x_gobgp: r.lagless_gobgp_rate === null ? null : r.lagless_gobgp_rate >= 3,
  };
  console.log(`${family}: lagless/bird rate ${r.lagless_bird_rate}, lagless/bird peak RSS ${r.lagless_bird_peak_rss} (per route ${r.lagless_bird_rss_per_route}), lagless/gobgp rate ${r.lagless_gobgp_rate}`);
}
console.log(JSON.stringify({ bench: 'ingest', rounds: ROUNDS, cpus: os.cpus().length, load_at_start: load, node: process.version, results, ratios, goals }));
