import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage } from './message.js';
import { frame, toHex, wireError } from './test-corpus.js';
import type { OpenMessage } from './types.js';
import { MODERN_CONTEXT } from './types.js';

const ctx = MODERN_CONTEXT;
const decodeOpen = (body: string) => decodeMessage(frame(1, body), ctx) as OpenMessage;

// An OPEN laid out the way FRR 8.4 sends it: every capability in its own optional parameter.
const FRR_STYLE = '04 fde9 0009 0a000001 37'
  + ' 02 06 01 04 0001 00 01' // multiprotocol IPv4 unicast
  + ' 02 02 80 00' // Cisco's pre-standard route refresh, kept as unknown
  + ' 02 02 02 00' // route refresh
  + ' 02 02 46 00' // enhanced route refresh
  + ' 02 06 41 04 0000fde9' // 4-octet AS 65001
  + ' 02 06 45 04 0001 01 01' // add-path IPv4 unicast receive
  + ' 02 07 49 05 03 687631 00' // hostname hv1
  + ' 02 04 40 02 c0 78' // graceful restart R+N, 120 s
  + ' 02 02 47 00'; // long-lived GR, no families

test('OPEN with one parameter per capability decodes, and re-encodes to the same bytes', () => {
  const m = decodeOpen(FRR_STYLE);
  assert.deepEqual(m, {
    type: 'open', version: 4, myAs: 65001, holdTime: 9, bgpId: '10.0.0.1', oneParamPerCapability: true,
    capabilities: [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'unknown', code: 128, value: new Uint8Array(0) },
      { kind: 'route-refresh' },
      { kind: 'enhanced-route-refresh' },
      { kind: 'four-octet-as', asn: 65001 },
      { kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 'receive' }] },
      { kind: 'fqdn', hostname: 'hv1', domain: '' },
      { kind: 'graceful-restart', restarting: true, notification: true, restartTime: 120, families: [] },
      { kind: 'long-lived-gr', families: [] },
    ],
  });
  assert.equal(toHex(encodeMessage(m, ctx)), toHex(frame(1, FRR_STYLE)));
});

test('OPEN with all capabilities in one parameter (BIRD layout) re-encodes the same way', () => {
  const body = '04 fde9 00b4 0a000002 12 02 10 01 04 0001 00 01 02 00 41 04 0000fde9 06 00';
  const m = decodeOpen(body);
  assert.equal(m.oneParamPerCapability, undefined);
  assert.equal(m.capabilities.length, 4);
  assert.equal(toHex(encodeMessage(m, ctx)), toHex(frame(1, body)));
});

test('RFC 9072 extended optional parameters: decoded, kept, and used automatically when needed', () => {
  // Non-Ext OP Len 255, Non-Ext OP Type 255, Extended Opt. Parm. Length, then 2-octet parameter lengths
  const body = '04 fde9 00b4 0a000002 ff ff 000b 02 0008 01 04 0001 00 01 41 00';
  const bad = wireError(() => decodeOpen(body));
  assert.equal(bad.code, 'ERR_BGP_CAPABILITY_MALFORMED'); // 4-octet AS capability with length 0
  const good = '04 fde9 00b4 0a000002 ff ff 000b 02 0008 01 04 0001 00 01 02 00';
  const m = decodeOpen(good);
  assert.equal(m.extendedParams, true);
  assert.deepEqual(m.capabilities, [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'route-refresh' }]);
  assert.equal(toHex(encodeMessage(m, ctx)), toHex(frame(1, good)));

  // parameters over 255 bytes force the extended form even when not asked for
  const big: OpenMessage = {
    type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: '10.0.0.3',
    capabilities: Array.from({ length: 20 }, (_, i) => ({ kind: 'unknown' as const, code: 200 + i, value: new Uint8Array(20).fill(i) })),
  };
  const bytes = encodeMessage(big, ctx);
  assert.deepEqual([bytes[28], bytes[29]], [255, 255]);
  const back = decodeMessage(bytes, ctx) as OpenMessage;
  assert.equal(back.extendedParams, true);
  assert.deepEqual(back.capabilities, big.capabilities);
});

test('OPEN errors carry the RFC 4271 §6.2 subcodes', () => {
  const cases: [string, string, number, number[]?][] = [
    ['03 fde9 0009 0a000001 00', 'ERR_BGP_OPEN_VERSION', 1, [0, 4]], // data: the version we support
    ['05 fde9 0009 0a000001 00', 'ERR_BGP_OPEN_VERSION', 1, [0, 4]],
    ['04 fde9 0001 0a000001 00', 'ERR_BGP_OPEN_HOLD_TIME', 6],
    ['04 fde9 0002 0a000001 00', 'ERR_BGP_OPEN_HOLD_TIME', 6],
    ['04 fde9 0009 00000000 00', 'ERR_BGP_OPEN_BGP_ID', 3],
    ['04 fde9 0009 0a000001 05 02 02 02 00', 'ERR_BGP_OPEN_MALFORMED', 0], // parameters length says 5, 4 follow
    ['04 fde9 0009 0a000001 03 02 02 02 00', 'ERR_BGP_OPEN_MALFORMED', 0], // says 3, 4 follow
    ['04 fde9 0009 0a000001 04 02 05 02 00', 'ERR_BGP_OPEN_MALFORMED', 0], // parameter longer than the field
    ['04 fde9 0009 0a000001 04 02 02 02 01', 'ERR_BGP_CAPABILITY_MALFORMED', 0], // capability longer than its parameter
    ['04 fde9 0009 0a000001 03 ff ff 00', 'ERR_BGP_OPEN_MALFORMED', 0], // extended form cut short
  ];
  for (const [body, code, subcode, data] of cases) {
    const e = wireError(() => decodeOpen(body));
    assert.equal(e.code, code, body);
    assert.deepEqual([e.notifCode, e.notifSubcode, e.action], [2, subcode, 'session-reset'], body);
    if (data) assert.deepEqual([...e.data], data);
  }
});

test('parameters other than capabilities are kept as received', () => {
  const body = '04 fde9 0009 0a000001 0a 01 04 deadbeef 02 02 02 00';
  const m = decodeOpen(body);
  assert.deepEqual(m.otherParams, [{ type: 1, value: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) }]);
  assert.deepEqual(m.capabilities, [{ kind: 'route-refresh' }]);
});

test('encoding an OPEN rejects values that do not fit', () => {
  const base: OpenMessage = { type: 'open', version: 4, myAs: 65001, holdTime: 90, bgpId: '10.0.0.1', capabilities: [] };
  assert.equal(wireError(() => encodeMessage({ ...base, myAs: 4200000000 }, ctx)).code, 'ERR_BGP_ENCODE_RANGE');
  assert.equal(wireError(() => encodeMessage({ ...base, bgpId: 'fe80::1' }, ctx)).code, 'ERR_BGP_ENCODE_ADDRESS');
  assert.equal(wireError(() => encodeMessage({ ...base, holdTime: 70000 }, ctx)).code, 'ERR_BGP_ENCODE_RANGE');
});
