import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TcpSegment } from '../../lab/capture/pcap.js';
import { timedUpdates } from './bgp-timeline.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const MARKER = 'ff'.repeat(16);
const KEEPALIVE = hex(`${MARKER}001304`);
// ORIGIN igp, AS_PATH [65002], NEXT_HOP 10.0.0.1, NLRI 10.2.0.0/24 and 10.2.1.0/24
const UPDATE = hex(`${MARKER}0033 02 0000 0014 400101 00 400206 0201 0000fdea 400304 0a000001 18 0a0200 18 0a0201`);
// withdrawn 10.2.0.0/24
const WITHDRAW = hex(`${MARKER}001b 02 0004 18 0a0200 0000`);

let index = 0;
const seg = (seq: number, payload: Uint8Array, timeUs: number, syn = false): TcpSegment => ({
  index: index++, timeUs, src: '10.0.0.1', dst: '10.0.0.0', srcPort: 40000, dstPort: 179, seq, ack: 0, syn, fin: false, rst: false, payload,
});
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

test('an UPDATE split over two segments takes the time of the second; keepalives are skipped', () => {
  const stream = cat(KEEPALIVE, UPDATE);
  const u = timedUpdates([seg(1000, stream.subarray(0, 30), 5_000), seg(1030, stream.subarray(30), 7_500)]);
  assert.deepEqual(u, [{ timeMs: 7.5, src: '10.0.0.1', dst: '10.0.0.0', announced: ['10.2.0.0/24', '10.2.1.0/24'], withdrawn: [] }]);
});

test('a capture starting mid-message finds the next marker; retransmissions are not counted twice', () => {
  const stream = cat(UPDATE, WITHDRAW);
  const tail = UPDATE.length - 10; // the capture began 10 octets before the end of the UPDATE
  const segs = [seg(5000, stream.subarray(tail, UPDATE.length), 1_000), seg(5000 + 10, WITHDRAW, 2_000), seg(5000 + 10, WITHDRAW, 3_000)];
  assert.deepEqual(timedUpdates(segs).map((x) => [x.timeMs, x.withdrawn]), [[2, ['10.2.0.0/24']]]);
});

test('a hole drops the cut message and resynchronises on the next marker', () => {
  const u = timedUpdates([seg(1, UPDATE.subarray(0, 20), 1_000, false), seg(500, WITHDRAW, 2_000)]);
  assert.deepEqual(u.map((x) => x.withdrawn), [['10.2.0.0/24']]);
});
