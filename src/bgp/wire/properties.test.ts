// Property tests (fast-check): arbitrary messages round-trip under every kind of session context,
// the size helpers agree with the encoder, and prefix text round-trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ipv4Mask, ipv4ToString, ipv6ToString } from '../../lib/ip.js';
import { ATTRIBUTES } from './attributes.js';
import { decodeMessage, encodeMessage } from './message.js';
import { formatPrefix, nlriLength, parsePrefix, prefixKey } from './nlri.js';
import { ADD_PATH_CONTEXT, EXTENDED_CONTEXT } from './test-corpus.js';
import type { AsPathSegment, Capability, CodecContext, MpReach, MpUnreach, OpenMessage, PathAttributes, Prefix, RawAttribute, UpdateMessage } from './types.js';
import { DEFAULT_CONTEXT, familyKey, MODERN_CONTEXT } from './types.js';
import { attributesLength } from './attributes-encode.js';

const RUNS = 1500;
const CONTEXTS: readonly [string, CodecContext][] = [
  ['4-octet', MODERN_CONTEXT],
  ['2-octet', DEFAULT_CONTEXT],
  ['add-path', ADD_PATH_CONTEXT],
  ['extended next hop + message', EXTENDED_CONTEXT],
];

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const v4text = u32.map(ipv4ToString);
const v6bytes = fc.uint8Array({ minLength: 16, maxLength: 16 });
const v6text = v6bytes.map((b) => ipv6ToString(b));

function prefix4(withPathId: boolean): fc.Arbitrary<Prefix> {
  return fc.record({ len: fc.integer({ min: 0, max: 32 }), raw: u32, id: u32 }).map(({ len, raw, id }) => {
    const addr = (raw & ipv4Mask(len)) >>> 0;
    return withPathId ? { afi: 1 as const, addr, len, pathId: id } : { afi: 1 as const, addr, len };
  });
}

function prefix6(withPathId: boolean): fc.Arbitrary<Prefix> {
  return fc.record({ len: fc.integer({ min: 0, max: 128 }), raw: v6bytes, id: u32 }).map(({ len, raw, id }) => {
    for (let i = 0; i < 16; i++) {
      const bits = Math.max(0, Math.min(8, len - i * 8));
      raw[i] = raw[i]! & ((0xff << (8 - bits)) & 0xff);
    }
    const addr = ipv6ToString(raw);
    return withPathId ? { afi: 2 as const, addr, len, pathId: id } : { afi: 2 as const, addr, len };
  });
}

const prefixes = (afi: number, safi: number, ctx: CodecContext, max = 5) => {
  const id = ctx.addPathSend.has(familyKey(afi, safi));
  return fc.array(afi === 1 ? prefix4(id) : prefix6(id), { maxLength: max });
};

function asPath(twoOctet: boolean): fc.Arbitrary<AsPathSegment[]> {
  const segment = (types: AsPathSegment['type'][], asn: fc.Arbitrary<number>) =>
    fc.constantFrom(...types).chain((type) => fc.array(asn, { minLength: 1, maxLength: 10 }).map((asns): AsPathSegment => ({ type, asns })));
  const anyAsn = fc.oneof(u16, u32);
  if (!twoOctet) return fc.array(segment(['sequence', 'set', 'confed-sequence', 'confed-set'], anyAsn), { maxLength: 4 });
  // A 2-octet session carries 4-octet ASNs only outside confederation segments, and those lead
  // the path (they are stripped when the route leaves the confederation): RFC 6793 §3, RFC 5065 §5.
  return fc.tuple(
    fc.array(segment(['confed-sequence', 'confed-set'], u16), { maxLength: 2 }),
    fc.array(segment(['sequence', 'set'], anyAsn), { maxLength: 3 }),
  ).map(([confed, rest]) => [...confed, ...rest]);
}

function mpReach(ctx: CodecContext): fc.Arbitrary<MpReach> {
  return fc.record({ afi: fc.constantFrom(1, 2), safi: fc.constantFrom(1, 2) }).chain(({ afi, safi }) => {
    const v6hops = fc.oneof(fc.tuple(v6text), fc.tuple(v6text, v6text));
    const hops = afi === 2 ? v6hops : ctx.extendedNextHop ? fc.oneof(fc.tuple(v4text), v6hops) : fc.tuple(v4text);
    return fc.record({ afi: fc.constant(afi), safi: fc.constant(safi), nextHops: hops, nlri: prefixes(afi, safi, ctx) });
  });
}

function mpUnreach(ctx: CodecContext): fc.Arbitrary<MpUnreach> {
  return fc.record({ afi: fc.constantFrom(1, 2), safi: fc.constantFrom(1, 2) }).chain(({ afi, safi }) =>
    fc.record({ afi: fc.constant(afi), safi: fc.constant(safi), withdrawn: prefixes(afi, safi, ctx) }));
}

const unknownTypes = Array.from({ length: 256 }, (_, t) => t).filter((t) => ATTRIBUTES[t] === undefined);
const rawAttribute = fc.record({ type: fc.constantFrom(...unknownTypes), transitive: fc.boolean(), low: fc.integer({ min: 0, max: 15 }), value: fc.uint8Array({ maxLength: 300 }) })
  .map(({ type, transitive, low, value }): RawAttribute => ({ type, flags: (transitive ? 0xe0 : 0x80) | low, value }));

function attributes(ctx: CodecContext): fc.Arbitrary<PathAttributes> {
  return fc.record(
    {
      origin: fc.constantFrom(0 as const, 1 as const, 2 as const),
      asPath: asPath(!ctx.fourOctetAs),
      nextHop: v4text,
      med: u32,
      localPref: u32,
      atomicAggregate: fc.constant(true),
      aggregator: fc.record({ asn: fc.oneof(u16, u32), address: v4text }),
      communities: fc.array(u32, { minLength: 1, maxLength: 5 }),
      originatorId: v4text,
      clusterList: fc.array(v4text, { minLength: 1, maxLength: 3 }),
      mpReach: mpReach(ctx),
      mpUnreach: mpUnreach(ctx),
      extCommunities: fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex')), { minLength: 1, maxLength: 3 }),
      largeCommunities: fc.array(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 3 }),
      unknown: fc.uniqueArray(rawAttribute, { selector: (a) => a.type, minLength: 1, maxLength: 3 }).map((xs) => [...xs].sort((a, b) => a.type - b.type)),
    },
    { requiredKeys: [] },
  );
}

function update(ctx: CodecContext): fc.Arbitrary<UpdateMessage> {
  return fc.record({ withdrawn: prefixes(1, 1, ctx), attributes: attributes(ctx), nlri: prefixes(1, 1, ctx) }).map(({ withdrawn, attributes: a, nlri }) => {
    // an UPDATE carrying NLRI needs the well-known mandatory attributes (else it is treat-as-withdraw)
    const attrs: PathAttributes = { ...a };
    if (nlri.length > 0 || (a.mpReach?.nlri.length ?? 0) > 0) {
      attrs.origin ??= 0;
      attrs.asPath ??= [];
    }
    if (nlri.length > 0) attrs.nextHop ??= '192.0.2.1';
    return { type: 'update', withdrawn, attributes: attrs, nlri };
  });
}

const KNOWN_CAP_CODES = new Set([1, 2, 5, 6, 64, 65, 69, 70, 71, 73]);
const capability: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({ kind: fc.constant('multiprotocol' as const), afi: u16, safi: fc.integer({ min: 0, max: 255 }) }),
  fc.constant({ kind: 'route-refresh' as const }),
  fc.constant({ kind: 'enhanced-route-refresh' as const }),
  fc.constant({ kind: 'extended-message' as const }),
  fc.record({ kind: fc.constant('four-octet-as' as const), asn: u32 }),
  fc.record({ kind: fc.constant('extended-next-hop' as const), entries: fc.array(fc.record({ afi: u16, safi: u16, nextHopAfi: u16 }), { maxLength: 3 }) }),
  fc.record({
    kind: fc.constant('graceful-restart' as const), restarting: fc.boolean(), notification: fc.boolean(), restartTime: fc.integer({ min: 0, max: 4095 }),
    families: fc.array(fc.record({ afi: u16, safi: fc.integer({ min: 0, max: 255 }), forwardingPreserved: fc.boolean() }), { maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('add-path' as const), families: fc.array(fc.record({ afi: u16, safi: fc.integer({ min: 0, max: 255 }), mode: fc.constantFrom('receive' as const, 'send' as const, 'both' as const) }), { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('long-lived-gr' as const), families: fc.array(fc.record({ afi: u16, safi: fc.integer({ min: 0, max: 255 }), forwardingPreserved: fc.boolean(), staleTime: fc.integer({ min: 0, max: 0xffffff }) }), { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('fqdn' as const), hostname: fc.string({ maxLength: 30 }), domain: fc.string({ maxLength: 30 }) }),
  fc.record({ kind: fc.constant('unknown' as const), code: fc.integer({ min: 0, max: 255 }).filter((c) => !KNOWN_CAP_CODES.has(c)), value: fc.uint8Array({ maxLength: 20 }) }),
);

const open: fc.Arbitrary<OpenMessage> = fc.record({
  myAs: u16,
  holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
  bgpId: fc.integer({ min: 1, max: 0xffffffff }).map(ipv4ToString),
  capabilities: fc.array(capability, { maxLength: 6 }),
  separate: fc.boolean(),
  extendedParams: fc.boolean(),
}).map(({ separate, extendedParams, ...m }) => ({
  type: 'open',
  version: 4,
  ...m,
  ...(separate && m.capabilities.length > 1 && { oneParamPerCapability: true }),
  ...(extendedParams && { extendedParams: true }),
}));

for (const [name, ctx] of CONTEXTS) {
  test(`property: arbitrary UPDATEs round-trip (${name} session)`, () => {
    fc.assert(
      fc.property(update(ctx), (u) => {
        const bytes = encodeMessage(u, ctx);
        const back = decodeMessage(bytes, ctx);
        assert.deepEqual(back, structuredClone(u)); // fast-check records have null prototypes
        assert.deepEqual(encodeMessage(back, ctx), bytes);
        // the size helpers predict the encoder exactly
        const size = 23 + u.withdrawn.reduce((n, p) => n + nlriLength(p, ctx.addPathSend.has('1/1')), 0) + attributesLength(u.attributes, ctx) + u.nlri.reduce((n, p) => n + nlriLength(p, ctx.addPathSend.has('1/1')), 0);
        assert.equal(size, bytes.length);
      }),
      { numRuns: RUNS, seed: 42 },
    );
  });
}

test('property: arbitrary OPENs round-trip', () => {
  fc.assert(
    fc.property(open, (m) => {
      const bytes = encodeMessage(m, MODERN_CONTEXT);
      const back = decodeMessage(bytes, MODERN_CONTEXT);
      assert.deepEqual(back, structuredClone(m));
      assert.deepEqual(encodeMessage(back, MODERN_CONTEXT), bytes);
    }),
    { numRuns: RUNS, seed: 42 },
  );
});

test('property: MP_REACH grows by exactly nlriLength per prefix (packing never guesses)', () => {
  fc.assert(
    fc.property(fc.array(prefix6(false), { maxLength: 200 }), (ps) => {
      const attrs = (nlri: Prefix[]): PathAttributes => ({ origin: 0, asPath: [], mpReach: { afi: 2, safi: 1, nextHops: ['2001:db8::1'], nlri } });
      const base = attributesLength(attrs([]), MODERN_CONTEXT);
      assert.equal(attributesLength(attrs(ps), MODERN_CONTEXT), base + ps.reduce((n, p) => n + nlriLength(p, false), 0));
    }),
    { numRuns: 300, seed: 42 },
  );
});

test('property: prefix text round-trips through prefixKey/parsePrefix', () => {
  fc.assert(
    fc.property(fc.oneof(prefix4(false), prefix4(true), prefix6(false), prefix6(true)), (p) => {
      assert.deepEqual(parsePrefix(prefixKey(p)), structuredClone(p));
      const { pathId: _, ...bare } = p;
      assert.deepEqual(parsePrefix(formatPrefix(p)), structuredClone(bare));
    }),
    { numRuns: RUNS, seed: 42 },
  );
});
