import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, canonicalIpv6, ipv4ToString, isLinkLocalV6, networkOf, parseCidr, parseIpv4, parseIpv6, ipv6ToString } from './ip.js';

test('ipv4 text round trip and rejects', () => {
  assert.equal(parseIpv4('10.1.2.3'), 0x0a010203);
  assert.equal(ipv4ToString(0xc0a80001), '192.168.0.1');
  assert.equal(ipv4ToString(parseIpv4('255.255.255.255')!), '255.255.255.255');
  for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.1.1.1', 'a.b.c.d', '', '1..2.3']) {
    assert.equal(parseIpv4(bad), undefined, bad);
  }
});

test('ipv6 canonical text per RFC 5952', () => {
  assert.equal(canonicalIpv6('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(canonicalIpv6('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(canonicalIpv6('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
  assert.equal(canonicalIpv6('::'), '::');
  assert.equal(canonicalIpv6('::1'), '::1');
  assert.equal(canonicalIpv6('fe80::'), 'fe80::');
  assert.equal(canonicalIpv6('::ffff:10.0.0.1'), '::ffff:a00:1');
  assert.equal(canonicalIpv6('1:2:3:4:5:6:1.2.3.4'), '1:2:3:4:5:6:102:304');
  for (const bad of ['1::2::3', ':::', '12345::', 'g::1', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0']) {
    assert.equal(parseIpv6(bad), undefined, bad);
  }
  const b = parseIpv6('2001:db8::ff00:42:8329')!;
  assert.equal(ipv6ToString(b), '2001:db8::ff00:42:8329');
  assert.ok(isLinkLocalV6('fe80::1'));
  assert.ok(!isLinkLocalV6('2001:db8::1'));
});

test('cidr and network', () => {
  assert.deepEqual(parseCidr('10.0.0.5/24'), { family: 4, address: '10.0.0.5', len: 24 });
  assert.deepEqual(parseCidr('2001:db8::1'), { family: 6, address: '2001:db8::1', len: 128 });
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(parseCidr('10.0.0.0/024'), undefined);
  assert.equal(networkOf('10.1.2.3', 16), '10.1.0.0');
  assert.equal(networkOf('2001:db8:ffff::1', 36), '2001:db8:f000::');
  assert.equal(networkOf('10.1.2.3', 0), '0.0.0.0');
});

test('cidrContains', () => {
  assert.ok(cidrContains('10.0.0.0/8', '10.200.1.1'));
  assert.ok(!cidrContains('10.0.0.0/8', '11.0.0.1'));
  assert.ok(cidrContains('0.0.0.0/0', '1.2.3.4'));
  assert.ok(!cidrContains('10.0.0.0/8', '2001:db8::1'));
  assert.ok(cidrContains('2001:db8:100::/48', '2001:db8:100:5::1'));
  assert.ok(!cidrContains('2001:db8:100::/48', '2001:db8:101::1'));
  assert.ok(!cidrContains('bogus', '10.0.0.1'));
});
