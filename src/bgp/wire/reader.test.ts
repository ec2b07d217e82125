import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openError } from './errors.js';
import { Reader } from './reader.js';
import { hex, wireError } from './test-corpus.js';

test('Reader reads big-endian fields and never past its end', () => {
  const b = hex('01 0203 040506 0708090a 0b0c ff');
  const r = new Reader(b, 0, 12, (what) => openError('ERR_TEST_SHORT', 0, what));
  assert.equal(r.u8('a'), 1);
  assert.equal(r.u16('b'), 0x0203);
  assert.equal(r.u24('c'), 0x040506);
  assert.equal(r.u32('d'), 0x0708090a);
  const copy = r.bytes(2, 'e');
  b[10] = 0;
  assert.deepEqual([...copy], [0x0b, 0x0c]); // a copy, not a view
  assert.equal(r.remaining, 0);
  const e = wireError(() => r.u8('past the end'));
  assert.equal(e.code, 'ERR_TEST_SHORT');
  assert.equal(e.message, 'past the end');
  const sub = new Reader(b, 0, 12, () => openError('ERR_TEST_SHORT', 0, 'x')).sub(3, 'sub');
  assert.equal(sub.end, 3);
  assert.equal(wireError(() => sub.u32('x')).code, 'ERR_TEST_SHORT');
});
