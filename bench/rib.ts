// Benchmark: the RIB alone (src/bgp/rib), no codec, no sockets.
//   npm run bench -- rib [prefixes=1000000] [perUpdate=500]
// Two eBGP peers in one neighbour AS (the two ToRs of a rack) each send the same `prefixes` IPv4
// /24s in UPDATE-shaped batches of `perUpdate` prefixes sharing one attribute set (every batch its
// own set, equal AS-path length: every prefix ends with a 2-path ECMP set). A FIB listener counts
// events, as the speaker's would. Figures: ingest rate (routes = prefix x peer, and prefixes),
// heap bytes per prefix after a full GC (the decoded messages dropped first), attribute sets
// held, the time to drop one peer (session down), the rate for one prefix per UPDATE (each with
// its own attribute set), and packing figures for an Adj-RIB-Out.
// Heap is measured with process.memoryUsage().heapUsed after global.gc() (the runner passes
// --expose-gc). The last output line is one JSON object.
import { Rib } from '../src/bgp/rib/index.js';
import { MODERN_CONTEXT, type Prefix, type UpdateMessage } from '../src/bgp/wire/types.js';

const PREFIXES = Number(process.argv[2] ?? 1_000_000);
const PER_UPDATE = Number(process.argv[3] ?? 500);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc (npm run bench -- rib does)');

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** The UPDATEs one peer sends: batch b shares attribute set b (AS path 65100 <origin AS of batch b>). */
function peerUpdates(nextHop: string): UpdateMessage[] {
  const out: UpdateMessage[] = [];
  for (let start = 0, b = 0; start < PREFIXES; start += PER_UPDATE, b++) {
    const nlri: Prefix[] = [];
    for (let i = start; i < Math.min(PREFIXES, start + PER_UPDATE); i++) nlri.push({ afi: 1, addr: (0x01000000 + i * 256) >>> 0, len: 24 });
    out.push({
      type: 'update',
      withdrawn: [],
      nlri,
      attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [65100, 64600 + (b % 300), 4200000000 + b] }], nextHop, ...(b % 3 === 0 && { communities: [65100 * 65536 + (b & 0xffff)] }) },
    });
  }
  return out;
}

const session = (addr: string) => ({ ctx: MODERN_CONTEXT, families: ['1/1' as const], localAddress: addr, routerId: '0.0.0.0' });

const base = heap();
const rib = new Rib({ asn: 65010, routerId: '10.255.0.10' });
rib.addPeer({ id: 'tor1', asn: 65100, address: '10.1.0.0' });
rib.addPeer({ id: 'tor2', asn: 65100, address: '10.2.0.0' });
rib.peerUp('tor1', { ...session('10.1.0.1'), routerId: '10.255.0.1' });
rib.peerUp('tor2', { ...session('10.2.0.1'), routerId: '10.255.0.2' });
let fibEvents = 0;
rib.onChange(() => fibEvents++);

let u1: UpdateMessage[] | undefined = peerUpdates('10.1.0.0');
let u2: UpdateMessage[] | undefined = peerUpdates('10.2.0.0');
const t0 = performance.now();
for (let i = 0; i < u1.length; i++) {
  rib.receive('tor1', u1[i]!);
  rib.receive('tor2', u2[i]!);
}
const ingestMs = performance.now() - t0;
const flushed = rib.flush().length; // learned routes are not exported (hypervisor policy): nothing to send
const updates = u1.length * 2;
u1 = u2 = undefined;
const after = heap();

const best = rib.bestRoute({ afi: 1, addr: 0x01000000, len: 24 });
if (rib.size.prefixes !== PREFIXES || best?.ecmp.length !== 2) throw new Error(`unexpected RIB state: ${rib.size.prefixes} prefixes, ecmp ${best?.ecmp.length}`);
const sets = rib.size.attributeSets;
const ingestEvents = fibEvents;

const t1 = performance.now();
let downEvents = 0;
const off = rib.onChange(() => downEvents++);
rib.peerDown('tor2');
const peerDownMs = performance.now() - t1;
off();
if (rib.bestRoute({ afi: 1, addr: 0x01000000, len: 24 })?.ecmp.length !== 1) throw new Error('peer down did not shrink the ECMP set');

// The other extreme: one prefix per UPDATE, every one with its own attribute set (so every
// route interns a new set), as a ToR sends the host routes of many hypervisors.
const SINGLES = Math.min(200_000, PREFIXES);
rib.addPeer({ id: 'tor4', asn: 65100, address: '10.4.0.0' });
rib.peerUp('tor4', { ...session('10.4.0.1'), routerId: '10.255.0.4' });
const singles: UpdateMessage[] = Array.from({ length: SINGLES }, (_, i) => ({
  type: 'update',
  withdrawn: [],
  nlri: [{ afi: 1, addr: (0x0b000000 + i) >>> 0, len: 32 }],
  attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [65100, 4200000000 + i] }], nextHop: '10.4.0.0' },
}));
const t3 = performance.now();
for (const u of singles) rib.receive('tor4', u);
const singlesMs = performance.now() - t3;

// Adj-RIB-Out: 20,000 local /32s (a big hypervisor) packed for a newly established peer
const locals = Array.from({ length: 20_000 }, (_, i) => ({ prefix: { afi: 1 as const, addr: (0x0a000000 + i) >>> 0, len: 32 } }));
rib.setLocalRoutes(locals);
rib.addPeer({ id: 'tor3', asn: 65100, address: '10.3.0.0' });
const t2 = performance.now();
const initial = rib.peerUp('tor3', { ...session('10.3.0.1'), routerId: '10.255.0.3' });
const packMs = performance.now() - t2;

const result = {
  bench: 'rib',
  prefixes: PREFIXES,
  peers: 2,
  prefixes_per_update: PER_UPDATE,
  updates,
  ingest_ms: Math.round(ingestMs),
  routes_per_s: Math.round((2 * PREFIXES) / (ingestMs / 1000)),
  prefixes_per_s: Math.round(PREFIXES / (ingestMs / 1000)),
  heap_bytes_per_prefix: Math.round((after - base) / PREFIXES),
  heap_mib: Math.round((after - base) / 1048576),
  attribute_sets: sets,
  fib_events: ingestEvents,
  flushed_peers: flushed,
  peer_down_ms: Math.round(peerDownMs),
  single_prefix_updates: SINGLES,
  single_prefix_routes_per_s: Math.round(SINGLES / (singlesMs / 1000)),
  peer_down_events: downEvents,
  pack_local_routes: locals.length,
  pack_updates: initial.length,
  pack_ms: Math.round(packMs),
  heap_method: 'process.memoryUsage().heapUsed after gc(), minus the same before the RIB was built; decoded UPDATEs dropped first',
  node: process.version,
};
console.log(JSON.stringify(result));
