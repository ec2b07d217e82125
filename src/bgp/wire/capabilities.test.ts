import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCapabilities, encodeCapability } from './capabilities.js';
import { openError } from './errors.js';
import { Reader } from './reader.js';
import { hex, toHex, wireError } from './test-corpus.js';
import type { Capability } from './types.js';
import { Writer } from './writer.js';

const decode = (h: string) => {
  const b = hex(h);
  return decodeCapabilities(new Reader(b, 0, b.length, () => openError('ERR_BGP_OPEN_MALFORMED', 0, 'short')));
};
const encode = (caps: Capability[]) => {
  const w = new Writer();
  for (const c of caps) encodeCapability(w, c);
  return toHex(w.finish());
};

// Each capability as RFC-described bytes, decoded value, and back.
const VECTORS: [string, Capability][] = [
  ['01 04 0001 00 01', { kind: 'multiprotocol', afi: 1, safi: 1 }],
  ['01 04 0002 00 01', { kind: 'multiprotocol', afi: 2, safi: 1 }],
  ['02 00', { kind: 'route-refresh' }],
  ['05 06 0001 0001 0002', { kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] }],
  ['06 00', { kind: 'extended-message' }],
  ['40 0a c078 0001 01 80 0002 01 00', { kind: 'graceful-restart', restarting: true, notification: true, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: true }, { afi: 2, safi: 1, forwardingPreserved: false }] }],
  ['40 02 0000', { kind: 'graceful-restart', restarting: false, notification: false, restartTime: 0, families: [] }],
  ['41 04 fa56ea01', { kind: 'four-octet-as', asn: 4200000001 }],
  ['45 08 0001 01 03 0002 01 01', { kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 'both' }, { afi: 2, safi: 1, mode: 'receive' }] }],
  ['46 00', { kind: 'enhanced-route-refresh' }],
  ['47 07 0001 01 80 000e10', { kind: 'long-lived-gr', families: [{ afi: 1, safi: 1, forwardingPreserved: true, staleTime: 3600 }] }],
  ['47 00', { kind: 'long-lived-gr', families: [] }],
  ['49 0c 03 687631 07 6578616d706c65', { kind: 'fqdn', hostname: 'hv1', domain: 'example' }],
  ['49 05 03 687631 00', { kind: 'fqdn', hostname: 'hv1', domain: '' }],
  ['80 00', { kind: 'unknown', code: 128, value: new Uint8Array(0) }],
  ['ee 03 010203', { kind: 'unknown', code: 238, value: new Uint8Array([1, 2, 3]) }],
];

test('every capability decodes from its RFC encoding and encodes back to the same bytes', () => {
  for (const [h, cap] of VECTORS) {
    assert.deepEqual(decode(h), [cap], h);
    assert.equal(encode([cap]), toHex(hex(h)), h);
  }
  // several in one parameter
  const all = VECTORS.map(([h]) => h).join(' ');
  assert.deepEqual(decode(all), VECTORS.map(([, c]) => c));
});

test('add-path with an invalid send/receive value is kept as an unknown capability (RFC 7911 §4)', () => {
  assert.deepEqual(decode('45 04 0001 01 04'), [{ kind: 'unknown', code: 69, value: hex('0001 01 04') }]);
  assert.deepEqual(decode('45 04 0001 01 00'), [{ kind: 'unknown', code: 69, value: hex('0001 01 00') }]);
  assert.equal(encode(decode('45 04 0001 01 04')), '450400010104');
});

test('malformed known capabilities: OPEN error, unspecific subcode', () => {
  for (const h of [
    '01 03 0001 00', // MP with 3 bytes
    '02 01 00', // route refresh with a value
    '41 02 fde9', // 4-octet AS with 2 bytes
    '40 01 00', // GR shorter than its header
    '40 05 0000 000101', // GR with a partial family
    '45 03 000101', // add-path tuple of 3
    '05 04 00010001', // ENH entry of 4
    '47 06 000101800000', // LLGR tuple of 6
    '49 04 05 6876 31', // FQDN name longer than the value
    '49 06 03 687631 00 ff', // FQDN trailing byte
    '01 08 0001 0001', // value longer than the parameter
  ]) {
    const e = wireError(() => decode(h));
    assert.equal(e.code, 'ERR_BGP_CAPABILITY_MALFORMED', h);
    assert.deepEqual([e.notifCode, e.notifSubcode, e.action], [2, 0, 'session-reset'], h);
  }
  assert.equal(wireError(() => decode('01')).code, 'ERR_BGP_OPEN_MALFORMED'); // length octet missing
});

test('encoding rejects values that do not fit', () => {
  assert.equal(wireError(() => encode([{ kind: 'graceful-restart', restarting: false, notification: false, restartTime: 4096, families: [] }])).code, 'ERR_BGP_ENCODE_RANGE');
  assert.equal(wireError(() => encode([{ kind: 'four-octet-as', asn: 2 ** 32 }])).code, 'ERR_BGP_ENCODE_RANGE');
  assert.equal(wireError(() => encode([{ kind: 'fqdn', hostname: 'x'.repeat(256), domain: '' }])).code, 'ERR_BGP_ENCODE_RANGE');
  assert.equal(wireError(() => encode([{ kind: 'unknown', code: 200, value: new Uint8Array(256) }])).code, 'ERR_BGP_ENCODE_RANGE');
});
