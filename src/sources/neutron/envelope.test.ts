import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeEnvelope, encodeEnvelope, encodeMessage, unwrapEnvelope, type OsloMessage } from './envelope.js';
import { NeutronError } from './errors.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();

interface Capture {
  published_to: { exchange: string; routing_key: string };
  envelope_raw: { 'oslo.version': string; 'oslo.message': string };
  'oslo.message_decoded': Record<string, unknown> & { failure_decoded?: Record<string, unknown> };
}
const load = (f: string) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Capture;

test('every captured message is there: 35 files from shared/reference/neutron-rpc', () => {
  assert.ok(files.length > 0);
  assert.equal(files.length, 35);
});

test('every captured message decodes to the shape its name says, with the captured fields', () => {
  let decoded = 0;
  for (const f of files) {
    const cap = load(f);
    const want = cap['oslo.message_decoded'];
    const msg = decodeEnvelope(JSON.stringify(cap.envelope_raw));
    const expectedKind = f.includes('.reply.') ? 'reply' : f.includes('.call.') ? 'call' : 'cast';
    assert.equal(msg.kind, expectedKind, f);
    if (msg.kind === 'reply') {
      assert.equal(msg.msgId, want['_msg_id'], f);
      assert.equal(msg.ending, true, f);
      assert.deepEqual(msg.result, want['result'], f);
      assert.equal(cap.published_to.exchange, '', f);
      if (want.failure_decoded) {
        assert.ok(msg.failure, f);
        assert.equal(msg.failure.class, want.failure_decoded['class'], f);
        assert.equal(msg.failure.module, want.failure_decoded['module'], f);
        assert.equal(msg.failure.message, want.failure_decoded['message'], f);
        assert.deepEqual(msg.failure.tb, want.failure_decoded['tb'], f);
      } else {
        assert.equal(msg.failure, null, f);
      }
    } else {
      assert.equal(msg.method, want['method'], f);
      assert.deepEqual(msg.args, want['args'], f);
      assert.equal(msg.version, want['version'], f);
      for (const [k, v] of Object.entries(want)) {
        if (k.startsWith('_context_')) assert.deepEqual(msg.context[k.slice('_context_'.length)], v, `${f} ${k}`);
      }
      if (msg.kind === 'call') {
        assert.equal(msg.msgId, want['_msg_id'], f);
        assert.equal(msg.replyQ, want['_reply_q'], f);
        assert.match(msg.replyQ, /^reply_[0-9a-f]{32}$/, f);
        assert.equal(cap.published_to.exchange, 'neutron', f);
      } else {
        assert.match(cap.published_to.exchange, /_fanout$/, f);
      }
    }
    decoded++;
  }
  assert.equal(decoded, files.length);
});

test('every captured message re-encodes to the same inner message and decodes back equal', () => {
  for (const f of files) {
    const cap = load(f);
    const msg = decodeEnvelope(JSON.stringify(cap.envelope_raw));
    const body = encodeEnvelope(msg);
    const outer = JSON.parse(body) as Record<string, unknown>;
    assert.equal(outer['oslo.version'], '2.0', f);
    assert.equal(typeof outer['oslo.message'], 'string', f);
    const inner = unwrapEnvelope(body);
    const want: Record<string, unknown> = { ...cap['oslo.message_decoded'] };
    delete want['failure_decoded'];
    if (typeof want['failure'] === 'string') {
      // Python writes ", " and ": " separators; compare the failure as data
      assert.deepEqual(JSON.parse(inner['failure'] as string), JSON.parse(want['failure']), f);
      delete want['failure'];
      delete inner['failure'];
    }
    assert.deepEqual(inner, want, f);
    assert.deepEqual(decodeEnvelope(body), msg, f);
    // bytes decode the same as text
    assert.deepEqual(decodeEnvelope(Buffer.from(body, 'utf8')), msg, f);
  }
});

test('inner key order follows oslo.messaging: method, args, version, ids, then context', () => {
  const call: OsloMessage = {
    kind: 'call', method: 'm', args: { a: 1 }, version: '1.9', msgId: 'a'.repeat(32), replyQ: `reply_${'b'.repeat(32)}`,
    timeout: null, uniqueId: 'c'.repeat(32), context: { is_admin: true },
  };
  assert.deepEqual(Object.keys(encodeMessage(call)), ['method', 'args', 'version', '_msg_id', '_reply_q', '_timeout', '_unique_id', '_context_is_admin']);
});

test('round trip: random calls, casts and replies', () => {
  const id = fc.stringMatching(/^[0-9a-f]{32}$/);
  const json = fc.jsonValue();
  const args = fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }).filter((k) => !k.startsWith('__')), json, { maxKeys: 4 });
  const ctx = fc.dictionary(fc.stringMatching(/^[a-z_]{1,12}$/), json, { maxKeys: 4 });
  const method = fc.stringMatching(/^[a-z_]{1,20}$/);
  const version = fc.option(fc.stringMatching(/^1\.[0-9]$/), { nil: undefined });
  const call = fc.record({ kind: fc.constant('call' as const), method, args, version, msgId: id, replyQ: id.map((x) => `reply_${x}`), timeout: fc.constant(null), uniqueId: id, context: ctx });
  const cast = fc.record({ kind: fc.constant('cast' as const), method, args, version, uniqueId: id, context: ctx });
  const failure = fc.option(
    fc.record({ class: fc.string(), module: fc.string(), message: fc.string(), tb: fc.array(fc.string()), args: fc.array(json), kwargs: fc.dictionary(fc.string(), json) }),
    { nil: null },
  );
  const reply = fc.record({ kind: fc.constant('reply' as const), msgId: id, uniqueId: id, result: json, failure, ending: fc.boolean() });
  fc.assert(
    fc.property(fc.oneof(call, cast, reply), (m) => {
      const clean = JSON.parse(JSON.stringify(m)) as OsloMessage; // drop undefined optional keys
      const back = decodeEnvelope(encodeEnvelope(clean));
      assert.deepEqual(JSON.parse(JSON.stringify(back)), JSON.parse(JSON.stringify(clean)));
    }),
    { numRuns: 300 },
  );
});

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof NeutronError, `not a NeutronError: ${String(e)}`);
    return e.code;
  }
  assert.fail('no error thrown');
}

const env = (inner: unknown, version: unknown = '2.0') => JSON.stringify({ 'oslo.version': version, 'oslo.message': typeof inner === 'string' ? inner : JSON.stringify(inner) });
const goodCall = { method: 'm', args: {}, _msg_id: 'a'.repeat(32), _reply_q: 'reply_x', _timeout: null, _unique_id: 'u' };

test('a context key "__proto__" stays an own key both ways (found by the round-trip property)', () => {
  const m = JSON.parse('{"kind":"cast","method":"_","args":{},"uniqueId":"aaa0aa0aa0aaaaaa0000a0aa000000aa","context":{"__proto__":[]}}') as OsloMessage;
  const back = decodeEnvelope(encodeEnvelope(m));
  assert.deepEqual(JSON.parse(JSON.stringify(back)), JSON.parse(JSON.stringify(m)));
  assert.equal(Object.getPrototypeOf((back as { context: object }).context), Object.prototype);
});

test('malformed bodies get coded errors', () => {
  assert.equal(code(() => decodeEnvelope('not json')), 'ERR_OSLO_JSON');
  assert.equal(code(() => decodeEnvelope(new Uint8Array([0xff, 0xfe]))), 'ERR_OSLO_JSON');
  assert.equal(code(() => decodeEnvelope('[1,2]')), 'ERR_OSLO_ENVELOPE');
  assert.equal(code(() => decodeEnvelope('{"method": "x"}')), 'ERR_OSLO_ENVELOPE'); // an unenveloped v1 message
  assert.equal(code(() => decodeEnvelope(JSON.stringify({ 'oslo.version': 2, 'oslo.message': '{}' }))), 'ERR_OSLO_ENVELOPE');
  assert.equal(code(() => decodeEnvelope(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': {} }))), 'ERR_OSLO_ENVELOPE');
  assert.equal(code(() => decodeEnvelope(env(goodCall, '3.0'))), 'ERR_OSLO_VERSION');
  assert.equal(code(() => decodeEnvelope(env(goodCall, '2.1'))), 'ERR_OSLO_VERSION');
  assert.equal(code(() => decodeEnvelope(env(goodCall, 'two'))), 'ERR_OSLO_VERSION');
  assert.equal(decodeEnvelope(env(goodCall, '2.0.1')).kind, 'call');
  assert.equal(code(() => decodeEnvelope(env('{"method":'))), 'ERR_OSLO_MESSAGE');
  assert.equal(code(() => decodeEnvelope(env('"just a string"'))), 'ERR_OSLO_MESSAGE');
  assert.equal(code(() => decodeEnvelope(env({ hello: 1 }))), 'ERR_OSLO_MESSAGE');
});

test('malformed messages name the field at fault', () => {
  const field = (inner: unknown) => {
    try {
      decodeEnvelope(env(inner));
    } catch (e) {
      assert.ok(e instanceof NeutronError);
      assert.equal(e.code, 'ERR_OSLO_MESSAGE');
      return e.field;
    }
    assert.fail('no error');
  };
  assert.equal(field({ ...goodCall, method: 5 }), 'method');
  assert.equal(field({ ...goodCall, method: '' }), 'method');
  assert.equal(field({ ...goodCall, args: [1] }), 'args');
  assert.equal(field({ ...goodCall, version: 1.9 }), 'version');
  assert.equal(field({ ...goodCall, _reply_q: undefined }), '_reply_q');
  assert.equal(field({ ...goodCall, _msg_id: 7 }), '_msg_id');
  assert.equal(field({ ...goodCall, _timeout: 'soon' }), '_timeout');
  assert.equal(field({ ...goodCall, _unique_id: undefined }), '_unique_id');
  assert.equal(field({ result: 1, _msg_id: 1 }), '_msg_id');
  assert.equal(field({ result: 1, _msg_id: 'x', ending: 'yes' }), 'ending');
  assert.equal(field({ result: null, _msg_id: 'x', failure: 42 }), 'failure');
  assert.equal(field({ result: null, _msg_id: 'x', failure: '{"class": "X"}' }), 'failure');
  assert.equal(field({ result: null, _msg_id: 'x', failure: '{"class": "X", "module": "m", "message": "", "tb": "nope"}' }), 'failure.tb');
});

test('a cast without args decodes with empty args; a reply without ending is not the last one', () => {
  const cast = decodeEnvelope(env({ method: 'port_delete' }));
  assert.equal(cast.kind, 'cast');
  assert.deepEqual(cast.kind === 'cast' && cast.args, {});
  const part = decodeEnvelope(env({ result: [1], _msg_id: 'x' }));
  assert.equal(part.kind === 'reply' && part.ending, false);
});
