import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPrefix, parsePrefix, prefixProblem } from './prefix.js';

test('prefix text round trip; bad text, host bits and lengths are coded errors', () => {
  for (const t of ['0.0.0.0/0', '10.0.0.0/8', '255.255.255.255/32', '::/0', '2001:db8::/32', 'fe80::1/128']) assert.equal(formatPrefix(parsePrefix(t)), t);
  assert.equal(formatPrefix(parsePrefix('2001:DB8:0::/48')), '2001:db8::/48');
  for (const t of ['10.0.0.1/8', '10.0.0.0', '10.0.0.0/33', '10.0.0.0/08', '2001:db8::1/64', '::/129', 'x/8', '/8', '10.0.0.0/']) {
    assert.throws(() => parsePrefix(t), { code: 'ERR_RIB_BAD_PREFIX' }, t);
  }
  assert.equal(prefixProblem({ afi: 1, addr: 0x0a000001, len: 32 }), undefined);
  assert.equal(prefixProblem({ afi: 1, addr: 0x0a000001, len: 24 }), 'host bits set');
  assert.equal(prefixProblem({ afi: 1, addr: 2 ** 32, len: 32 }), 'IPv4 address out of range');
  assert.equal(prefixProblem({ afi: 2, addr: '2001:DB8::', len: 32 }), 'IPv6 address not in canonical (RFC 5952) form');
});
