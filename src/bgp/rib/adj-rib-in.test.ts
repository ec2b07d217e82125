import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdjRibIn } from './adj-rib-in.js';
import { DEFAULT_DECISION } from './decision.js';
import { Interner } from './intern.js';
import { LocRib } from './loc-rib.js';
import { DEFAULT_MULTIPATH } from './multipath.js';
import type { ImportPolicyConfig } from './policy.js';
import { announce, peerSource, pfx, seq, withdraw } from './test-helpers.js';

const tor1 = peerSource('10.1.0.0', { asn: 65100, localAsn: 65010 });
const attrs = { origin: 0 as const, asPath: [seq(65100, 64600)] };
const reflected = { origin: 0 as const, asPath: [seq(65100, 65010)] }; // our own route, echoed back by the ToR

function setup(policy: ImportPolicyConfig = {}, source = tor1) {
  const interner = new Interner();
  const loc = new LocRib(interner, { ...DEFAULT_DECISION, ...DEFAULT_MULTIPATH });
  return { interner, loc, adj: new AdjRibIn(source, policy, loc, interner) };
}

test('accepted routes land in the Loc-RIB; one UPDATE interns its attributes once for all its prefixes', () => {
  const { interner, loc, adj } = setup();
  const r = adj.receive(announce(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'], attrs, '10.1.0.0'));
  assert.deepEqual(r, { accepted: 3, rejected: 0, withdrawn: 0 });
  assert.equal(loc.size, 3);
  assert.equal(interner.size, 1);
  const sets = ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'].map((p) => loc.best(pfx(p))?.attrs);
  assert.ok(sets[0] !== undefined && sets.every((s) => s === sets[0]), 'one shared object');
  // a second UPDATE with equal attributes reuses it
  adj.receive(announce(['10.0.3.0/24'], { ...attrs }, '10.1.0.0'));
  assert.equal(loc.best(pfx('10.0.3.0/24'))?.attrs, sets[0]);
  assert.equal(sets[0]?.refs, 4);
});

test('our own AS in the path: rejected and counted as own-as-in-path; allowas-in lets it through', () => {
  const { loc, adj } = setup();
  const r = adj.receive(announce(['10.9.0.5/32', '10.9.0.6/32'], reflected, '10.1.0.0'));
  assert.deepEqual(r, { accepted: 0, rejected: 2, withdrawn: 0 });
  assert.equal(loc.size, 0);
  assert.deepEqual(adj.stats().rejected, { 'own-as-in-path': 2, 'import-filter': 0, 'max-prefix': 0 });
  assert.equal(adj.stats().received, 2);
  assert.deepEqual(adj.rejectedRoutes().map((x) => x.reason), ['own-as-in-path', 'own-as-in-path']);
  // withdrawing a rejected route forgets it
  assert.equal(adj.receive(withdraw(['10.9.0.5/32'])).withdrawn, 1);
  assert.equal(adj.stats().rejected['own-as-in-path'], 1);
  const allow = setup({ allowOwnAs: 1 });
  assert.equal(allow.adj.receive(announce(['10.9.0.5/32'], reflected, '10.1.0.0')).accepted, 1);
});

test('an accepted route re-announced with our AS in it is removed (implicit withdraw) and counted rejected', () => {
  const { loc, adj } = setup();
  adj.receive(announce(['10.0.0.0/24'], attrs, '10.1.0.0'));
  adj.receive(announce(['10.0.0.0/24'], reflected, '10.1.0.0'));
  assert.equal(loc.size, 0);
  assert.deepEqual({ accepted: adj.stats().accepted, received: adj.stats().received }, { accepted: 0, received: 1 });
  // and accepted again when it comes back clean
  adj.receive(announce(['10.0.0.0/24'], attrs, '10.1.0.0'));
  assert.equal(loc.size, 1);
  assert.deepEqual(adj.stats().rejected, { 'own-as-in-path': 0, 'import-filter': 0, 'max-prefix': 0 });
});

test('import filter: only the default route and fabric /16s', () => {
  const { loc, adj } = setup({
    filter: {
      rules: [
        { prefix: '0.0.0.0/0', action: 'permit' },
        { prefix: '10.0.0.0/8', ge: 16, le: 16, action: 'permit' },
      ],
      default: 'deny',
    },
  });
  const r = adj.receive(announce(['0.0.0.0/0', '10.1.0.0/16', '10.1.2.0/24', '192.168.0.0/16'], attrs, '10.1.0.0'));
  assert.deepEqual(r, { accepted: 2, rejected: 2, withdrawn: 0 });
  assert.equal(loc.size, 2);
  assert.equal(adj.stats().rejected['import-filter'], 2);
});

test('max-prefix: the first prefix over the limit is refused and reported with the Cease data, once', () => {
  const { loc, adj } = setup({ maxPrefix: { ipv4: 3 } });
  assert.equal(adj.receive(announce(['10.0.0.0/24', '10.0.1.0/24'], attrs, '10.1.0.0')).maxPrefixExceeded, undefined);
  // replacing a held route at the limit is fine
  adj.receive(announce(['10.0.2.0/24'], attrs, '10.1.0.0'));
  assert.equal(adj.receive(announce(['10.0.2.0/24'], { ...attrs, med: 1 }, '10.1.0.0')).maxPrefixExceeded, undefined);
  const r = adj.receive(announce(['10.0.3.0/24', '10.0.4.0/24'], attrs, '10.1.0.0'));
  assert.equal(r.accepted, 0);
  assert.equal(r.rejected, 2);
  assert.deepEqual(r.maxPrefixExceeded && { ...r.maxPrefixExceeded, notification: { ...r.maxPrefixExceeded.notification, data: [...r.maxPrefixExceeded.notification.data] } }, {
    afi: 1,
    safi: 1,
    limit: 3,
    notification: { code: 6, subcode: 1, data: [0, 1, 1, 0, 0, 0, 3] },
  });
  assert.equal(loc.size, 3);
  assert.equal(adj.stats().rejected['max-prefix'], 2);
  // reported once: the session ends on the first report
  assert.equal(adj.receive(announce(['10.0.5.0/24'], attrs, '10.1.0.0')).maxPrefixExceeded, undefined);
  // IPv6 has its own (absent) limit
  assert.equal(adj.receive(announce(['2001:db8::/48', '2001:db8:1::/48', '2001:db8:2::/48', '2001:db8:3::/48'], attrs, '', ['2001:db8::ff'])).accepted, 4);
});

test('withdrawals: classic and MP_UNREACH, unknown ones ignored; treat-as-withdraw lists; counters', () => {
  const { loc, adj } = setup();
  adj.receive(announce(['10.0.0.0/24', '10.0.1.0/24', '2001:db8::/48'], attrs, '10.1.0.0', ['2001:db8::ff', 'fe80::1']));
  assert.equal(loc.size, 3);
  assert.deepEqual(loc.best(pfx('2001:db8::/48'))?.attrs.nextHops, ['2001:db8::ff', 'fe80::1']);
  assert.deepEqual(adj.receive(withdraw(['10.0.0.0/24', '2001:db8::/48', '10.7.0.0/16'])), { accepted: 0, rejected: 0, withdrawn: 2 });
  assert.equal(adj.withdraw([pfx('10.0.1.0/24')]), 1);
  assert.equal(loc.size, 0);
  assert.deepEqual(
    { ...adj.stats(), rejected: undefined },
    { received: 0, accepted: 0, acceptedIpv4: 0, acceptedIpv6: 0, rejected: undefined, updates: 2, announcements: 3, withdrawals: 4 },
  );
});

test('LOCAL_PREF from an eBGP peer is ignored (RFC 4271 §5.1.5); from an iBGP peer it counts', () => {
  const e = setup();
  e.adj.receive(announce(['10.0.0.0/24'], { ...attrs, localPref: 500 }, '10.1.0.0'));
  assert.equal(e.loc.best(pfx('10.0.0.0/24'))?.attrs.localPref, 100);
  const i = setup({}, peerSource('10.9.0.1', { asn: 65010, localAsn: 65010 }));
  i.adj.receive(announce(['10.0.0.0/24'], { ...attrs, localPref: 500 }, '10.9.0.1'));
  assert.equal(i.loc.best(pfx('10.0.0.0/24'))?.attrs.localPref, 500);
});

test('clear (session down) removes every route and resets the counts; stale + sweep for graceful restart', () => {
  const { interner, loc, adj } = setup();
  adj.receive(announce(['10.0.0.0/24', '10.0.1.0/24', '2001:db8::/48'], attrs, '10.1.0.0', ['2001:db8::ff']));
  adj.receive(announce(['10.9.0.5/32'], reflected, '10.1.0.0'));
  assert.equal(adj.markStale(), 3);
  adj.receive(announce(['10.0.0.0/24'], attrs, '10.1.0.0'));
  assert.equal(adj.sweepStale('1/1'), 1);
  assert.deepEqual([adj.stats().acceptedIpv4, adj.stats().acceptedIpv6], [1, 1]);
  assert.equal(adj.sweepStale(), 1);
  assert.equal(adj.stats().acceptedIpv6, 0);
  adj.clear();
  assert.equal(loc.size, 0);
  assert.equal(interner.size, 0);
  assert.deepEqual(adj.stats().received, 0);
  assert.equal(adj.rejectedRoutes().length, 0);
});
