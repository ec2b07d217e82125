// BgpSession over in-memory connections with a fake clock: no sockets, no real waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endOfRib, encodeMessage } from '../wire/index.js';
import { MODERN_CONTEXT } from '../wire/types.js';
import type { UpdateMessage } from '../wire/types.js';
import type { DownInfo, Negotiated, StateChange } from '../fsm/types.js';
import type { BgpWireError } from '../wire/errors.js';
import { FakeClock } from './fake-clock.js';
import { BgpListener } from './listener.js';
import { MemoryNetwork, memoryConnectionPair } from './memory-connection.js';
import type { MemoryConnection } from './memory-connection.js';
import { ScriptPeer, openFrom, until } from './script-peer.js';
import { BgpSession } from './session.js';
import type { BgpSessionOptions } from './session.js';

const update = (addr: number): UpdateMessage => ({
  type: 'update',
  withdrawn: [],
  attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [65001] }], nextHop: '10.0.0.1' },
  nlri: [{ afi: 1, addr, len: 32 }],
});

interface Recorded {
  states: StateChange[];
  updates: UpdateMessage[];
  eor: { afi: number; safi: number }[];
  downs: DownInfo[];
  established: Negotiated[];
  wireErrors: BgpWireError[];
  logs: string[];
}

function record(s: BgpSession): Recorded {
  const r: Recorded = { states: [], updates: [], eor: [], downs: [], established: [], wireErrors: [], logs: [] };
  s.on('state', (c) => r.states.push(c));
  s.on('update', (u) => r.updates.push(u));
  s.on('end-of-rib', (f) => r.eor.push(f));
  s.on('down', (d) => r.downs.push(d));
  s.on('established', (n) => r.established.push(n));
  s.on('wire-error', (e) => r.wireErrors.push(e));
  return r;
}

interface Rig {
  clock: FakeClock;
  net: MemoryNetwork;
  /** script peers that our session connected to, in order */
  peers: ScriptPeer[];
  session: BgpSession;
  ev: Recorded;
}

function rig(over: Partial<BgpSessionOptions> = {}): Rig {
  const clock = new FakeClock();
  const net = new MemoryNetwork();
  const peers: ScriptPeer[] = [];
  net.listen('10.0.0.2', 179, (c) => peers.push(new ScriptPeer(c)));
  const logs: string[] = [];
  const session = new BgpSession({
    localAs: 65001,
    routerId: '10.0.0.1',
    peerAs: 65002,
    peerAddress: '10.0.0.2',
    holdTime: 9,
    connectRetryTime: 10,
    clock,
    random: () => 0, // no jitter: exact timer values
    connector: net.connector('10.0.0.1'),
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(`WARN ${m}`), error: (m) => logs.push(`ERROR ${m}`) },
    ...over,
  });
  const ev = record(session);
  ev.logs = logs;
  return { clock, net, peers, session, ev };
}

/** A connection the peer opens towards our session. */
function inbound(r: Rig, port = 50000): ScriptPeer {
  const [client, server] = memoryConnectionPair({ address: '10.0.0.2', port }, { address: '10.0.0.1', port: 179 });
  r.session.accept(server);
  return new ScriptPeer(client);
}

async function openedOutbound(r: Rig): Promise<ScriptPeer> {
  r.session.start();
  await until(() => r.peers[0]?.of('open').length === 1, 'our OPEN');
  return r.peers[0]!;
}

async function establishOutbound(r: Rig, id = '10.0.0.2'): Promise<ScriptPeer> {
  const p = await openedOutbound(r);
  p.send(openFrom(65002, id));
  p.send({ type: 'keepalive' });
  await until(() => r.session.state === 'established', 'established');
  return p;
}

const notifs = (p: ScriptPeer) => p.of('notification').map((n) => `${n.code}/${n.subcode}`);

test('two sessions on an in-memory network reach Established, exchange UPDATEs and End-of-RIB, stop with Cease', async () => {
  const clock = new FakeClock();
  const net = new MemoryNetwork();
  const mk = (localAs: number, routerId: string, peerAs: number, peerAddress: string) =>
    new BgpSession({ localAs, routerId, peerAs, peerAddress, holdTime: 9, clock, random: () => 0, connector: net.connector(routerId) });
  const a = mk(65001, '10.0.0.1', 65002, '10.0.0.2');
  const b = mk(65002, '10.0.0.2', 65001, '10.0.0.1');
  const la = new BgpListener();
  la.add(a);
  const lb = new BgpListener();
  lb.add(b);
  net.listen('10.0.0.1', 179, (c) => la.handle(c));
  net.listen('10.0.0.2', 179, (c) => lb.handle(c));
  const ea = record(a);
  const eb = record(b);
  a.start();
  b.start();
  await until(() => a.state === 'established' && b.state === 'established', 'both established');
  assert.equal(ea.established[0]?.peerAs, 65002);
  assert.deepEqual(ea.established[0]?.families, ['1/1', '2/1']);
  assert.equal(ea.established[0]?.codec.fourOctetAs, true);

  assert.equal(b.send([update(0x0a000101), update(0x0a000102)]), true);
  b.send(endOfRib(1, 1));
  await until(() => ea.eor.length === 1, 'End-of-RIB');
  assert.deepEqual(ea.updates, [update(0x0a000101), update(0x0a000102)]);
  assert.deepEqual(ea.eor, [{ afi: 1, safi: 1 }]);
  assert.equal(b.stats().updatesOut, 3);
  assert.equal(a.stats().updatesIn, 3);

  // keepalives keep both up across several hold times
  await clock.advanceAsync(30_000);
  assert.equal(a.state, 'established');
  assert.equal(b.state, 'established');
  assert.ok(a.stats().messagesIn.keepalive >= 9, `keepalives received: ${a.stats().messagesIn.keepalive}`);

  await a.stop({ message: 'bye' });
  await until(() => b.state === 'idle', 'b idle');
  assert.equal(ea.downs[0]?.reason, 'admin-stop');
  assert.equal(eb.downs[0]?.reason, 'notification-received');
  assert.equal(eb.downs[0]?.detail, 'Cease/Administrative Shutdown (6/2): "bye"');
  assert.equal(a.state, 'idle');
  await b.stop();
});

test('a passive session never connects and takes the peer connection', async () => {
  const r = rig({ passive: true });
  r.session.start();
  await r.clock.advanceAsync(60_000);
  assert.equal(r.net.connections.length, 0);
  assert.equal(r.session.state, 'active');
  const p = inbound(r);
  await until(() => p.of('open').length === 1, 'OPEN');
  p.send(openFrom(65002, '10.0.0.2'));
  p.send({ type: 'keepalive' });
  await until(() => r.session.state === 'established', 'established');
  assert.deepEqual(r.ev.states.map((s) => `${s.to}:${s.reason}`), ['active:admin-start', 'open-sent:tcp-accepted', 'open-confirm:open-received', 'established:open-confirmed']);
  await r.session.stop();
});

test('our OPEN carries the configured capabilities; the peer gets a KEEPALIVE after its OPEN', async () => {
  const r = rig({ extendedNextHop: true, hostname: 'hv1', gracefulRestart: { restartTime: 120 } });
  const p = await establishOutbound(r);
  const open = p.of('open')[0]!;
  assert.equal(open.myAs, 65001);
  assert.equal(open.holdTime, 9);
  assert.equal(open.bgpId, '10.0.0.1');
  assert.deepEqual(open.capabilities.map((c) => c.kind), ['multiprotocol', 'multiprotocol', 'route-refresh', 'four-octet-as', 'extended-next-hop', 'graceful-restart', 'fqdn']);
  await until(() => p.of('keepalive').length === 1, 'KEEPALIVE');
  await r.session.stop();
});

test('hold timer: a silent peer gets Hold Timer Expired after the hold time; keepalives went out meanwhile', async () => {
  const r = rig();
  const p = await establishOutbound(r);
  await r.clock.advanceAsync(8_999);
  assert.equal(r.session.state, 'established');
  assert.equal(p.of('keepalive').length, 1 + 2, 'the OPEN answer, then at 3 s and 6 s');
  await r.clock.advanceAsync(1);
  await until(() => p.closed, 'connection closed');
  assert.deepEqual(notifs(p), ['4/0']);
  assert.equal(r.ev.downs[0]?.reason, 'hold-timer-expired');
  assert.equal(r.session.stats().lastError?.code, 'ERR_BGP_HOLD_TIMER_EXPIRED');
  assert.equal(r.session.stats().flaps, 1);
  // the idle hold (1 s) passes, and the session connects again
  await r.clock.advanceAsync(999);
  assert.equal(r.net.connections.length, 1);
  await r.clock.advanceAsync(1);
  await until(() => r.net.connections.length === 2, 'a new connection');
  await r.session.stop();
});

test('a refused connect goes to Active and retries after the connect-retry time', async () => {
  const r = rig({ peerAddress: '10.0.0.3' });
  r.session.start();
  await until(() => r.session.state === 'active', 'active');
  assert.equal(r.session.reason, 'connect-failed');
  assert.equal(r.session.stats().lastError?.code, 'ECONNREFUSED');
  await r.clock.advanceAsync(9_999);
  assert.equal(r.net.connections.length, 1);
  await r.clock.advanceAsync(1);
  assert.equal(r.net.connections.length, 2);
  await r.session.stop();
});

test('a connect that hangs is dropped and retried when the connect-retry timer fires', async () => {
  const r = rig();
  r.net.setSilent('10.0.0.2', true);
  r.session.start();
  await r.clock.advanceAsync(10_000);
  assert.equal(r.session.state, 'connect');
  assert.equal(r.net.connections.length, 2);
  assert.equal(r.net.connections[0]?.closed, true, 'the first attempt was dropped');
  await r.session.stop();
});

test('an OPEN from the wrong AS: Bad Peer AS, then retries with a growing idle hold', async () => {
  const r = rig();
  const p = await openedOutbound(r);
  p.send(openFrom(65003, '10.0.0.2'));
  await until(() => p.closed, 'closed');
  assert.deepEqual(notifs(p), ['2/2']);
  assert.equal(r.session.reason, 'open-bad-peer-as');
  assert.equal(r.session.stats().lastError?.code, 'ERR_BGP_OPEN_BAD_PEER_AS');
  await r.clock.advanceAsync(1_000);
  await until(() => r.peers[1]?.of('open').length === 1, 'second OPEN');
  r.peers[1]!.send(openFrom(65003, '10.0.0.2'));
  await until(() => r.peers[1]!.closed, 'closed');
  await r.clock.advanceAsync(1_999);
  assert.equal(r.peers.length, 2, 'second idle hold is 2 s');
  await r.clock.advanceAsync(1);
  await until(() => r.peers.length === 3, 'third connection');
  await r.session.stop();
});

test('a bad marker gets Connection Not Synchronized and the connection is closed', async () => {
  const r = rig();
  const p = await openedOutbound(r);
  const bad = Uint8Array.from(encodeMessage({ type: 'keepalive' }, MODERN_CONTEXT));
  bad[0] = 0;
  p.sendRaw(bad);
  await until(() => p.closed, 'closed');
  assert.deepEqual(notifs(p), ['1/1']);
  assert.equal(r.session.reason, 'message-error');
  assert.equal(r.ev.wireErrors[0]?.code, r.session.stats().lastError?.code);
  await r.session.stop();
});

test('messages split across chunks and coalesced into one chunk are all read', async () => {
  const r = rig();
  const p = await openedOutbound(r);
  const bytes = Buffer.concat([
    encodeMessage(openFrom(65002, '10.0.0.2'), MODERN_CONTEXT),
    encodeMessage({ type: 'keepalive' }, MODERN_CONTEXT),
    encodeMessage(update(0x0a000001), MODERN_CONTEXT),
    encodeMessage(update(0x0a000002), MODERN_CONTEXT),
  ]);
  // three chunks cutting through the OPEN and the first UPDATE
  p.sendRaw(bytes.subarray(0, 20));
  p.sendRaw(bytes.subarray(20, 60));
  p.sendRaw(bytes.subarray(60));
  await until(() => r.ev.updates.length === 2, 'two updates');
  assert.equal(r.session.state, 'established');
  assert.deepEqual(r.ev.updates, [update(0x0a000001), update(0x0a000002)]);
  await r.session.stop();
});

test('RFC 7606 treat-as-withdraw: the prefixes are withdrawn, the session stays up, the error is reported with its code', async () => {
  const r = rig();
  const p = await establishOutbound(r);
  const bytes = Uint8Array.from(encodeMessage(update(0x0a000009), MODERN_CONTEXT));
  // header 19 + withdrawn length 2 + attributes length 2: ORIGIN is flags 0x40, type 1, length 1, value
  assert.deepEqual([...bytes.subarray(23, 27)], [0x40, 1, 1, 0]);
  bytes[26] = 7; // no such ORIGIN
  p.sendRaw(bytes);
  await until(() => r.ev.updates.length === 1, 'withdraw');
  assert.deepEqual(r.ev.updates[0], { type: 'update', withdrawn: [{ afi: 1, addr: 0x0a000009, len: 32 }], attributes: {}, nlri: [] });
  assert.equal(r.ev.wireErrors[0]?.action, 'treat-as-withdraw');
  assert.match(r.ev.wireErrors[0]?.code ?? '', /^ERR_BGP_/);
  assert.ok(r.ev.logs.some((l) => l.startsWith('WARN')), 'logged');
  assert.equal(r.session.state, 'established');
  assert.deepEqual(notifs(p), []);
  await r.session.stop();
});

test('RFC 7606 attribute-discard: the UPDATE is delivered without the attribute, the error is reported', async () => {
  const r = rig();
  const p = await establishOutbound(r);
  const good = encodeMessage(update(0x0a00000a), MODERN_CONTEXT);
  // insert ATOMIC_AGGREGATE with a length of 1 (it must be 0) in front of the attributes
  const extra = [0x40, 6, 1, 0];
  const bytes = new Uint8Array(good.length + extra.length);
  bytes.set(good.subarray(0, 23), 0);
  bytes.set(extra, 23);
  bytes.set(good.subarray(23), 23 + extra.length);
  const put16 = (at: number, v: number) => { bytes[at] = v >> 8; bytes[at + 1] = v & 0xff; };
  put16(16, bytes.length);
  put16(21, ((good[21] ?? 0) << 8 | (good[22] ?? 0)) + extra.length);
  p.sendRaw(bytes);
  await until(() => r.ev.updates.length === 1, 'update');
  assert.deepEqual(r.ev.updates[0]?.nlri, [{ afi: 1, addr: 0x0a00000a, len: 32 }]);
  assert.equal(r.ev.updates[0]?.attributes.atomicAggregate, undefined);
  assert.equal(r.ev.wireErrors[0]?.action, 'attribute-discard');
  assert.equal(r.session.state, 'established');
  await r.session.stop();
});

test('a listener that throws is logged and does not break the session', async () => {
  const r = rig();
  r.session.on('update', () => {
    throw new Error('consumer bug');
  });
  const p = await establishOutbound(r);
  p.send(update(1));
  p.send(update(2));
  await until(() => r.ev.updates.length === 2, 'both updates still delivered to the other listener');
  assert.equal(r.ev.logs.filter((l) => l.startsWith('ERROR') && l.includes('consumer bug')).length, 2);
  assert.equal(r.session.state, 'established');
  await r.session.stop();
});

test('stop() from inside an update listener resolves only once the connection is closed', async () => {
  const r = rig();
  const p = await establishOutbound(r);
  let stopped: Promise<void> | undefined;
  r.session.on('update', () => {
    stopped = r.session.stop({ message: 'from a listener' });
  });
  p.send(update(1));
  await until(() => stopped !== undefined, 'listener ran');
  let done = false;
  void stopped!.then(() => {
    done = true;
  });
  await null;
  await null;
  assert.equal(done, false, 'not before the Cease is flushed and the connection closed');
  await stopped;
  assert.equal(p.closed, true);
  assert.deepEqual(notifs(p), ['6/2']);
});

test('stop() then start() establishes again', async () => {
  const r = rig();
  await establishOutbound(r);
  await r.session.stop();
  assert.equal(r.session.state, 'idle');
  await r.clock.advanceAsync(60_000);
  assert.equal(r.peers.length, 1, 'stays down after stop');
  r.session.start();
  await until(() => r.peers[1]?.of('open').length === 1, 'OPEN again');
  r.peers[1]!.send(openFrom(65002, '10.0.0.2'));
  r.peers[1]!.send({ type: 'keepalive' });
  await until(() => r.session.state === 'established', 'established again');
  assert.equal(r.ev.established.length, 2);
  await r.session.stop();
});

test('a NOTIFICATION from the peer takes the session down with the reason and the NOTIFICATION', async () => {
  const r = rig();
  const p = await establishOutbound(r);
  p.send({ type: 'notification', code: 6, subcode: 4, data: new Uint8Array() });
  await until(() => r.session.state === 'idle', 'idle');
  assert.equal(r.ev.downs[0]?.reason, 'notification-received');
  assert.equal(r.ev.downs[0]?.notificationReceived?.subcode, 4);
  await r.session.stop();
});

// ------------------------------------------------------------------ collisions

test('collision, peer has the higher BGP identifier: the connection it opened is kept, ours gets Cease/Collision', async () => {
  const r = rig();
  const p1 = await openedOutbound(r);
  p1.send(openFrom(65002, '10.0.0.2'));
  await until(() => r.session.state === 'open-confirm', 'open-confirm');
  const p2 = inbound(r);
  await until(() => p2.of('open').length === 1, 'OPEN on the second connection');
  p2.send(openFrom(65002, '10.0.0.2'));
  await until(() => p1.closed, 'our connection closed');
  assert.deepEqual(notifs(p1), ['6/7']);
  p2.send({ type: 'keepalive' });
  await until(() => r.session.state === 'established', 'established');
  assert.deepEqual(notifs(p2), []);
  assert.equal(p2.closed, false);
  assert.ok(r.ev.states.some((s) => s.reason === 'collision'));
  // the session now runs on the peer's connection
  r.session.send(update(0x0a000001));
  await until(() => p2.of('update').length === 1, 'update on the kept connection');
  await r.session.stop();
  assert.deepEqual(notifs(p2), ['6/2']);
});

test('collision, we have the higher BGP identifier: our connection is kept, the peer\'s gets Cease/Collision', async () => {
  const r = rig({ routerId: '10.0.0.9' });
  const p1 = await openedOutbound(r);
  p1.send(openFrom(65002, '10.0.0.2'));
  await until(() => r.session.state === 'open-confirm', 'open-confirm');
  const p2 = inbound(r);
  await until(() => p2.of('open').length === 1, 'OPEN on the second connection');
  p2.send(openFrom(65002, '10.0.0.2'));
  await until(() => p2.closed, 'peer connection closed');
  assert.deepEqual(notifs(p2), ['6/7']);
  p1.send({ type: 'keepalive' });
  await until(() => r.session.state === 'established', 'established');
  assert.deepEqual(notifs(p1), []);
  assert.equal(r.ev.states.some((s) => s.reason === 'collision'), false, 'the session itself never changed connection');
  await r.session.stop();
});

test('collision: the OPEN on our own connection does not decide while the other one is in OpenSent; the second OPEN does', async () => {
  const r = rig();
  const p1 = await openedOutbound(r);
  const p2 = inbound(r);
  await until(() => p2.of('open').length === 1, 'OPEN on the second connection');
  p1.send(openFrom(65002, '10.0.0.2'));
  await until(() => r.session.state === 'open-confirm', 'our connection in OpenConfirm');
  assert.deepEqual(notifs(p1), []);
  assert.equal(p1.closed, false);
  p2.send(openFrom(65002, '10.0.0.2')); // peer id higher: keep the peer's connection
  await until(() => p1.closed, 'our connection closed');
  assert.deepEqual(notifs(p1), ['6/7']);
  p2.send({ type: 'keepalive' });
  await until(() => r.session.state === 'established', 'established');
  assert.deepEqual(notifs(p2), []);
  await r.session.stop();
});

test('while our connect hangs, the peer\'s connection is taken once it gets further, and our attempt dropped', async () => {
  const r = rig();
  r.net.setSilent('10.0.0.2', true);
  r.session.start();
  await until(() => r.net.connections.length === 1, 'connect attempt');
  const p = inbound(r);
  await until(() => p.of('open').length === 1, 'OPEN to the peer');
  assert.equal(r.session.state, 'connect', 'still our own connect, the peer connection waits');
  p.send(openFrom(65002, '10.0.0.2'));
  await until(() => r.session.state === 'open-confirm', 'open-confirm');
  assert.equal(r.net.connections[0]?.closed, true, 'our hanging attempt was dropped');
  p.send({ type: 'keepalive' });
  await until(() => r.session.state === 'established', 'established');
  for (let i = 0; i < 7; i++) {
    await r.clock.advanceAsync(3_000);
    p.send({ type: 'keepalive' });
  }
  assert.equal(r.session.state, 'established');
  assert.equal(r.net.connections.length, 1, 'no connect-retry (10 s) once the session runs on the peer connection');
  await r.session.stop();
});

test('when our connect fails while the peer\'s connection is opening, the peer\'s connection carries on', async () => {
  const r = rig();
  r.net.setSilent('10.0.0.2', true);
  r.session.start();
  await until(() => r.net.connections.length === 1, 'connect attempt');
  const p = inbound(r);
  await until(() => p.of('open').length === 1, 'OPEN to the peer');
  r.net.connections[0]!.refuse('EHOSTUNREACH');
  await until(() => r.session.state === 'open-sent', 'open-sent on the peer connection');
  p.send(openFrom(65002, '10.0.0.2'));
  p.send({ type: 'keepalive' });
  await until(() => r.session.state === 'established', 'established');
  assert.deepEqual(r.ev.states.map((c) => `${c.from}>${c.to}`), [
    'idle>connect',
    'connect>active',
    'active>open-sent',
    'open-sent>open-confirm',
    'open-confirm>established',
  ]);
  await r.session.stop();
});

test('a second connection while Established is closed and the session stays up', async () => {
  const r = rig();
  await establishOutbound(r);
  const p2 = inbound(r);
  await until(() => p2.closed, 'second connection closed');
  assert.equal(p2.received.length, 0);
  assert.equal(r.session.state, 'established');
  await r.session.stop();
});

test('a connection from the peer while the idle hold runs is refused', async () => {
  const r = rig();
  const p = await establishOutbound(r);
  p.close();
  await until(() => r.session.state === 'idle', 'idle');
  const p2 = inbound(r);
  await until(() => p2.closed, 'refused');
  assert.equal(p2.received.length, 0);
  await r.session.stop();
});

// ------------------------------------------------------------------ sending

test('send(): not before Established; back-pressure with waitForDrain; a hard cap past maxBufferedBytes', async () => {
  const r = rig({ maxBufferedBytes: 40_000 });
  assert.throws(() => r.session.send(update(1)), { code: 'ERR_BGP_SESSION_NOT_ESTABLISHED' });
  const p = await establishOutbound(r);
  const ours = r.net.connections[0] as MemoryConnection;
  ours.paused = true;
  ours.highWaterMark = 16 * 1024;
  let n = 0;
  while (r.session.send(update(n))) n++;
  assert.ok(r.session.buffered >= 16 * 1024, `${r.session.buffered} bytes queued`);
  let drained = false;
  const wait = r.session.waitForDrain().then(() => {
    drained = true;
  });
  // a caller ignoring back-pressure is stopped before memory runs away
  assert.throws(() => {
    for (let i = 0; i < 10_000; i++) r.session.send(update(i));
  }, { code: 'ERR_BGP_SESSION_BUFFER_FULL' });
  assert.equal(drained, false);
  ours.flush();
  await wait;
  await until(() => p.of('update').length === r.session.stats().updatesOut, 'all delivered');
  assert.ok(p.of('update').length > n);
  await r.session.stop();
});

test('sendRouteRefresh() reaches the peer when negotiated; a refresh from the peer is emitted', async () => {
  const r = rig();
  const p = await establishOutbound(r);
  r.session.sendRouteRefresh(2, 1);
  await until(() => p.of('route-refresh').length === 1, 'refresh');
  assert.deepEqual(p.of('route-refresh')[0], { type: 'route-refresh', afi: 2, safi: 1, subtype: 0 });
  assert.throws(() => r.session.sendRouteRefresh(1, 128), { code: 'ERR_BGP_ROUTE_REFRESH_NOT_NEGOTIATED' });
  const got: unknown[] = [];
  r.session.on('route-refresh', (m) => got.push(m));
  p.send({ type: 'route-refresh', afi: 1, safi: 1, subtype: 0 });
  await until(() => got.length === 1, 'refresh received');
  await r.session.stop();
});

test('stats: messages by type, uptime, last reason', async () => {
  const r = rig();
  const p = await establishOutbound(r);
  p.send(update(5));
  await until(() => r.ev.updates.length === 1, 'update');
  await r.clock.advanceAsync(2_000);
  p.send({ type: 'keepalive' });
  await until(() => r.session.stats().messagesIn.keepalive === 2, 'keepalive counted');
  const s = r.session.stats();
  assert.equal(s.state, 'established');
  assert.equal(s.reason, 'open-confirmed');
  assert.deepEqual(s.messagesIn, { open: 1, update: 1, notification: 0, keepalive: 2, 'route-refresh': 0 });
  assert.deepEqual(s.messagesOut, { open: 1, update: 0, notification: 0, keepalive: 1, 'route-refresh': 0 });
  assert.equal(s.uptimeMs, 2_000);
  await r.session.stop();
  assert.equal(r.session.stats().messagesOut.notification, 1);
  assert.equal(r.session.stats().uptimeMs, undefined);
});

// ------------------------------------------------------------------ options and the listener

test('bad options fail with coded errors', () => {
  const base = { localAs: 65001, routerId: '10.0.0.1', peerAs: 65002 };
  const cases: [Partial<BgpSessionOptions>, string][] = [
    [{ peerAddress: 'fe80::1' }, 'ERR_BGP_SESSION_PEER_ADDRESS'],
    [{ peerAddress: 'fe80::1%2' }, 'ERR_BGP_SESSION_PEER_ADDRESS'],
    [{ peerAddress: '2001:db8::1%eth0' }, 'ERR_BGP_SESSION_PEER_ADDRESS'],
    [{ peerAddress: 'tor1' }, 'ERR_BGP_SESSION_PEER_ADDRESS'],
    [{ peerAddress: '10.0.0.2', port: 0 }, 'ERR_BGP_SESSION_PORT'],
    [{ peerAddress: '10.0.0.2', localAddress: '2001:db8::1' }, 'ERR_BGP_SESSION_LOCAL_ADDRESS'],
    [{ peerAddress: '10.0.0.2', holdTime: 1 }, 'ERR_BGP_CONFIG_HOLD_TIME'],
  ];
  for (const [over, code] of cases) {
    assert.throws(() => new BgpSession({ ...base, peerAddress: '10.0.0.2', ...over }), { code }, JSON.stringify(over));
  }
  const ll = new BgpSession({ ...base, peerAddress: 'FE80::0:1%eth0' });
  assert.deepEqual(ll.peer, { family: 6, address: 'fe80::1', scope: 'eth0', host: 'fe80::1%eth0' });
});

test('the listener hands a connection to the session of its remote address and refuses unknown peers', () => {
  const mk = (peerAddress: string) => new BgpSession({ localAs: 65001, routerId: '10.0.0.1', peerAs: 65002, peerAddress });
  const v4 = mk('10.0.0.2');
  const v6 = mk('2001:db8::2');
  const ll = mk('fe80::2%eth1');
  const l = new BgpListener();
  for (const s of [v4, v6, ll]) l.add(s);
  const got: string[] = [];
  for (const s of [v4, v6, ll]) s.accept = () => void got.push(s.name);
  const conn = (remote: string): MemoryConnection => {
    const [client, server] = memoryConnectionPair({ address: remote, port: 1 }, { address: '::', port: 179 });
    client.on('error', () => {}); // the refused ones are reset
    return server;
  };
  l.handle(conn('::ffff:10.0.0.2'));
  l.handle(conn('2001:0db8::0002'));
  l.handle(conn('fe80::2%eth1'));
  assert.deepEqual(got, ['10.0.0.2', '2001:db8::2', 'fe80::2%eth1']);
  const unknown = [conn('10.0.0.3'), conn('fe80::2%eth2'), conn('2001:db8::3')];
  for (const c of unknown) l.handle(c);
  assert.equal(l.refused, 3);
  assert.ok(unknown.every((c) => c.closed));
});
