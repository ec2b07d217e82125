// Round trip of every message, capability and attribute: the decoded value equals the one
// constructed, and encoding it again gives the same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ATTRIBUTES } from './attributes.js';
import { capabilityCode } from './capabilities.js';
import { decodeMessage, encodeMessage } from './message.js';
import { CORPUS, toHex } from './test-corpus.js';
import type { Capability, Message, PathAttributes } from './types.js';

for (const entry of CORPUS) {
  test(`round trip: ${entry.name}`, () => {
    assert.ok(entry.contexts.length > 0);
    for (const ctx of entry.contexts) {
      const bytes = encodeMessage(entry.msg, ctx);
      const decoded = decodeMessage(bytes, ctx);
      assert.deepEqual(decoded, entry.msg);
      assert.equal(toHex(encodeMessage(decoded, ctx)), toHex(bytes));
    }
  });
}

test('the corpus covers every message type, capability kind and attribute in the table', () => {
  const types = new Set(CORPUS.map((e) => e.msg.type));
  assert.deepEqual([...types].sort(), ['keepalive', 'notification', 'open', 'route-refresh', 'update']);

  const caps = CORPUS.flatMap((e) => (e.msg.type === 'open' ? e.msg.capabilities : []));
  const kinds = new Set(caps.map((c: Capability) => c.kind));
  const allKinds: Capability['kind'][] = [
    'multiprotocol', 'route-refresh', 'extended-next-hop', 'extended-message', 'graceful-restart', 'four-octet-as',
    'add-path', 'enhanced-route-refresh', 'long-lived-gr', 'fqdn', 'unknown',
  ];
  for (const k of allKinds) assert.ok(kinds.has(k), `capability ${k} in the corpus`);
  assert.ok(caps.every((c) => capabilityCode(c) > 0));

  const attrs: PathAttributes[] = CORPUS.flatMap((e) => (e.msg.type === 'update' ? [e.msg.attributes] : []));
  const field: Record<number, keyof PathAttributes> = {
    1: 'origin', 2: 'asPath', 3: 'nextHop', 4: 'med', 5: 'localPref', 6: 'atomicAggregate', 7: 'aggregator', 8: 'communities',
    9: 'originatorId', 10: 'clusterList', 14: 'mpReach', 15: 'mpUnreach', 16: 'extCommunities', 17: 'asPath', 18: 'aggregator', 32: 'largeCommunities',
  };
  const known = ATTRIBUTES.flatMap((d) => (d ? [d.type] : []));
  assert.equal(known.length, 16);
  for (const t of known) {
    const f = field[t];
    assert.ok(f, `attribute ${t} has a field`);
    assert.ok(attrs.some((a) => a[f] !== undefined), `attribute ${t} (${f}) in the corpus`);
  }
  // AS4_PATH and AS4_AGGREGATOR: written for 4-octet values on a 2-octet session
  const as4 = CORPUS.find((e) => e.name.includes('AS4_PATH'))!;
  const m = as4.msg as Message & { type: 'update' };
  assert.ok(m.attributes.asPath!.some((s) => s.asns.some((a) => a > 0xffff)));
  assert.ok(m.attributes.aggregator!.asn > 0xffff);
});
