import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AS_TRANS, decodeAsPath, encodeAsPath, mergeAs4Path, needsAs4Path } from './as-path.js';
import { openError } from './errors.js';
import { Reader } from './reader.js';
import { hex, toHex, wireError } from './test-corpus.js';
import type { AsPathSegment } from './types.js';
import { Writer } from './writer.js';

const decode = (h: string, four: boolean) => {
  const b = hex(h);
  return decodeAsPath(new Reader(b, 0, b.length, () => openError('X', 0, 'short')), four, (why) => openError('ERR_BGP_AS_PATH_MALFORMED', 0, why));
};
const encode = (segs: AsPathSegment[], four: boolean) => {
  const w = new Writer();
  encodeAsPath(w, segs, four);
  return toHex(w.finish());
};
const seq = (...asns: number[]): AsPathSegment => ({ type: 'sequence', asns });
const set = (...asns: number[]): AsPathSegment => ({ type: 'set', asns });

test('AS_PATH with 4-octet and 2-octet ASNs, every segment type', () => {
  const segs: AsPathSegment[] = [{ type: 'confed-sequence', asns: [65101] }, { type: 'confed-set', asns: [65102, 65103] }, seq(65001, 4200000000), set(64512)];
  const four = '03 01 0000fe4d 04 02 0000fe4e 0000fe4f 02 02 0000fde9 fa56ea00 01 01 0000fc00';
  assert.equal(encode(segs, true), toHex(hex(four)));
  assert.deepEqual(decode(four, true), segs);
  // 2-octet: 4200000000 becomes AS_TRANS
  assert.equal(encode(segs, false), toHex(hex('03 01 fe4d 04 02 fe4e fe4f 02 02 fde9 5ba0 01 01 fc00')));
  assert.deepEqual(decode('02 02 fde9 5ba0', false), [seq(65001, AS_TRANS)]);
  assert.deepEqual(decode('', true), []);
});

test('sequences longer than 255 ASNs are split into segments; sets cannot be', () => {
  const long = Array.from({ length: 300 }, (_, i) => i + 1);
  const bytes = encode([seq(...long)], true);
  assert.deepEqual(decode(bytes, true), [seq(...long.slice(0, 255)), seq(...long.slice(255))]);
  assert.equal(wireError(() => encode([set(...long)], true)).code, 'ERR_BGP_ENCODE_AS_PATH');
  assert.equal(wireError(() => encode([seq()], true)).code, 'ERR_BGP_ENCODE_AS_PATH');
});

test('malformed AS_PATH (RFC 7606 §7.2): unknown segment type, empty segment, overrun, trailing byte', () => {
  for (const h of ['05 01 0000fde9', '00 01 0000fde9', '02 00', '02 02 0000fde9', '02 01 0000fde9 02', '02']) {
    assert.equal(wireError(() => decode(h, true)).code, 'ERR_BGP_AS_PATH_MALFORMED', h);
  }
  // 4-octet bytes read as 2-octet: the count no longer matches
  assert.equal(wireError(() => decode('02 01 0000fde9', false)).code, 'ERR_BGP_AS_PATH_MALFORMED');
});

test('RFC 6793 §4.2.3 reconstruction from AS_PATH + AS4_PATH', () => {
  // an old speaker (100) prepended itself; the rest came from new speakers
  assert.deepEqual(mergeAs4Path([seq(100, AS_TRANS, 200)], [seq(4200000000, 200)]), [seq(100, 4200000000, 200)]);
  // nothing prepended: AS4_PATH is the path
  assert.deepEqual(mergeAs4Path([seq(AS_TRANS, 200)], [seq(4200000000, 200)]), [seq(4200000000, 200)]);
  // AS4_PATH longer than AS_PATH: ignored
  assert.deepEqual(mergeAs4Path([seq(AS_TRANS)], [seq(4200000000, 200)]), [seq(AS_TRANS)]);
  // an AS_SET counts as one; leading confederation segments are kept
  assert.deepEqual(
    mergeAs4Path([{ type: 'confed-sequence', asns: [65101] }, seq(300), set(AS_TRANS, 5)], [set(4200000001, 5)]),
    [{ type: 'confed-sequence', asns: [65101] }, seq(300), set(4200000001, 5)],
  );
  assert.deepEqual(mergeAs4Path([seq(1, 2, 3, AS_TRANS)], [seq(4200000000)]), [seq(1, 2, 3, 4200000000)]);
});

test('needsAs4Path: only for 4-octet ASNs outside confederation segments', () => {
  assert.equal(needsAs4Path([seq(65001)]), false);
  assert.equal(needsAs4Path([seq(65001, 65536)]), true);
  assert.equal(needsAs4Path([{ type: 'confed-sequence', asns: [4200000000] }]), false);
});
