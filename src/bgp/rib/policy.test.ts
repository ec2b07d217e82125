import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxPrefixNotification, PrefixFilter, type PrefixRule } from './policy.js';
import { pfx } from './test-helpers.js';

const filter = (rules: PrefixRule[], dflt: 'permit' | 'deny' = 'deny') => new PrefixFilter({ rules, default: dflt });
const permits = (f: PrefixFilter, ...texts: string[]) => texts.map((t) => f.permits(pfx(t)));

test('a rule without ge/le matches only its own length', () => {
  const f = filter([{ prefix: '10.0.0.0/8', action: 'permit' }]);
  assert.deepEqual(permits(f, '10.0.0.0/8', '10.1.0.0/16', '10.0.0.0/9', '11.0.0.0/8', '0.0.0.0/0'), [true, false, false, false, false]);
});

test('ge alone runs to the family maximum; le alone starts at the rule length', () => {
  const ge = filter([{ prefix: '10.0.0.0/8', ge: 24, action: 'permit' }]);
  assert.deepEqual(permits(ge, '10.0.0.0/23', '10.0.0.0/24', '10.9.9.9/32', '10.0.0.0/8', '11.0.0.0/24'), [false, true, true, false, false]);
  const le = filter([{ prefix: '10.0.0.0/8', le: 16, action: 'permit' }]);
  assert.deepEqual(permits(le, '10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '0.0.0.0/0'), [true, true, false, false]);
});

test('ge and le edges: both ends included, one past each excluded', () => {
  const f = filter([{ prefix: '192.168.0.0/16', ge: 20, le: 24, action: 'permit' }]);
  assert.deepEqual(permits(f, '192.168.0.0/19', '192.168.16.0/20', '192.168.1.0/24', '192.168.1.0/25', '192.169.0.0/20'), [false, true, true, false, false]);
  const exact = filter([{ prefix: '10.0.0.0/8', ge: 32, le: 32, action: 'permit' }]);
  assert.deepEqual(permits(exact, '10.1.2.3/32', '10.1.2.2/31'), [true, false]);
  const all = filter([{ prefix: '0.0.0.0/0', le: 32, action: 'permit' }]);
  assert.deepEqual(permits(all, '0.0.0.0/0', '1.2.3.4/32', '2001:db8::/32'), [true, true, false]);
  const geEqualsLen = filter([{ prefix: '10.0.0.0/8', ge: 8, le: 8, action: 'permit' }]);
  assert.deepEqual(permits(geEqualsLen, '10.0.0.0/8', '10.0.0.0/9'), [true, false]);
});

test('first match wins; the default applies when nothing matches', () => {
  const f = filter(
    [
      { prefix: '10.0.1.0/24', ge: 24, action: 'deny' },
      { prefix: '10.0.0.0/16', ge: 16, action: 'permit' },
      { prefix: '10.0.0.0/8', le: 32, action: 'deny' },
    ],
    'permit',
  );
  assert.deepEqual(permits(f, '10.0.1.7/32', '10.0.2.7/32', '10.5.0.0/16', '172.16.0.0/12'), [false, true, false, true]);
  assert.equal(f.matchingRule(pfx('10.0.2.7/32')), 1);
  assert.equal(f.matchingRule(pfx('172.16.0.0/12')), -1);
  assert.deepEqual(permits(filter([], 'deny'), '10.0.0.0/8'), [false]);
  assert.deepEqual(permits(filter([], 'permit'), '10.0.0.0/8'), [true]);
});

test('IPv6 rules match on bits, including a length not on a byte boundary; families never mix', () => {
  const f = filter([
    { prefix: '2001:db8:8000::/33', ge: 128, action: 'permit' },
    { prefix: '::/0', action: 'permit' },
  ]);
  assert.deepEqual(permits(f, '2001:db8:8000::5/128', '2001:db8:ffff::1/128', '2001:db8:7fff::1/128', '::/0', '0.0.0.0/0'), [true, true, false, true, false]);
});

test('bad rules throw coded errors naming the rule', () => {
  const bad = (rule: PrefixRule, code: string) => assert.throws(() => filter([{ prefix: '10.0.0.0/8', action: 'permit' }, rule]), (e: Error & { code?: string }) => e.code === code && /rule 1/.test(e.message));
  bad({ prefix: '10.0.0.1/8', action: 'permit' }, 'ERR_RIB_BAD_PREFIX');
  bad({ prefix: '10.0.0.0/33', action: 'permit' }, 'ERR_RIB_BAD_PREFIX');
  bad({ prefix: 'ten/8', action: 'permit' }, 'ERR_RIB_BAD_PREFIX');
  bad({ prefix: '10.0.0.0/16', ge: 8, action: 'permit' }, 'ERR_RIB_BAD_FILTER_RULE');
  bad({ prefix: '10.0.0.0/8', ge: 24, le: 16, action: 'permit' }, 'ERR_RIB_BAD_FILTER_RULE');
  bad({ prefix: '10.0.0.0/8', le: 33, action: 'permit' }, 'ERR_RIB_BAD_FILTER_RULE');
  bad({ prefix: '10.0.0.0/8', ge: 1.5, action: 'permit' }, 'ERR_RIB_BAD_FILTER_RULE');
  bad({ prefix: '10.0.0.0/8', action: 'allow' as 'permit' }, 'ERR_RIB_BAD_FILTER_RULE');
});

test('max-prefix NOTIFICATION: Cease / Maximum Number of Prefixes Reached with AFI, SAFI, limit (RFC 4486)', () => {
  const n = maxPrefixNotification(1, 1, 1000);
  assert.equal(n.code, 6);
  assert.equal(n.subcode, 1);
  assert.deepEqual([...n.data], [0, 1, 1, 0, 0, 0x03, 0xe8]);
  assert.deepEqual([...maxPrefixNotification(2, 1, 0x01020304).data], [0, 2, 1, 1, 2, 3, 4]);
});
