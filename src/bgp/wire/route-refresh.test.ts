import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage } from './message.js';
import { frame, toHex, wireError } from './test-corpus.js';
import { MODERN_CONTEXT } from './types.js';

test('ROUTE-REFRESH (RFC 2918) and the RFC 7313 BoRR/EoRR subtypes', () => {
  for (const [body, subtype] of [['0001 00 01', 0], ['0002 01 01', 1], ['0001 02 01', 2]] as const) {
    const bytes = frame(5, body);
    const m = decodeMessage(bytes, MODERN_CONTEXT);
    assert.deepEqual(m, { type: 'route-refresh', afi: body.startsWith('0002') ? 2 : 1, safi: 1, subtype });
    assert.equal(toHex(encodeMessage(m, MODERN_CONTEXT)), toHex(bytes));
  }
});

test('BoRR/EoRR with a wrong length: ROUTE-REFRESH error 7/1 with the whole message as data', () => {
  const bytes = frame(5, '0001 01 01 00');
  const e = wireError(() => decodeMessage(bytes, MODERN_CONTEXT));
  assert.equal(e.code, 'ERR_BGP_ROUTE_REFRESH_LENGTH');
  assert.deepEqual([e.notifCode, e.notifSubcode, e.action], [7, 1, 'session-reset']);
  assert.equal(toHex(e.data), toHex(bytes));
  // a plain request with a wrong length: bad message length
  assert.equal(wireError(() => decodeMessage(frame(5, '0001 00 01 00'), MODERN_CONTEXT)).code, 'ERR_BGP_HEADER_LENGTH');
});

test('an unknown subtype is to be ignored (RFC 7313 §5): treat-as-withdraw with nothing to withdraw', () => {
  const e = wireError(() => decodeMessage(frame(5, '0001 03 01'), MODERN_CONTEXT));
  assert.equal(e.code, 'ERR_BGP_ROUTE_REFRESH_SUBTYPE');
  assert.equal(e.action, 'treat-as-withdraw');
  assert.deepEqual(e.withdraw, []);
});
