// Throughput of two BgpSessions over loopback TCP: one sends UPDATEs, the other receives and
// decodes them (framing, decode, FSM step and hold-timer restart per message, 'update' event).
// Shapes: one /32 per UPDATE (the per-message cost), and 200 /32s per UPDATE (packed).
// Baseline in the same run: the codec alone (encode + decode of the same UPDATEs, in process),
// so the ratio shows what the session adds (TCP, framing, FSM, timers, events).
//   npm run bench -- session [messages]
import { once } from 'node:events';
import { decodeMessage, encodeMessage } from '../src/bgp/wire/index.js';
import { MODERN_CONTEXT } from '../src/bgp/wire/types.js';
import type { Prefix, UpdateMessage } from '../src/bgp/wire/types.js';
import { BgpListener, BgpSession } from '../src/bgp/session/index.js';

const messages = Number(process.argv[2] ?? 50_000);

function updateOf(first: number, count: number): UpdateMessage {
  const nlri: Prefix[] = [];
  for (let i = 0; i < count; i++) nlri.push({ afi: 1, addr: (0x0a000000 + first + i) >>> 0, len: 32 });
  return { type: 'update', withdrawn: [], attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [65002] }], nextHop: '127.0.0.2' }, nlri };
}

async function pair(): Promise<{ a: BgpSession; b: BgpSession; close: () => Promise<void> }> {
  const la = new BgpListener({ port: 0, addresses: ['127.0.0.1'] });
  const lb = new BgpListener({ port: 0, addresses: ['127.0.0.2'] });
  await la.listen();
  await lb.listen();
  const a = new BgpSession({ localAs: 65001, routerId: '10.0.0.1', peerAs: 65002, peerAddress: '127.0.0.2', localAddress: '127.0.0.1', port: lb.port, passive: true });
  const b = new BgpSession({ localAs: 65002, routerId: '10.0.0.2', peerAs: 65001, peerAddress: '127.0.0.1', localAddress: '127.0.0.2', port: la.port });
  la.add(a);
  lb.add(b);
  a.start();
  b.start();
  await Promise.all([a.state === 'established' ? undefined : once(a, 'established'), b.state === 'established' ? undefined : once(b, 'established')]);
  return {
    a,
    b,
    close: async () => {
      await b.stop();
      await a.stop();
      await la.close();
      await lb.close();
    },
  };
}

async function runShape(perUpdate: number, count: number): Promise<{ updates_per_s: number; prefixes_per_s: number; ms: number }> {
  const { a, b, close } = await pair();
  const batch: UpdateMessage[] = [];
  for (let i = 0; i < count; i++) batch.push(updateOf(i * perUpdate, perUpdate));
  let received = 0;
  const done = new Promise<void>((resolve) => {
    a.on('update', () => {
      if (++received === count) resolve();
    });
  });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1000) {
    if (!b.send(batch.slice(i, i + 1000))) await b.waitForDrain();
  }
  await done;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await close();
  return { updates_per_s: Math.round(count / (ms / 1000)), prefixes_per_s: Math.round((count * perUpdate) / (ms / 1000)), ms: Math.round(ms) };
}

/** The codec alone on the same UPDATEs: encode then decode each, no socket, no FSM, no events. */
function codecOnly(perUpdate: number, count: number): { ms: number } {
  const batch: UpdateMessage[] = [];
  for (let i = 0; i < count; i++) batch.push(updateOf(i * perUpdate, perUpdate));
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (const u of batch) n += (decodeMessage(encodeMessage(u, MODERN_CONTEXT), MODERN_CONTEXT) as UpdateMessage).nlri.length;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (n !== count * perUpdate) throw new Error('codec baseline lost prefixes');
  return { ms: Math.round(ms) };
}

const single = await runShape(1, messages);
const packed = await runShape(200, Math.max(1, Math.floor(messages / 10)));
const codec = codecOnly(1, messages);
console.log(`one /32 per UPDATE: ${single.updates_per_s} UPDATEs/s (${messages} in ${single.ms} ms)`);
console.log(`200 /32 per UPDATE: ${packed.prefixes_per_s} prefixes/s (${packed.ms} ms)`);
console.log(`codec alone (encode + decode) on the first shape: ${codec.ms} ms`);
console.log(
  JSON.stringify({
    messages,
    single_updates_per_s: single.updates_per_s,
    packed_prefixes_per_s: packed.prefixes_per_s,
    packed_updates_per_s: packed.updates_per_s,
    single_ms: single.ms,
    baseline_codec_ms: codec.ms,
    ratio_single_vs_codec: Number((single.ms / Math.max(1, codec.ms)).toFixed(1)),
  }),
);
