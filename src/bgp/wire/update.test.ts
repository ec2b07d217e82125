// UPDATE decoding per RFC 4271 §6.3 and RFC 7606: which errors reset the session, which withdraw
// the UPDATE's routes, which drop one attribute; and End-of-RIB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage } from './message.js';
import { formatPrefix, parsePrefix, prefixKey } from './nlri.js';
import { EXTENDED_CONTEXT, toHex, updateFrame, wireError } from './test-corpus.js';
import type { CodecContext, UpdateMessage } from './types.js';
import { DEFAULT_CONTEXT, MODERN_CONTEXT } from './types.js';
import { isEndOfRib } from './end-of-rib.js';

const ORIGIN = '40 01 01 00';
const AS_PATH = '40 02 06 02 01 0000fde9';
const NEXT_HOP = '40 03 04 0a000001';
const BASE = ORIGIN + AS_PATH + NEXT_HOP;
const NLRI = '18 0a0100 20 0a000005'; // 10.1.0.0/24, 10.0.0.5/32
const WITHDRAWN = '10 0a09'; // 10.9.0.0/16
// MP_REACH_NLRI, IPv6 unicast, next hop 2001:db8::1, NLRI 2001:db8:1::/48
const MP_REACH = '90 0e 001c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80001';

const decode = (bytes: Uint8Array, ctx: CodecContext = MODERN_CONTEXT) => decodeMessage(bytes, ctx) as UpdateMessage;
const keys = (ps: readonly import('./types.js').Prefix[]) => ps.map(prefixKey).sort();

test('a plain IPv4 UPDATE decodes to typed values', () => {
  const u = decode(updateFrame(WITHDRAWN, BASE + '80 04 04 00000064 c0 08 08 fde80001 ffffff01', NLRI));
  assert.deepEqual(u, {
    type: 'update',
    withdrawn: [parsePrefix('10.9.0.0/16')],
    attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [65001] }], nextHop: '10.0.0.1', med: 100, communities: [0xfde80001, 0xffffff01] },
    nlri: [parsePrefix('10.1.0.0/24'), parsePrefix('10.0.0.5/32')],
  });
});

/** Asserts a treat-as-withdraw error that withdraws every prefix of the UPDATE. */
function assertWithdraws(bytes: Uint8Array, code: string, subcode: number, ctx: CodecContext = MODERN_CONTEXT, extra: string[] = []) {
  const e = wireError(() => decode(bytes, ctx));
  assert.equal(e.code, code);
  assert.equal(e.action, 'treat-as-withdraw', e.message);
  assert.deepEqual([e.notifCode, e.notifSubcode], [3, subcode]);
  assert.deepEqual(keys(e.withdraw), ['10.0.0.5/32', '10.1.0.0/24', '10.9.0.0/16', ...extra].sort());
  return e;
}

test('attribute length errors: treat-as-withdraw, the attribute as data', () => {
  const cases: [string, string, number][] = [
    ['40 01 02 0000', 'ERR_BGP_ATTR_LENGTH', 5], // ORIGIN of 2 bytes
    ['40 01 01 03', 'ERR_BGP_ORIGIN_INVALID', 6], // ORIGIN 3
    ['40 03 05 0a00000100', 'ERR_BGP_ATTR_LENGTH', 5], // NEXT_HOP of 5
    ['80 04 03 000000', 'ERR_BGP_ATTR_LENGTH', 5], // MED of 3
    ['40 05 02 0000', 'ERR_BGP_ATTR_LENGTH', 5], // LOCAL_PREF of 2
    ['c0 08 03 000000', 'ERR_BGP_ATTR_LENGTH', 5], // COMMUNITIES not a multiple of 4
    ['c0 08 00', 'ERR_BGP_ATTR_LENGTH', 5], // COMMUNITIES empty
    ['80 09 05 0a00000100', 'ERR_BGP_ATTR_LENGTH', 5], // ORIGINATOR_ID of 5
    ['80 0a 06 0a0000010a00', 'ERR_BGP_ATTR_LENGTH', 5], // CLUSTER_LIST of 6
    ['c0 10 07 00000000000000', 'ERR_BGP_ATTR_LENGTH', 5], // EXTENDED_COMMUNITIES of 7
    ['c0 20 08 0000000000000000', 'ERR_BGP_ATTR_LENGTH', 5], // LARGE_COMMUNITIES of 8
  ];
  for (const [attr, code, subcode] of cases) {
    const type = parseInt(attr.split(' ')[1]!, 16);
    // the bad attribute replaces the good one of its type, or is added
    const attrs = [[1, ORIGIN], [2, AS_PATH], [3, NEXT_HOP]].map(([t, a]) => (t === type ? attr : a)).join('') + (type > 3 ? attr : '');
    const e = assertWithdraws(updateFrame(WITHDRAWN, attrs, NLRI), code, subcode);
    assert.equal(toHex(e.data), attr.replace(/ /g, ''), attr);
    assert.equal(e.attrType, type);
  }
});

test('attribute-discard attributes (RFC 7606 §7.6, §7.7): the UPDATE stands without them', () => {
  for (const attr of ['40 06 01 00', 'c0 07 07 0000fde90a0000']) {
    const u = decode(updateFrame(WITHDRAWN, BASE + attr, NLRI));
    assert.equal(u.attributes.atomicAggregate, undefined);
    assert.equal(u.attributes.aggregator, undefined);
    assert.equal(u.nlri.length, 2);
    assert.equal(u.discarded?.length, 1);
    assert.equal(u.discarded[0]!.code, 'ERR_BGP_ATTR_LENGTH');
    assert.equal(u.discarded[0]!.action, 'attribute-discard');
    // re-encoding sends it without the discarded attribute
    assert.equal(decode(encodeMessage(u, MODERN_CONTEXT)).discarded, undefined);
  }
});

test('bad flags: Attribute Flags Error (subcode 4), action of the attribute', () => {
  assertWithdraws(updateFrame(WITHDRAWN, 'c0 01 01 00' + AS_PATH + NEXT_HOP, NLRI), 'ERR_BGP_ATTR_FLAGS', 4); // ORIGIN marked optional
  assertWithdraws(updateFrame(WITHDRAWN, BASE + '40 08 04 fde80001', NLRI), 'ERR_BGP_ATTR_FLAGS', 4); // COMMUNITIES marked well-known
  assertWithdraws(updateFrame(WITHDRAWN, BASE + 'c0 04 04 00000000', NLRI), 'ERR_BGP_ATTR_FLAGS', 4); // MED marked transitive
  const agg = decode(updateFrame(WITHDRAWN, BASE + '80 07 08 0000fde90a000001', NLRI)); // AGGREGATOR not transitive
  assert.equal(agg.discarded?.[0]?.code, 'ERR_BGP_ATTR_FLAGS');
  const mp = wireError(() => decode(updateFrame('', BASE + 'd0 0e 001c' + MP_REACH.slice(10), '')));
  assert.deepEqual([mp.code, mp.action], ['ERR_BGP_ATTR_FLAGS', 'session-reset']);
  // the Partial bit on a well-known attribute is not an error (RFC 7606 checks only Optional/Transitive)
  const partial = decode(updateFrame('', '60 01 01 00' + AS_PATH + NEXT_HOP, NLRI));
  assert.equal(partial.attributes.origin, 0);
  assert.equal(toHex(encodeMessage(partial, MODERN_CONTEXT)), toHex(updateFrame('', '60 01 01 00' + AS_PATH + NEXT_HOP, NLRI)));
});

test('duplicate attributes: repeats dropped (RFC 7606 §3 g); a repeated MP attribute resets the session', () => {
  const u = decode(updateFrame('', BASE + '40 01 01 02' + 'e0 63 01 aa' + 'e0 63 01 bb', NLRI));
  assert.equal(u.attributes.origin, 0); // the first one counts
  assert.deepEqual(u.attributes.unknown, [{ flags: 0xe0, type: 99, value: new Uint8Array([0xaa]) }]);
  assert.deepEqual(u.discarded?.map((e) => [e.code, e.attrType, e.action]), [['ERR_BGP_ATTR_DUPLICATE', 1, 'attribute-discard'], ['ERR_BGP_ATTR_DUPLICATE', 99, 'attribute-discard']]);
  const e = wireError(() => decode(updateFrame('', BASE + MP_REACH + MP_REACH, '')));
  assert.deepEqual([e.code, e.action, e.notifSubcode], ['ERR_BGP_MP_DUPLICATE', 'session-reset', 1]);
});

test('malformed AS_PATH: treat-as-withdraw, Malformed AS_PATH (subcode 11)', () => {
  for (const path of ['40 02 06 05 01 0000fde9', '40 02 02 02 00', '40 02 06 02 02 0000fde9', '40 02 07 02 01 0000fde9 02']) {
    assertWithdraws(updateFrame(WITHDRAWN, ORIGIN + path + NEXT_HOP, NLRI), 'ERR_BGP_AS_PATH_MALFORMED', 11);
  }
  // on a 2-octet session, 4-octet bytes do not parse
  assertWithdraws(updateFrame(WITHDRAWN, ORIGIN + '40 02 06 02 01 0000fde9' + NEXT_HOP, NLRI), 'ERR_BGP_AS_PATH_MALFORMED', 11, DEFAULT_CONTEXT);
});

test('NLRI longer than its prefix length (or past the field): session reset, Invalid Network Field', () => {
  for (const [withdrawn, nlri] of [['', '21 0a010203ff'], ['', '18 0a01'], ['21 0a010203ff', NLRI], ['08', NLRI]]) {
    const e = wireError(() => decode(updateFrame(withdrawn!, BASE, nlri)));
    assert.deepEqual([e.code, e.action, e.notifCode, e.notifSubcode], ['ERR_BGP_NLRI_MALFORMED', 'session-reset', 3, 10]);
  }
  // inside MP_REACH_NLRI: the attribute cannot be parsed, session reset (RFC 7606 §7.11)
  const mp = '90 0e 0016 0002 01 10 20010db8000000000000000000000001 00 81 00';
  const e = wireError(() => decode(updateFrame('', BASE + mp, '')));
  assert.deepEqual([e.code, e.action, e.notifSubcode], ['ERR_BGP_MP_NLRI_MALFORMED', 'session-reset', 9]);
  const un = wireError(() => decode(updateFrame('', '90 0f 0005 0002 01 30 2001', '')));
  assert.deepEqual([un.code, un.action], ['ERR_BGP_MP_NLRI_MALFORMED', 'session-reset']);
});

test('length errors in the UPDATE layout: withdrawn or attribute length past the message', () => {
  const good = updateFrame(WITHDRAWN, BASE, NLRI);
  for (const [at, value] of [[19, 0x10], [20, 0xff], [24, 0xff]] as const) {
    const b = Uint8Array.from(good);
    b[at] = value;
    const e = wireError(() => decode(b));
    assert.deepEqual([e.code, e.action, e.notifSubcode], ['ERR_BGP_UPDATE_LENGTHS', 'session-reset', 1], `byte ${at}`);
  }
});

test('an attribute overrunning the attribute field: treat-as-withdraw, NLRI still located (RFC 7606 §4)', () => {
  assertWithdraws(updateFrame(WITHDRAWN, BASE + 'c0 08 08 fde80001', NLRI), 'ERR_BGP_ATTR_LIST_MALFORMED', 1);
  assertWithdraws(updateFrame(WITHDRAWN, BASE + 'c0 08', NLRI), 'ERR_BGP_ATTR_LIST_MALFORMED', 1); // too short for a header
  assertWithdraws(updateFrame(WITHDRAWN, BASE + 'd0 08 00', NLRI), 'ERR_BGP_ATTR_LIST_MALFORMED', 1); // extended header cut
});

test('missing well-known mandatory attributes with NLRI: treat-as-withdraw (RFC 7606 §3 d)', () => {
  const e = assertWithdraws(updateFrame(WITHDRAWN, AS_PATH + NEXT_HOP, NLRI), 'ERR_BGP_ATTR_MISSING', 3);
  assert.deepEqual([...e.data], [1]);
  assertWithdraws(updateFrame(WITHDRAWN, ORIGIN + NEXT_HOP, NLRI), 'ERR_BGP_ATTR_MISSING', 3);
  assertWithdraws(updateFrame(WITHDRAWN, ORIGIN + AS_PATH, NLRI), 'ERR_BGP_ATTR_MISSING', 3);
  // MP NLRI need ORIGIN and AS_PATH but no NEXT_HOP
  assert.equal(decode(updateFrame('', ORIGIN + AS_PATH + MP_REACH, '')).attributes.mpReach?.nlri.length, 1);
  const mp = wireError(() => decode(updateFrame('', AS_PATH + MP_REACH, '')));
  assert.deepEqual([mp.code, mp.withdraw.map(formatPrefix)], ['ERR_BGP_ATTR_MISSING', ['2001:db8:1::/48']]);
  // withdrawals alone need no attributes
  assert.deepEqual(decode(updateFrame(WITHDRAWN, '', '')).withdrawn.map(formatPrefix), ['10.9.0.0/16']);
});

test('unknown attributes: optional ones passed through (transitive marked Partial), well-known ones reset', () => {
  const u = decode(updateFrame('', BASE + 'c0 63 02 0102' + '80 64 01 ff', NLRI));
  assert.deepEqual(u.attributes.unknown, [
    { flags: 0xe0, type: 99, value: new Uint8Array([1, 2]) },
    { flags: 0x80, type: 100, value: new Uint8Array([0xff]) },
  ]);
  const again = toHex(encodeMessage(u, MODERN_CONTEXT));
  assert.ok(again.includes('e063020102'), again);
  const e = wireError(() => decode(updateFrame('', BASE + '40 63 01 00', NLRI)));
  assert.deepEqual([e.code, e.action, e.notifSubcode, e.attrType], ['ERR_BGP_ATTR_UNRECOGNIZED_WELLKNOWN', 'session-reset', 2, 99]);
});

test('MP_REACH next hop of a length wrong for the family: afi-safi-disable (RFC 7606 §7.11); RFC 8950 needs the context', () => {
  const v6bad = '90 0e 0010 0002 01 04 0a000001 00 30 20010db80001';
  const bad = wireError(() => decode(updateFrame(WITHDRAWN, BASE + v6bad, NLRI)));
  assert.deepEqual([bad.code, bad.action, bad.notifCode, bad.notifSubcode], ['ERR_BGP_MP_NEXT_HOP_LENGTH', 'afi-safi-disable', 3, 9]);
  assert.deepEqual(keys(bad.withdraw), ['10.0.0.5/32', '10.1.0.0/24', '10.9.0.0/16', '2001:db8:1::/48']);
  // IPv4 NLRI with an IPv6 next hop, without extended next hop negotiated
  const v4via6 = ORIGIN + AS_PATH + '90 0e 001a 0001 01 10 fe800000000000000000000000000001 00 20 0a000007';
  const e = wireError(() => decode(updateFrame('', v4via6, '')));
  assert.deepEqual([e.code, e.action, e.withdraw.map(formatPrefix)], ['ERR_BGP_MP_NEXT_HOP_LENGTH', 'afi-safi-disable', ['10.0.0.7/32']]);
  const ok = decode(updateFrame('', v4via6, ''), EXTENDED_CONTEXT);
  assert.deepEqual(ok.attributes.mpReach, { afi: 1, safi: 1, nextHops: ['fe80::1'], nlri: [parsePrefix('10.0.0.7/32')] });
});

test('MP attributes for families the codec does not parse: afi-safi-disable; their End-of-RIB is fine', () => {
  const evpn = '90 0e 000b 0019 46 04 0a000001 00 02 0000';
  const e = wireError(() => decode(updateFrame('', ORIGIN + AS_PATH + evpn, '')));
  assert.deepEqual([e.code, e.action], ['ERR_BGP_MP_FAMILY_UNSUPPORTED', 'afi-safi-disable']);
  const eor = decode(updateFrame('', '80 0f 03 0019 46', ''));
  assert.deepEqual(isEndOfRib(eor), { afi: 25, safi: 70 });
  const short = wireError(() => decode(updateFrame('', BASE + '80 0e 03 000201', '')));
  assert.deepEqual([short.code, short.action], ['ERR_BGP_MP_REACH_MALFORMED', 'session-reset']);
});

test('the most severe error wins (RFC 7606 §3): session reset, then afi-safi-disable, then treat-as-withdraw, then discard', () => {
  const e = wireError(() => decode(updateFrame('', '40 01 01 07' + AS_PATH + NEXT_HOP + '40 63 00', NLRI)));
  assert.equal(e.action, 'session-reset');
  const d = wireError(() => decode(updateFrame('', '40 01 01 07' + AS_PATH + NEXT_HOP + '90 0e 0010 0002 01 04 0a000001 00 30 20010db80001', NLRI)));
  assert.deepEqual([d.code, d.action], ['ERR_BGP_MP_NEXT_HOP_LENGTH', 'afi-safi-disable']);
  const t = wireError(() => decode(updateFrame('', BASE + '40 06 01 00' + '40 05 01 00', NLRI)));
  assert.equal(t.action, 'treat-as-withdraw');
  assert.equal(t.code, 'ERR_BGP_ATTR_LENGTH');
  assert.equal(t.attrType, 5);
});

test('AS4_PATH and AS4_AGGREGATOR from a 2-octet speaker are merged (RFC 6793 §4.2.3)', () => {
  const asPath2 = '40 02 08 02 03 0064 5ba0 00c8'; // 100 AS_TRANS 200
  const as4Path = 'c0 11 0a 02 02 fa56ea00 000000c8'; // 4200000000 200
  const u = decode(updateFrame('', ORIGIN + asPath2 + NEXT_HOP + 'c0 07 06 5ba0 0a000009' + as4Path + 'c0 12 08 fa56ea09 0a000009', NLRI), DEFAULT_CONTEXT);
  assert.deepEqual(u.attributes.asPath, [{ type: 'sequence', asns: [100, 4200000000, 200] }]);
  assert.deepEqual(u.attributes.aggregator, { asn: 4200000009, address: '10.0.0.9' });
  // an AGGREGATOR that is not AS_TRANS: an old speaker aggregated; the AS4 attributes are stale
  const old = decode(updateFrame('', ORIGIN + asPath2 + NEXT_HOP + 'c0 07 06 0065 0a000009' + as4Path + 'c0 12 08 fa56ea09 0a000009', NLRI), DEFAULT_CONTEXT);
  assert.deepEqual(old.attributes.asPath, [{ type: 'sequence', asns: [100, 23456, 200] }]);
  assert.deepEqual(old.attributes.aggregator, { asn: 101, address: '10.0.0.9' });
  // a malformed AS4_PATH is discarded; AS_PATH stands
  const bad = decode(updateFrame('', ORIGIN + asPath2 + NEXT_HOP + 'c0 11 02 02 00', NLRI), DEFAULT_CONTEXT);
  assert.deepEqual(bad.attributes.asPath, [{ type: 'sequence', asns: [100, 23456, 200] }]);
  assert.deepEqual(bad.discarded?.map((d) => [d.code, d.action]), [['ERR_BGP_AS_PATH_MALFORMED', 'attribute-discard']]);
  // from a 4-octet speaker they are discarded (RFC 6793 §3)
  const fromNew = decode(updateFrame('', BASE + 'c0 11 06 02 01 fa56ea00', NLRI), MODERN_CONTEXT);
  assert.deepEqual(fromNew.attributes.asPath, [{ type: 'sequence', asns: [65001] }]);
  assert.equal(fromNew.discarded?.[0]?.code, 'ERR_BGP_AS4_FROM_NEW_SPEAKER');
});

test('encoding for a 2-octet session writes AS_TRANS plus AS4_PATH/AS4_AGGREGATOR', () => {
  const u: UpdateMessage = {
    type: 'update', withdrawn: [], nlri: [parsePrefix('10.1.0.0/24')],
    attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [4200000000, 65001] }], nextHop: '10.0.0.1', aggregator: { asn: 4200000009, address: '10.0.0.9' } },
  };
  const h = toHex(encodeMessage(u, DEFAULT_CONTEXT));
  assert.ok(h.includes('40020602025ba0fde9'), h); // AS_PATH: AS_TRANS 65001
  assert.ok(h.includes('c007065ba00a000009'), h); // AGGREGATOR: AS_TRANS
  assert.ok(h.includes('c0110a0202fa56ea000000fde9'), h); // AS4_PATH
  assert.ok(h.includes('c01208fa56ea090a000009'), h); // AS4_AGGREGATOR
  assert.ok(!toHex(encodeMessage(u, MODERN_CONTEXT)).includes('c011'));
});

test('a received attribute layout (order, extended lengths) is kept so the bytes re-encode exactly', () => {
  // MP_REACH first with a 2-octet length, AS_PATH with a 2-octet length, MED last: FRR's way
  const attrs = MP_REACH + '40 01 01 00' + '50 02 0006 02 01 0000fde9' + '80 04 04 00000000';
  const bytes = updateFrame('', attrs, '');
  const u = decode(bytes);
  assert.deepEqual(u.attributeLayout, [{ type: 14, flags: 0x10 }, { type: 1, flags: 0 }, { type: 2, flags: 0x10 }, { type: 4, flags: 0 }]);
  assert.equal(toHex(encodeMessage(u, MODERN_CONTEXT)), toHex(bytes));
  // the default layout needs no record
  assert.equal(decode(encodeMessage({ ...u, attributeLayout: undefined } as UpdateMessage, MODERN_CONTEXT)).attributeLayout, undefined);
});

test('encoding errors: what cannot be sent is refused with a coded error', () => {
  const base = { type: 'update' as const, withdrawn: [], nlri: [], attributes: {} };
  const v4via6 = { ...base, attributes: { origin: 0 as const, asPath: [], mpReach: { afi: 1, safi: 1, nextHops: ['2001:db8::1'], nlri: [parsePrefix('10.0.0.0/8')] } } };
  assert.equal(wireError(() => encodeMessage(v4via6, MODERN_CONTEXT)).code, 'ERR_BGP_ENCODE_NEXT_HOP');
  assert.ok(encodeMessage(v4via6, EXTENDED_CONTEXT).length > 0);
  const many = { ...base, attributes: { origin: 0 as const, asPath: [], nextHop: '10.0.0.1' }, nlri: Array.from({ length: 1000 }, (_, i) => ({ afi: 1 as const, addr: (0x0a000000 + i) >>> 0, len: 32 })) };
  assert.equal(wireError(() => encodeMessage(many, MODERN_CONTEXT)).code, 'ERR_BGP_ENCODE_TOO_LONG');
  assert.equal(decode(encodeMessage(many, EXTENDED_CONTEXT), EXTENDED_CONTEXT).nlri.length, 1000);
  assert.equal(wireError(() => encodeMessage({ ...base, attributes: { unknown: [{ flags: 0xc0, type: 8, value: new Uint8Array(4) }] } }, MODERN_CONTEXT)).code, 'ERR_BGP_ENCODE_ATTRIBUTE');
  assert.equal(wireError(() => encodeMessage({ ...base, attributes: { unknown: [{ flags: 0x40, type: 99, value: new Uint8Array(4) }] } }, MODERN_CONTEXT)).code, 'ERR_BGP_ENCODE_ATTRIBUTE');
  assert.equal(wireError(() => encodeMessage({ ...base, attributes: { nextHop: '2001:db8::1' } }, MODERN_CONTEXT)).code, 'ERR_BGP_ENCODE_ADDRESS');
  assert.equal(wireError(() => encodeMessage({ ...base, attributes: { extCommunities: ['xyz'] } }, MODERN_CONTEXT)).code, 'ERR_BGP_ENCODE_EXT_COMMUNITY');
});
