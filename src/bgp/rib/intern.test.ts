import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asPathLength, attributeKey, Interner, neighbourAs } from './intern.js';
import { asSet, seq } from './test-helpers.js';
import type { PathAttributes } from '../wire/types.js';

const decoded = (): PathAttributes => ({
  origin: 0,
  asPath: [seq(65100, 64600)],
  nextHop: '10.1.0.0',
  med: 5,
  communities: [65100 * 65536 + 1],
  largeCommunities: [[65100, 1, 2]],
  extCommunities: ['0002fde800000001'],
  unknown: [{ flags: 0xc0, type: 99, value: new Uint8Array([1, 2, 3]) }],
});

test('two UPDATEs with equal attributes intern to the same frozen object', () => {
  const interner = new Interner();
  const a = interner.intern(decoded(), ['10.1.0.0']);
  const b = interner.intern(decoded(), ['10.1.0.0']);
  assert.equal(a, b);
  assert.equal(interner.size, 1);
  assert.ok(Object.isFrozen(a.attrs));
  assert.ok(Object.isFrozen(a.attrs.asPath));
  assert.ok(Object.isFrozen(a.attrs.asPath?.[0]?.asns));
  assert.ok(Object.isFrozen(a.nextHops));
  assert.equal('nextHop' in a.attrs, false, 'the next hop lives in nextHops');
});

test('the stored copy does not change when the caller mutates its objects', () => {
  const interner = new Interner();
  const attrs = decoded();
  const asns = [65100, 64600];
  attrs.asPath = [{ type: 'sequence', asns }];
  const set = interner.intern(attrs, ['10.1.0.0']);
  asns.push(1);
  attrs.unknown![0]!.value[0] = 42;
  assert.deepEqual(set.attrs.asPath, [seq(65100, 64600)]);
  assert.equal(set.attrs.unknown?.[0]?.value[0], 1);
});

test('next hops, MED, communities, unknown attribute bytes and path segment types all tell sets apart', () => {
  const interner = new Interner();
  const first = interner.intern(decoded(), ['10.1.0.0']);
  const variants: [PathAttributes, string[]][] = [
    [decoded(), ['10.2.0.0']],
    [{ ...decoded(), med: 6 }, ['10.1.0.0']],
    [{ ...decoded(), med: undefined }, ['10.1.0.0']],
    [{ ...decoded(), localPref: 100 }, ['10.1.0.0']],
    [{ ...decoded(), communities: [1] }, ['10.1.0.0']],
    [{ ...decoded(), largeCommunities: [[65100, 1, 3]] }, ['10.1.0.0']],
    [{ ...decoded(), unknown: [{ flags: 0xc0, type: 99, value: new Uint8Array([1, 2, 4]) }] }, ['10.1.0.0']],
    [{ ...decoded(), asPath: [asSet(65100, 64600)] }, ['10.1.0.0']],
    [{ ...decoded(), asPath: [seq(65100), seq(64600)] }, ['10.1.0.0']],
    [{ ...decoded(), atomicAggregate: true }, ['10.1.0.0']],
    [{ ...decoded(), aggregator: { asn: 1, address: '1.1.1.1' } }, ['10.1.0.0']],
    [{ ...decoded(), origin: 2 }, ['10.1.0.0']],
  ];
  const keys = new Set([first.key]);
  for (const [attrs, hops] of variants) {
    const set = interner.intern(attrs, hops);
    assert.notEqual(set, first, attributeKey(attrs, hops));
    keys.add(set.key);
  }
  assert.equal(keys.size, variants.length + 1, 'every variant has its own key');
});

test('MP_REACH/MP_UNREACH contents are not part of the set; their next hops are', () => {
  const interner = new Interner();
  const mp = (nlri: string, hop: string): PathAttributes => ({
    origin: 0,
    asPath: [seq(65100)],
    mpReach: { afi: 2, safi: 1, nextHops: [hop], nlri: [{ afi: 2, addr: nlri, len: 128 }] },
    mpUnreach: { afi: 2, safi: 1, withdrawn: [{ afi: 2, addr: nlri, len: 64 }] },
  });
  const a = interner.intern(mp('2001:db8::1', '2001:db8::ff'), ['2001:db8::ff']);
  const b = interner.intern(mp('2001:db8::2', '2001:db8::ff'), ['2001:db8::ff']);
  assert.equal(a, b);
  assert.equal('mpReach' in a.attrs, false);
  assert.equal('mpUnreach' in a.attrs, false);
  assert.notEqual(interner.intern(mp('2001:db8::1', '2001:db8::fe'), ['2001:db8::fe']), a);
});

test('a set is freed when the last route lets go, and one nobody took is dropped', () => {
  const interner = new Interner();
  const set = interner.intern(decoded(), ['10.1.0.0']);
  interner.acquire(set);
  interner.acquire(set);
  interner.release(set);
  assert.equal(interner.size, 1);
  assert.ok(interner.holds(set));
  interner.release(set);
  assert.equal(interner.size, 0);
  assert.equal(interner.holds(set), false);
  // interned again: a new object (the old one is gone for good)
  const again = interner.intern(decoded(), ['10.1.0.0']);
  assert.notEqual(again, set);
  interner.dropIfUnused(again);
  assert.equal(interner.size, 0);
  // dropIfUnused keeps a set that is held
  const held = interner.intern(decoded(), ['10.1.0.0']);
  interner.acquire(held);
  interner.dropIfUnused(held);
  assert.ok(interner.holds(held));
});

test('values for the decision process are computed once per set', () => {
  const interner = new Interner();
  const s = interner.intern({ origin: 1, asPath: [seq(65100, 1), asSet(2, 3, 4)], originatorId: '10.0.0.1' }, ['10.1.0.0']);
  assert.equal(s.asPathLength, 3);
  assert.equal(s.neighbourAs, 65100);
  assert.equal(s.localPref, 100);
  assert.equal(s.med, 0);
  assert.equal(s.origin, 1);
  assert.equal(s.originatorId, 0x0a000001);
  assert.equal(asPathLength([]), 0);
  assert.equal(neighbourAs([]), 0);
  assert.equal(neighbourAs([asSet(1, 2)]), 0);
  assert.equal(neighbourAs([{ type: 'confed-sequence', asns: [9] }, seq(7, 8)]), 7);
  const v6 = interner.intern({ origin: 0 }, ['2001:db8::1', 'fe80::1']);
  assert.equal(v6.globalNextHop, '2001:db8::1');
  assert.equal(v6.linkLocalNextHop, 'fe80::1');
  const llOnly = interner.intern({ origin: 0 }, ['::', 'fe80::2']);
  assert.equal(llOnly.globalNextHop, undefined);
  assert.equal(llOnly.linkLocalNextHop, 'fe80::2');
});
