// A synthetic Internet-like table as pre-encoded UPDATE messages, for ingest benchmarks.
// Prefixes come in groups that share one attribute set (group sizes cycle 1..40, so ~20 prefixes
// per attribute set on average, as in real full tables), AS paths of 2-6 hops, some with
// communities. Everything is encoded once, up front, so the sender is never the bottleneck.
import { encodeMessage, MODERN_CONTEXT, type PathAttributes, type Prefix, type UpdateMessage } from '../../src/bgp/wire/index.js';
import { ipv6ToString } from '../../src/lib/ip.js';

export interface TableOptions {
  readonly family: 'ipv4' | 'ipv6';
  readonly prefixes: number;
  /** the sender's ASN: first hop of every AS path */
  readonly senderAsn: number;
  /** next hop written in every UPDATE (the sender's address on the link) */
  readonly nextHop: string;
  /** for IPv6: an optional link-local next hop after the global one */
  readonly nextHopLinkLocal?: string;
}

export interface EncodedTable {
  /** the UPDATE messages, concatenated in chunks of about 1 MiB */
  readonly chunks: readonly Buffer[];
  readonly messages: number;
  readonly prefixes: number;
  readonly bytes: number;
  readonly attributeSets: number;
}

/** Deterministic pseudo-random numbers (xorshift32) so every run sends the same table. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function ipv4Prefix(i: number): Prefix {
  // /24s from 16.0.0.0 upwards: 1,000,000 of them end near 31.66.64.0
  return { afi: 1, addr: (0x10000000 + i * 256) >>> 0, len: 24 };
}

function ipv6Prefix(i: number): Prefix {
  // /48s from 2a00::/16 upwards
  const b = new Uint8Array(16);
  b[0] = 0x2a;
  b[1] = 0x00;
  b[2] = (i >>> 24) & 255;
  b[3] = (i >>> 16) & 255;
  b[4] = (i >>> 8) & 255;
  b[5] = i & 255;
  return { afi: 2, addr: ipv6ToString(b), len: 48 };
}

function attributesFor(n: number, random: () => number, opts: TableOptions): PathAttributes {
  const hops = 1 + (random() % 5);
  const asns = [opts.senderAsn];
  for (let h = 0; h < hops; h++) asns.push(1000 + (random() % 60000));
  const attrs: PathAttributes = {
    origin: n % 7 === 0 ? 2 : 0,
    asPath: [{ type: 'sequence', asns }],
    ...(n % 3 === 0 ? { communities: [(((asns[1] ?? 0) << 16) | (random() % 1000)) >>> 0] } : {}),
    ...(n % 5 === 0 ? { med: random() % 500 } : {}),
  };
  if (opts.family === 'ipv4') return { ...attrs, nextHop: opts.nextHop };
  return attrs;
}

/** Maximum prefixes per UPDATE so the message stays within 4096 bytes. */
const MAX_PER_UPDATE = { ipv4: 900, ipv6: 500 };

export function buildTable(opts: TableOptions): EncodedTable {
  const random = rng(opts.family === 'ipv4' ? 4 : 6);
  const chunks: Buffer[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let messages = 0;
  let bytes = 0;
  let sets = 0;
  let i = 0;
  while (i < opts.prefixes) {
    const groupSize = Math.min(1 + (sets % 40), opts.prefixes - i, MAX_PER_UPDATE[opts.family]);
    const nlri: Prefix[] = [];
    for (let k = 0; k < groupSize; k++) nlri.push(opts.family === 'ipv4' ? ipv4Prefix(i + k) : ipv6Prefix(i + k));
    const attrs = attributesFor(sets, random, opts);
    const update: UpdateMessage =
      opts.family === 'ipv4'
        ? { type: 'update', withdrawn: [], attributes: attrs, nlri }
        : {
            type: 'update',
            withdrawn: [],
            nlri: [],
            attributes: {
              ...attrs,
              mpReach: {
                afi: 2,
                safi: 1,
                nextHops: opts.nextHopLinkLocal ? [opts.nextHop, opts.nextHopLinkLocal] : [opts.nextHop],
                nlri,
              },
            },
          };
    const msg = Buffer.from(encodeMessage(update, MODERN_CONTEXT));
    pending.push(msg);
    pendingBytes += msg.length;
    bytes += msg.length;
    messages++;
    sets++;
    i += groupSize;
    if (pendingBytes >= 1 << 20) {
      chunks.push(Buffer.concat(pending));
      pending = [];
      pendingBytes = 0;
    }
  }
  if (pending.length > 0) chunks.push(Buffer.concat(pending));
  return { chunks, messages, prefixes: opts.prefixes, bytes, attributeSets: sets };
}
