// Issue 5's proof, part 2: traffic between VMs on different hypervisors continues over the other
// ToR when one fails: (1) uplink carrier loss, (2) a ToR silently dead (nftables drop-all in its
// namespace: no BFD yet, hold timer 9 s), (3) a ToR's FRR killed. Each in a fresh lab. A ping
// every 10 ms runs from vm1 (hv1) to vm3 (hv2) over IPv4 and IPv6 while the ToR the IPv4 flow
// uses in both directions (found from interface counters, the return path steered onto it with
// hv2's multipath hash seed) is broken. The outage (largest gap between replies) is measured and
// printed, not asserted; what is asserted: the flow did use the broken ToR, replies flow again,
// and the agents' state (`lagless show ... --json`) and kernels say the failed path is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultNextHops } from '../clos/probe.js';
import { run, waitFor } from '../proc.js';
import { busiestInterface } from './checks.js';
import { E2eLab } from './e2e-lab.js';
import { startPing, type PingResult, type PingRun } from './ping.js';

const UPLINKS = ['tor1', 'tor2'] as const;
type Tor = (typeof UPLINKS)[number];
const other = (t: Tor): Tor => (t === 'tor1' ? 'tor2' : 'tor1');

interface Scenario {
  readonly tag: string;
  readonly what: string;
  /** break `tor` (the one the IPv4 flow uses both ways) */
  readonly breakIt: (lab: E2eLab, tor: Tor) => Promise<void>;
  /** longest the ping may take to flow again */
  readonly recoverMs: number;
  /** state once recovered */
  readonly check: (lab: E2eLab, tor: Tor, v4: PingResult) => Promise<void>;
}

/** Steers hv2's IPv4 return flow onto `tor` by trying multipath hash seeds; false when none did. */
async function pinReturnPath(lab: E2eLab, tor: Tor): Promise<boolean> {
  for (let seed = 1; seed <= 12; seed++) {
    if ((await busiestInterface(lab.ns('hv2'), UPLINKS)) === tor) return true;
    await run(['ip', 'netns', 'exec', lab.ns('hv2'), 'sysctl', '-qw', `net.ipv4.fib_multipath_hash_seed=${seed}`]);
  }
  return (await busiestInterface(lab.ns('hv2'), UPLINKS)) === tor;
}

function describe(name: string, r: PingResult, breakAt: number): string {
  const after = r.replies.filter((x) => x.atMs > breakAt).length;
  return `${name}: outage ${r.maxGapMs.toFixed(0)} ms (largest gap between replies, ping every ${r.intervalMs} ms, the gap starting at ${(r.gapStartMs - breakAt).toFixed(0)} ms from the failure), ${r.lost} of ${r.sent} lost, ${after} replies after the failure`;
}

async function runScenario(s: Scenario): Promise<void> {
  const lab = await E2eLab.up(s.tag);
  const pings: PingRun[] = [];
  try {
    const vm3 = lab.vm('vm3');
    const v4 = startPing(lab.ns('vm1'), vm3.ipv4);
    pings.push(v4);
    const v6 = startPing(lab.ns('vm1'), vm3.ipv6);
    pings.push(v6);
    await v4.waitReplies(20, 10_000, 'the IPv4 ping to flow');
    await v6.waitReplies(20, 10_000, 'the IPv6 ping to flow');
    const tor = (await busiestInterface(lab.ns('hv1'), UPLINKS)) as Tor;
    const pinned = await pinReturnPath(lab, tor);
    console.log(`${s.what}: vm1 -> vm3 leaves hv1 through ${tor}; the return path ${pinned ? 'too' : `could not be pinned to it (${await busiestInterface(lab.ns('hv2'), UPLINKS)})`}`);

    const breakAt = Date.now();
    await s.breakIt(lab, tor);
    // flowing again: 50 replies (0.5 s) after the failure, on both families
    for (const [p, fam] of [[v4, 'IPv4'], [v6, 'IPv6']] as const) {
      await waitFor(() => p.replies().filter((r) => r.atMs > breakAt).length >= 50 || undefined, { timeoutMs: s.recoverMs, intervalMs: 20, what: `${fam} replies after ${s.what}` });
    }
    const r4 = await v4.stop();
    const r6 = await v6.stop();
    console.log(describe(`${s.what}, IPv4`, r4, breakAt));
    console.log(describe(`${s.what}, IPv6`, r6, breakAt));
    assert.ok(r4.replies.filter((x) => x.atMs > breakAt).length >= 50);
    // the flow went through the broken ToR until it broke: it kept flowing over the other one
    const hops = await defaultNextHops(lab.ns('hv1'), 4);
    assert.deepEqual(hops.map((h) => h.split(' dev ')[1]), [other(tor)], `hv1's default after ${s.what}: ${hops.join(', ')}`);
    await s.check(lab, tor, r4);
  } finally {
    for (const p of pings) await p.stop().catch(() => {});
    await lab.down();
  }
}

async function peerOf(lab: E2eLab, hv: string, tor: Tor) {
  const p = (await lab.show(hv, 'peers')).find((x) => x.name === tor);
  assert.ok(p, `${hv} has no peer ${tor}`);
  return p;
}

test('uplink carrier loss: the session on the dead link drops at once (fast external failover), traffic continues over the other ToR, and comes back with the link', async () => {
  await runScenario({
    tag: 'foc',
    what: 'carrier loss on hv1\'s uplink',
    // the ToR's end of the cable goes down: hv1's interface loses carrier, the ToR's is down
    breakIt: async (lab, tor) => {
      await run(['ip', '-n', lab.ns(tor), 'link', 'set', 'hv1', 'down']);
    },
    recoverMs: 5_000,
    check: async (lab, tor) => {
      const p = await peerOf(lab, 'hv1', tor);
      assert.notEqual(p.state, 'Established');
      assert.equal(p.lastError?.code, 'ERR_AGENT_UPLINK_CARRIER', JSON.stringify(p));
      const other_ = await peerOf(lab, 'hv1', other(tor));
      assert.equal(other_.state, 'Established');
      assert.equal((await lab.show('hv1', 'routes')).find((r) => r.prefix === '0.0.0.0/0')?.paths.filter((x) => x.best || x.ecmp).length, 1);
      // the cable is back: the session and the second path return
      await run(['ip', '-n', lab.ns(tor), 'link', 'set', 'hv1', 'up']);
      const t0 = Date.now();
      await waitFor(async () => (await peerOf(lab, 'hv1', tor)).state === 'Established' && (await defaultNextHops(lab.ns('hv1'), 4)).length === 2, { timeoutMs: 20_000, intervalMs: 100, what: 'the uplink back in the ECMP set' });
      console.log(`carrier back: session Established and the ECMP default whole again after ${Date.now() - t0} ms`);
    },
  });
});

test('a ToR silently dead (nftables drop-all, no BFD, hold timer 9 s): traffic continues over the other ToR once the hold timer expires', async () => {
  await runScenario({
    tag: 'fos',
    what: 'silent ToR death',
    breakIt: async (lab, tor) => {
      const drop = 'type filter hook %s priority -300; policy drop;';
      await run(['ip', 'netns', 'exec', lab.ns(tor), 'nft', '-f', '-'], {
        input: `table inet e2e_dead {\n chain i { ${drop.replace('%s', 'input')} }\n chain f { ${drop.replace('%s', 'forward')} }\n chain o { ${drop.replace('%s', 'output')} }\n}\n`,
      });
    },
    recoverMs: 20_000,
    check: async (lab, tor, v4) => {
      // it really was the flow's ToR: the flow stopped until the hold timer
      assert.ok(v4.maxGapMs > 1000, `the IPv4 flow did not notice the dead ToR (largest gap ${v4.maxGapMs} ms)`);
      for (const hv of ['hv1', 'hv2']) {
        const p = await peerOf(lab, hv, tor);
        assert.notEqual(p.state, 'Established', `${hv} -> ${tor}`);
        assert.equal(p.lastError?.code, 'ERR_BGP_HOLD_TIMER_EXPIRED', `${hv}: ${JSON.stringify(p.lastError)}`);
      }
    },
  });
});

test('a ToR\'s FRR killed (SIGKILL): the sessions close (not silent), the ToR keeps forwarding on its kernel routes, traffic continues', async () => {
  await runScenario({
    tag: 'fok',
    what: 'ToR FRR killed',
    breakIt: async (lab, tor) => {
      const pids = (await run(['ip', 'netns', 'pids', lab.ns(tor)])).stdout.split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number);
      assert.ok(pids.length >= 2, `FRR daemons in ${tor}: ${pids.join(' ')}`);
      for (const pid of pids) process.kill(pid, 'SIGKILL');
    },
    recoverMs: 5_000,
    check: async (lab, tor) => {
      const p = await waitFor(async () => {
        const x = await peerOf(lab, 'hv1', tor);
        return x.state !== 'Established' && x;
      }, { timeoutMs: 5_000, what: `hv1's session to ${tor} to close` });
      console.log(`ToR FRR killed: hv1's session to ${tor} is ${p.state} (${p.reason}; ${p.lastError?.code ?? 'no error'})`);
      assert.equal((await peerOf(lab, 'hv1', other(tor))).state, 'Established');
    },
  });
});
