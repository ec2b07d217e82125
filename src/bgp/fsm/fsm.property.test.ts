// Random event sequences against invariants that must hold in every state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BgpWireError } from '../wire/errors.js';
import type { ErrorAction } from '../wire/errors.js';
import type { OpenMessage } from '../wire/types.js';
import { fsmConfig } from './config.js';
import { initialState } from './fsm.js';
import { FsmDriver } from './harness.js';
import type { FsmAction, FsmEvent, StateName } from './types.js';

const open = (over: Partial<OpenMessage>): OpenMessage => ({
  type: 'open',
  version: 4,
  myAs: 65002,
  holdTime: 9,
  bgpId: '10.0.0.2',
  capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'four-octet-as', asn: 65002 }],
  ...over,
});

const wireError = (action: ErrorAction): BgpWireError =>
  new BgpWireError({ code: 'ERR_TEST', message: 'test', notifCode: 3, notifSubcode: 1, action, withdraw: [{ afi: 1, addr: 0, len: 0 }] });

const eventArb: fc.Arbitrary<FsmEvent> = fc.oneof(
  fc.constant<FsmEvent>({ type: 'manual-start' }),
  fc.constant<FsmEvent>({ type: 'manual-stop' }),
  fc.constant<FsmEvent>({ type: 'tcp-cr-acked' }),
  fc.constant<FsmEvent>({ type: 'tcp-connection-confirmed' }),
  fc.constant<FsmEvent>({ type: 'tcp-connection-fails' }),
  fc.constantFrom(0, 3, 9, 180).map((holdTime): FsmEvent => ({ type: 'open-received', open: open({ holdTime }) })),
  fc.constantFrom<Partial<OpenMessage>>({ version: 3 }, { myAs: 1 }, { holdTime: 1 }, { bgpId: '0.0.0.0' }).map(
    (o): FsmEvent => ({ type: 'open-received', open: open(o) }),
  ),
  fc.constant<FsmEvent>({ type: 'keepalive-received' }),
  fc.constant<FsmEvent>({ type: 'update-received', update: { type: 'update', withdrawn: [], attributes: {}, nlri: [] } }),
  fc.constant<FsmEvent>({ type: 'notification-received', notification: { type: 'notification', code: 6, subcode: 2, data: new Uint8Array() } }),
  fc.constantFrom(0, 1).map((subtype): FsmEvent => ({ type: 'route-refresh-received', message: { type: 'route-refresh', afi: 1, safi: 1, subtype: subtype as 0 | 1 } })),
  fc.constantFrom<ErrorAction>('session-reset', 'treat-as-withdraw', 'attribute-discard', 'afi-safi-disable').map(
    (a): FsmEvent => ({ type: 'decode-error', error: wireError(a) }),
  ),
  fc.constant<FsmEvent>({ type: 'update-sent' }),
  fc.constant<FsmEvent>({ type: 'open-collision-dump' }),
);

type Op = { readonly event: FsmEvent } | { readonly advance: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: eventArb.map((event) => ({ event })) },
  { weight: 1, arbitrary: fc.constantFrom(0.5, 1, 3, 10, 100, 300).map((advance) => ({ advance })) },
);

const CONNECTED: readonly StateName[] = ['open-sent', 'open-confirm', 'established'];

test('random event sequences keep the FSM invariants', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.array(opArb, { maxLength: 80 }), (passive, ops) => {
      const d = new FsmDriver(initialState(fsmConfig({ localAs: 65001, routerId: '10.0.0.1', peerAs: 65002, holdTime: 9, passive })));
      for (const op of ops) {
        const before = d.state.name;
        const actions: FsmAction[] = 'event' in op ? d.send(op.event) : d.advance(op.advance);
        if ('advance' in op) continue; // several steps; checked one by one through the log below
        const after = d.state.name;
        const changes = actions.filter((a) => a.type === 'state-change');
        if (before !== after) {
          assert.equal(changes.length, 1, `one state change ${before} -> ${after}`);
          assert.equal(changes[0]?.type === 'state-change' && changes[0].from, before);
          assert.equal(changes[0]?.type === 'state-change' && changes[0].to, after);
        } else {
          assert.equal(changes.length, 0, `no state change reported in ${before}`);
        }
        assert.equal(d.state.reason !== undefined, true);
        const sends = actions.filter((a) => a.type.startsWith('send-'));
        if (sends.length > 0) assert.ok(CONNECTED.includes(before) || CONNECTED.includes(after), `send in ${before} -> ${after}`);
        const down = actions.filter((a) => a.type === 'down');
        assert.equal(down.length, before === 'established' && after !== 'established' ? 1 : 0, 'down exactly when leaving Established');
        if (before !== 'idle' && before !== 'active' && after === 'idle') assert.ok(actions.some((a) => a.type === 'close'), 'close on the way to Idle');
      }
      // timers that must (not) run in the final state
      const s = d.state;
      const running = new Set(d.timers.keys());
      if (s.name === 'idle') {
        assert.deepEqual([...running].filter((t) => t !== 'idle-hold'), [], 'only the idle hold runs in Idle');
        assert.equal(running.has('idle-hold'), s.started, 'idle hold runs iff started');
      }
      if (s.name === 'active') assert.ok(!running.has('hold') && !running.has('keepalive'));
      if (s.name === 'connect') assert.ok(running.has('connect-retry'));
      if (s.name === 'open-sent') assert.ok(running.has('hold'));
      if (s.name === 'established' || s.name === 'open-confirm') {
        const hold = s.negotiated?.holdTime ?? -1;
        assert.equal(running.has('hold'), hold > 0);
        assert.equal(running.has('keepalive'), hold > 0);
      }
      assert.ok(s.idleHold >= s.config.idleHoldInitial && s.idleHold <= s.config.idleHoldMax);
    }),
    { numRuns: 3000 },
  );
});
