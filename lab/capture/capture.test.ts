// The capture pipeline on synthetic pcaps: pcap records -> Ethernet/IPv4/IPv6/TCP -> per-direction
// reassembly by sequence number (out of order, retransmitted, overlapping) -> BGP framing -> description.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bgpMessagesFromPcap } from './bgp-capture.js';
import { splitBgpMessages } from './bgp-split.js';
import { describeMessage } from './describe.js';
import { PcapError, readPcapTcp } from './pcap.js';
import { reassembleTcp } from './tcp-stream.js';

// ---------------------------------------------------------------- building captures

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const MARKER = 'ff'.repeat(16);
const KEEPALIVE = hex(`${MARKER}001304`);
const EOR_V4 = hex(`${MARKER}00170200000000`);
// UPDATE: ORIGIN igp, AS_PATH [65002], NEXT_HOP 10.0.0.1, NLRI 10.2.0.0/24 and 10.2.1.0/24
const UPDATE_V4 = hex(`${MARKER}0033 02 0000 0014 400101 00 400206 0201 0000fdea 400304 0a000001 18 0a0200 18 0a0201`);
// NOTIFICATION Cease / admin shutdown with a shutdown communication "bye"
const CEASE = hex(`${MARKER}0019 03 06 02 03 627965`);

interface Seg { src: string; dst: string; sport: number; dport: number; seq: number; flags?: number; data?: Uint8Array }

function ipv4Bytes(s: string): number[] {
  return s.split('.').map(Number);
}

function tcpHeader(s: Seg): Uint8Array {
  const t = new Uint8Array(20);
  const dv = new DataView(t.buffer);
  dv.setUint16(0, s.sport);
  dv.setUint16(2, s.dport);
  dv.setUint32(4, s.seq >>> 0);
  dv.setUint32(8, 0);
  t[12] = 5 << 4;
  t[13] = s.flags ?? 0x18; // PSH|ACK
  dv.setUint16(14, 65535);
  return t;
}

function frame(s: Seg): Uint8Array {
  const data = s.data ?? new Uint8Array(0);
  const tcp = new Uint8Array([...tcpHeader(s), ...data]);
  const v6 = s.src.includes(':');
  const eth = [0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, ...(v6 ? [0x86, 0xdd] : [0x08, 0x00])];
  if (!v6) {
    const ip = new Uint8Array(20);
    const dv = new DataView(ip.buffer);
    ip[0] = 0x45;
    dv.setUint16(2, 20 + tcp.length);
    ip[8] = 64;
    ip[9] = 6;
    ip.set(ipv4Bytes(s.src), 12);
    ip.set(ipv4Bytes(s.dst), 16);
    return new Uint8Array([...eth, ...ip, ...tcp]);
  }
  const ip = new Uint8Array(40);
  const dv = new DataView(ip.buffer);
  ip[0] = 0x60;
  dv.setUint16(4, tcp.length);
  ip[6] = 6;
  ip[7] = 64;
  ip.set(v6Bytes(s.src), 8);
  ip.set(v6Bytes(s.dst), 24);
  return new Uint8Array([...eth, ...ip, ...tcp]);
}

function v6Bytes(s: string): number[] {
  const [head = '', tail = ''] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 255]);
}

function pcap(frames: Uint8Array[], opts: { bigEndian?: boolean; linktype?: number } = {}): Uint8Array {
  const le = !opts.bigEndian;
  const parts: Uint8Array[] = [];
  const gh = new DataView(new ArrayBuffer(24));
  gh.setUint32(0, 0xa1b2c3d4, le);
  gh.setUint16(4, 2, le);
  gh.setUint16(6, 4, le);
  gh.setUint32(16, 262144, le);
  gh.setUint32(20, opts.linktype ?? 1, le);
  parts.push(new Uint8Array(gh.buffer));
  frames.forEach((f, i) => {
    const rh = new DataView(new ArrayBuffer(16));
    rh.setUint32(0, 1_800_000_000 + i, le);
    rh.setUint32(4, 1000 * i, le);
    rh.setUint32(8, f.length, le);
    rh.setUint32(12, f.length, le);
    parts.push(new Uint8Array(rh.buffer), f);
  });
  return new Uint8Array(Buffer.concat(parts));
}

const A = { src: '10.0.0.0', dst: '10.0.0.1', sport: 40000, dport: 179 };
const B = { src: '10.0.0.1', dst: '10.0.0.0', sport: 179, dport: 40000 };

// ---------------------------------------------------------------- tests

test('readPcapTcp reads Ethernet/IPv4 and IPv6 TCP segments in either byte order', () => {
  const frames = [frame({ ...A, seq: 100, flags: 0x02 }), frame({ src: 'fd00::a', dst: 'fd00::b', sport: 1, dport: 179, seq: 7, data: KEEPALIVE })];
  for (const bigEndian of [false, true]) {
    const segs = readPcapTcp(pcap(frames, { bigEndian }));
    assert.equal(segs.length, 2);
    assert.deepEqual([segs[0]!.src, segs[0]!.dst, segs[0]!.syn, segs[0]!.seq], ['10.0.0.0', '10.0.0.1', true, 100]);
    assert.deepEqual([segs[1]!.src, segs[1]!.dst, segs[1]!.dstPort], ['fd00::a', 'fd00::b', 179]);
    assert.deepEqual(segs[1]!.payload, KEEPALIVE);
    assert.equal(segs[1]!.timeUs, (1_800_000_001) * 1e6 + 1000);
  }
});

test('readPcapTcp refuses what it cannot read, with a coded error', () => {
  const isFormat = (e: unknown) => e instanceof PcapError && e.code === 'ERR_PCAP_FORMAT';
  assert.throws(() => readPcapTcp(new Uint8Array(10)), isFormat);
  assert.throws(() => readPcapTcp(hex(`0a0d0d0a${'00'.repeat(24)}`)), /pcapng/);
  assert.throws(() => readPcapTcp(pcap([frame({ ...A, seq: 1 })], { linktype: 147 })), isFormat);
  const whole = pcap([frame({ ...A, seq: 1, data: KEEPALIVE })]);
  const cut = whole.subarray(0, whole.length - 5);
  assert.throws(() => readPcapTcp(cut), isFormat);
  assert.deepEqual(readPcapTcp(cut, { partial: true }), []); // the record being written is left out
});

test('reassembly orders segments by sequence number and ignores retransmissions and overlaps', () => {
  const stream = new Uint8Array([...UPDATE_V4, ...KEEPALIVE, ...EOR_V4]); // 51 + 19 + 23 octets
  const isn = 0xfffffff0; // wraps around 2^32 inside the stream
  const at = (off: number, len: number) => ({ ...A, seq: (isn + 1 + off) >>> 0, data: stream.subarray(off, off + len) });
  const frames = [
    frame({ ...A, seq: isn, flags: 0x02 }),
    frame({ ...B, seq: 5000, flags: 0x12 }),
    frame(at(30, 40)), // out of order
    frame(at(0, 30)),
    frame(at(0, 30)), // retransmission
    frame(at(60, 35)), // overlaps the previous one
    frame({ ...B, seq: 5001, data: KEEPALIVE }),
  ];
  const streams = reassembleTcp(readPcapTcp(pcap(frames)));
  assert.equal(streams.length, 2);
  const ab = streams.find((s) => s.src === A.src)!;
  assert.equal(ab.complete, true);
  assert.equal(ab.sawSyn, true);
  assert.deepEqual(ab.data, stream);
  const split = splitBgpMessages(ab.data);
  assert.deepEqual(split.messages.map((m) => m.type), [2, 4, 2]);
  assert.equal(split.trailing, 0);
  const ba = streams.find((s) => s.src === B.src)!;
  assert.deepEqual(ba.data, KEEPALIVE);
});

test('a hole ends the usable stream; a new SYN starts a new connection on the same ports', () => {
  const frames = [
    frame({ ...A, seq: 0, flags: 0x02 }),
    frame({ ...A, seq: 1, data: KEEPALIVE }),
    frame({ ...A, seq: 1 + 19 + 19, data: KEEPALIVE }), // the second keepalive was not captured
    frame({ ...A, seq: 900, flags: 0x02 }),
    frame({ ...A, seq: 901, data: CEASE }),
  ];
  const streams = reassembleTcp(readPcapTcp(pcap(frames)));
  assert.equal(streams.length, 2);
  assert.equal(streams[0]!.complete, false);
  assert.deepEqual(streams[0]!.data, KEEPALIVE);
  assert.deepEqual(streams[1]!.data, CEASE);
});

test('splitBgpMessages keeps a cut last message out and stops where the marker is lost', () => {
  const cut = new Uint8Array([...KEEPALIVE, ...UPDATE_V4.subarray(0, 30)]);
  assert.deepEqual(splitBgpMessages(cut), { messages: [{ offset: 0, bytes: KEEPALIVE, type: 4 }], trailing: 30 });
  const bad = new Uint8Array([...KEEPALIVE, 0, ...KEEPALIVE]);
  const r = splitBgpMessages(bad);
  assert.equal(r.messages.length, 1);
  assert.equal(r.desyncAt, 19);
  const badLen = hex(`${MARKER}001204`); // length 18 < 19
  assert.equal(splitBgpMessages(badLen).desyncAt, 0);
});

test('bgpMessagesFromPcap gives each message with its sender, in order per connection', () => {
  const frames = [
    frame({ ...A, seq: 0, flags: 0x02 }),
    frame({ ...B, seq: 0, flags: 0x12 }),
    frame({ ...A, seq: 1, data: new Uint8Array([...UPDATE_V4, ...EOR_V4]) }),
    frame({ ...B, seq: 1, data: CEASE }),
  ];
  const msgs = bgpMessagesFromPcap(pcap(frames));
  assert.deepEqual(msgs.map((m) => [m.src, m.desc.kind]), [['10.0.0.0', 'update'], ['10.0.0.0', 'update'], ['10.0.0.1', 'notification']]);
  assert.deepEqual(msgs[0]!.desc.announced, ['10.2.0.0/24', '10.2.1.0/24']);
});

test('describeMessage notes and tags', () => {
  const u = describeMessage(UPDATE_V4);
  assert.equal(u.note, 'UPDATE IPv4 NLRI x2; attributes: ORIGIN AS_PATH NEXT_HOP');
  assert.ok(u.tags.includes('ipv4-nlri'));
  assert.deepEqual(describeMessage(EOR_V4).tags, ['eor', 'eor-ipv4']);
  // IPv6 EoR: an UPDATE with only an empty MP_UNREACH for 2/1
  assert.equal(describeMessage(hex(`${MARKER}001d0200000006800f03000201`)).note, 'UPDATE End-of-RIB ipv6 unicast (empty MP_UNREACH)');
  assert.equal(describeMessage(CEASE).note, 'NOTIFICATION 6/2 Cease / Administrative Shutdown, shutdown communication "bye"');
  // OPEN: version 4, AS 65002, hold 9, id 10.255.0.2, capabilities MP 1/1 and 4-octet AS 65002
  const open = hex(`${MARKER}0029 01 04 fdea 0009 0aff0002 0c 020a 0104 00010001 4104 0000fdea`);
  assert.equal(describeMessage(open).note, 'OPEN as 65002 hold 9 id 10.255.0.2; capabilities: multiprotocol 1/1, four-octet-as 65002');
  // garbage never throws
  assert.equal(describeMessage(hex(`${MARKER}0016 02 ffff 00`)).kind, 'update');
});
