import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, MODERN_CONTEXT, type CodecContext, type Prefix, type UpdateMessage } from '../wire/index.js';
import type { StoredAttributes } from './intern.js';
import { packAnnouncements, packWithdrawals } from './pack.js';
import { seq } from './test-helpers.js';

const attrs: StoredAttributes = { origin: 0, asPath: [seq(65010)], communities: [65010 * 65536 + 100] };
const hosts = (n: number, base = 0x0a000000): Prefix[] => Array.from({ length: n }, (_, i) => ({ afi: 1, addr: (base + i) >>> 0, len: 32 }));
const hosts6 = (n: number): Prefix[] => Array.from({ length: n }, (_, i) => ({ afi: 2, addr: `2001:db8::${(i + 1).toString(16)}`, len: 128 }));

/** Encodes every message (the codec refuses one over the limit), checks the packing is tight, returns the prefixes in order. */
function checkPacked(msgs: UpdateMessage[], ctx: CodecContext, field: (u: UpdateMessage) => readonly Prefix[], entryBytes: number): Prefix[] {
  const limit = ctx.extendedMessage ? 65535 : 4096;
  const out: Prefix[] = [];
  msgs.forEach((m, i) => {
    const bytes = encodeMessage(m, ctx);
    assert.ok(bytes.length <= limit, `message ${i}: ${bytes.length} > ${limit}`);
    if (i < msgs.length - 1) assert.ok(bytes.length + entryBytes > limit, `message ${i} (${bytes.length} bytes) had room for another prefix`);
    const back = decodeMessage(bytes, { ...ctx, addPathReceive: ctx.addPathSend }); // read as the peer does
    assert.equal(back.type, 'update');
    out.push(...field(back as UpdateMessage));
  });
  return out;
}
const classicNlri = (u: UpdateMessage) => u.nlri;
const mpNlri = (u: UpdateMessage) => u.attributes.mpReach?.nlri ?? [];
const strip = (ps: readonly Prefix[]) => ps.map((p) => ({ afi: p.afi, addr: p.addr, len: p.len }));

test('1,000 IPv4 /32s with one attribute set: ceil(n / per-message) full UPDATEs within 4096 octets', () => {
  const prefixes = hosts(1000);
  const msgs = packAnnouncements(1, attrs, ['10.2.0.1'], prefixes, MODERN_CONTEXT);
  const perMessage = msgs[0]!.nlri.length;
  assert.ok(perMessage > 700 && perMessage < 820, `per message ${perMessage}`);
  assert.equal(msgs.length, Math.ceil(1000 / perMessage));
  assert.equal(msgs.length, 2);
  assert.deepEqual(strip(checkPacked(msgs, MODERN_CONTEXT, classicNlri, 5)), prefixes);
  assert.equal(msgs[0]!.attributes.nextHop, '10.2.0.1');
  assert.deepEqual(msgs[0]!.attributes.asPath, [seq(65010)]);
});

test('IPv6 /128s go in MP_REACH_NLRI with global and link-local next hops, packed as tight', () => {
  const prefixes = hosts6(1000);
  const msgs = packAnnouncements(2, attrs, ['2001:db8::1', 'fe80::1'], prefixes, MODERN_CONTEXT);
  assert.ok(msgs.length >= 5, `${msgs.length} messages`);
  assert.deepEqual(strip(checkPacked(msgs, MODERN_CONTEXT, mpNlri, 17)), prefixes);
  assert.deepEqual(msgs[0]!.attributes.mpReach?.nextHops, ['2001:db8::1', 'fe80::1']);
  assert.equal(msgs[0]!.nlri.length, 0);
});

test('IPv4 with an IPv6 next hop (RFC 8950) goes in MP_REACH_NLRI for AFI 1', () => {
  const ctx = { ...MODERN_CONTEXT, extendedNextHop: true };
  const msgs = packAnnouncements(1, attrs, ['::', 'fe80::1'], hosts(2000), ctx);
  assert.equal(msgs[0]!.attributes.mpReach?.afi, 1);
  assert.equal(checkPacked(msgs, ctx, mpNlri, 5).length, 2000);
});

test('extended message: 65535 octets; add-path: 4 more octets per prefix', () => {
  const ext = { ...MODERN_CONTEXT, extendedMessage: true };
  assert.equal(packAnnouncements(1, attrs, ['10.2.0.1'], hosts(10_000), ext).length, 1);
  const addPath = { ...MODERN_CONTEXT, addPathSend: new Set(['1/1' as const]) };
  const msgs = packAnnouncements(1, attrs, ['10.2.0.1'], hosts(1000), addPath);
  assert.equal(checkPacked(msgs, addPath, classicNlri, 9).length, 1000);
  assert.equal(msgs.length, Math.ceil(1000 / msgs[0]!.nlri.length));
  assert.ok(msgs[0]!.nlri.length < 460);
});

test('withdrawals are packed too: IPv4 in the classic field, IPv6 in MP_UNREACH_NLRI', () => {
  const w4 = packWithdrawals(1, hosts(2000), MODERN_CONTEXT);
  assert.equal(w4.length, 3);
  assert.equal(checkPacked(w4, MODERN_CONTEXT, (u) => u.withdrawn, 5).length, 2000);
  const w6 = packWithdrawals(2, hosts6(500), MODERN_CONTEXT);
  assert.equal(checkPacked(w6, MODERN_CONTEXT, (u) => u.attributes.mpUnreach?.withdrawn ?? [], 17).length, 500);
  assert.equal(w6[0]!.withdrawn.length, 0);
  assert.deepEqual(packWithdrawals(1, [], MODERN_CONTEXT), []);
  assert.deepEqual(packAnnouncements(1, attrs, ['10.2.0.1'], [], MODERN_CONTEXT), []);
});

test('attributes too long for even one prefix: a coded error, nothing half-built', () => {
  const huge: StoredAttributes = { ...attrs, communities: Array.from({ length: 1020 }, (_, i) => i) };
  assert.throws(() => packAnnouncements(1, huge, ['10.2.0.1'], hosts(1), MODERN_CONTEXT), { code: 'ERR_RIB_UPDATE_TOO_LONG' });
});
