import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributesLength } from './attributes-encode.js';
import { decodeMessage } from './message.js';
import { updateFrame } from './test-corpus.js';
import type { UpdateMessage } from './types.js';
import { MODERN_CONTEXT } from './types.js';

const decode = (bytes: Uint8Array) => decodeMessage(bytes, MODERN_CONTEXT) as UpdateMessage;
const BASE = '40 01 01 00' + '40 02 06 02 01 0000fde9' + '40 03 04 0a000001';
const NLRI = '18 0a0100 20 0a000005';
const MP_REACH = '90 0e 001c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80001';

test('attributesLength is the encoded Total Path Attribute Length', () => {
  const u = decode(updateFrame('', BASE + MP_REACH + 'c0 08 04 fde80001', NLRI));
  assert.equal(attributesLength(u.attributes, MODERN_CONTEXT), (BASE + MP_REACH + 'c0 08 04 fde80001').replace(/ /g, '').length / 2);
});

test('MP attributes take a 2-octet length, others only past 255 bytes', () => {
  const short = { origin: 0 as const, mpUnreach: { afi: 2, safi: 1, withdrawn: [] } };
  assert.equal(attributesLength(short, MODERN_CONTEXT), (3 + 1) + (4 + 3)); // ORIGIN, MP_UNREACH_NLRI
  const long = { communities: Array.from({ length: 64 }, (_, i) => i) };
  assert.equal(attributesLength(long, MODERN_CONTEXT), 4 + 256);
  assert.equal(attributesLength({ communities: [1, 2] }, MODERN_CONTEXT), 3 + 8);
});
