import { test } from 'node:test';
import assert from 'node:assert/strict';
import { updateError } from './errors.js';
import { decodeIpv4Nlri, decodeIpv6Nlri, encodePrefix, formatPrefix, nlriLength, parsePrefix, prefixKey } from './nlri.js';
import { hex, toHex, wireError } from './test-corpus.js';
import type { Prefix } from './types.js';
import { Writer } from './writer.js';

const fail = (why: string) => updateError('ERR_BGP_NLRI_MALFORMED', 10, 'session-reset', why);
const v4 = (h: string, addPath = false) => {
  const b = hex(h);
  return decodeIpv4Nlri(b, 0, b.length, addPath, fail);
};
const v6 = (h: string, addPath = false) => {
  const b = hex(h);
  return decodeIpv6Nlri(b, 0, b.length, addPath, fail);
};
const enc = (ps: Prefix[], afi: number, addPath = false) => {
  const w = new Writer();
  for (const p of ps) encodePrefix(w, p, afi, addPath);
  return toHex(w.finish());
};

test('IPv4 NLRI: length octet + minimal address octets, both ways', () => {
  const ps = v4('20 0a010203 18 c0a801 0c ac10 00 08 0a');
  assert.deepEqual(ps.map(formatPrefix), ['10.1.2.3/32', '192.168.1.0/24', '172.16.0.0/12', '0.0.0.0/0', '10.0.0.0/8']);
  assert.equal(enc(ps, 1), '200a01020318c0a8010cac1000080a');
  assert.deepEqual(ps[0], { afi: 1, addr: 0x0a010203, len: 32 });
});

test('host bits past the prefix length are cleared (RFC 4271: irrelevant)', () => {
  assert.deepEqual(v4('17 0a0103').map(formatPrefix), ['10.1.2.0/23']);
  assert.deepEqual(v6('41 20010db8000000018f').map(formatPrefix), ['2001:db8:0:1:8000::/65']);
});

test('IPv6 NLRI and add-path path identifiers', () => {
  const ps = v6('80 20010db8000000000000000000000001 20 20010db8 00', false);
  assert.deepEqual(ps.map(formatPrefix), ['2001:db8::1/128', '2001:db8::/32', '::/0']);
  assert.equal(enc(ps, 2), '8020010db80000000000000000000000012020010db800');
  const withIds = v4('00000001 18 0a0000 ffffffff 20 0a000001', true);
  assert.deepEqual(withIds.map(prefixKey), ['10.0.0.0/24#1', '10.0.0.1/32#4294967295']);
  assert.equal(enc(withIds, 1, true), '00000001180a0000ffffffff200a000001');
  // without a path id, add-path encodes 0
  assert.equal(enc([parsePrefix('10.0.0.0/8')], 1, true), '00000000080a');
});

test('NLRI longer than its prefix length allows, or running past the field: coded error', () => {
  for (const h of ['21 0a010203ff', '18 0a01', '20 0a0102', '08', 'ff']) assert.equal(wireError(() => v4(h)).code, 'ERR_BGP_NLRI_MALFORMED', h);
  for (const h of ['81 00', '80 2001']) assert.equal(wireError(() => v6(h)).code, 'ERR_BGP_NLRI_MALFORMED', h);
  for (const h of ['000000', '00000001', '00000001 18 0a']) assert.equal(wireError(() => v4(h, true)).code, 'ERR_BGP_NLRI_MALFORMED', h);
});

test('nlriLength matches what the encoder writes', () => {
  for (const t of ['0.0.0.0/0', '10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/23', '10.1.2.3/32', '2001:db8::/32', '2001:db8::1/128', '::/0', '2001:db8::/33']) {
    const p = parsePrefix(t);
    for (const addPath of [false, true]) assert.equal(nlriLength(p, addPath) * 2, enc([p], p.afi, addPath).length, `${t} ${addPath}`);
  }
});

test('prefix text: prefixKey / formatPrefix / parsePrefix', () => {
  assert.deepEqual(parsePrefix('10.0.0.0/24'), { afi: 1, addr: 0x0a000000, len: 24 });
  assert.deepEqual(parsePrefix('2001:DB8:0::/32'), { afi: 2, addr: '2001:db8::', len: 32 });
  assert.deepEqual(parsePrefix('10.0.0.1/32#7'), { afi: 1, addr: 0x0a000001, len: 32, pathId: 7 });
  assert.equal(prefixKey(parsePrefix('2001:db8::/32#0')), '2001:db8::/32#0');
  assert.equal(formatPrefix(parsePrefix('2001:db8::/32#9')), '2001:db8::/32');
  for (const bad of ['10.0.0.1/24', '10.0.0.0', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '2001:db8::1/64', '2001:db8::/129', 'x/8', '10.0.0.0/8#', '10.0.0.0/8#-1', '10.0.0.0/8#4294967296', '']) {
    const e = wireError(() => parsePrefix(bad));
    assert.equal(e.code, 'ERR_BGP_PREFIX_INVALID', bad);
  }
});

test('encoding rejects a prefix of the wrong family or an impossible length', () => {
  assert.equal(wireError(() => enc([parsePrefix('2001:db8::/32')], 1)).code, 'ERR_BGP_ENCODE_FAMILY');
  assert.equal(wireError(() => enc([{ afi: 1, addr: 0, len: 33 }], 1)).code, 'ERR_BGP_ENCODE_PREFIX');
  assert.equal(wireError(() => enc([{ afi: 1, addr: -1, len: 8 }], 1)).code, 'ERR_BGP_ENCODE_PREFIX');
  assert.equal(wireError(() => enc([{ afi: 2, addr: 'nope', len: 8 }], 2)).code, 'ERR_BGP_ENCODE_PREFIX');
});
