import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODERN_CONTEXT, type PathAttributes } from '../wire/types.js';
import { exportAttributes, exportSkip, nextHopSelf, prepend, type ExportSession } from './export.js';
import { Interner } from './intern.js';
import { LOCAL, pathOf, peerSource, seq } from './test-helpers.js';

const interner = new Interner();
const opts = { learned: true, nextHopSelf: true };
const tor1 = peerSource('10.1.0.0');
const tor2 = peerSource('10.2.0.0', { asn: 65200 });
const ibgp1 = peerSource('10.9.0.1', { asn: 65010 });
const ibgp2 = peerSource('10.9.0.2', { asn: 65010 });
const session: ExportSession = { ctx: MODERN_CONTEXT, families: ['1/1', '2/1'], localAddress: '10.2.0.1', localAddressV6: '2001:db8::1', localLinkLocal: 'fe80::1' };
const learned: PathAttributes = {
  origin: 0,
  asPath: [seq(65100, 64600)],
  med: 50,
  localPref: 300,
  originatorId: '1.1.1.1',
  clusterList: ['2.2.2.2'],
  communities: [7],
  unknown: [
    { flags: 0xc0, type: 99, value: new Uint8Array([1]) }, // optional transitive: passed on
    { flags: 0x80, type: 98, value: new Uint8Array([2]) }, // optional non-transitive: dropped
  ],
};

test('to an eBGP peer: our AS prepended, next hop self, LOCAL_PREF, MED and reflection attributes dropped', () => {
  const r = exportAttributes(pathOf(interner, tor1, learned).attrs, false, 1, tor2, session, opts);
  assert.notEqual(typeof r, 'string');
  if (typeof r === 'string') return;
  assert.deepEqual(r.nextHops, ['10.2.0.1']);
  assert.deepEqual(r.attrs.asPath, [seq(65010, 65100, 64600)]);
  assert.equal(r.attrs.localPref, undefined);
  assert.equal(r.attrs.med, undefined);
  assert.equal(r.attrs.originatorId, undefined);
  assert.equal(r.attrs.clusterList, undefined);
  assert.deepEqual(r.attrs.communities, [7]);
  assert.deepEqual(r.attrs.unknown?.map((u) => u.type), [99]);
});

test('a local route keeps its MED towards eBGP peers; the AS path is just ours', () => {
  const r = exportAttributes(pathOf(interner, LOCAL, { origin: 0, asPath: [], med: 10 }).attrs, true, 1, tor2, session, opts);
  assert.ok(typeof r !== 'string');
  assert.deepEqual(r.attrs.asPath, [seq(65010)]);
  assert.equal(r.attrs.med, 10);
});

test('to an iBGP peer: no prepend, LOCAL_PREF always sent (100 when missing), MED kept', () => {
  const fromEbgp = exportAttributes(pathOf(interner, tor1, { origin: 0, asPath: [seq(65100)], med: 5 }).attrs, false, 1, ibgp1, session, opts);
  assert.ok(typeof fromEbgp !== 'string');
  assert.deepEqual(fromEbgp.attrs.asPath, [seq(65100)]);
  assert.equal(fromEbgp.attrs.localPref, 100);
  assert.equal(fromEbgp.attrs.med, 5);
  assert.deepEqual(fromEbgp.nextHops, ['10.2.0.1'], 'next-hop-self by default');
  const keep = exportAttributes(pathOf(interner, tor1, { origin: 0, asPath: [seq(65100)] }).attrs, false, 1, ibgp1, session, { learned: true, nextHopSelf: false });
  assert.ok(typeof keep !== 'string');
  assert.deepEqual(keep.nextHops, ['10.1.0.0'], 'without next-hop-self the received next hop is kept');
  const local = exportAttributes(pathOf(interner, LOCAL, { origin: 0, asPath: [] }).attrs, true, 1, ibgp1, session, { learned: true, nextHopSelf: false });
  assert.ok(typeof local !== 'string');
  assert.deepEqual(local.nextHops, ['10.2.0.1'], 'local routes always get our address');
  assert.deepEqual(local.attrs.asPath, []);
});

test('which routes go out: learned only when allowed, never back to their peer, not iBGP to iBGP', () => {
  const fromTor1 = pathOf(interner, tor1, learned);
  const fromIbgp = pathOf(interner, ibgp1, learned);
  const local = pathOf(interner, LOCAL, { origin: 0, asPath: [] });
  assert.equal(exportSkip(fromTor1, tor2, { learned: false, nextHopSelf: true }), 'learned-not-exported');
  assert.equal(exportSkip(local, tor2, { learned: false, nextHopSelf: true }), undefined);
  assert.equal(exportSkip(fromTor1, tor1, opts), 'from-this-peer');
  assert.equal(exportSkip(fromTor1, tor2, opts), undefined);
  assert.equal(exportSkip(fromIbgp, ibgp2, opts), 'ibgp-to-ibgp');
  assert.equal(exportSkip(fromIbgp, tor2, opts), undefined);
  assert.equal(exportSkip(fromTor1, ibgp2, opts), undefined);
});

test('next-hop-self per family: IPv4, IPv6 global + link-local, link-local only, IPv4 over IPv6 (RFC 8950)', () => {
  assert.deepEqual(nextHopSelf(1, session), ['10.2.0.1']);
  assert.deepEqual(nextHopSelf(2, session), ['2001:db8::1', 'fe80::1']);
  assert.deepEqual(nextHopSelf(2, { ...session, localLinkLocal: undefined }), ['2001:db8::1']);
  const unnumbered: ExportSession = { ctx: { ...MODERN_CONTEXT, extendedNextHop: true }, families: ['1/1', '2/1'], localLinkLocal: 'fe80::1' };
  assert.deepEqual(nextHopSelf(2, unnumbered), ['::', 'fe80::1']);
  assert.deepEqual(nextHopSelf(1, unnumbered), ['::', 'fe80::1']);
  assert.equal(nextHopSelf(1, { ...unnumbered, ctx: MODERN_CONTEXT }), undefined, 'no IPv4 address and no extended next hop');
  assert.equal(exportAttributes(pathOf(interner, LOCAL, { origin: 0, asPath: [] }).attrs, true, 1, tor2, { ...unnumbered, ctx: MODERN_CONTEXT }, opts), 'no-next-hop');
});

test('prepend: into the leading AS_SEQUENCE, a new one before an AS_SET or a full segment', () => {
  assert.deepEqual(prepend([], 1), [seq(1)]);
  assert.deepEqual(prepend([seq(2, 3)], 1), [seq(1, 2, 3)]);
  assert.deepEqual(prepend([{ type: 'set', asns: [2, 3] }], 1), [seq(1), { type: 'set', asns: [2, 3] }]);
  const full = seq(...Array.from({ length: 255 }, (_, i) => i + 100));
  assert.deepEqual(prepend([full], 1), [seq(1), full]);
});
