import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHeader, maxMessageLength, readMessageLength } from './header.js';
import { frame, hex, wireError } from './test-corpus.js';
import { DEFAULT_CONTEXT, MODERN_CONTEXT } from './types.js';

const EXT = { ...MODERN_CONTEXT, extendedMessage: true };

function raw(length: number, type: number, total = Math.max(19, Math.min(length, 70000))): Uint8Array {
  const b = new Uint8Array(total);
  b.fill(0xff, 0, 16);
  b[16] = length >> 8;
  b[17] = length & 0xff;
  b[18] = type;
  return b;
}

test('readMessageLength: undefined until 19 bytes are there, then the header length', () => {
  const ka = frame(4, '');
  assert.equal(readMessageLength(ka.subarray(0, 18), 0, MODERN_CONTEXT), undefined);
  assert.equal(readMessageLength(new Uint8Array(0), 0, MODERN_CONTEXT), undefined);
  assert.equal(readMessageLength(ka, 0, MODERN_CONTEXT), 19);
  // at an offset inside a stream buffer
  const stream = new Uint8Array([1, 2, 3, ...ka, ...frame(3, '0602')]);
  assert.equal(readMessageLength(stream, 3, MODERN_CONTEXT), 19);
  assert.equal(readMessageLength(stream, 22, MODERN_CONTEXT), 21);
  assert.equal(readMessageLength(stream.subarray(0, 40), 22, MODERN_CONTEXT), undefined); // 18 bytes of the next header
});

test('bad marker: connection not synchronized (1/1)', () => {
  const b = frame(4, '');
  b[7] = 0xfe;
  const e = wireError(() => readMessageLength(b, 0, MODERN_CONTEXT));
  assert.equal(e.code, 'ERR_BGP_HEADER_MARKER');
  assert.deepEqual([e.notifCode, e.notifSubcode, e.action], [1, 1, 'session-reset']);
});

test('length errors: bad message length (1/2) with the length field as data', () => {
  for (const [length, type, ctx] of [
    [18, 4, MODERN_CONTEXT], // shorter than a header
    [0, 2, MODERN_CONTEXT],
    [4097, 2, MODERN_CONTEXT], // over 4096 without extended message
    [20, 4, MODERN_CONTEXT], // KEEPALIVE is exactly 19
    [28, 1, MODERN_CONTEXT], // OPEN at least 29
    [22, 2, MODERN_CONTEXT], // UPDATE at least 23
    [20, 3, MODERN_CONTEXT], // NOTIFICATION at least 21
    [22, 5, MODERN_CONTEXT], // ROUTE-REFRESH at least 23
    [4097, 1, EXT], // OPEN stays within 4096 even with extended message (RFC 8654 §4)
    [4097, 4, EXT],
  ] as const) {
    const e = wireError(() => readMessageLength(raw(length, type), 0, ctx));
    assert.equal(e.code, 'ERR_BGP_HEADER_LENGTH', `length ${length} type ${type}`);
    assert.deepEqual([e.notifCode, e.notifSubcode, e.action], [1, 2, 'session-reset']);
    assert.deepEqual([...e.data], [length >> 8, length & 0xff]);
  }
});

test('extended message (RFC 8654): UPDATE, NOTIFICATION and ROUTE-REFRESH up to 65535', () => {
  assert.equal(maxMessageLength(DEFAULT_CONTEXT), 4096);
  assert.equal(maxMessageLength(EXT), 65535);
  assert.equal(readMessageLength(raw(65535, 2), 0, EXT), 65535);
  assert.equal(readMessageLength(raw(5000, 3), 0, EXT), 5000);
  assert.equal(readMessageLength(raw(4096, 2), 0, DEFAULT_CONTEXT), 4096);
  assert.equal(checkHeader(raw(4096, 1), 0, EXT).type, 1);
});

test('unknown type: bad message type (1/3) with the type as data', () => {
  for (const type of [0, 6, 255]) {
    const e = wireError(() => readMessageLength(raw(19, type), 0, MODERN_CONTEXT));
    assert.equal(e.code, 'ERR_BGP_HEADER_TYPE');
    assert.deepEqual([e.notifCode, e.notifSubcode], [1, 3]);
    assert.deepEqual([...e.data], [type]);
  }
  assert.deepEqual(hex('ff ff'), new Uint8Array([255, 255]));
});
