// Test support (not a test): a corpus of messages covering every message type, capability and
// attribute, with the contexts to encode them under; and small helpers for hand-written bytes.
// Used by the round-trip tests, the fuzzer (as seeds for mutation) and the benchmark.
import { BgpWireError } from './errors.js';
import { parsePrefix } from './nlri.js';
import type { CodecContext, FamilyKey, Message } from './types.js';
import { DEFAULT_CONTEXT, MODERN_CONTEXT } from './types.js';

/** Bytes from hex text; spaces, newlines and `|` are ignored ("ff ff | 00 13 04"). */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/[\s|]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new Error(`bad hex: ${text}`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A whole message: marker, length, type, then the body. */
export function frame(type: number, body: Uint8Array | string): Uint8Array {
  const b = typeof body === 'string' ? hex(body) : body;
  const out = new Uint8Array(19 + b.length);
  out.fill(0xff, 0, 16);
  out[16] = (19 + b.length) >> 8;
  out[17] = (19 + b.length) & 0xff;
  out[18] = type;
  out.set(b, 19);
  return out;
}

const P = parsePrefix;
const families = (...keys: FamilyKey[]) => new Set<FamilyKey>(keys);

export const ADD_PATH_CONTEXT: CodecContext = {
  ...MODERN_CONTEXT,
  addPathReceive: families('1/1', '2/1'),
  addPathSend: families('1/1', '2/1'),
};
export const EXTENDED_CONTEXT: CodecContext = { ...MODERN_CONTEXT, extendedNextHop: true, extendedMessage: true };

export interface CorpusEntry {
  readonly name: string;
  readonly msg: Message;
  /** contexts under which encode -> decode gives back exactly `msg` */
  readonly contexts: readonly CodecContext[];
}

const BOTH = [MODERN_CONTEXT, DEFAULT_CONTEXT, EXTENDED_CONTEXT];

export const CORPUS: readonly CorpusEntry[] = [
  { name: 'keepalive', msg: { type: 'keepalive' }, contexts: BOTH },
  {
    name: 'open with every capability',
    contexts: BOTH,
    msg: {
      type: 'open',
      version: 4,
      myAs: 23456,
      holdTime: 9,
      bgpId: '192.0.2.1',
      capabilities: [
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'multiprotocol', afi: 2, safi: 1 },
        { kind: 'route-refresh' },
        { kind: 'enhanced-route-refresh' },
        { kind: 'four-octet-as', asn: 4200000001 },
        { kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }, { afi: 1, safi: 128, nextHopAfi: 2 }] },
        { kind: 'extended-message' },
        { kind: 'graceful-restart', restarting: true, notification: true, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: true }, { afi: 2, safi: 1, forwardingPreserved: false }] },
        { kind: 'add-path', families: [{ afi: 1, safi: 1, mode: 'both' }, { afi: 2, safi: 1, mode: 'receive' }, { afi: 1, safi: 2, mode: 'send' }] },
        { kind: 'long-lived-gr', families: [{ afi: 1, safi: 1, forwardingPreserved: true, staleTime: 0xabcdef }] },
        { kind: 'fqdn', hostname: 'hv-017', domain: 'rack3.example' },
        { kind: 'unknown', code: 128, value: new Uint8Array(0) },
        { kind: 'unknown', code: 200, value: new Uint8Array([1, 2, 3]) },
      ],
    },
  },
  {
    name: 'open, one parameter per capability (FRR/GoBGP layout)',
    contexts: BOTH,
    msg: {
      type: 'open', version: 4, myAs: 65001, holdTime: 180, bgpId: '10.0.0.1', oneParamPerCapability: true,
      capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'route-refresh' }, { kind: 'four-octet-as', asn: 65001 }],
    },
  },
  {
    name: 'open, RFC 9072 extended parameters, other parameter kept',
    contexts: BOTH,
    msg: {
      type: 'open', version: 4, myAs: 65001, holdTime: 0, bgpId: '10.0.0.2', extendedParams: true,
      capabilities: [{ kind: 'four-octet-as', asn: 65001 }, { kind: 'unknown', code: 250, value: new Uint8Array(200).fill(7) }, { kind: 'unknown', code: 251, value: new Uint8Array(200).fill(9) }],
      otherParams: [{ type: 1, value: new Uint8Array([1, 2, 3, 4]) }],
    },
  },
  { name: 'open without capabilities', contexts: BOTH, msg: { type: 'open', version: 4, myAs: 1, holdTime: 3, bgpId: '255.255.255.255', capabilities: [] } },
  { name: 'notification cease/admin shutdown with message', contexts: BOTH, msg: { type: 'notification', code: 6, subcode: 2, data: new Uint8Array([5, 0x62, 0x79, 0x65, 0x21, 0x21]) } },
  { name: 'notification without data', contexts: BOTH, msg: { type: 'notification', code: 4, subcode: 0, data: new Uint8Array(0) } },
  { name: 'route refresh', contexts: BOTH, msg: { type: 'route-refresh', afi: 1, safi: 1, subtype: 0 } },
  { name: 'route refresh BoRR', contexts: BOTH, msg: { type: 'route-refresh', afi: 2, safi: 1, subtype: 1 } },
  { name: 'route refresh EoRR', contexts: BOTH, msg: { type: 'route-refresh', afi: 1, safi: 1, subtype: 2 } },
  { name: 'end-of-rib ipv4', contexts: BOTH, msg: { type: 'update', withdrawn: [], attributes: {}, nlri: [] } },
  { name: 'end-of-rib ipv6', contexts: BOTH, msg: { type: 'update', withdrawn: [], attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [] } }, nlri: [] } },
  { name: 'end-of-rib l2vpn evpn (family not parsed)', contexts: BOTH, msg: { type: 'update', withdrawn: [], attributes: { mpUnreach: { afi: 25, safi: 70, withdrawn: [] } }, nlri: [] } },
  {
    name: 'update ipv4 host routes, every classic attribute',
    contexts: BOTH,
    msg: {
      type: 'update',
      withdrawn: [P('10.9.0.0/16'), P('0.0.0.0/0')],
      attributes: {
        origin: 0,
        asPath: [{ type: 'sequence', asns: [65001, 65002] }, { type: 'set', asns: [64512, 64513] }],
        nextHop: '192.0.2.1',
        med: 0,
        localPref: 100,
        atomicAggregate: true,
        aggregator: { asn: 65002, address: '192.0.2.2' },
        communities: [0xfde80001, 0xffffff01],
        originatorId: '10.0.0.9',
        clusterList: ['10.0.0.1', '10.0.0.2'],
        extCommunities: ['0002fde800000001', '0102c00002010064'],
        largeCommunities: [[4200000000, 1, 2], [65001, 0, 0xffffffff]],
      },
      nlri: [P('10.1.2.3/32'), P('192.168.0.0/24'), P('172.16.0.0/12'), P('100.64.0.1/32'), P('0.0.0.0/0')],
    },
  },
  {
    name: 'update with 4-octet ASNs (AS4_PATH/AS4_AGGREGATOR on a 2-octet session)',
    contexts: BOTH,
    msg: {
      type: 'update',
      withdrawn: [],
      attributes: {
        origin: 2,
        asPath: [{ type: 'sequence', asns: [4200000001, 65000, 4200000002] }],
        nextHop: '198.51.100.7',
        aggregator: { asn: 4200000009, address: '198.51.100.9' },
      },
      nlri: [P('203.0.113.0/24')],
    },
  },
  {
    name: 'update ipv6 with global + link-local next hop, withdrawals',
    contexts: BOTH,
    msg: {
      type: 'update',
      withdrawn: [],
      attributes: {
        mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1', 'fe80::1:2'], nlri: [P('2001:db8:1::5/128'), P('2001:db8:ff00::/40'), P('::/0')] },
        origin: 0,
        asPath: [{ type: 'sequence', asns: [65001] }],
        med: 10,
      },
      nlri: [],
    },
  },
  {
    name: 'update ipv6 global next hop only',
    contexts: BOTH,
    msg: { type: 'update', withdrawn: [], attributes: { mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::2'], nlri: [P('2001:db8::/32')] }, origin: 1, asPath: [] }, nlri: [] },
  },
  {
    name: 'update ipv6 withdraw only',
    contexts: BOTH,
    msg: { type: 'update', withdrawn: [], attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: [P('2001:db8:1::5/128'), P('2001:db8:2::/64')] } }, nlri: [] },
  },
  {
    name: 'update ipv4 nlri with ipv6 next hop (RFC 8950)',
    contexts: [EXTENDED_CONTEXT],
    msg: {
      type: 'update',
      withdrawn: [],
      attributes: { mpReach: { afi: 1, safi: 1, nextHops: ['fe80::a8bb:ccff:fe00:1'], nlri: [P('10.0.0.7/32'), P('10.0.0.8/32')] }, origin: 0, asPath: [{ type: 'sequence', asns: [4200000001] }] },
      nlri: [],
    },
  },
  {
    name: 'update ipv4 in MP_REACH with an ipv4 next hop, and MP_UNREACH',
    contexts: BOTH,
    msg: {
      type: 'update',
      withdrawn: [],
      attributes: {
        mpReach: { afi: 1, safi: 1, nextHops: ['10.0.0.1'], nlri: [P('10.0.1.0/24')] },
        mpUnreach: { afi: 1, safi: 1, withdrawn: [P('10.0.2.0/24')] },
        origin: 0,
        asPath: [{ type: 'sequence', asns: [65001] }],
      },
      nlri: [],
    },
  },
  {
    name: 'update with add-path ids',
    contexts: [ADD_PATH_CONTEXT],
    msg: {
      type: 'update',
      withdrawn: [P('10.0.0.0/8#7')],
      attributes: {
        mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: [P('2001:db8::/48#1'), P('2001:db8::/48#2')] },
        origin: 0,
        asPath: [{ type: 'sequence', asns: [65001] }],
        nextHop: '10.0.0.1',
      },
      nlri: [P('10.1.0.0/16#1'), P('10.1.0.0/16#4294967295')],
    },
  },
  {
    name: 'update with confederation segments and unknown optional attributes',
    contexts: BOTH,
    msg: {
      type: 'update',
      withdrawn: [],
      attributes: {
        origin: 0,
        asPath: [{ type: 'confed-sequence', asns: [65101, 65102] }, { type: 'confed-set', asns: [65103] }, { type: 'sequence', asns: [65001] }],
        nextHop: '10.0.0.1',
        unknown: [
          { flags: 0x80, type: 26, value: new Uint8Array([1, 0, 11, 0, 0, 0, 0, 0, 0, 0, 5]) },
          { flags: 0xe0, type: 99, value: new Uint8Array([1, 2, 3]) },
          { flags: 0xe0, type: 250, value: new Uint8Array(300).fill(0xab) },
        ],
      },
      nlri: [P('10.1.0.0/16')],
    },
  },
  {
    name: 'update with a long AS path (extended-length AS_PATH)',
    contexts: BOTH,
    msg: {
      type: 'update',
      withdrawn: [],
      attributes: { origin: 0, asPath: [{ type: 'sequence', asns: Array.from({ length: 200 }, (_, i) => 64512 + i) }], nextHop: '10.0.0.1' },
      nlri: [P('10.1.0.0/16')],
    },
  },
  {
    name: 'update with an FRR-style attribute layout (MP first, extended-length AS_PATH)',
    contexts: [MODERN_CONTEXT, EXTENDED_CONTEXT],
    msg: {
      type: 'update',
      withdrawn: [],
      attributes: { mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: [P('2001:db8::/64')] }, origin: 0, asPath: [{ type: 'sequence', asns: [65001] }], med: 0 },
      nlri: [],
      attributeLayout: [{ type: 14, flags: 0x10 }, { type: 1, flags: 0 }, { type: 2, flags: 0x10 }, { type: 4, flags: 0 }],
    },
  },
  {
    name: 'update with out-of-order attributes and a Partial bit on a known attribute',
    contexts: BOTH,
    msg: {
      type: 'update',
      withdrawn: [],
      attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [65001] }], nextHop: '10.0.0.1', communities: [1], mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri: [P('2001:db8::/64')] } },
      nlri: [P('10.0.0.0/24')],
      attributeLayout: [{ type: 3, flags: 0 }, { type: 8, flags: 0x20 }, { type: 1, flags: 0 }, { type: 2, flags: 0 }, { type: 14, flags: 0 }],
    },
  },
];

/** A whole UPDATE from hex fields, with both length fields computed. */
export function updateFrame(withdrawn: string, attrs: string, nlri = ''): Uint8Array {
  const w = hex(withdrawn);
  const a = hex(attrs);
  const n = hex(nlri);
  const body = new Uint8Array(4 + w.length + a.length + n.length);
  body[0] = w.length >> 8;
  body[1] = w.length & 0xff;
  body.set(w, 2);
  body[2 + w.length] = a.length >> 8;
  body[3 + w.length] = a.length & 0xff;
  body.set(a, 4 + w.length);
  body.set(n, 4 + w.length + a.length);
  return frame(2, body);
}

/** Runs `f`, which must throw a BgpWireError; returns it for more checks. */
export function wireError(f: () => unknown): BgpWireError {
  try {
    f();
  } catch (e) {
    if (e instanceof BgpWireError) return e;
    throw new Error(`expected a BgpWireError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a BgpWireError, nothing was thrown');
}
