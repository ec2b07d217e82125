import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCollision } from './collision.js';
import { fsmConfig } from './config.js';
import { acceptedConnectionState, adoptAccepted, initialState, step } from './fsm.js';

test('collision: our identifier lower -> keep the connection the peer opened', () => {
  assert.equal(resolveCollision({ localId: '10.0.0.1', remoteId: '10.0.0.2', localAs: 65001, remoteAs: 65002 }), 'inbound');
});

test('collision: our identifier higher -> keep the connection we opened', () => {
  assert.equal(resolveCollision({ localId: '10.0.0.2', remoteId: '10.0.0.1', localAs: 65001, remoteAs: 65002 }), 'outbound');
});

test('collision: identifiers compare as unsigned 32-bit numbers, not text', () => {
  // "9.0.0.0" > "10.0.0.0" as strings; as numbers it is smaller
  assert.equal(resolveCollision({ localId: '9.0.0.0', remoteId: '10.0.0.0', localAs: 1, remoteAs: 2 }), 'inbound');
  assert.equal(resolveCollision({ localId: '255.0.0.1', remoteId: '1.0.0.1', localAs: 1, remoteAs: 2 }), 'outbound');
});

test('collision: equal identifiers -> the side with the larger AS keeps its connection (RFC 6286)', () => {
  assert.equal(resolveCollision({ localId: '10.0.0.1', remoteId: '10.0.0.1', localAs: 65002, remoteAs: 65001 }), 'outbound');
  assert.equal(resolveCollision({ localId: '10.0.0.1', remoteId: '10.0.0.1', localAs: 65001, remoteAs: 4200000000 }), 'inbound');
});

test('an accepted-connection FSM sends OPEN, never connects, and hands its state to the primary when adopted', () => {
  const config = fsmConfig({ localAs: 65001, routerId: '10.0.0.1', peerAs: 65002 });
  let primary = initialState(config);
  primary = step(primary, { type: 'manual-start' }).state;
  primary = step(primary, { type: 'tcp-cr-acked' }).state;
  primary = { ...primary, idleHold: 8 };
  const extra0 = acceptedConnectionState(primary);
  assert.equal(extra0.name, 'active');
  const r = step(extra0, { type: 'tcp-connection-confirmed' });
  assert.equal(r.state.name, 'open-sent');
  assert.deepEqual(r.actions.map((a) => a.type), ['stop-timer', 'send-open', 'start-timer', 'state-change']);
  // on its own it never connects, even when its connection fails
  const failed = step(r.state, { type: 'tcp-connection-fails' }).state;
  const later = step(failed, { type: 'timer-expired', timer: 'idle-hold' });
  assert.equal(later.state.name, 'active');
  assert.equal(later.actions.some((a) => a.type === 'connect'), false);
  const adopted = adoptAccepted(primary, r.state);
  assert.equal(adopted.name, 'open-sent');
  assert.equal(adopted.config.passive, false);
  assert.equal(adopted.idleHold, 8);
});
