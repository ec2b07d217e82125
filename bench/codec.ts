// Benchmark (not a test): decode a stream of UPDATEs carrying 1,000,000 IPv4 prefixes, in two
// shapes: packed (as many prefixes per UPDATE as fit in 4096 bytes, sharing one attribute set:
// what a full-table load looks like) and one prefix per UPDATE (the worst case). Reports prefixes
// per second and bytes allocated per prefix. Baseline, measured in the same run: a bare scan that
// walks the same NLRI bytes with no objects made, so the ratio shows what the codec adds.
//
//   npm run bench -- codec [prefixes]     (the last output line is one JSON object)
//
// Allocation is measured with v8.GCProfiler: bytes allocated during a decode pass =
// (used heap after - used heap before) + the bytes every GC inside the pass reclaimed. It counts
// short-lived garbage as well as what survives, without turning the GC off.
import v8 from 'node:v8';
import {
  attributesLength,
  decodeMessage,
  encodeMessage,
  MAX_MESSAGE_LENGTH,
  MODERN_CONTEXT,
  nlriLength,
  readMessageLength,
  UPDATE_OVERHEAD,
  type PathAttributes,
  type Prefix,
  type UpdateMessage,
} from '../src/bgp/wire/index.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const ctx = MODERN_CONTEXT;

/** Deterministic pseudo-random numbers (mulberry32), so every run decodes the same bytes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A table-like prefix mix: mostly /24, some shorter aggregates, a fifth host routes (lagless's own shape). */
function makePrefixes(n: number): Prefix[] {
  const rnd = prng(7);
  const out: Prefix[] = [];
  for (let i = 0; i < n; i++) {
    const x = rnd();
    const len = x < 0.55 ? 24 : x < 0.7 ? 22 + Math.floor(rnd() * 2) : x < 0.8 ? 16 + Math.floor(rnd() * 6) : 32;
    const raw = (Math.floor(rnd() * 223 + 1) * 2 ** 24 + Math.floor(rnd() * 2 ** 24)) >>> 0;
    out.push({ afi: 1, addr: (raw & (0xffffffff << (32 - len))) >>> 0, len });
  }
  return out;
}

function attributesFor(i: number): PathAttributes {
  return {
    origin: 0,
    asPath: [{ type: 'sequence', asns: [65000 + (i % 7), 4200000000 + (i % 13), 3356, 174 + (i % 3)] }],
    nextHop: `10.0.${(i >> 8) & 255}.${i & 255}`,
    med: i % 100,
    communities: [65000 * 65536 + (i % 50), 65000 * 65536 + 666],
  };
}

/** Packs the prefixes into UPDATEs of at most `perUpdate` prefixes and 4096 bytes, using the size helpers. */
function pack(prefixes: Prefix[], perUpdate: number): UpdateMessage[] {
  const out: UpdateMessage[] = [];
  let i = 0;
  while (i < prefixes.length) {
    const attributes = attributesFor(out.length);
    let size = UPDATE_OVERHEAD + attributesLength(attributes, ctx);
    const nlri: Prefix[] = [];
    while (i < prefixes.length && nlri.length < perUpdate && size + nlriLength(prefixes[i]!, false) <= MAX_MESSAGE_LENGTH) {
      size += nlriLength(prefixes[i]!, false);
      nlri.push(prefixes[i++]!);
    }
    out.push({ type: 'update', withdrawn: [], attributes, nlri });
  }
  return out;
}

/** Encodes the UPDATEs into one stream; returns the total prefix count as a check. */
function encodeAll(updates: UpdateMessage[], chunks: Uint8Array[]): number {
  let n = 0;
  for (let k = 0; k < updates.length; k++) {
    const u = updates[k]!;
    chunks[k] = encodeMessage(u, ctx);
    n += u.nlri.length;
  }
  return n;
}

/** Encodes the prefixes as UPDATEs of at most `perUpdate` prefixes (and at most 4096 bytes) into one stream. */
function makeStream(prefixes: Prefix[], perUpdate: number): { stream: Uint8Array; updates: number; messages: UpdateMessage[] } {
  const messages = pack(prefixes, perUpdate);
  const chunks: Uint8Array[] = [];
  encodeAll(messages, chunks);
  for (const [k, c] of chunks.entries()) {
    const u = messages[k]!;
    const predicted = UPDATE_OVERHEAD + attributesLength(u.attributes, ctx) + u.nlri.reduce((s, p) => s + nlriLength(p, false), 0);
    if (c.length !== predicted) throw new Error(`size helpers predicted ${predicted}, encoder wrote ${c.length}`);
  }
  const stream = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    stream.set(c, at);
    at += c.length;
  }
  return { stream, updates: messages.length, messages };
}

/** One pass of the codec over the stream, as a session would: frame, decode, hand the prefixes on. */
function decodeAll(stream: Uint8Array): number {
  let off = 0;
  let prefixes = 0;
  let check = 0;
  while (off < stream.length) {
    const len = readMessageLength(stream, off, ctx)!;
    const m = decodeMessage(stream, ctx, off, len);
    if (m.type === 'update') {
      prefixes += m.nlri.length;
      const last = m.nlri[m.nlri.length - 1];
      if (last) check ^= last.len;
    }
    off += len;
  }
  return prefixes + (check & 0); // `check` keeps the decoded values observable
}

/** Baseline: walk the same framing and NLRI bytes (length octets only), making no objects. */
function scanAll(stream: Uint8Array): number {
  let off = 0;
  let prefixes = 0;
  let sum = 0;
  while (off < stream.length) {
    const len = (stream[off + 16]! << 8) | stream[off + 17]!;
    const body = off + 19;
    const wl = (stream[body]! << 8) | stream[body + 1]!;
    const al = (stream[body + 2 + wl]! << 8) | stream[body + 3 + wl]!;
    for (let p = body + 4 + wl + al; p < off + len; ) {
      const plen = stream[p]!;
      let addr = 0;
      for (let k = 0; k < (plen + 7) >> 3; k++) addr = (addr << 8) | stream[p + 1 + k]!;
      sum ^= addr;
      p += 1 + ((plen + 7) >> 3);
      prefixes++;
    }
    off += len;
  }
  return prefixes + (sum & 0);
}

function time(f: () => number, reps: number): { best: number; median: number; count: number } {
  const times: number[] = [];
  let count = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    count = f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return { best: times[0]!, median: times[Math.floor(times.length / 2)]!, count };
}

function allocatedBytes(f: () => number): number {
  (globalThis as { gc?: () => void }).gc?.();
  const profiler = new v8.GCProfiler();
  const before = v8.getHeapStatistics().used_heap_size;
  profiler.start();
  f();
  const after = v8.getHeapStatistics().used_heap_size;
  const profile = profiler.stop();
  let reclaimed = 0;
  for (const s of profile?.statistics ?? []) reclaimed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
  return after - before + reclaimed;
}

function measure(name: string, stream: Uint8Array, updates: number, messages: UpdateMessage[]) {
  decodeAll(stream); // warm up the JIT
  scanAll(stream);
  const codec = time(() => decodeAll(stream), 5);
  const scan = time(() => scanAll(stream), 5);
  const chunks: Uint8Array[] = new Array<Uint8Array>(messages.length);
  const encode = time(() => encodeAll(messages, chunks), 3);
  if (codec.count !== TOTAL || scan.count !== TOTAL || encode.count !== TOTAL) throw new Error(`${name}: decoded ${codec.count} / scanned ${scan.count} of ${TOTAL} prefixes`);
  const bytes = allocatedBytes(() => decodeAll(stream));
  const r = {
    updates,
    stream_bytes: stream.length,
    prefixes_per_s: Math.round(TOTAL / codec.best),
    prefixes_per_s_median: Math.round(TOTAL / codec.median),
    bytes_per_prefix: Math.round((bytes / TOTAL) * 10) / 10,
    baseline_scan_prefixes_per_s: Math.round(TOTAL / scan.best),
    codec_vs_scan_time_ratio: Math.round((codec.best / scan.best) * 100) / 100,
    decode_s: Math.round(codec.best * 1e4) / 1e4,
    encode_prefixes_per_s: Math.round(TOTAL / encode.best),
  };
  console.log(`${name}: ${updates} UPDATEs, ${(stream.length / 1e6).toFixed(1)} MB: ${(r.prefixes_per_s / 1e6).toFixed(2)} M prefixes/s (median ${(r.prefixes_per_s_median / 1e6).toFixed(2)} M), ` +
    `${r.bytes_per_prefix} bytes allocated per prefix; bare scan ${(r.baseline_scan_prefixes_per_s / 1e6).toFixed(1)} M/s (codec takes ${r.codec_vs_scan_time_ratio}x its time); ` +
    `encode ${(r.encode_prefixes_per_s / 1e6).toFixed(2)} M prefixes/s`);
  return r;
}

const prefixes = makePrefixes(TOTAL);
const packedStream = makeStream(prefixes, Infinity);
const singleStream = makeStream(prefixes, 1);
const packed = measure('packed', packedStream.stream, packedStream.updates, packedStream.messages);
const single = measure('one prefix per UPDATE', singleStream.stream, singleStream.updates, singleStream.messages);
const TARGET = 2_000_000;
console.log(`target: ${TARGET / 1e6} M prefixes/s packed: ${packed.prefixes_per_s >= TARGET ? 'met' : 'NOT met'}`);
console.log(JSON.stringify({
  bench: 'codec',
  prefixes: TOTAL,
  prefixes_per_s: packed.prefixes_per_s,
  bytes_per_prefix: packed.bytes_per_prefix,
  alloc_method: 'v8.GCProfiler: used_heap_size delta over one decode pass plus bytes reclaimed by each GC during it',
  target_prefixes_per_s: TARGET,
  meets_target: packed.prefixes_per_s >= TARGET,
  packed,
  single,
  node: process.version,
}));
