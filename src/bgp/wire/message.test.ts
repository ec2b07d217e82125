import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readMessageLength } from './header.js';
import { decodeMessage, encodeMessage } from './message.js';
import { frame, toHex, updateFrame, wireError } from './test-corpus.js';
import type { Message } from './types.js';
import { MODERN_CONTEXT } from './types.js';

test('a stream of messages decodes in place with (offset, length) from readMessageLength', () => {
  const msgs: Message[] = [
    { type: 'keepalive' },
    { type: 'route-refresh', afi: 1, safi: 1, subtype: 0 },
    { type: 'update', withdrawn: [], attributes: {}, nlri: [] },
    { type: 'notification', code: 6, subcode: 4, data: new Uint8Array(0) },
  ];
  const parts = msgs.map((m) => encodeMessage(m, MODERN_CONTEXT));
  const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0) + 5);
  let at = 0;
  for (const p of parts) {
    stream.set(p, at);
    at += p.length;
  }
  const out: Message[] = [];
  let off = 0;
  for (let len = readMessageLength(stream, off, MODERN_CONTEXT); len !== undefined && off + len <= at; len = readMessageLength(stream, off, MODERN_CONTEXT)) {
    out.push(decodeMessage(stream, MODERN_CONTEXT, off, len));
    off += len;
  }
  assert.deepEqual(out, msgs);
  assert.equal(off, at);
});

test('decoded values do not alias the input buffer', () => {
  const bytes = frame(3, '06 02 03 627965');
  const m = decodeMessage(bytes, MODERN_CONTEXT);
  bytes.fill(0);
  assert.deepEqual(m, { type: 'notification', code: 6, subcode: 2, data: new Uint8Array([3, 0x62, 0x79, 0x65]) });
});

test('the buffer, offset and length must agree with the header', () => {
  const ka = frame(4, '');
  assert.equal(wireError(() => decodeMessage(new Uint8Array([...ka, 0]), MODERN_CONTEXT)).code, 'ERR_BGP_HEADER_LENGTH'); // one byte too many
  assert.equal(wireError(() => decodeMessage(ka.subarray(0, 18), MODERN_CONTEXT)).code, 'ERR_BGP_HEADER_LENGTH');
  assert.equal(wireError(() => decodeMessage(ka, MODERN_CONTEXT, 0, 20)).code, 'ERR_BGP_HEADER_LENGTH'); // length past the buffer
  assert.equal(wireError(() => decodeMessage(ka, MODERN_CONTEXT, 5)).code, 'ERR_BGP_HEADER_LENGTH');
  const u = updateFrame('', '', '');
  assert.equal(wireError(() => decodeMessage(new Uint8Array([...u, ...u]), MODERN_CONTEXT, 0, 46)).code, 'ERR_BGP_HEADER_LENGTH');
  assert.deepEqual(decodeMessage(new Uint8Array([...u, ...u]), MODERN_CONTEXT, 23, 23), { type: 'update', withdrawn: [], attributes: {}, nlri: [] });
});

test('encodeMessage writes the header: marker, length, type', () => {
  const b = encodeMessage({ type: 'route-refresh', afi: 2, safi: 1, subtype: 0 }, MODERN_CONTEXT);
  assert.equal(toHex(b), 'ffffffffffffffffffffffffffffffff00170500020001');
  assert.equal(wireError(() => encodeMessage({ type: 'bogus' } as unknown as Message, MODERN_CONTEXT)).code, 'ERR_BGP_ENCODE_KIND');
});
