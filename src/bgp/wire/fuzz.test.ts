// Fuzzing: random and mutated inputs never crash the decoder nor make it throw anything but a
// coded BgpWireError; whatever decodes re-encodes, and decodes again to the same value.
// Seeds: the round-trip corpus and, when present, the captured fixtures (fixtures/*.json).
// Deterministic (seeded PRNG); set LAGLESS_FUZZ_SEED to explore other inputs, LAGLESS_FUZZ_SCALE to run more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BgpWireError } from './errors.js';
import { readMessageLength } from './header.js';
import { decodeMessage, encodeMessage } from './message.js';
import { ADD_PATH_CONTEXT, CORPUS, EXTENDED_CONTEXT, hex } from './test-corpus.js';
import type { CodecContext, Message } from './types.js';
import { DEFAULT_CONTEXT, MODERN_CONTEXT } from './types.js';

const SEED = Number(process.env.LAGLESS_FUZZ_SEED ?? 0x5eed1e55) >>> 0;
const SCALE = Number(process.env.LAGLESS_FUZZ_SCALE ?? 1);
const CONTEXTS: readonly CodecContext[] = [MODERN_CONTEXT, DEFAULT_CONTEXT, ADD_PATH_CONTEXT, EXTENDED_CONTEXT];

/** mulberry32: small, fast, good enough to drive a fuzzer, and reproducible from the seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, byte: () => int(256), pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]! };
}

interface Stats { cases: number; decoded: number; errors: Map<string, number> }

function stripDiscarded(m: Message): Message {
  if (m.type !== 'update' || m.discarded === undefined) return m;
  const { discarded: _, ...rest } = m;
  return rest;
}

/** One case: framing, decode, and for what decodes: encode + decode again gives the same value. */
function check(buf: Uint8Array, ctx: CodecContext, stats: Stats): void {
  stats.cases++;
  const coded = (e: unknown, where: string) => {
    if (!(e instanceof BgpWireError) || typeof e.code !== 'string' || e.code === '') {
      assert.fail(`${where} threw a non-coded error for ${Buffer.from(buf).toString('hex')}: ${(e as Error)?.stack ?? String(e)}`);
    }
    stats.errors.set(e.code, (stats.errors.get(e.code) ?? 0) + 1);
    assert.ok(Array.isArray(e.withdraw));
    return e;
  };
  try {
    readMessageLength(buf, 0, ctx);
  } catch (e) {
    coded(e, 'readMessageLength');
  }
  let msg: Message;
  try {
    msg = decodeMessage(buf, ctx);
  } catch (e) {
    coded(e, 'decodeMessage');
    return;
  }
  stats.decoded++;
  if (msg.type === 'update') for (const d of msg.discarded ?? []) stats.errors.set(d.code, (stats.errors.get(d.code) ?? 0) + 1);
  let again: Uint8Array;
  try {
    again = encodeMessage(msg, ctx);
  } catch (e) {
    const err = coded(e, 'encodeMessage');
    // only growth past the maximum length is acceptable (e.g. a Partial bit cannot grow, but a re-split segment can)
    assert.equal(err.code, 'ERR_BGP_ENCODE_TOO_LONG', `re-encoding a decoded message failed: ${err.message} for ${Buffer.from(buf).toString('hex')}`);
    return;
  }
  let second: Message;
  try {
    second = decodeMessage(again, ctx);
  } catch (e) {
    assert.fail(`re-encoded message does not decode (${(e as Error).message}); input ${Buffer.from(buf).toString('hex')}`);
  }
  assert.deepEqual(stripDiscarded(second), stripDiscarded(msg), `decode(encode(decode(x))) differs for ${Buffer.from(buf).toString('hex')}`);
}

function withLength(buf: Uint8Array): Uint8Array {
  if (buf.length >= 18) {
    buf[16] = (buf.length >> 8) & 0xff;
    buf[17] = buf.length & 0xff;
  }
  return buf;
}

function header(type: number, bodyLength: number): Uint8Array {
  const b = new Uint8Array(19 + bodyLength);
  b.fill(0xff, 0, 16);
  b[18] = type;
  return withLength(b);
}

/** Captured fixtures, if the capture helper has written them: every hex string of a message found in the JSON files. */
function fixtureMessages(): Uint8Array[] {
  const dir = join(import.meta.dirname, 'fixtures');
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const out: Uint8Array[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string' && /^(ff){16}[0-9a-f]{6,}$/i.test(v) && v.length % 2 === 0) out.push(hex(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const f of files) walk(JSON.parse(readFileSync(join(dir, f), 'utf8')));
  return out;
}

const SEEDS: { bytes: Uint8Array; ctx: CodecContext }[] = [
  ...CORPUS.flatMap((e) => e.contexts.map((ctx) => ({ bytes: encodeMessage(e.msg, ctx), ctx }))),
  ...fixtureMessages().flatMap((bytes) => [MODERN_CONTEXT, DEFAULT_CONTEXT].map((ctx) => ({ bytes, ctx }))),
];

function mutate(r: ReturnType<typeof prng>, src: Uint8Array): Uint8Array {
  let b = Uint8Array.from(src);
  const edits = 1 + r.int(3);
  let fixLength = r.next() < 0.85;
  for (let i = 0; i < edits; i++) {
    const op = r.int(8);
    const at = 19 + r.int(Math.max(1, b.length - 19));
    switch (op) {
      case 0: // bit flip in the body
      case 1:
        if (at < b.length) b[at]! ^= 1 << r.int(8);
        break;
      case 2: // random byte
        if (at < b.length) b[at] = r.byte();
        break;
      case 3: // a length-like field: set a byte to a small or boundary value
        if (at < b.length) b[at] = r.pick([0, 1, 2, 3, 4, 5, 8, 16, 32, 33, 64, 128, 129, 254, 255]);
        break;
      case 4: { // truncate
        b = b.slice(0, Math.max(19, at));
        break;
      }
      case 5: { // insert bytes
        const n = 1 + r.int(4);
        const ins = Array.from({ length: n }, () => r.byte());
        b = Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
        break;
      }
      case 6: { // delete bytes
        const n = 1 + r.int(4);
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + n))]);
        break;
      }
      case 7: // now and then the header itself: marker, length or type
        if (r.next() < 0.3) {
          b[r.int(19)] = r.byte();
          fixLength = false;
        } else if (at < b.length) b[at]! ^= 1 << r.int(8);
        break;
    }
  }
  return fixLength ? withLength(b) : b;
}

/** A structurally plausible UPDATE: valid framing, random attributes from the table's types and others. */
function randomUpdate(r: ReturnType<typeof prng>): Uint8Array {
  const types = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32, 0, 11, 26, 99, 255];
  const goodFlags: Record<number, number> = { 1: 0x40, 2: 0x40, 3: 0x40, 4: 0x80, 5: 0x40, 6: 0x40, 7: 0xc0, 8: 0xc0, 9: 0x80, 10: 0x80, 14: 0x80, 15: 0x80, 16: 0xc0, 17: 0xc0, 18: 0xc0, 32: 0xc0 };
  const parts: number[] = [];
  const nlri = (max: number, family = 32) => {
    const out: number[] = [];
    for (let i = r.int(max); i > 0; i--) {
      const len = r.next() < 0.9 ? r.int(family + 1) : r.byte();
      out.push(len, ...Array.from({ length: (Math.min(len, family) + 7) >> 3 }, () => r.byte()));
    }
    return out;
  };
  const withdrawn = nlri(3);
  parts.push(withdrawn.length >> 8, withdrawn.length & 0xff, ...withdrawn);
  const attrs: number[] = [];
  for (let i = r.int(8); i > 0; i--) {
    const type = r.pick(types);
    let flags = goodFlags[type] ?? (r.next() < 0.8 ? 0xc0 : r.byte());
    if (r.next() < 0.1) flags = r.byte();
    let value: number[];
    if (type === 14 || type === 15) {
      const afi = r.next() < 0.8 ? r.pick([1, 2]) : r.int(30);
      const safi = r.next() < 0.8 ? 1 : r.byte();
      value = [afi >> 8, afi & 0xff, safi];
      if (type === 14) {
        const nh = r.pick([4, 16, 32, 0, 12, r.int(40)]);
        value.push(nh, ...Array.from({ length: nh }, () => r.byte()), 0);
      }
      value.push(...nlri(4, afi === 2 ? 128 : 32));
    } else if (type === 2 || type === 17) {
      value = [];
      for (let s = r.int(3); s > 0; s--) {
        const n = r.int(4);
        value.push(r.next() < 0.9 ? r.pick([1, 2, 3, 4]) : r.byte(), n, ...Array.from({ length: n * r.pick([2, 4]) }, () => r.byte()));
      }
    } else {
      value = Array.from({ length: r.pick([0, 1, 4, 6, 8, 12, 24, r.int(20)]) }, () => r.byte());
    }
    if (value.length > 255 || r.next() < 0.2) attrs.push(flags | 0x10, type, value.length >> 8, value.length & 0xff, ...value);
    else attrs.push(flags & ~0x10, type, value.length, ...value);
  }
  const cut = r.next() < 0.1 ? r.int(attrs.length + 1) : attrs.length;
  parts.push(cut >> 8, cut & 0xff, ...attrs.slice(0, cut), ...nlri(5));
  const out = header(2, parts.length);
  out.set(parts, 19);
  return out;
}

test(`fuzz: ≥100,000 random, structured and mutated messages (seed 0x${SEED.toString(16)})`, () => {
  const r = prng(SEED);
  const stats: Stats = { cases: 0, decoded: 0, errors: new Map() };
  assert.ok(SEEDS.length >= 40, `seed corpus has ${SEEDS.length} messages`);

  // 1. random bodies behind a valid header
  for (let i = 0; i < 20_000 * SCALE; i++) {
    const type = r.next() < 0.95 ? 1 + r.int(5) : r.byte();
    const b = header(type, r.next() < 0.5 ? r.int(8) : r.int(120));
    for (let j = 19; j < b.length; j++) b[j] = r.byte();
    check(b, r.pick(CONTEXTS), stats);
  }
  // 2. structurally plausible UPDATEs
  for (let i = 0; i < 30_000 * SCALE; i++) check(randomUpdate(r), r.pick(CONTEXTS), stats);
  // 3. mutations of valid messages
  for (let i = 0; i < 55_000 * SCALE; i++) {
    const s = r.pick(SEEDS);
    check(mutate(r, s.bytes), r.next() < 0.8 ? s.ctx : r.pick(CONTEXTS), stats);
  }

  assert.ok(stats.cases >= 100_000, `${stats.cases} cases`);
  // the fuzzer must reach deep: many inputs decode, and many distinct error codes are produced
  assert.ok(stats.decoded > stats.cases / 10, `${stats.decoded} of ${stats.cases} decoded`);
  const codes = [...stats.errors.keys()].sort();
  for (const expected of ['ERR_BGP_ATTR_DUPLICATE', 'ERR_BGP_HEADER_LENGTH', 'ERR_BGP_HEADER_TYPE', 'ERR_BGP_ATTR_LENGTH', 'ERR_BGP_ATTR_FLAGS', 'ERR_BGP_AS_PATH_MALFORMED', 'ERR_BGP_NLRI_MALFORMED', 'ERR_BGP_MP_NLRI_MALFORMED', 'ERR_BGP_ATTR_LIST_MALFORMED', 'ERR_BGP_CAPABILITY_MALFORMED', 'ERR_BGP_OPEN_MALFORMED']) {
    assert.ok(stats.errors.has(expected), `fuzzing produced ${expected} (got ${codes.join(', ')})`);
  }
  console.log(`fuzz: ${stats.cases} cases, ${stats.decoded} decoded, ${SEEDS.length} seeds, errors: ${codes.map((c) => `${c}=${stats.errors.get(c)}`).join(' ')}`);
});
