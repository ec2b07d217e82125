import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from './proc.js';
import { checkInterfaceName, creatorPid, interfaceName, parseNetnsList } from './netns.js';

const isArgErr = (e: unknown) => e instanceof LabError && e.code === 'ERR_LAB_ARGUMENT';

test('interfaceName keeps short names and shortens long ones to 15 characters, deterministically', () => {
  assert.equal(interfaceName('tor1', 'hv2'), 'tor1-hv2');
  assert.equal(interfaceName('tap', 12), 'tap-12');
  const a = interfaceName('spine1', 'tor1', 'uplink', 7);
  const b = interfaceName('spine1', 'tor1', 'uplink', 8);
  assert.equal(a.length, 15);
  assert.equal(b.length, 15);
  assert.notEqual(a, b);
  assert.equal(a, interfaceName('spine1', 'tor1', 'uplink', 7));
  assert.match(a, /^spine1-tor-[0-9a-f]{4}$/);
  checkInterfaceName(a);
});

test('interfaceName and checkInterfaceName reject what Linux would', () => {
  assert.throws(() => interfaceName('a b'), isArgErr);
  assert.throws(() => interfaceName('a/b'), isArgErr);
  assert.throws(() => interfaceName(''), isArgErr);
  assert.throws(() => checkInterfaceName('sixteen-chars-xx'), isArgErr);
  assert.throws(() => checkInterfaceName('eth:0'), isArgErr);
  assert.throws(() => checkInterfaceName('..'), isArgErr);
  checkInterfaceName('fifteen-chars-x');
});

test('creatorPid finds the pid of names made by a scope of the same tag only', () => {
  const pid36 = (12345).toString(36);
  assert.equal(creatorPid('dp', `lldp-${pid36}-0-hv1`), 12345);
  assert.equal(creatorPid('dp', `lldp-${pid36}-a`), 12345); // a temp dir named after the prefix
  assert.equal(creatorPid('dp', `lldpx-${pid36}-0-hv1`), undefined); // tag "dpx"
  assert.equal(creatorPid('d', `lldp-${pid36}-0-hv1`), undefined);
  assert.equal(creatorPid('dp', 'hv1'), undefined);
  assert.equal(creatorPid('dp', `lldp-${pid36}`), undefined);
});

test('parseNetnsList takes the first word of each line', () => {
  assert.deepEqual(parseNetnsList('a (id: 1)\nb\n\n  c (id: 3)\n'), ['a', 'b', 'c']);
  assert.deepEqual(parseNetnsList(''), []);
});
