// Two BgpSessions talking over real TCP on the loopback (IPv4 and IPv6), random high ports, real
// timers: both sides active (so their connections collide), Established, UPDATEs both ways,
// keepalives across more than one hold time, then a stop with Cease.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../../lab/proc.js';
import type { DownInfo, Negotiated } from '../fsm/types.js';
import type { UpdateMessage } from '../wire/types.js';
import { BgpListener } from './listener.js';
import type { LogFields } from './logger.js';
import { BgpSession } from './session.js';

interface Side {
  readonly session: BgpSession;
  readonly listener: BgpListener;
  readonly updates: UpdateMessage[];
  readonly eor: { afi: number; safi: number }[];
  readonly downs: DownInfo[];
  readonly established: Negotiated[];
  readonly log: string[];
}

async function listener(address: string): Promise<BgpListener> {
  const l = new BgpListener({ port: 0, addresses: [address] });
  await l.listen();
  return l;
}

function side(l: BgpListener, o: { localAs: number; routerId: string; peerAs: number; peerAddress: string; localAddress: string; port: number }): Side {
  const log: string[] = [];
  const line = (level: string) => (m: string, f?: LogFields) => void log.push(`${level} ${m} ${JSON.stringify(f ?? {})}`);
  const session = new BgpSession({ ...o, holdTime: 3, connectRetryTime: 1, logger: { info: line('info'), warn: line('warn'), error: line('error') } });
  const s: Side = { session, listener: l, updates: [], eor: [], downs: [], established: [], log };
  session.on('update', (u) => s.updates.push(u));
  session.on('end-of-rib', (f) => s.eor.push(f));
  session.on('down', (d) => s.downs.push(d));
  session.on('established', (n) => s.established.push(n));
  l.add(session);
  return s;
}

const v4update: UpdateMessage = {
  type: 'update',
  withdrawn: [],
  attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [4200000002] }], nextHop: '127.0.0.2' },
  nlri: [{ afi: 1, addr: 0x0a090001, len: 32 }],
};
const v6update: UpdateMessage = {
  type: 'update',
  withdrawn: [],
  attributes: {
    origin: 0,
    asPath: [{ type: 'sequence', asns: [65001] }],
    mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: [{ afi: 2, addr: '2001:db8:9::1', len: 128 }] },
  },
  nlri: [],
};

for (const [family, addrA, addrB] of [['IPv4', '127.0.0.1', '127.0.0.2'], ['IPv6', '::1', '::1']] as const) {
  test(`two sessions over real TCP (${family}): Established, UPDATEs both ways, keepalives, Cease`, async () => {
    const la = await listener(addrA);
    const lb = await listener(addrB);
    const a = side(la, { localAs: 65001, routerId: '10.0.0.1', peerAs: 4200000002, peerAddress: addrB, localAddress: addrA, port: lb.port });
    const b = side(lb, { localAs: 4200000002, routerId: '10.0.0.2', peerAs: 65001, peerAddress: addrA, localAddress: addrB, port: la.port });
    try {
      a.session.start();
      b.session.start();
      await waitFor(() => a.session.state === 'established' && b.session.state === 'established', { timeoutMs: 10_000, what: 'both established' });
      const n = a.established[0];
      assert.equal(n?.peerAs, 4200000002);
      assert.equal(n?.fourOctetAs, true);
      assert.equal(n?.holdTime, 3);
      assert.equal(n?.keepaliveTime, 1);
      assert.deepEqual(n?.families, ['1/1', '2/1']);

      b.session.send(v4update);
      a.session.send([v6update]);
      b.session.send({ type: 'update', withdrawn: [], attributes: {}, nlri: [] }); // End-of-RIB IPv4
      await waitFor(() => a.updates.length === 1 && a.eor.length === 1 && b.updates.length === 1, { timeoutMs: 5_000, what: 'updates delivered' });
      assert.deepEqual(a.updates[0], v4update);
      assert.deepEqual(b.updates[0], v6update);
      assert.deepEqual(a.eor, [{ afi: 1, safi: 1 }]);

      // real keepalives (1 s) keep the session up past a hold time (3 s)
      const since = a.session.stats().messagesIn.keepalive;
      await waitFor(() => a.session.stats().messagesIn.keepalive >= since + 4, { timeoutMs: 8_000, what: 'four keepalives' });
      assert.equal(a.session.state, 'established');
      assert.equal(b.session.state, 'established');
      assert.equal(a.downs.length + b.downs.length, 0);

      await a.session.stop({ message: 'test over' });
      await waitFor(() => b.session.state !== 'established', { timeoutMs: 5_000, what: 'b down' });
      assert.equal(a.downs[0]?.reason, 'admin-stop');
      assert.equal(b.downs[0]?.reason, 'notification-received');
      const got = b.downs[0]?.notificationReceived;
      assert.deepEqual(got && [got.code, got.subcode], [6, 2]);
      assert.equal(b.downs[0]?.detail, 'Cease/Administrative Shutdown (6/2): "test over"');
    } catch (e) {
      console.error([...a.log.map((l) => `A ${l}`), ...b.log.map((l) => `B ${l}`)].join('\n'));
      throw e;
    } finally {
      await Promise.all([a.session.stop(), b.session.stop()]);
      await Promise.all([la.close(), lb.close()]);
    }
  });
}

test('a listener refuses a connection from an address no session is configured for', async () => {
  const l = await listener('127.0.0.1');
  const known = new BgpSession({ localAs: 65001, routerId: '10.0.0.1', peerAs: 65002, peerAddress: '127.0.0.9' });
  l.add(known);
  const stranger = new BgpSession({ localAs: 65002, routerId: '10.0.0.2', peerAs: 65001, peerAddress: '127.0.0.1', localAddress: '127.0.0.3', port: l.port, connectRetryTime: 60 });
  try {
    stranger.start();
    await waitFor(() => l.refused === 1, { timeoutMs: 5_000, what: 'refused' });
    await waitFor(() => stranger.state === 'active', { timeoutMs: 5_000, what: 'stranger back in Active' });
    assert.equal(known.state, 'idle');
  } finally {
    await stranger.stop();
    await l.close();
  }
});
