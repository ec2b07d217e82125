import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPrefix, parsePrefix } from './prefix.js';
import { PrefixMap } from './prefix-map.js';

test('PrefixMap: IPv4 keys across the whole address range, IPv6 keys, lengths kept apart', () => {
  const m = new PrefixMap<string>();
  const keys = ['0.0.0.0/0', '0.0.0.0/32', '128.0.0.0/1', '255.255.255.255/32', '10.0.0.0/8', '10.0.0.0/16', '::/0', '2001:db8::/32', '2001:db8::/48'];
  for (const k of keys) m.set(parsePrefix(k), k);
  assert.equal(m.size, keys.length);
  for (const k of keys) assert.equal(m.get(parsePrefix(k)), k);
  m.set(parsePrefix('10.0.0.0/8'), 'again');
  assert.equal(m.size, keys.length, 'overwrite does not grow');
  assert.deepEqual(
    m.entries().map(([p]) => formatPrefix(p)),
    ['0.0.0.0/0', '128.0.0.0/1', '10.0.0.0/8', '10.0.0.0/16', '0.0.0.0/32', '255.255.255.255/32', '::/0', '2001:db8::/32', '2001:db8::/48'],
  );
  assert.equal(m.entries('ipv6').length, 3);
  // addresses above 2^31 come back unsigned
  assert.equal(m.entries('ipv4').find(([, v]) => v === '255.255.255.255/32')?.[0].addr, 0xffffffff);
  assert.equal(m.delete(parsePrefix('10.0.0.0/16')), true);
  assert.equal(m.delete(parsePrefix('10.0.0.0/16')), false);
  assert.equal(m.has(parsePrefix('10.0.0.0/8')), true);
  // deleting while iterating is allowed
  m.forEach((_, p) => m.delete(p));
  assert.equal(m.size, 0);
});
