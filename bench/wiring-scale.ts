// Wiring at scale: N ports (default 5,000) on a "hypervisor" network namespace.
//   npm run bench -- wiring-scale [N]
// The taps exist before the clock starts (tuntap taps, like Nova's). Then, timed:
//   cold      a new Dataplane: start() (reads the kernel, starts the monitor), setPorts(all),
//             markInSync(), flush(): until every port is wired (firewall, sysctls, routes,
//             neighbours, gateways); the commands it ran are counted
//   noop      flush() after setPorts() with the same ports as fresh objects (what an agent does on
//             a no-change reconcile): reads nothing, runs nothing; incremental (compares what changed:
//             nothing) and full (flush({ full: true }): every desired object compared with the
//             observed state kept in memory)
//   sweep     a full re-read of everything lagless owns plus the diff (the periodic drift sweep)
//   late tap  one more desired port whose tap is created after all the others are wired: time from
//             the tap's creation to its 'port-wired' event (the monitor's link event drives it)
// Last line: one JSON object with the figures. Targets (issue): cold <= 5 s, noop <= 200 ms.
import { LabScope } from '../lab/netns.js';
import { createLinuxDataplane, CountingRunner, ExecRunner } from '../src/dataplane/index.js';
import { MemoryLogger } from '../src/dataplane/logger.js';
import { tapNameForPort, type PortSpec } from '../src/dataplane/port.js';

const N = Number(process.argv[2] ?? 5000);

function ports(n: number): PortSpec[] {
  const out: PortSpec[] = [];
  for (let i = 0; i < n; i++) {
    const hex = i.toString(16).padStart(8, '0');
    const id = `${hex}-0000-4000-8000-${hex}0000`;
    const mac = `02:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}`;
    const host = i + 10; // one big provider network: 10.100.0.0/16, gateway 10.100.0.1
    out.push({
      id,
      tap: tapNameForPort(id),
      mac,
      fixedIps: [
        { address: `10.100.${host >> 8}.${host & 255}`, prefixLen: 16, gateway: '10.100.0.1' },
        { address: `2001:db8:100::${host.toString(16)}`, prefixLen: 64, gateway: 'fe80::1' },
      ],
      allowedAddressPairs: [],
      mtu: 1450,
      portSecurity: true,
    });
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const scope = await LabScope.create('wbench');
  try {
    const hv = await scope.netns('hv');
    const all = ports(N + 1);
    const specs = all.slice(0, N);
    const late = all[N];
    if (late === undefined) throw new Error('no late port');
    let t = performance.now();
    await hv.ip(['-batch', '-'], { input: specs.map((p) => `tuntap add mode tap name ${p.tap}`).join('\n') + '\n', timeoutMs: 600_000 });
    console.log(`created ${N} taps in ${((performance.now() - t) / 1000).toFixed(2)} s (not timed)`);

    const runner = new CountingRunner(new ExecRunner({ netns: hv.name }));
    const log = new MemoryLogger();
    const dp = createLinuxDataplane({ runner, sweepIntervalMs: 0, logger: log });
    let wiredEvents = 0;
    dp.on('port-wired', () => wiredEvents++);

    t = performance.now();
    await dp.start();
    const startMs = performance.now() - t;
    dp.setPorts(all); // the late port's tap does not exist yet
    dp.markInSync();
    const cold = await dp.flush();
    const coldMs = performance.now() - t;
    const wired = dp.wiredPorts().length; // of the N ports whose taps exist
    const coldReads = runner.reads;
    const coldWrites = runner.writes;
    const batchLines = runner.log.filter((l) => l.purpose === 'write').reduce((s, l) => s + l.inputLines, 0);
    console.log(
      `cold: ${wired}/${N} wired in ${(coldMs / 1000).toFixed(2)} s (start/read ${startMs.toFixed(0)} ms, flush ${cold.durationMs.toFixed(0)} ms): ` +
        `${cold.ops} ops, ${cold.failed.length} failed, ${coldReads} read + ${coldWrites} write commands (${batchLines} lines of input), ` +
        `${((coldMs / N) * 1000).toFixed(0)} µs per port`,
    );
    if (wired !== N) console.log(`NOT ALL WIRED: ${JSON.stringify(dp.ports().filter((p) => p.state !== 'wired' && p.id !== late.id).slice(0, 5))}`);

    // let the monitor drain the events of the cold apply (they must not cause work)
    await new Promise((r) => setTimeout(r, 1500));
    const afterEvents = await dp.flush();
    console.log(`after monitor events: ${afterEvents.ops} ops`);

    const noop: number[] = [];
    const noopSame: number[] = [];
    const noopFull: number[] = [];
    let noopCommands = 0;
    let fullUntouched = 0;
    for (let i = 0; i < 7; i++) {
      runner.reset();
      const fresh = all.map((p) => ({ ...p, fixedIps: p.fixedIps.map((f) => ({ ...f })) }));
      const t0 = performance.now();
      dp.setPorts(fresh);
      const r = await dp.flush();
      noop.push(performance.now() - t0);
      noopCommands += runner.commands + r.ops;
      const t1 = performance.now();
      dp.setPorts(fresh);
      await dp.flush();
      noopSame.push(performance.now() - t1);
      const t2 = performance.now();
      dp.setPorts(all.map((p) => ({ ...p })));
      const full = await dp.flush({ full: true });
      noopFull.push(performance.now() - t2);
      noopCommands += runner.commands + full.ops;
      fullUntouched = full.untouched;
    }
    console.log(
      `noop: median ${median(noop).toFixed(1)} ms incremental (fresh objects), ${median(noopSame).toFixed(1)} ms (same objects), ` +
        `${median(noopFull).toFixed(1)} ms full (${fullUntouched} objects compared); ${noopCommands} commands/ops in 7 x 3 runs`,
    );

    const lateWired = new Promise<number>((resolve) => {
      const on = (s: { id: string }) => {
        if (s.id !== late.id) return;
        dp.off('port-wired', on);
        resolve(performance.now());
      };
      dp.on('port-wired', on);
    });
    const tLate = performance.now();
    await hv.ip(['tuntap', 'add', 'mode', 'tap', 'name', late.tap]);
    const lateMs = (await lateWired) - tLate;
    const lateFlush = await dp.flush(); // nothing left: shows the cost of a flush at this scale
    console.log(`flush phases at ${N} ports (no change): ${JSON.stringify(Object.fromEntries(Object.entries(lateFlush.phases).map(([k, v]) => [k, Math.round(v)])))}`);
    console.log(`late tap: created -> port-wired in ${lateMs.toFixed(1)} ms (with ${N} ports wired)`);

    runner.reset();
    t = performance.now();
    const sw = await dp.sweep();
    const sweepMs = performance.now() - t;
    console.log(`sweep: ${sweepMs.toFixed(0)} ms, ${runner.reads} reads, ${sw.ops} ops`);
    await dp.stop();
    const codes = log.codes();
    console.log(`log: ${log.lines.length} lines, codes: ${JSON.stringify([...new Set(codes)])}`);

    console.log(
      JSON.stringify({
        ports: N,
        cold_s: Number((coldMs / 1000).toFixed(3)),
        noop_ms: Number(median(noop).toFixed(1)),
        noop_same_objects_ms: Number(median(noopSame).toFixed(1)),
        noop_full_ms: Number(median(noopFull).toFixed(1)),
        noop_full_objects: fullUntouched,
        wired,
        commands: coldReads + coldWrites,
        read_commands: coldReads,
        write_commands: coldWrites,
        ops: cold.ops,
        batch_lines: batchLines,
        per_port_us: Math.round((coldMs / N) * 1000),
        start_ms: Math.round(startMs),
        noop_commands: noopCommands,
        sweep_ms: Math.round(sweepMs),
        late_tap_ms: Number(lateMs.toFixed(1)),
        logged_codes: [...new Set(codes)],
      }),
    );
  } finally {
    await scope.cleanup();
  }
}

await main();
