import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { eui64LinkLocal, ipv6IntegerText, normalizeMac, parseHostAddress, parsePrefix, prefixCovers, prefixText, withoutCovered, type SourcePrefix } from './addresses.js';

test('normalizeMac: lower-case unicast only', () => {
  assert.equal(normalizeMac('FA:16:3E:00:00:AA'), 'fa:16:3e:00:00:aa');
  assert.equal(normalizeMac('52:54:00:12:34:56'), '52:54:00:12:34:56');
  for (const bad of ['', '52:54:00:12:34', '52:54:00:12:34:56:78', '52-54-00-12-34-56', '5254.0012.3456', 'g2:54:00:12:34:56', '01:00:5e:00:00:01', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00', ' 52:54:00:12:34:56']) {
    assert.equal(normalizeMac(bad), undefined, bad);
  }
});

test('eui64LinkLocal: RFC 4291 modified EUI-64, canonical text', () => {
  assert.equal(eui64LinkLocal('52:54:00:12:34:56'), 'fe80::5054:ff:fe12:3456');
  assert.equal(eui64LinkLocal('fa:16:3e:12:34:56'), 'fe80::f816:3eff:fe12:3456');
  assert.equal(eui64LinkLocal('02:00:00:00:00:01'), 'fe80::ff:fe00:1'); // U/L bit flipped to 0
  assert.equal(eui64LinkLocal('00:00:00:00:00:01'), 'fe80::200:ff:fe00:1');
});

test('parsePrefix clears host bits; parseHostAddress refuses a prefix', () => {
  assert.deepEqual(parsePrefix('10.0.9.7/24'), { family: 4, address: '10.0.9.0', len: 24 });
  assert.deepEqual(parsePrefix('2001:DB8::1/64'), { family: 6, address: '2001:db8::', len: 64 });
  assert.deepEqual(parsePrefix('10.0.0.1'), { family: 4, address: '10.0.0.1', len: 32 });
  assert.deepEqual(parsePrefix('0.0.0.0/0'), { family: 4, address: '0.0.0.0', len: 0 });
  for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/024', '::/129', 'x', '']) assert.equal(parsePrefix(bad), undefined, bad);
  assert.equal(parseHostAddress('10.0.0.1/32'), undefined);
  assert.deepEqual(parseHostAddress('::1'), { family: 6, address: '::1', len: 128 });
});

test('prefixText and ipv6IntegerText', () => {
  assert.equal(prefixText({ family: 4, address: '10.0.0.1', len: 32 }), '10.0.0.1');
  assert.equal(prefixText({ family: 4, address: '10.0.0.0', len: 8 }), '10.0.0.0/8');
  assert.equal(prefixText({ family: 6, address: '::', len: 0 }), '::/0');
  assert.equal(ipv6IntegerText({ family: 6, address: '2001:db8::5', len: 128 }), '0x20010db8000000000000000000000005');
  assert.equal(ipv6IntegerText({ family: 6, address: '2001:db8::', len: 64 }), '0x20010db8000000000000000000000000-0x20010db800000000ffffffffffffffff');
  assert.equal(ipv6IntegerText({ family: 6, address: '2001:db8::', len: 61 }), '0x20010db8000000000000000000000000-0x20010db800000007ffffffffffffffff');
  assert.equal(ipv6IntegerText({ family: 6, address: '::', len: 0 }), `0x${'0'.repeat(32)}-0x${'f'.repeat(32)}`);
  assert.throws(() => ipv6IntegerText({ family: 4, address: '10.0.0.1', len: 32 }));
});

test('withoutCovered keeps the outermost prefixes, first of duplicates, in order', () => {
  const p = (s: string) => parsePrefix(s)!;
  assert.deepEqual(withoutCovered([p('10.0.0.5'), p('10.0.9.128/25'), p('10.0.9.0/24'), p('10.0.0.5'), p('2001:db8::/64'), p('2001:db8::1')]), [
    p('10.0.0.5'),
    p('10.0.9.0/24'),
    p('2001:db8::/64'),
  ]);
  assert.deepEqual(withoutCovered([p('0.0.0.0'), p('0.0.0.0/0')]), [p('0.0.0.0/0')]);
});

test('withoutCovered (property): the result has no overlaps and covers every input', () => {
  const v4Prefix = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([n, len]) => {
    // cluster addresses into 10.0.0.0/16 half the time so that overlaps actually happen
    const addr = n % 2 === 0 ? (0x0a000000 | (n & 0xffff)) >>> 0 : n >>> 0;
    return parsePrefix(`${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}/${len}`)!;
  });
  fc.assert(
    fc.property(fc.array(v4Prefix, { maxLength: 30 }), (input: SourcePrefix[]) => {
      const out = withoutCovered(input);
      for (let i = 0; i < out.length; i++) {
        for (let j = 0; j < out.length; j++) {
          if (i !== j) assert.ok(!prefixCovers(out[i]!, out[j]!), `${prefixText(out[i]!)} overlaps ${prefixText(out[j]!)}`);
        }
      }
      for (const p of input) assert.ok(out.some((q) => prefixCovers(q, p)), `${prefixText(p)} lost`);
    }),
    { numRuns: 500 },
  );
});
