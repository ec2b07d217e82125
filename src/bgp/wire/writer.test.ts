import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wireError } from './test-corpus.js';
import { Writer } from './writer.js';

test('Writer grows, back-patches lengths, shrinks a 2-octet length slot, and range-checks', () => {
  const w = new Writer(2);
  w.u8(1);
  const at = w.pos;
  w.u16(0);
  for (let i = 0; i < 300; i++) w.u8(i & 0xff);
  w.patchU16(at, 300);
  assert.equal(w.pos, 303);
  const b = w.finish();
  assert.deepEqual([...b.subarray(0, 4)], [1, 1, 44, 0]);
  const v = new Writer();
  v.u16(0);
  v.u8(7);
  v.u8(8);
  v.shiftLeft(2);
  assert.deepEqual([...v.finish()], [0, 7, 8]);
  for (const f of [() => v.u8(256), () => v.u16(-1), () => v.u32(2 ** 32), () => v.u24(1.5)]) assert.equal(wireError(f).code, 'ERR_BGP_ENCODE_RANGE');
});
