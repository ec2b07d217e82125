import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DECISION } from './decision.js';
import { Interner } from './intern.js';
import { LocRib, type BestRoute } from './loc-rib.js';
import { DEFAULT_MULTIPATH } from './multipath.js';
import { formatPrefix } from './prefix.js';
import { LOCAL, peerSource, pfx, seq } from './test-helpers.js';
import type { PathAttributes, Prefix } from '../wire/types.js';

const base: PathAttributes = { origin: 0, asPath: [seq(65100, 64600)] };
const tor1 = peerSource('10.1.0.0', { routerId: '10.255.0.1' });
const tor2 = peerSource('10.2.0.0', { routerId: '10.255.0.2' });
const tor3 = peerSource('10.3.0.0', { routerId: '10.255.0.3' });

function setup() {
  const interner = new Interner();
  const loc = new LocRib(interner, { ...DEFAULT_DECISION, ...DEFAULT_MULTIPATH });
  const events: { prefix: string; best?: string; ecmp?: string[]; step?: string }[] = [];
  loc.onChange((p: Prefix, r: BestRoute | undefined) =>
    events.push(r === undefined ? { prefix: formatPrefix(p) } : { prefix: formatPrefix(p), best: r.best.source.id, ecmp: r.ecmp.map((h) => h.via), step: r.step }),
  );
  const set = (source: typeof tor1, attrs: PathAttributes, hops = source.kind === 'local' ? [] : [source.address]) => interner.intern(attrs, hops);
  return { interner, loc, events, set };
}

test('events fire when the best path or ECMP set changes, and only then', () => {
  const { loc, events, set } = setup();
  const p = pfx('0.0.0.0/0');
  assert.equal(loc.set(p, tor1, 0, set(tor1, base)), 'added');
  assert.deepEqual(events.at(-1), { prefix: '0.0.0.0/0', best: '10.1.0.0', ecmp: ['10.1.0.0'], step: 'only-path' });
  assert.equal(loc.set(p, tor2, 0, set(tor2, base)), 'added');
  assert.deepEqual(events.at(-1), { prefix: '0.0.0.0/0', best: '10.1.0.0', ecmp: ['10.1.0.0', '10.2.0.0'], step: 'router-id' });
  assert.equal(events.length, 2);
  // the same route again: nothing happens
  assert.equal(loc.set(p, tor2, 0, set(tor2, { ...base })), 'unchanged');
  // a third path, worse: the ECMP set is the same, so no event
  assert.equal(loc.set(p, tor3, 0, set(tor3, { ...base, asPath: [seq(65100, 1, 2)] })), 'added');
  assert.equal(events.length, 2);
  // it gets better: it joins the ECMP set
  assert.equal(loc.set(p, tor3, 0, set(tor3, base)), 'replaced');
  assert.deepEqual(events.at(-1)?.ecmp, ['10.1.0.0', '10.2.0.0', '10.3.0.0']);
  // one peer's route goes: the set shrinks
  assert.equal(loc.remove(p, tor2, 0), true);
  assert.deepEqual(events.at(-1)?.ecmp, ['10.1.0.0', '10.3.0.0']);
  assert.equal(loc.remove(p, tor2, 0), false, 'removing twice');
  // the best goes: the other takes over
  loc.remove(p, tor1, 0);
  assert.deepEqual(events.at(-1), { prefix: '0.0.0.0/0', best: '10.3.0.0', ecmp: ['10.3.0.0'], step: 'only-path' });
  loc.remove(p, tor3, 0);
  assert.deepEqual(events.at(-1), { prefix: '0.0.0.0/0' });
  assert.equal(loc.size, 0);
  assert.equal(events.length, 6);
});

test('a better path takes over and is listed first; attributes changed in place are noticed', () => {
  const { loc, events, set } = setup();
  const p = pfx('10.0.0.0/8');
  loc.set(p, tor1, 0, set(tor1, base));
  loc.set(p, tor2, 0, set(tor2, { ...base, localPref: 200 }));
  assert.equal(loc.best(p)?.source, tor2);
  assert.deepEqual(loc.paths(p).map((x) => x.source.id), ['10.2.0.0', '10.1.0.0']);
  assert.deepEqual(events.at(-1), { prefix: '10.0.0.0/8', best: '10.2.0.0', ecmp: ['10.2.0.0'], step: 'local-pref' });
  // the best path's MED changes (same next hops): still an event, the best's attributes changed
  loc.set(p, tor2, 0, set(tor2, { ...base, localPref: 200, med: 7 }));
  assert.equal(events.length, 3);
  assert.equal(loc.best(p)?.attrs.med, 7);
  // it loses its preference: tor1 is best again
  loc.set(p, tor2, 0, set(tor2, { ...base, localPref: 50 }));
  assert.deepEqual(events.at(-1), { prefix: '10.0.0.0/8', best: '10.1.0.0', ecmp: ['10.1.0.0'], step: 'local-pref' });
});

test('a local route wins and has no FIB next hops; learned paths stay as candidates', () => {
  const { loc, events, set } = setup();
  const p = pfx('10.0.0.5/32');
  loc.set(p, tor1, 0, set(tor1, base));
  loc.set(p, LOCAL, 0, set(LOCAL, { origin: 0, asPath: [] }));
  assert.deepEqual(events.at(-1), { prefix: '10.0.0.5/32', best: 'local', ecmp: [], step: 'local-origin' });
  loc.remove(p, LOCAL, 0);
  assert.deepEqual(events.at(-1), { prefix: '10.0.0.5/32', best: '10.1.0.0', ecmp: ['10.1.0.0'], step: 'only-path' });
});

test('removeSource drops one peer everywhere, shrinking ECMP sets; attribute sets are released', () => {
  const { interner, loc, events, set } = setup();
  for (let i = 0; i < 10; i++) {
    loc.set(pfx(`10.0.${i}.0/24`), tor1, 0, set(tor1, base));
    loc.set(pfx(`10.0.${i}.0/24`), tor2, 0, set(tor2, base));
  }
  loc.set(pfx('2001:db8::/32'), tor2, 0, set(tor2, base, ['2001:db8::2']));
  assert.equal(interner.size, 3);
  events.length = 0;
  assert.equal(loc.removeSource(tor2), 11);
  assert.equal(events.length, 11);
  assert.ok(events.slice(0, 10).every((e) => e.ecmp?.length === 1 && e.best === '10.1.0.0'));
  assert.deepEqual(events[10], { prefix: '2001:db8::/32' });
  assert.equal(loc.size, 10);
  assert.equal(interner.size, 1, "tor2's sets are gone");
  loc.removeSource(tor1);
  assert.equal(interner.size, 0);
  assert.equal(loc.size, 0);
});

test('removeSource of one family leaves the other', () => {
  const { loc, set } = setup();
  loc.set(pfx('10.0.0.0/24'), tor1, 0, set(tor1, base));
  loc.set(pfx('2001:db8::/48'), tor1, 0, set(tor1, base, ['2001:db8::1']));
  assert.equal(loc.removeSource(tor1, '2/1'), 1);
  assert.equal(loc.size, 1);
  assert.ok(loc.best(pfx('10.0.0.0/24')));
});

test('stale paths stay until swept; re-announced ones survive the sweep', () => {
  const { loc, events, set } = setup();
  const a = pfx('10.0.0.0/24');
  const b = pfx('10.0.1.0/24');
  loc.set(a, tor1, 0, set(tor1, base));
  loc.set(b, tor1, 0, set(tor1, base));
  loc.set(b, tor2, 0, set(tor2, base));
  assert.equal(loc.markStale(tor1), 2);
  assert.equal(loc.best(a)?.stale, true);
  const before = events.length;
  // a re-announced with the same attributes: no longer stale, no event (nothing the FIB sees changed)
  assert.equal(loc.set(a, tor1, 0, set(tor1, base)), 'replaced');
  assert.equal(loc.best(a)?.stale, false);
  assert.equal(events.length, before);
  assert.equal(loc.sweepStale(tor1), 1);
  assert.deepEqual(loc.paths(b).map((p) => p.source.id), ['10.2.0.0']);
  assert.ok(loc.best(a));
});

test('add-path: two paths from one peer are two candidates', () => {
  const { loc, set } = setup();
  const p = pfx('10.0.0.0/24');
  loc.set(p, tor1, 1, set(tor1, base, ['10.1.0.1']));
  loc.set(p, tor1, 2, set(tor1, base, ['10.1.0.2']));
  assert.equal(loc.paths(p).length, 2);
  assert.deepEqual(loc.route(p)?.ecmp.map((h) => h.via), ['10.1.0.1', '10.1.0.2']);
  assert.equal(loc.route(p)?.step, 'path-id');
  assert.equal(loc.hasPath(p, tor1, 2), true);
  loc.remove(p, tor1, 1);
  assert.equal(loc.hasPath(p, tor1, 1), false);
  assert.deepEqual(loc.route(p)?.ecmp.map((h) => h.via), ['10.1.0.2']);
});
