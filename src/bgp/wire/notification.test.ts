import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage } from './message.js';
import { frame, toHex, wireError } from './test-corpus.js';
import { MODERN_CONTEXT } from './types.js';

test('NOTIFICATION: code, subcode and data, both ways', () => {
  // Cease / Administrative Shutdown with an RFC 9003 shutdown message "bye"
  const bytes = frame(3, '06 02 03 627965');
  const m = decodeMessage(bytes, MODERN_CONTEXT);
  assert.deepEqual(m, { type: 'notification', code: 6, subcode: 2, data: new Uint8Array([3, 0x62, 0x79, 0x65]) });
  assert.equal(toHex(encodeMessage(m, MODERN_CONTEXT)), toHex(bytes));
  assert.deepEqual(decodeMessage(frame(3, '0400'), MODERN_CONTEXT), { type: 'notification', code: 4, subcode: 0, data: new Uint8Array(0) });
});

test('NOTIFICATION shorter than 21 bytes is a bad message length', () => {
  const e = wireError(() => decodeMessage(frame(3, '06'), MODERN_CONTEXT));
  assert.equal(e.code, 'ERR_BGP_HEADER_LENGTH');
  assert.deepEqual([e.notifCode, e.notifSubcode], [1, 2]);
});

test('KEEPALIVE: 19 bytes, nothing else', () => {
  assert.equal(toHex(encodeMessage({ type: 'keepalive' }, MODERN_CONTEXT)), 'ffffffffffffffffffffffffffffffff001304');
  assert.deepEqual(decodeMessage(frame(4, ''), MODERN_CONTEXT), { type: 'keepalive' });
  assert.equal(wireError(() => decodeMessage(frame(4, '00'), MODERN_CONTEXT)).code, 'ERR_BGP_HEADER_LENGTH');
});

test('encoding a NOTIFICATION rejects an out-of-range code', () => {
  assert.equal(wireError(() => encodeMessage({ type: 'notification', code: 256, subcode: 0, data: new Uint8Array(0) }, MODERN_CONTEXT)).code, 'ERR_BGP_ENCODE_RANGE');
});
