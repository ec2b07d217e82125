// Port wiring latency, lagless side by side with the baseline users pick today, in one run:
//   npm run bench -- wiring-latency [N=200] [GAP_MS=300] [json|yaml]
//
// The same lab twice (demo preset: spine, tor1 + tor2 (FRR), hv1 + hv2 each cabled to both):
//   (a) lagless agents on the hypervisors; a port "appears in the source" when the ports file is
//       replaced (rename) with the new port in it (its tap created before); the file is JSON, as a
//       tool writes it (or YAML with the third argument);
//   (b) FRR on the hypervisors redistributing kernel /32s (ovn-bgp-agent style); the same port is
//       wired by the same kind of script (lab/clos/wire-port.ts) and "appears in the source" when
//       the script's /32 route is in hv1's kernel (the baseline's source is the kernel route).
// For both, the ToRs pass VM host routes on to the hypervisors (lab default: only a default route)
// and hv2 accepts them. N ports are added on hv1, GAP_MS apart, then removed in the same order.
//
// Measured per port, from timestamps only (no polling in the measurement):
//   end to end   source moment -> the /32 in hv2's FIB (`ip -ts monitor route` in hv2), and for a
//                removal -> the /32 gone from it
//   hv1 (own)    source moment -> the first UPDATE carrying the /32 leaving hv1 (tcpdump on hv1's
//                uplinks; the UPDATE parsed from the pcap)
//   hv2 (own)    the UPDATE arriving on hv2's uplinks -> the FIB change (addition: the first
//                UPDATE; removal: the last withdrawal before the route went)
//   own = hv1 + hv2 (the time spent on the hypervisors); the rest is the ToRs (and the wire)
// Last line: one JSON object: { lagless: {p50_ms, p99_ms, max_ms, own_p99_ms, ...}, frr: {...}, ratios }.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPcapTcp } from '../lab/capture/pcap.js';
import { portSpecFor, portsFileText } from '../lab/clos/agent-config.js';
import { unwirePortByScript, wirePortByScript } from '../lab/clos/wire-port.js';
import { linksOf, type HypervisorKind } from '../lab/clos/topology.js';
import { E2eLab } from '../lab/e2e/e2e-lab.js';
import { KernelMonitor, type MonitorEvent } from '../lab/e2e/kernel-monitor.js';
import { run, waitFor } from '../lab/proc.js';
import type { PortSpec } from '../src/dataplane/port.js';
import { timedUpdates, type TimedUpdate } from './lib/bgp-timeline.js';
import { UplinkCapture, benchPorts, createTaps, passHostRoutes, portsJson, portsYaml } from './lib/wiring-lab.js';

const N = Number(process.argv[2] ?? 200);
const GAP_MS = Number(process.argv[3] ?? 300);
const FORMAT = process.argv[4] === 'yaml' ? 'yaml' : 'json';
/** clock readings of different processes on one machine: allow this much disorder */
const SKEW_MS = 1;

const nowMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

interface Sample {
  readonly e2e: number;
  readonly hv1: number | undefined;
  readonly hv2: number | undefined;
}

interface Stats {
  readonly n: number;
  readonly missing: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  readonly own_p50_ms: number;
  readonly own_p99_ms: number;
  readonly hv1_p50_ms: number;
  readonly hv1_p99_ms: number;
  readonly hv2_p50_ms: number;
  readonly hv2_p99_ms: number;
  /** end to end minus own: the ToRs and the wire */
  readonly tor_p50_ms: number;
}

type KindResult = Stats & { readonly remove: Stats };

function pct(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
const r1 = (x: number) => Math.round(x * 10) / 10;

function stats(samples: readonly (Sample | undefined)[]): Stats {
  const ok = samples.filter((s): s is Sample => s !== undefined);
  const e2e = ok.map((s) => s.e2e);
  const full = ok.filter((s) => s.hv1 !== undefined && s.hv2 !== undefined);
  const own = full.map((s) => s.hv1! + s.hv2!);
  const hv1 = full.map((s) => s.hv1!);
  const hv2 = full.map((s) => s.hv2!);
  return {
    n: ok.length,
    missing: samples.length - ok.length + (ok.length - full.length),
    p50_ms: r1(pct(e2e, 50)),
    p99_ms: r1(pct(e2e, 99)),
    max_ms: r1(pct(e2e, 100)),
    own_p50_ms: r1(pct(own, 50)),
    own_p99_ms: r1(pct(own, 99)),
    hv1_p50_ms: r1(pct(hv1, 50)),
    hv1_p99_ms: r1(pct(hv1, 99)),
    hv2_p50_ms: r1(pct(hv2, 50)),
    hv2_p99_ms: r1(pct(hv2, 99)),
    tor_p50_ms: r1(pct(full.map((s) => s.e2e - s.hv1! - s.hv2!), 50)),
  };
}

/** The earliest element at or after `t` (with skew) that matches. */
function firstAfter<T extends { readonly t: number }>(xs: readonly T[], t: number, pred: (x: T) => boolean): T | undefined {
  let best: T | undefined;
  for (const x of xs) if (x.t >= t - SKEW_MS && pred(x) && (best === undefined || x.t < best.t)) best = x;
  return best;
}

/** The latest element in [from, to] that matches. */
function lastBetween<T extends { readonly t: number }>(xs: readonly T[], from: number, to: number, pred: (x: T) => boolean): T | undefined {
  let best: T | undefined;
  for (const x of xs) if (x.t >= from - SKEW_MS && x.t <= to + SKEW_MS && pred(x) && (best === undefined || x.t > best.t)) best = x;
  return best;
}

type Upd = TimedUpdate & { readonly t: number };
type Ev = MonitorEvent & { readonly t: number };

async function runKind(kind: HypervisorKind, log: (l: string) => void): Promise<KindResult> {
  const t0 = Date.now();
  const lab = await E2eLab.up(kind === 'lagless' ? 'wll' : 'wlf', { hypervisorKind: kind });
  const stoppers: (() => Promise<unknown>)[] = [];
  try {
    const t = lab.topology;
    const hv1 = t.hypervisors.find((h) => h.name === 'hv1')!;
    await passHostRoutes(lab, 'hv2', lab.vm('vm1').ipv4);
    const ports = benchPorts(N, t.subnet.gateway4);
    await createTaps(lab.ns('hv1'), ports);
    log(`${kind}: lab up, host routes passed to hv2, ${N} taps on hv1 (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    const mon1 = await KernelMonitor.start(lab.ns('hv1'), ['route']);
    stoppers.push(() => mon1.stop());
    const mon2 = await KernelMonitor.start(lab.ns('hv2'), ['route']);
    stoppers.push(() => mon2.stop());
    const cap1 = await UplinkCapture.start(lab.ns('hv1'), join(lab.root, `${kind}-hv1.pcap`));
    stoppers.push(() => cap1.stop());
    const cap2 = await UplinkCapture.start(lab.ns('hv2'), join(lab.root, `${kind}-hv2.pcap`));
    stoppers.push(() => cap2.stop());

    const v4 = (p: PortSpec) => p.fixedIps[0]!.address;
    const inHv2 = (p: PortSpec, present: boolean) => () => {
      const e = mon2.events().filter((x) => x.dst === v4(p));
      return (e.at(-1)?.deleted === !present) || undefined;
    };
    // lagless: the source moment is the rename, read here; frr: the script's route, read from hv1's monitor
    const addedAt: number[] = [];
    const removedAt: number[] = [];
    const own = hv1.vms.map((vm) => portSpecFor(t, vm));
    const fileWith = (from: number, to: number) =>
      FORMAT === 'json' ? portsJson([...own, ...ports.slice(from, to)]) : portsFileText(t, hv1.vms) + portsYaml(ports.slice(from, to));

    for (const [phase, stamps] of [['add', addedAt], ['remove', removedAt]] as const) {
      const start = nowMs();
      for (let i = 0; i < N; i++) {
        await sleep(start + i * GAP_MS - nowMs());
        const p = ports[i]!;
        if (kind === 'lagless') {
          lab.writePorts('hv1', phase === 'add' ? fileWith(0, i + 1) : fileWith(i + 1, N));
          stamps.push(nowMs());
        } else {
          if (phase === 'add') await wirePortByScript({ name: lab.ns('hv1') }, p);
          else await unwirePortByScript({ name: lab.ns('hv1') }, p);
          stamps.push(NaN); // from hv1's monitor below
        }
        try {
          await waitFor(inHv2(p, phase === 'add'), { timeoutMs: 10_000, intervalMs: 5, what: `${v4(p)} ${phase === 'add' ? 'in' : 'gone from'} hv2's FIB (${kind})` });
        } catch (err) {
          const fib = (await run(['ip', '-n', lab.ns('hv2'), 'route', 'show', v4(p)], { allowFail: true })).stdout.trim();
          const src = (await run(['ip', '-n', lab.ns('hv1'), 'route', 'show', v4(p)], { allowFail: true })).stdout.trim();
          const seen = mon2.events().filter((e) => e.dst === v4(p)).map((e) => `${e.deleted ? 'Deleted ' : ''}${e.text}`);
          for (const tor of t.tors) {
            const a = lab.state.routers[tor.name];
            if (a?.daemon === 'frr') log(`${tor.name}: ${(await run(['vtysh', '--vty_socket', a.vtyDir, '-c', `show bgp ipv4 unicast ${v4(p)}/32`], { allowFail: true })).stdout}`);
          }
          for (const hv of ['hv1', 'hv2']) {
            if (kind !== 'lagless') break;
            const r = (await lab.show(hv, 'routes')).find((x) => x.prefix === `${v4(p)}/32`);
            log(`${hv} route: ${JSON.stringify(r)}`);
            log(`${hv} peers: ${JSON.stringify(await lab.show(hv, 'peers'))}`);
            log(`${hv} status: ${JSON.stringify(await lab.show(hv, 'status'))}`);
          }
          throw new Error(`${(err as Error).message}: hv2 has "${fib}", hv1 has "${src}", hv2's monitor saw ${JSON.stringify(seen)} (${mon2.events().length} events in all)`, { cause: err });
        }
      }
      log(`${kind}: ${N} ports ${phase === 'add' ? 'added' : 'removed'} (${((nowMs() - start) / 1000).toFixed(1)} s)`);
    }
    for (const s of stoppers.splice(0).reverse()) await s();

    // ---- timelines
    const hv1Links = linksOf(t, 'hv1').map((l) => l.local.ipv4);
    const hv2Links = linksOf(t, 'hv2').map((l) => l.local.ipv4);
    const ups1: Upd[] = timedUpdates(readPcapTcp(readFileSync(cap1.file), { partial: true })).map((u) => ({ ...u, t: u.timeMs })).filter((u) => hv1Links.includes(u.src));
    const ups2: Upd[] = timedUpdates(readPcapTcp(readFileSync(cap2.file), { partial: true })).map((u) => ({ ...u, t: u.timeMs })).filter((u) => hv2Links.includes(u.dst));
    const ev1: Ev[] = mon1.events().map((e) => ({ ...e, t: e.atMs }));
    const ev2: Ev[] = mon2.events().map((e) => ({ ...e, t: e.atMs }));
    log(`${kind}: ${ups1.length} UPDATEs out of hv1, ${ups2.length} into hv2, ${ev2.length} route events in hv2`);

    const samples = (phase: 'add' | 'remove'): (Sample | undefined)[] =>
      ports.map((p, i) => {
        const a = v4(p);
        const prefix = `${a}/32`;
        const adding = phase === 'add';
        let src = (adding ? addedAt : removedAt)[i]!;
        if (Number.isNaN(src)) {
          // frr: the script's route appearing in (leaving) hv1's kernel
          const after = adding ? (i === 0 ? 0 : (addedAt[i - 1] ?? 0)) : (removedAt[i - 1] ?? 0);
          const e = firstAfter(ev1, Number.isNaN(after) ? 0 : after, (x) => x.dst === a && x.deleted === !adding && x.text.includes(` dev ${p.tap}`));
          if (e === undefined) return undefined;
          src = e.t;
          (adding ? addedAt : removedAt)[i] = src;
        }
        const fib = firstAfter(ev2, src, (x) => x.dst === a && x.deleted === !adding);
        if (fib === undefined) return undefined;
        const carries = (u: Upd) => (adding ? u.announced : u.withdrawn).includes(prefix);
        const out = firstAfter(ups1, src, carries);
        const inn = adding ? firstAfter(ups2, src, carries) : lastBetween(ups2, src, fib.t, carries);
        return {
          e2e: fib.t - src,
          hv1: out === undefined ? undefined : out.t - src,
          hv2: inn === undefined || inn.t > fib.t + SKEW_MS ? undefined : fib.t - inn.t,
        };
      });
    const add = stats(samples('add'));
    const remove = stats(samples('remove'));
    return { ...add, remove };
  } finally {
    for (const s of stoppers.reverse()) await s().catch(() => {});
    await lab.down();
  }
}

function row(name: string, s: Stats): string {
  const f = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(1)).padStart(7);
  return `${name.padEnd(18)}${f(s.p50_ms)}${f(s.p99_ms)}${f(s.max_ms)}${f(s.own_p50_ms)}${f(s.own_p99_ms)}${f(s.hv1_p99_ms)}${f(s.hv2_p99_ms)}${f(s.tor_p50_ms)}  ${s.n}${s.missing ? ` (${s.missing} incomplete)` : ''}`;
}

async function main(): Promise<void> {
  const log = (l: string) => console.log(l);
  log(`wiring latency: ${N} ports added on hv1 ${GAP_MS} ms apart, then removed; until the /32 is in (gone from) hv2's FIB; lagless ports file in ${FORMAT}`);
  const lagless = await runKind('lagless', log);
  const frr = await runKind('frr', log);
  log('');
  log(`${'ms'.padEnd(18)}${'p50'.padStart(7)}${'p99'.padStart(7)}${'max'.padStart(7)}${'own50'.padStart(7)}${'own99'.padStart(7)}${'hv1 99'.padStart(7)}${'hv2 99'.padStart(7)}${'ToR50'.padStart(7)}  n`);
  log(row('lagless add', lagless));
  log(row('frr add', frr));
  log(row('lagless remove', lagless.remove));
  log(row('frr remove', frr.remove));
  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  const result = {
    n: N,
    gap_ms: GAP_MS,
    ports_file: FORMAT,
    lagless,
    frr,
    ratio_p99: ratio(lagless.p99_ms, frr.p99_ms),
    ratio_p50: ratio(lagless.p50_ms, frr.p50_ms),
    ratio_remove_p99: ratio(lagless.remove.p99_ms, frr.remove.p99_ms),
    ratio_own_p99: ratio(lagless.own_p99_ms, frr.own_p99_ms),
    goals: { e2e_p99_at_most_half_of_frr: lagless.p99_ms <= 0.5 * frr.p99_ms, own_p99_at_most_10ms: lagless.own_p99_ms <= 10 },
  };
  log(`end to end p99: lagless ${lagless.p99_ms} ms vs FRR ${frr.p99_ms} ms (ratio ${result.ratio_p99}); lagless's own time on the hypervisors p99 ${lagless.own_p99_ms} ms (FRR ${frr.own_p99_ms} ms)`);
  console.log(JSON.stringify(result));
}

await main();
