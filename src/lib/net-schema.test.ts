import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Failure } from './schema.js';
import { networkContains, parseAddress, parseAddressOrNetwork, parseAsn, parseHostPort, parseIfName, parseMac, parseNetwork } from './net-schema.js';

const bad = (r: unknown) => r instanceof Failure;

test('AS numbers', () => {
  assert.equal(parseAsn(65000), 65000);
  assert.equal(parseAsn('65000'), 65000);
  assert.equal(parseAsn('1.10'), 65546);
  assert.equal(parseAsn('0.65535'), 65535);
  for (const x of [0, 23456, 4294967296, 1.5, '65536.1', '01', '', 'AS65000', null, [1]]) assert.ok(bad(parseAsn(x)), String(x));
});

test('addresses are canonical and unicast', () => {
  assert.equal(parseAddress('2001:DB8:0::1'), '2001:db8::1');
  assert.equal(parseAddress('10.0.0.1'), '10.0.0.1');
  assert.equal(parseAddress('fe80::1', { linkLocal: true }), 'fe80::1');
  for (const x of ['0.0.0.0', '::', '224.0.0.5', 'ff02::1', 'fe80::1', '10.0.0.1/32', 'fe80::1%eth0', 'x']) assert.ok(bad(parseAddress(x)), x);
  assert.ok(bad(parseAddress('10.0.0.1', { family: 6 })));
  assert.match((parseAddress('10.0.0.1/24') as Failure).message, /without a prefix length/);
});

test('networks', () => {
  assert.equal(parseNetwork('10.0.0.0/8'), '10.0.0.0/8');
  assert.equal(parseNetwork('2001:DB8::/32'), '2001:db8::/32');
  assert.match((parseNetwork('10.0.0.1/8') as Failure).message, /did you mean "10\.0\.0\.0\/8"/);
  for (const x of ['10.0.0.0', '10.0.0.0/33', '::/129', '10.0.0.0/08']) assert.ok(bad(parseNetwork(x)), x);
  assert.equal(parseAddressOrNetwork('10.0.9.0/24'), '10.0.9.0/24');
  assert.equal(parseAddressOrNetwork('10.0.9.5/32'), '10.0.9.5');
  assert.equal(parseAddressOrNetwork('2001:db8::5'), '2001:db8::5');
  assert.ok(networkContains('10.64.0.0/12', '10.65.1.2'));
  assert.ok(networkContains('10.64.0.0/12', '10.64.0.0/16'));
  assert.ok(!networkContains('10.64.0.0/12', '10.80.0.1'));
  assert.ok(!networkContains('10.64.0.0/16', '10.64.0.0/12'));
  assert.ok(networkContains('2001:db8:100::/40', '2001:db8:1ff::1'));
  assert.ok(!networkContains('2001:db8:100::/40', '10.0.0.1'));
  assert.ok(networkContains('0.0.0.0/0', '1.2.3.4'));
});

test('interface names, MACs, host:port', () => {
  assert.equal(parseIfName('tap1234567890a'), 'tap1234567890a');
  for (const x of ['', '.', '..', 'a/b', 'a b', 'a:b', '0123456789abcdef']) assert.ok(bad(parseIfName(x)), x);
  assert.equal(parseMac('FA:16:3E:00:00:01'), 'fa:16:3e:00:00:01');
  assert.equal(parseMac('fa-16-3e-00-00-01'), 'fa:16:3e:00:00:01');
  for (const x of ['01:00:5e:00:00:01', '00:00:00:00:00:00', 'fa:16:3e:00:00', 'fa:16:3e:00:00:0g']) assert.ok(bad(parseMac(x)), x);
  assert.deepEqual(parseHostPort('0.0.0.0:9742'), { address: '0.0.0.0', family: 4, port: 9742 });
  assert.deepEqual(parseHostPort('[::]:80'), { address: '::', family: 6, port: 80 });
  assert.deepEqual(parseHostPort('127.0.0.1:0', { allowPortZero: true }), { address: '127.0.0.1', family: 4, port: 0 });
  for (const x of ['127.0.0.1:0', ':80', '::1:80', 'localhost:80', '[10.0.0.1]:80', '1.2.3.4:65536', '1.2.3.4', '1.2.3.4:0x1']) assert.ok(bad(parseHostPort(x)), x);
});
