// Benchmark: the firewall ruleset at 5,000 ports (src/dataplane/firewall).
//   npm run bench -- firewall-ruleset [ports=5000]
// Figures: time to generate the script; `nft -c -f`, first load and reload (replace) times; and the
// per-packet cost on a real forwarding path: `ping -f` round trips VM A -> hypervisor -> VM B with
// no ruleset (baseline), with a ruleset of only A and B, and with A and B among `ports` others.
// Each figure is the median of several runs. The last output line is one JSON object.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabScope, veth, type Netns } from '../lab/netns.js';
import type { PortSpec } from '../src/dataplane/port.js';
import { buildFirewallRuleset } from '../src/dataplane/firewall/index.js';

const PORTS = Number(process.argv[2] ?? 5000);
const RUNS = 5;
const PINGS = 20_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

function fillerPorts(n: number): PortSpec[] {
  const out: PortSpec[] = [];
  for (let i = 0; i < n; i++) {
    const hi = ((i >> 8) & 255).toString(16).padStart(2, '0');
    const lo = (i & 255).toString(16).padStart(2, '0');
    out.push({
      id: `port-${i}`,
      tap: `tap${String(i).padStart(11, '0')}`,
      mac: `fa:16:3e:01:${hi}:${lo}`,
      fixedIps: [
        { address: `10.${100 + ((i >> 8) & 127)}.${i & 255}.10`, prefixLen: 24 },
        { address: `2001:db8:1::${i.toString(16)}`, prefixLen: 64 },
      ],
      allowedAddressPairs: i % 10 === 0 ? [{ ipAddress: `172.16.${i & 255}.0/24` }] : [],
      portSecurity: true,
    });
  }
  return out;
}

const vmPort = (name: string, mac: string, ip: string): PortSpec => ({
  id: `port-${name}`,
  tap: `tap${name}`,
  mac,
  fixedIps: [{ address: ip, prefixLen: 24 }],
  allowedAddressPairs: [],
  portSecurity: true,
});
const A = vmPort('A', '52:54:00:00:00:0a', '10.0.0.1');
const B = vmPort('B', '52:54:00:00:00:0b', '10.0.0.2');

async function main(): Promise<void> {
  const scope = await LabScope.create('fwbench');
  try {
    const filler = fillerPorts(PORTS);
    const genMs: number[] = [];
    let big = '';
    for (let i = 0; i < RUNS; i++) {
      const t0 = process.hrtime.bigint();
      big = buildFirewallRuleset([...filler, A, B]).script;
      genMs.push(ms(t0));
    }
    const small = buildFirewallRuleset([A, B]).script;
    const dir = scope.dir();
    const bigFile = join(dir, 'big.nft');
    const smallFile = join(dir, 'small.nft');
    writeFileSync(bigFile, big);
    writeFileSync(smallFile, small);

    // hypervisor + two VMs, wired the lagless way
    const hv = await scope.netns('hv');
    await hv.run(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    await hv.ip(['addr', 'add', '10.0.0.254/32', 'dev', 'lo']);
    const vms: Netns[] = [];
    for (const p of [A, B]) {
      const vm = await scope.netns(p.tap.toLowerCase());
      await veth(hv, p.tap, vm, 'eth0', { bMac: p.mac });
      await hv.run(['sysctl', '-q', '-w', `net.ipv4.conf.${p.tap}.proxy_arp=1`, `net.ipv4.neigh.${p.tap}.proxy_delay=0`]);
      const ip = p.fixedIps[0]?.address ?? '';
      await hv.ip(['route', 'add', `${ip}/32`, 'dev', p.tap]);
      await hv.ip(['neigh', 'replace', ip, 'lladdr', p.mac, 'dev', p.tap, 'nud', 'permanent']);
      await vm.ip(['addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      await vm.ip(['route', 'add', 'default', 'via', '10.0.0.254']);
      vms.push(vm);
    }
    const vmA = vms[0]!;

    const checkMs: number[] = [];
    const loadMs: number[] = [];
    const reloadMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await hv.run(['nft', 'flush', 'ruleset']);
      let t0 = process.hrtime.bigint();
      await hv.run(['nft', '-c', '-f', bigFile]);
      checkMs.push(ms(t0));
      t0 = process.hrtime.bigint();
      await hv.run(['nft', '-f', bigFile]);
      loadMs.push(ms(t0));
      t0 = process.hrtime.bigint();
      await hv.run(['nft', '-f', bigFile]);
      reloadMs.push(ms(t0));
    }

    // ping -f sends the next request as soon as the reply is in, so the run's total time over the
    // number of pings is one round trip with 10 ns resolution (its own "rtt avg" has 1 us).
    // "20000 packets transmitted, 20000 received, 0% packet loss, time 208ms"
    const pingAvgUs = async (): Promise<number> => {
      const out = await vmA.run(['ping', '-f', '-q', '-c', String(PINGS), B.fixedIps[0]?.address ?? ''], { timeoutMs: 120_000 });
      const m = / 0% packet loss, time (\d+)ms/.exec(out);
      if (!m?.[1]) throw new Error(`ping -f failed: ${out}`);
      return +((Number(m[1]) * 1000) / PINGS).toFixed(2);
    };
    const rtt: Record<'none' | 'two' | 'big', number[]> = { none: [], two: [], big: [] };
    for (let i = 0; i < RUNS; i++) {
      // interleaved so that drift on the shared machine hits all three alike
      await hv.run(['nft', 'flush', 'ruleset']);
      rtt.none.push(await pingAvgUs());
      await hv.run(['nft', '-f', smallFile]);
      rtt.two.push(await pingAvgUs());
      await hv.run(['nft', '-f', bigFile]);
      rtt.big.push(await pingAvgUs());
    }
    const spoofed = JSON.parse(await hv.run(['nft', '-j', 'list', 'counter', 'inet', 'lagless', 'spoofed'])) as { nftables: { counter?: { packets: number } }[] };

    const result = {
      bench: 'firewall-ruleset',
      ports: PORTS + 2,
      scriptBytes: Buffer.byteLength(big),
      generateMs: +median(genMs).toFixed(1),
      nftCheckMs: +median(checkMs).toFixed(1),
      nftLoadMs: +median(loadMs).toFixed(1),
      nftReloadMs: +median(reloadMs).toFixed(1),
      pingRttUs: { noRuleset: median(rtt.none), twoPorts: median(rtt.two), withAllPorts: median(rtt.big) },
      rttRatioAllPortsVsNone: +(median(rtt.big) / median(rtt.none)).toFixed(3),
      rttRatioAllPortsVsTwo: +(median(rtt.big) / median(rtt.two)).toFixed(3),
      spoofedDuringPing: spoofed.nftables.find((o) => o.counter)?.counter?.packets ?? -1,
      runs: RUNS,
      pingsPerRun: PINGS,
    };
    console.log(`generate ${result.generateMs} ms, nft -c ${result.nftCheckMs} ms, load ${result.nftLoadMs} ms, reload ${result.nftReloadMs} ms (${result.ports} ports, ${result.scriptBytes} bytes)`);
    console.log(`ping -f round trip: none ${result.pingRttUs.noRuleset} us, 2 ports ${result.pingRttUs.twoPorts} us, ${result.ports} ports ${result.pingRttUs.withAllPorts} us`);
    console.log(JSON.stringify(result));
  } finally {
    await scope.cleanup();
  }
}

await main();
