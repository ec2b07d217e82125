import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endOfRib, isEndOfRib } from './end-of-rib.js';
import { decodeMessage, encodeMessage } from './message.js';
import { toHex, updateFrame } from './test-corpus.js';
import type { UpdateMessage } from './types.js';
import { MODERN_CONTEXT } from './types.js';

const decode = (bytes: Uint8Array) => decodeMessage(bytes, MODERN_CONTEXT) as UpdateMessage;
const WITHDRAWN = '10 0a09';
const ORIGIN = '40 01 01 00';

test('End-of-RIB markers (RFC 4724 §2)', () => {
  assert.equal(toHex(encodeMessage(endOfRib(1, 1), MODERN_CONTEXT)), toHex(updateFrame('', '', '')));
  assert.deepEqual(isEndOfRib(decode(updateFrame('', '', ''))), { afi: 1, safi: 1 });
  const v6 = decode(encodeMessage(endOfRib(2, 1), MODERN_CONTEXT));
  assert.deepEqual(isEndOfRib(v6), { afi: 2, safi: 1 });
  // FRR writes the IPv6 marker with a 1-octet attribute length: still End-of-RIB, and re-encoded as received
  const frr = updateFrame('', '80 0f 03 0002 01', '');
  assert.deepEqual(isEndOfRib(decode(frr)), { afi: 2, safi: 1 });
  assert.equal(toHex(encodeMessage(decode(frr), MODERN_CONTEXT)), toHex(frr));
  assert.equal(isEndOfRib(decode(updateFrame(WITHDRAWN, '', ''))), undefined);
  assert.equal(isEndOfRib(decode(updateFrame('', '80 0f 06 0002 01 10 2001', ''))), undefined);
  assert.equal(isEndOfRib(decode(updateFrame('', ORIGIN, ''))), undefined);
});
