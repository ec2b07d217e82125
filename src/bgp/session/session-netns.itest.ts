// Sessions between two network namespaces over IPv6 link-local addresses (fe80::x%ifname), on the
// real port 179, each in its own process: the unnumbered-uplink case. Extended next hop (RFC 8950)
// is negotiated and an IPv4 route with an IPv6 next hop goes across.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LabScope, veth } from '../../../lab/netns.js';
import type { Netns } from '../../../lab/netns.js';
import { waitFor } from '../../../lab/proc.js';
import type { BgpSessionOptions } from './session.js';

interface Child {
  readonly proc: ChildProcess;
  readonly events: Record<string, unknown>[];
  send(cmd: object): void;
  of(event: string): Record<string, any>[];
}

const CHILD = new URL('./peer-child.ts', import.meta.url).pathname;

function startChild(ns: Netns, session: BgpSessionOptions): Child {
  const proc = ns.spawn([process.execPath, '--import', 'tsx', CHILD, JSON.stringify({ session, listen: ['::'] })], {
    stdio: ['pipe', 'pipe', 'inherit'],
    label: `bgp session in ${ns.name}`,
  });
  const events: Record<string, unknown>[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => events.push(JSON.parse(l) as Record<string, unknown>));
  return {
    proc,
    events,
    send: (cmd) => proc.stdin!.write(`${JSON.stringify(cmd)}\n`),
    of: (event) => events.filter((e) => e.event === event) as Record<string, any>[],
  };
}

const scope = await LabScope.create('bgpsess');
after(() => scope.cleanup());

test('link-local sessions between namespaces: Established on port 179, extended next hop, UPDATE, Cease', async () => {
  const a = await scope.netns('a');
  const b = await scope.netns('b');
  await veth(a, 'eth0', b, 'eth0');
  for (const [ns, addr] of [[a, 'fe80::a'], [b, 'fe80::b']] as const) {
    // only our own link-local address, usable at once (no DAD wait)
    await ns.ip(['-6', 'addr', 'flush', 'dev', 'eth0', 'scope', 'link']);
    await ns.ip(['-6', 'addr', 'add', `${addr}/64`, 'dev', 'eth0', 'nodad']);
  }
  const common = { holdTime: 9, connectRetryTime: 1, extendedNextHop: true };
  const ca = startChild(a, { ...common, localAs: 4200000001, routerId: '10.0.0.1', peerAs: 4200000002, peerAddress: 'fe80::b%eth0' });
  const cb = startChild(b, { ...common, localAs: 4200000002, routerId: '10.0.0.2', peerAs: 4200000001, peerAddress: 'fe80::a%eth0' });
  const dump = (): string => [...ca.events.map((e) => `A ${JSON.stringify(e)}`), ...cb.events.map((e) => `B ${JSON.stringify(e)}`)].join('\n');
  try {
    await waitFor(() => ca.of('established').length > 0 && cb.of('established').length > 0, { timeoutMs: 20_000, what: 'both established' });
    const n = ca.of('established')[0]!.negotiated;
    assert.equal(n.peerAs, 4200000002);
    assert.deepEqual(n.extendedNextHop, ['1/1']);
    assert.equal(n.codec.extendedNextHop, true);

    const update = {
      type: 'update',
      withdrawn: [],
      attributes: {
        origin: 0,
        asPath: [{ type: 'sequence', asns: [4200000001] }],
        mpReach: { afi: 1, safi: 1, nextHops: ['2001:db8::a'], nlri: [{ afi: 1, addr: 0x0a090001, len: 32 }] },
      },
      nlri: [],
    };
    ca.send({ cmd: 'send', update });
    await waitFor(() => cb.of('update').length === 1, { timeoutMs: 5_000, what: 'update at b' });
    assert.deepEqual(cb.of('update')[0]!.update, update);

    ca.send({ cmd: 'stop', message: 'maintenance' });
    await waitFor(() => cb.of('down').length === 1 && ca.of('stopped').length === 1, { timeoutMs: 10_000, what: 'b down, a stopped' });
    const down = cb.of('down')[0]!.info;
    assert.equal(down.reason, 'notification-received');
    assert.equal(down.detail, 'Cease/Administrative Shutdown (6/2): "maintenance"');
    cb.send({ cmd: 'stop' });
    await waitFor(() => cb.of('stopped').length === 1, { timeoutMs: 10_000, what: 'b stopped' });
    if (process.env.BGP_TEST_DUMP === '1') console.log(dump());
  } catch (e) {
    console.error(dump());
    throw e;
  }
});
