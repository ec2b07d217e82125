import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpWireError } from '../wire/errors.js';
import type { Capability, NotificationMessage, OpenMessage, UpdateMessage } from '../wire/types.js';
import { fsmConfig } from './config.js';
import type { FsmConfigInput } from './config.js';
import { initialState, LARGE_HOLD_TIME } from './fsm.js';
import { FsmDriver, ofType } from './harness.js';
import type { FsmAction, FsmState } from './types.js';

const BASE: FsmConfigInput = { localAs: 65001, routerId: '10.0.0.1', peerAs: 65002, holdTime: 90, connectRetryTime: 10 };

const mp = (afi: number, safi: number): Capability => ({ kind: 'multiprotocol', afi, safi });

function peerOpen(over: Partial<OpenMessage> = {}): OpenMessage {
  return {
    type: 'open',
    version: 4,
    myAs: 65002,
    holdTime: 180,
    bgpId: '10.0.0.2',
    capabilities: [mp(1, 1), mp(2, 1), { kind: 'route-refresh' }, { kind: 'four-octet-as', asn: 65002 }],
    ...over,
  };
}

function driver(over: Partial<FsmConfigInput> = {}): FsmDriver {
  return new FsmDriver(initialState(fsmConfig({ ...BASE, ...over })));
}

function toOpenSent(d: FsmDriver): void {
  d.send({ type: 'manual-start' });
  d.send({ type: 'tcp-cr-acked' });
  assert.equal(d.state.name, 'open-sent');
}

function toEstablished(d: FsmDriver, open: OpenMessage = peerOpen()): void {
  toOpenSent(d);
  d.send({ type: 'open-received', open });
  assert.equal(d.state.name, 'open-confirm');
  d.send({ type: 'keepalive-received' });
  assert.equal(d.state.name, 'established');
}

const sentNotifications = (actions: readonly FsmAction[]): NotificationMessage[] => ofType(actions, 'send-notification').map((a) => a.notification);
const changes = (actions: readonly FsmAction[]) => ofType(actions, 'state-change').map((a) => `${a.from}>${a.to}:${a.reason}`);

test('manual start (active) connects and starts the connect-retry timer', () => {
  const d = driver();
  const a = d.send({ type: 'manual-start' });
  assert.equal(d.state.name, 'connect');
  assert.equal(ofType(a, 'connect').length, 1);
  assert.equal(d.running('connect-retry'), 10);
  assert.deepEqual(changes(a), ['idle>connect:admin-start']);
  // a second start changes nothing
  assert.deepEqual(d.send({ type: 'manual-start' }), []);
});

test('manual start (passive) waits in Active without connecting or timers', () => {
  const d = driver({ passive: true });
  const a = d.send({ type: 'manual-start' });
  assert.equal(d.state.name, 'active');
  assert.equal(ofType(a, 'connect').length, 0);
  assert.equal(d.timers.size, 0);
  assert.deepEqual(d.advance(3600), []);
  d.send({ type: 'tcp-connection-confirmed' });
  assert.equal(d.state.name, 'open-sent');
  assert.equal(d.state.reason, 'tcp-accepted');
});

test('connect-retry expiry in Connect drops the attempt and connects again', () => {
  const d = driver();
  d.send({ type: 'manual-start' });
  assert.deepEqual(d.advance(9.9), []);
  const a = d.advance(0.1);
  assert.deepEqual(a.map((x) => x.type), ['close', 'connect', 'start-timer']);
  assert.equal(d.state.name, 'connect');
  assert.equal(d.state.connectRetryCounter, 1);
});

test('a failed connect goes to Active; the connect-retry timer brings it back to Connect', () => {
  const d = driver();
  d.send({ type: 'manual-start' });
  d.advance(2);
  const a = d.send({ type: 'tcp-connection-fails', detail: 'ECONNREFUSED' });
  assert.deepEqual(ofType(a, 'state-change'), [{ type: 'state-change', from: 'connect', to: 'active', reason: 'connect-failed', detail: 'ECONNREFUSED' }]);
  assert.equal(d.running('connect-retry'), 10, 'the timer keeps running');
  const b = d.advance(8);
  assert.deepEqual(changes(b), ['active>connect:connect-retry-expired']);
  assert.equal(ofType(b, 'connect').length, 1);
  // a peer's connection arriving while we are in Active is taken
  d.send({ type: 'tcp-connection-fails' });
  const c = d.send({ type: 'tcp-connection-confirmed' });
  assert.deepEqual(changes(c), ['active>open-sent:tcp-accepted']);
});

test('the peer connecting while our connect is pending is taken (Connect -> OpenSent)', () => {
  const d = driver();
  d.send({ type: 'manual-start' });
  const a = d.send({ type: 'tcp-connection-confirmed' });
  assert.deepEqual(changes(a), ['connect>open-sent:tcp-accepted']);
  assert.equal(d.running('connect-retry'), undefined);
});

test('a connection lost in OpenSent goes back to Active with the connect-retry timer, no idle hold', () => {
  const d = driver();
  toOpenSent(d);
  const a = d.send({ type: 'tcp-connection-fails', detail: 'connection closed by peer' });
  assert.deepEqual(changes(a), ['open-sent>active:connection-closed']);
  assert.equal(d.running('hold'), undefined);
  assert.equal(d.running('connect-retry'), 10);
  assert.equal(d.running('idle-hold'), undefined);
  assert.equal(d.state.idleHold, 1, 'not a flap');
  assert.deepEqual(changes(d.advance(10)), ['active>connect:connect-retry-expired']);
  // passive: back to Active, waiting, no timer
  const p = driver({ passive: true });
  p.send({ type: 'manual-start' });
  p.send({ type: 'tcp-connection-confirmed' });
  p.send({ type: 'tcp-connection-fails' });
  assert.equal(p.state.name, 'active');
  assert.equal(p.timers.size, 0);
});

test('incoming connections are refused in Idle', () => {
  const d = driver();
  assert.deepEqual(d.send({ type: 'tcp-connection-confirmed' }), [{ type: 'close' }]);
  assert.equal(d.state.name, 'idle');
});

test('the happy path: OPEN with our capabilities, negotiation, KEEPALIVE, Established', () => {
  const d = driver({ extendedNextHop: true, gracefulRestart: { restartTime: 120 }, hostname: 'hv1' });
  d.send({ type: 'manual-start' });
  const a = d.send({ type: 'tcp-cr-acked' });
  assert.deepEqual(changes(a), ['connect>open-sent:tcp-connected']);
  const open = ofType(a, 'send-open')[0]?.open;
  assert.ok(open);
  assert.equal(open.version, 4);
  assert.equal(open.myAs, 65001);
  assert.equal(open.holdTime, 90);
  assert.equal(open.bgpId, '10.0.0.1');
  assert.deepEqual(open.capabilities.map((c) => c.kind), [
    'multiprotocol', 'multiprotocol', 'route-refresh', 'four-octet-as', 'extended-next-hop', 'graceful-restart', 'fqdn',
  ]);
  assert.equal(d.running('hold'), LARGE_HOLD_TIME);
  assert.equal(d.running('connect-retry'), undefined);

  const b = d.send({ type: 'open-received', open: peerOpen() });
  assert.deepEqual(changes(b), ['open-sent>open-confirm:open-received']);
  assert.equal(ofType(b, 'send-keepalive').length, 1);
  assert.equal(ofType(b, 'negotiated').length, 1);
  assert.equal(d.running('hold'), 90, 'min(90, 180)');
  assert.equal(d.running('keepalive'), 30);

  const c = d.send({ type: 'keepalive-received' });
  assert.deepEqual(changes(c), ['open-confirm>established:open-confirmed']);
  const est = ofType(c, 'established')[0]?.negotiated;
  assert.ok(est);
  assert.equal(est.holdTime, 90);
  assert.equal(est.keepaliveTime, 30);
  assert.equal(est.peerAs, 65002);
  assert.equal(est.peerId, '10.0.0.2');
  assert.equal(d.running('idle-hold-reset'), 60);
});

test('KEEPALIVE timer sends keepalives; hold timer expiry sends Hold Timer Expired and goes down', () => {
  const d = driver();
  toEstablished(d);
  const a = d.advance(89);
  assert.equal(ofType(a, 'send-keepalive').length, 2, 'at 30 s and 60 s');
  assert.equal(d.state.name, 'established');
  const b = d.advance(1);
  assert.deepEqual(sentNotifications(b).map((n) => [n.code, n.subcode]), [[4, 0]]);
  assert.ok(b.some((x) => x.type === 'close'));
  assert.deepEqual(changes(b), ['established>idle:hold-timer-expired']);
  const down = ofType(b, 'down')[0]?.info;
  assert.equal(down?.reason, 'hold-timer-expired');
  assert.deepEqual(down?.notificationSent && [down.notificationSent.code, down.notificationSent.subcode], [4, 0]);
  assert.equal(d.running('keepalive'), undefined);
  assert.equal(d.running('idle-hold'), 1);
});

test('every received message restarts the hold timer; sending an UPDATE restarts the keepalive timer', () => {
  const d = driver();
  toEstablished(d);
  const update: UpdateMessage = { type: 'update', withdrawn: [], attributes: {}, nlri: [] };
  d.advance(80);
  d.send({ type: 'keepalive-received' });
  d.advance(80);
  const a = d.send({ type: 'update-received', update });
  assert.deepEqual(ofType(a, 'deliver-update').map((x) => x.update), [update]);
  d.advance(80);
  assert.equal(d.state.name, 'established');
  d.advance(9);
  assert.equal(d.state.name, 'established');
  d.advance(1); // 90 s after the UPDATE
  assert.equal(d.state.name, 'idle');
  assert.equal(d.state.reason, 'hold-timer-expired');

  const e = driver();
  toEstablished(e);
  e.advance(20);
  e.send({ type: 'update-sent' });
  assert.equal(ofType(e.advance(29), 'send-keepalive').length, 0, 'keepalive pushed back by the UPDATE');
  assert.equal(ofType(e.advance(1), 'send-keepalive').length, 1);
});

test('hold time 0 negotiated: no hold and no keepalive timer', () => {
  const d = driver({ holdTime: 0 });
  toEstablished(d);
  assert.equal(d.state.negotiated?.holdTime, 0);
  assert.equal(d.running('hold'), undefined);
  assert.equal(d.running('keepalive'), undefined);
  d.advance(100000);
  assert.equal(d.state.name, 'established');
});

test('idle hold backs off 1, 2, 4 ... up to the cap for a flapping peer, and resets after staying Established', () => {
  const d = driver({ idleHoldInitial: 1, idleHoldMax: 120, idleHoldResetAfter: 60 });
  toEstablished(d);
  const holds: number[] = [];
  for (let i = 0; i < 10; i++) {
    d.send({ type: 'notification-received', notification: { type: 'notification', code: 6, subcode: 4, data: new Uint8Array() } });
    assert.equal(d.state.name, 'idle');
    const hold = d.running('idle-hold');
    assert.ok(hold !== undefined);
    holds.push(hold);
    // nothing happens before the idle hold ends
    assert.deepEqual(d.advance(hold - 0.001), []);
    const a = d.advance(0.001);
    assert.deepEqual(changes(a), ['idle>connect:idle-hold-expired']);
    d.send({ type: 'tcp-cr-acked' });
    d.send({ type: 'open-received', open: peerOpen() });
    d.send({ type: 'keepalive-received' });
    d.advance(59); // up, but not long enough to be forgiven
  }
  assert.deepEqual(holds, [1, 2, 4, 8, 16, 32, 64, 120, 120, 120]);
  d.advance(1); // Established for 60 s
  d.send({ type: 'tcp-connection-fails', detail: 'peer closed' });
  assert.equal(d.running('idle-hold'), 1);
  assert.equal(d.state.reason, 'connection-closed');
});

test('incoming connections are refused while the idle hold runs', () => {
  const d = driver();
  toEstablished(d);
  d.send({ type: 'tcp-connection-fails' });
  assert.deepEqual(d.send({ type: 'tcp-connection-confirmed' }), [{ type: 'close' }]);
});

// ------------------------------------------------------------------ OPEN validation

interface OpenCase {
  readonly name: string;
  readonly config?: Partial<FsmConfigInput>;
  readonly open: Partial<OpenMessage>;
  readonly reason: FsmState['reason'];
  readonly subcode: number;
  readonly data?: number[];
}

const OPEN_FAILURES: readonly OpenCase[] = [
  { name: 'version 3', open: { version: 3 }, reason: 'open-bad-version', subcode: 1, data: [0, 4] },
  {
    name: 'wrong 2-octet AS without the AS4 capability',
    open: { myAs: 65003, capabilities: [mp(1, 1)] },
    reason: 'open-bad-peer-as',
    subcode: 2,
    data: [0xfd, 0xeb],
  },
  {
    name: 'wrong AS in the 4-octet AS capability',
    open: { myAs: 23456, capabilities: [{ kind: 'four-octet-as', asn: 4200000009 }] },
    config: { peerAs: 4200000001 },
    reason: 'open-bad-peer-as',
    subcode: 2,
  },
  {
    name: 'a 4-octet peer AS from a peer without the AS4 capability (AS_TRANS only)',
    open: { myAs: 23456, capabilities: [mp(1, 1)] },
    config: { peerAs: 4200000001 },
    reason: 'open-bad-peer-as',
    subcode: 2,
  },
  {
    name: 'My AS disagreeing with the AS4 capability',
    open: { myAs: 65010, capabilities: [{ kind: 'four-octet-as', asn: 65002 }] },
    reason: 'open-bad-peer-as',
    subcode: 2,
  },
  { name: 'AS 0 in the AS4 capability', open: { myAs: 0, capabilities: [{ kind: 'four-octet-as', asn: 0 }] }, reason: 'open-bad-peer-as', subcode: 2 },
  { name: 'hold time 1', open: { holdTime: 1 }, reason: 'open-unacceptable-hold-time', subcode: 6 },
  { name: 'hold time 2', open: { holdTime: 2 }, reason: 'open-unacceptable-hold-time', subcode: 6 },
  { name: 'BGP identifier 0.0.0.0', open: { bgpId: '0.0.0.0' }, reason: 'open-bad-bgp-id', subcode: 3 },
  {
    name: 'our own BGP identifier from an internal peer',
    config: { peerAs: 65001 },
    open: { myAs: 65001, bgpId: '10.0.0.1', capabilities: [{ kind: 'four-octet-as', asn: 65001 }] },
    reason: 'open-bad-bgp-id',
    subcode: 3,
  },
  {
    name: 'required 4-octet AS missing',
    config: { requiredCapabilities: [{ kind: 'four-octet-as' }] },
    open: { capabilities: [mp(1, 1)] },
    reason: 'open-unsupported-capability',
    subcode: 7,
    data: [65, 4, 0, 0, 0xfd, 0xe9],
  },
  {
    name: 'required IPv6 unicast missing',
    config: { requiredCapabilities: [{ kind: 'multiprotocol', afi: 2, safi: 1 }] },
    open: { capabilities: [mp(1, 1), { kind: 'four-octet-as', asn: 65002 }] },
    reason: 'open-unsupported-capability',
    subcode: 7,
    data: [1, 4, 0, 2, 0, 1],
  },
  {
    name: 'required extended next hop missing',
    config: { extendedNextHop: true, requiredCapabilities: [{ kind: 'extended-next-hop', afi: 1, safi: 1, nextHopAfi: 2 }] },
    open: {},
    reason: 'open-unsupported-capability',
    subcode: 7,
    data: [5, 6, 0, 1, 0, 1, 0, 2],
  },
  {
    name: 'an optional parameter that is not a capability',
    open: { otherParams: [{ type: 1, value: new Uint8Array([1, 2]) }] },
    reason: 'open-unsupported-param',
    subcode: 4,
  },
];

for (const c of OPEN_FAILURES) {
  test(`OPEN rejected: ${c.name} -> OPEN Message Error/${c.subcode}`, () => {
    const d = driver(c.config);
    toOpenSent(d);
    const a = d.send({ type: 'open-received', open: peerOpen(c.open) });
    const sent = sentNotifications(a);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.code, 2);
    assert.equal(sent[0]?.subcode, c.subcode);
    if (c.data !== undefined) assert.deepEqual([...(sent[0]?.data ?? [])], c.data);
    assert.equal(d.state.name, 'idle');
    assert.equal(d.state.reason, c.reason);
    const types = a.map((x) => x.type);
    assert.ok(types.indexOf('send-notification') < types.indexOf('close'), 'NOTIFICATION before close');
    assert.equal(d.running('idle-hold'), 1);
  });
}

test('OPEN accepted: AS_TRANS in My AS with a 4-octet AS capability', () => {
  const d = driver({ peerAs: 4200000001 });
  toEstablished(d, peerOpen({ myAs: 23456, capabilities: [{ kind: 'four-octet-as', asn: 4200000001 }] }));
  assert.equal(d.state.negotiated?.peerAs, 4200000001);
});

test('OPEN accepted: our own BGP identifier from an external peer (RFC 6286)', () => {
  const d = driver();
  toEstablished(d, peerOpen({ bgpId: '10.0.0.1' }));
});

test('OPEN accepted: a 2-octet peer without any capability is IPv4 unicast, 2-octet AS', () => {
  const d = driver();
  toEstablished(d, peerOpen({ capabilities: [] }));
  const n = d.state.negotiated;
  assert.deepEqual(n?.families, ['1/1']);
  assert.equal(n?.fourOctetAs, false);
  assert.equal(n?.routeRefresh, false);
  assert.equal(n?.codec.fourOctetAs, false);
});

test('negotiation: hold min, keepalive a third, families intersection, capabilities both ways', () => {
  const d = driver({ holdTime: 9, keepaliveTime: 30, extendedNextHop: true, extendedMessage: true, gracefulRestart: { restartTime: 120 } });
  const gr: Capability = { kind: 'graceful-restart', restarting: true, notification: true, restartTime: 90, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] };
  toEstablished(
    d,
    peerOpen({
      holdTime: 30,
      capabilities: [
        mp(1, 1),
        mp(1, 128),
        { kind: 'route-refresh' },
        { kind: 'four-octet-as', asn: 65002 },
        { kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
        { kind: 'extended-message' },
        { kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 'both' }] },
        gr,
        { kind: 'fqdn', hostname: 'tor1', domain: '' },
      ],
    }),
  );
  const n = d.state.negotiated;
  assert.ok(n);
  assert.equal(n.holdTime, 9);
  assert.equal(n.keepaliveTime, 3);
  assert.deepEqual(n.families, ['1/1']);
  assert.equal(n.routeRefresh, true);
  assert.deepEqual(n.extendedNextHop, ['1/1']);
  assert.equal(n.extendedMessage, true);
  assert.equal(n.addPath.size, 0, 'we never advertise add-path');
  assert.deepEqual(n.peerGracefulRestart, gr);
  assert.equal(n.localGracefulRestart, true);
  assert.equal(n.peerHostname, 'tor1');
  assert.deepEqual(
    { ...n.codec, addPathReceive: [...n.codec.addPathReceive], addPathSend: [...n.codec.addPathSend] },
    { fourOctetAs: true, addPathReceive: [], addPathSend: [], extendedNextHop: true, extendedMessage: true },
  );
});

test('negotiation: no extended next hop or extended message unless both sides advertise it', () => {
  const d = driver();
  toEstablished(d, peerOpen({ capabilities: [mp(1, 1), mp(2, 1), { kind: 'extended-message' }, { kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] }] }));
  assert.deepEqual(d.state.negotiated?.extendedNextHop, []);
  assert.equal(d.state.negotiated?.extendedMessage, false);
  assert.deepEqual(d.state.negotiated?.families, ['1/1', '2/1']);
});

// ------------------------------------------------------------------ errors and messages in the wrong state

test('NOTIFICATION received in Established: down, nothing sent back', () => {
  const d = driver();
  toEstablished(d);
  const n: NotificationMessage = { type: 'notification', code: 6, subcode: 2, data: new Uint8Array([3, 0x62, 0x79, 0x65]) };
  const a = d.send({ type: 'notification-received', notification: n });
  assert.equal(sentNotifications(a).length, 0);
  const down = ofType(a, 'down')[0]?.info;
  assert.equal(down?.reason, 'notification-received');
  assert.equal(down?.notificationReceived, n);
  assert.equal(down?.detail, 'Cease/Administrative Shutdown (6/2): "bye"');
});

test('treat-as-withdraw keeps the session and delivers a withdraw of every listed prefix', () => {
  const d = driver();
  toEstablished(d);
  d.advance(50);
  const error = new BgpWireError({
    code: 'ERR_BGP_ORIGIN_VALUE',
    message: 'bad ORIGIN',
    notifCode: 3,
    notifSubcode: 6,
    action: 'treat-as-withdraw',
    withdraw: [{ afi: 1, addr: 0x0a000001, len: 32 }, { afi: 2, addr: '2001:db8::1', len: 128 }],
  });
  const a = d.send({ type: 'decode-error', error });
  assert.equal(d.state.name, 'established');
  assert.equal(sentNotifications(a).length, 0);
  assert.deepEqual(ofType(a, 'deliver-update')[0]?.update, {
    type: 'update',
    withdrawn: [{ afi: 1, addr: 0x0a000001, len: 32 }],
    attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [{ afi: 2, addr: '2001:db8::1', len: 128 }] } },
    nlri: [],
  });
  assert.equal(ofType(a, 'warning')[0]?.code, 'ERR_BGP_ORIGIN_VALUE');
  d.advance(89);
  assert.equal(d.state.name, 'established', 'the hold timer was restarted');
});

test('treat-as-withdraw with nothing to withdraw only ignores the message (no empty UPDATE, which would read as End-of-RIB)', () => {
  const d = driver();
  toEstablished(d);
  const error = new BgpWireError({ code: 'ERR_BGP_ROUTE_REFRESH_SUBTYPE', message: 'unknown subtype', notifCode: 7, notifSubcode: 1, action: 'treat-as-withdraw' });
  const a = d.send({ type: 'decode-error', error });
  assert.equal(d.state.name, 'established');
  assert.equal(ofType(a, 'deliver-update').length, 0);
  assert.equal(ofType(a, 'warning')[0]?.code, 'ERR_BGP_ROUTE_REFRESH_SUBTYPE');
});

test('a session-reset decode error sends its NOTIFICATION (code, subcode, data) and goes down', () => {
  const d = driver();
  toEstablished(d);
  const error = new BgpWireError({ code: 'ERR_BGP_ATTR_LIST', message: 'x', notifCode: 3, notifSubcode: 1, action: 'session-reset', data: new Uint8Array([9]) });
  const a = d.send({ type: 'decode-error', error });
  assert.deepEqual(sentNotifications(a), [{ type: 'notification', code: 3, subcode: 1, data: new Uint8Array([9]) }]);
  assert.equal(ofType(a, 'down')[0]?.info.errorCode, 'ERR_BGP_ATTR_LIST');
  assert.equal(d.state.reason, 'message-error');
});

test('a header error in OpenSent sends its NOTIFICATION', () => {
  const d = driver();
  toOpenSent(d);
  const error = new BgpWireError({ code: 'ERR_BGP_HEADER_MARKER', message: 'x', notifCode: 1, notifSubcode: 1, action: 'session-reset' });
  const a = d.send({ type: 'decode-error', error });
  assert.deepEqual(sentNotifications(a).map((n) => [n.code, n.subcode]), [[1, 1]]);
  assert.equal(d.state.name, 'idle');
});

test('messages in the wrong state: FSM Error with the RFC 6608 subcode', () => {
  const update: UpdateMessage = { type: 'update', withdrawn: [], attributes: {}, nlri: [] };
  const cases: [string, (d: FsmDriver) => void, number][] = [
    ['UPDATE in OpenSent', (d) => { toOpenSent(d); d.send({ type: 'update-received', update }); }, 1],
    ['KEEPALIVE in OpenSent', (d) => { toOpenSent(d); d.send({ type: 'keepalive-received' }); }, 1],
    ['UPDATE in OpenConfirm', (d) => { toOpenSent(d); d.send({ type: 'open-received', open: peerOpen() }); d.send({ type: 'update-received', update }); }, 2],
    ['OPEN in OpenConfirm', (d) => { toOpenSent(d); d.send({ type: 'open-received', open: peerOpen() }); d.send({ type: 'open-received', open: peerOpen() }); }, 2],
    ['OPEN in Established', (d) => { toEstablished(d); d.send({ type: 'open-received', open: peerOpen() }); }, 3],
  ];
  for (const [name, run, subcode] of cases) {
    const d = driver();
    run(d);
    const last = sentNotifications(d.log).at(-1);
    assert.deepEqual(last && [last.code, last.subcode], [5, subcode], name);
    assert.equal(d.state.reason, 'fsm-error', name);
    assert.equal(d.state.name, 'idle', name);
  }
});

test('ROUTE-REFRESH is delivered when negotiated for the family, ignored with a warning otherwise', () => {
  const d = driver();
  toEstablished(d, peerOpen({ capabilities: [mp(1, 1), { kind: 'route-refresh' }, { kind: 'four-octet-as', asn: 65002 }] }));
  const ok = d.send({ type: 'route-refresh-received', message: { type: 'route-refresh', afi: 1, safi: 1, subtype: 0 } });
  assert.equal(ofType(ok, 'deliver-route-refresh').length, 1);
  const v6 = d.send({ type: 'route-refresh-received', message: { type: 'route-refresh', afi: 2, safi: 1, subtype: 0 } });
  assert.equal(ofType(v6, 'deliver-route-refresh').length, 0);
  assert.equal(ofType(v6, 'warning')[0]?.code, 'ERR_BGP_ROUTE_REFRESH_IGNORED');
  assert.equal(d.state.name, 'established');
});

test('manual stop in Established sends Cease/Administrative Shutdown with the message and stays down', () => {
  const d = driver();
  toEstablished(d);
  const a = d.send({ type: 'manual-stop', message: 'maintenance' });
  const n = sentNotifications(a)[0];
  assert.deepEqual(n && [n.code, n.subcode], [6, 2]);
  assert.deepEqual([...(n?.data ?? [])], [11, ...Buffer.from('maintenance')]);
  assert.equal(ofType(a, 'down')[0]?.info.reason, 'admin-stop');
  assert.equal(d.state.started, false);
  assert.equal(d.running('idle-hold'), undefined);
  assert.deepEqual(d.advance(3600), []);
  assert.equal(d.state.name, 'idle');
  // stop before the session is up: no NOTIFICATION, just close
  const e = driver();
  e.send({ type: 'manual-start' });
  const b = e.send({ type: 'manual-stop' });
  assert.equal(sentNotifications(b).length, 0);
  assert.ok(b.some((x) => x.type === 'close'));
  assert.equal(ofType(b, 'down').length, 0, 'down only for a session that was Established');
  // stop while the idle hold runs cancels the automatic restart
  const f = driver();
  toEstablished(f);
  f.send({ type: 'tcp-connection-fails' });
  f.send({ type: 'manual-stop' });
  assert.deepEqual(f.advance(3600), []);
  assert.equal(f.state.reason, 'admin-stop');
});

test('open-collision-dump sends Cease/Connection Collision Resolution without growing the idle hold', () => {
  const d = driver();
  toOpenSent(d);
  d.send({ type: 'open-received', open: peerOpen() });
  const a = d.send({ type: 'open-collision-dump' });
  assert.deepEqual(sentNotifications(a).map((n) => [n.code, n.subcode]), [[6, 7]]);
  assert.equal(d.state.reason, 'collision');
  assert.equal(d.state.idleHold, 1);
});
