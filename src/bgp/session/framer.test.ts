import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BgpWireError } from '../wire/errors.js';
import { decodeMessage, encodeMessage } from '../wire/index.js';
import { DEFAULT_CONTEXT, MODERN_CONTEXT } from '../wire/types.js';
import type { Message, UpdateMessage } from '../wire/types.js';
import { Framer } from './framer.js';

const update: UpdateMessage = {
  type: 'update',
  withdrawn: [],
  attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [65002] }], nextHop: '10.0.0.2' },
  nlri: [{ afi: 1, addr: 0x0a000001, len: 32 }],
};
const stream: Message[] = [
  { type: 'keepalive' },
  update,
  { type: 'notification', code: 6, subcode: 2, data: new Uint8Array([0]) },
  { type: 'route-refresh', afi: 1, safi: 1, subtype: 0 },
];
const bytes = Buffer.concat(stream.map((m) => encodeMessage(m, MODERN_CONTEXT)));

/** NOTIFICATION data decoded from a Buffer chunk is a Buffer view: compare bytes, not classes */
const plain = (m: Message): Message => (m.type === 'notification' ? { ...m, data: Uint8Array.from(m.data) } : m);

function drain(f: Framer): Message[] {
  const out: Message[] = [];
  for (let m = f.next(MODERN_CONTEXT); m !== undefined; m = f.next(MODERN_CONTEXT)) out.push(plain(decodeMessage(m, MODERN_CONTEXT)));
  return out;
}

test('several messages in one chunk come out one by one', () => {
  const f = new Framer();
  f.push(bytes);
  assert.deepEqual(drain(f), stream);
  assert.equal(f.buffered, 0);
});

test('a message split across chunks waits for its last byte, at every split point', () => {
  for (let cut = 1; cut < bytes.length; cut++) {
    const f = new Framer();
    f.push(bytes.subarray(0, cut));
    const first = drain(f);
    f.push(bytes.subarray(cut));
    assert.deepEqual([...first, ...drain(f)], stream, `cut at ${cut}`);
  }
});

test('one byte at a time', () => {
  const f = new Framer();
  const out: Message[] = [];
  for (const b of bytes) {
    f.push(Uint8Array.of(b));
    out.push(...drain(f));
  }
  assert.deepEqual(out, stream);
});

test('a bad marker throws the header error Connection Not Synchronized as soon as the header is in', () => {
  const bad = Uint8Array.from(bytes.subarray(0, 19));
  bad[3] = 0;
  const f = new Framer();
  f.push(bad.subarray(0, 18));
  assert.equal(f.next(DEFAULT_CONTEXT), undefined);
  f.push(bad.subarray(18));
  assert.throws(() => f.next(DEFAULT_CONTEXT), (e: unknown) => {
    assert.ok(e instanceof BgpWireError);
    assert.equal(e.notifCode, 1);
    assert.equal(e.notifSubcode, 1);
    assert.equal(e.action, 'session-reset');
    return true;
  });
});

test('a length above 4096 without extended messages is a Bad Message Length header error', () => {
  const big = Uint8Array.from(bytes.subarray(19, 38)); // the UPDATE's header
  big[16] = 0x10;
  big[17] = 0x01; // 4097
  const f = new Framer();
  f.push(big);
  assert.throws(() => f.next(DEFAULT_CONTEXT), (e: unknown) => e instanceof BgpWireError && e.notifCode === 1 && e.notifSubcode === 2);
  // the same length is fine once extended messages are negotiated (it then waits for the body)
  const g = new Framer();
  g.push(big);
  assert.equal(g.next({ ...DEFAULT_CONTEXT, extendedMessage: true }), undefined);
});
