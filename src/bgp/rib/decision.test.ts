import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, decidingStep, hasAsLoop, selectBest } from './decision.js';
import { Interner } from './intern.js';
import { LOCAL, asSet, pathOf, peerSource, seq } from './test-helpers.js';
import type { PathAttributes } from '../wire/types.js';

const interner = new Interner();
const base: PathAttributes = { origin: 0, asPath: [seq(65100, 64600)] };
const tor1 = peerSource('10.1.0.0', { routerId: '10.255.0.1' });
const tor2 = peerSource('10.2.0.0', { routerId: '10.255.0.2' });

/** Asserts that `better` beats `worse` at `step`, whichever order they are compared in. */
function decides(better: ReturnType<typeof pathOf>, worse: ReturnType<typeof pathOf>, step: string, opts?: { alwaysCompareMed: boolean }): void {
  const ab = compare(better, worse, opts);
  const ba = compare(worse, better, opts);
  assert.equal(ab.winner, better, `winner (better first) at ${step}`);
  assert.equal(ba.winner, better, `winner (worse first) at ${step}`);
  assert.equal(ab.step, step);
  assert.equal(ba.step, step);
}

test('step 1 local-origin: a locally originated path beats a learned one even with a lower local preference', () => {
  const local = pathOf(interner, LOCAL, { origin: 2, asPath: [] });
  const learned = pathOf(interner, tor1, { ...base, localPref: 500, asPath: [] });
  decides(local, learned, 'local-origin');
});

test('step 2 local-pref: higher wins; a missing LOCAL_PREF counts as 100', () => {
  decides(pathOf(interner, tor2, { ...base, localPref: 200, asPath: [seq(1, 2, 3, 4)] }), pathOf(interner, tor1, { ...base, localPref: 150 }), 'local-pref');
  decides(pathOf(interner, tor2, { ...base, localPref: 101 }), pathOf(interner, tor1, base), 'local-pref');
  decides(pathOf(interner, tor2, base), pathOf(interner, tor1, { ...base, localPref: 99 }), 'local-pref');
});

test('step 3 as-path-length: shorter wins; an AS_SET counts as one, confederation segments as none', () => {
  decides(pathOf(interner, tor2, { ...base, origin: 2, asPath: [seq(65100)] }), pathOf(interner, tor1, base), 'as-path-length');
  // 65100 {1,2,3,4,5} is 2 long, 65100 64600 64601 is 3 long
  decides(pathOf(interner, tor2, { ...base, asPath: [seq(65100), asSet(1, 2, 3, 4, 5)] }), pathOf(interner, tor1, { ...base, asPath: [seq(65100, 64600, 64601)] }), 'as-path-length');
  const confed = pathOf(interner, tor2, { ...base, asPath: [{ type: 'confed-sequence', asns: [1, 2, 3] }, seq(65100)] });
  decides(confed, pathOf(interner, tor1, base), 'as-path-length');
});

test('step 4 origin: IGP < EGP < INCOMPLETE', () => {
  decides(pathOf(interner, tor2, { ...base, origin: 0 }), pathOf(interner, tor1, { ...base, origin: 1 }), 'origin');
  decides(pathOf(interner, tor2, { ...base, origin: 1 }), pathOf(interner, tor1, { ...base, origin: 2 }), 'origin');
});

test('step 5 med: lower wins between paths from the same neighbour AS; a missing MED counts as 0', () => {
  decides(pathOf(interner, tor2, { ...base, med: 10 }), pathOf(interner, tor1, { ...base, med: 20 }), 'med');
  decides(pathOf(interner, tor2, base), pathOf(interner, tor1, { ...base, med: 1 }), 'med');
});

test('step 5 med is skipped between different neighbour ASes unless always-compare-med', () => {
  const a = pathOf(interner, tor2, { ...base, asPath: [seq(65200, 64600)], med: 10 });
  const b = pathOf(interner, tor1, { ...base, med: 20 });
  // not compared: falls through to the router id, where tor1 (10.255.0.1) wins despite its MED
  decides(b, a, 'router-id');
  decides(a, b, 'med', { alwaysCompareMed: true });
});

test('step 6 ebgp-over-ibgp', () => {
  const ibgp = peerSource('10.0.0.1', { asn: 65010, routerId: '1.1.1.1' });
  decides(pathOf(interner, tor2, base), pathOf(interner, ibgp, base), 'ebgp-over-ibgp');
});

test('step 7 router-id: the lower BGP identifier wins; ORIGINATOR_ID stands in for it when present', () => {
  decides(pathOf(interner, tor1, base), pathOf(interner, tor2, base), 'router-id');
  const reflected = pathOf(interner, tor2, { ...base, originatorId: '1.0.0.1' });
  decides(reflected, pathOf(interner, tor1, base), 'router-id');
  // identifiers compare as unsigned numbers: 9.0.0.0 < 10.0.0.0 < 200.0.0.0
  const low = pathOf(interner, peerSource('10.9.0.0', { routerId: '9.0.0.0' }), base);
  const mid = pathOf(interner, peerSource('10.8.0.0', { routerId: '10.0.0.0' }), base);
  const high = pathOf(interner, peerSource('10.7.0.0', { routerId: '200.0.0.0' }), base);
  decides(low, mid, 'router-id');
  decides(mid, high, 'router-id');
});

test('step 8 peer-address: the lower address wins, numerically, IPv4 before IPv6', () => {
  const same = '10.255.0.9';
  const nine = pathOf(interner, peerSource('10.0.0.9', { routerId: same }), base);
  const ten = pathOf(interner, peerSource('10.0.0.10', { routerId: same }), base);
  const v6 = pathOf(interner, peerSource('2001:db8::1', { routerId: same }), base, { nextHops: ['2001:db8::1'] });
  const v6b = pathOf(interner, peerSource('2001:db8::2', { routerId: same }), base, { nextHops: ['2001:db8::2'] });
  decides(nine, ten, 'peer-address');
  decides(ten, v6, 'peer-address');
  decides(v6, v6b, 'peer-address');
});

test('step 9 path-id, and equal for the same path', () => {
  const p1 = pathOf(interner, tor1, base, { pathId: 1 });
  const p2 = pathOf(interner, tor1, base, { pathId: 2 });
  decides(p1, p2, 'path-id');
  assert.deepEqual(compare(p1, p1), { winner: p1, step: 'equal' });
});

test('earlier steps dominate later ones', () => {
  // better local-pref beats shorter path, lower origin, lower MED, eBGP and lower router id
  const ibgp = peerSource('10.9.9.9', { asn: 65010, routerId: '200.0.0.1' });
  const good = pathOf(interner, ibgp, { origin: 2, asPath: [seq(1, 2, 3, 4, 5)], med: 1000, localPref: 300 });
  decides(good, pathOf(interner, tor1, { origin: 0, asPath: [seq(65100)] }), 'local-pref');
});

test('selectBest and decidingStep: the best of many and why it won', () => {
  const a = pathOf(interner, tor2, { ...base, med: 5 });
  const b = pathOf(interner, tor1, { ...base, asPath: [seq(65100, 1, 2)] });
  const c = pathOf(interner, peerSource('10.3.0.0', { routerId: '10.255.0.3' }), { ...base, med: 5 });
  assert.deepEqual(selectBest([b, c, a]), { best: a, step: 'router-id' });
  assert.deepEqual(selectBest([a]), { best: a, step: 'only-path' });
  assert.equal(selectBest([]), undefined);
  // against b alone the deciding step is the AS-path length
  assert.equal(decidingStep(a, [a, b]), 'as-path-length');
});

test('step 0: the AS loop check, with allowas-in', () => {
  const path = [seq(65100, 65010, 64600)];
  assert.equal(hasAsLoop(path, 65010), true);
  assert.equal(hasAsLoop(path, 65011), false);
  assert.equal(hasAsLoop(path, 65010, 1), false);
  assert.equal(hasAsLoop([seq(65100, 65010, 65010)], 65010, 1), true);
  assert.equal(hasAsLoop([seq(65100), asSet(1, 65010)], 65010), true, 'AS_SET members count');
  assert.equal(hasAsLoop(undefined, 65010), false);
  assert.equal(hasAsLoop([], 65010), false);
});
