import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { checkConfigFile, parseConfig } from './load.js';
import { printConfig } from './print.js';
import { canonicalIpv6 } from '../lib/ip.js';
import type { AgentConfig, ImportPrefix, UplinkConfig } from './types.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/agent.yaml', import.meta.url));
const GOLDEN = fileURLToPath(new URL('./testdata/agent.canonical.yaml', import.meta.url));

test('the shipped example passes the check and prints as the golden file', async () => {
  const r = await checkConfigFile(EXAMPLE);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  assert.equal(r.config.uplinks.length, 2);
  const printed = printConfig(r.config);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, printed);
  assert.equal(printed, readFileSync(GOLDEN, 'utf8'), 'canonical form changed: check it, then UPDATE_GOLDEN=1');
});

test('the golden file parses to the same config and prints identically (stable)', async () => {
  const example = await checkConfigFile(EXAMPLE);
  const golden = parseConfig(readFileSync(GOLDEN, 'utf8'));
  assert.ok(example.ok && golden.ok);
  assert.deepEqual(golden.config, example.config);
  assert.equal(printConfig(golden.config), readFileSync(GOLDEN, 'utf8'));
});

// Random valid configs, canonical values only: print -> parse must give the same config back.
const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((p) => p.join('.'));
const ipv6 = fc.tuple(fc.integer({ min: 0x2001, max: 0x2fff }), fc.nat(0xffff), fc.nat(0xffff)).map(([a, b, c]) => canonicalIpv6(`${a.toString(16)}:db8:${b.toString(16)}::${c.toString(16)}`)!);
const ipAny = fc.oneof(ipv4, ipv6);
const asnArb = fc.integer({ min: 1, max: 4294967295 }).filter((n) => n !== 23456);
const name = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,14}$/);
const hold = fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 65535 }));
const uplinkArb = (i: number): fc.Arbitrary<UplinkConfig> =>
  fc.record({
    holdTime: hold,
    peer: ipv4,
    local: fc.option(ipv4, { nil: null }),
    peerAsn: asnArb,
    port: fc.integer({ min: 1, max: 65535 }),
    connectRetry: fc.integer({ min: 1, max: 65535 }),
    passive: fc.boolean(),
    families: fc.constantFrom<UplinkConfig['families']>(['ipv4'], ['ipv6'], ['ipv4', 'ipv6'], ['ipv6', 'ipv4']),
    iface: name,
  }).map((u) => ({
    name: `up${i}`, interface: u.iface, peer: u.peer, peerAsn: u.peerAsn, localAddress: u.local, port: u.port,
    holdTime: u.holdTime, keepalive: Math.floor(u.holdTime / 3), connectRetry: u.connectRetry, passive: u.passive, families: u.families,
  }));
const importArb: fc.Arbitrary<ImportPrefix> = fc.integer({ min: 0, max: 32 }).chain((len) =>
  fc.integer({ min: len, max: 32 }).chain((ge) => fc.integer({ min: ge, max: 32 }).map((le) => ({ prefix: `0.0.0.0/${len}`, ge, le }))),
);
const configArb: fc.Arbitrary<AgentConfig> = fc.record({
  host: name,
  asn: asnArb,
  routerId: ipv4,
  loopback: fc.uniqueArray(ipAny, { maxLength: 3 }),
  uplinks: fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => uplinkArb(i)))),
  export: fc.record({ pools: fc.uniqueArray(fc.constantFrom('10.64.0.0/12', '2001:db8:100::/40', '192.0.2.0/24', '::/0'), { maxLength: 4 }) }),
  import: fc.record({ prefixes: fc.array(importArb, { maxLength: 3 }), maxPrefixes: fc.integer({ min: 1, max: 10_000_000 }) }),
  multipath: fc.record({ maxPaths: fc.integer({ min: 1, max: 256 }), relax: fc.boolean() }),
  source: fc.oneof(
    fc.record({ type: fc.constant('file' as const), path: fc.stringMatching(/^\/[a-z0-9 #:'"_.-]{1,30}$/) }),
    fc.record({ type: fc.constant('neutron' as const), transportUrl: fc.constantFrom('rabbit://u:p@10.0.0.1:5672/', 'amqp://h/v#x'), host: name, reportInterval: fc.integer({ min: 1, max: 3600 }), rpcTimeout: fc.integer({ min: 1, max: 600 }) }),
  ),
  dataplane: fc.record({ netns: fc.option(name, { nil: null }), metadataAddress: fc.option(ipv4, { nil: null }), gatewayV4: ipv4 }),
  control: fc.record({ socket: fc.stringMatching(/^\/[a-z0-9_.-]{1,40}$/) }),
  logging: fc.record({ level: fc.constantFrom('debug' as const, 'info' as const, 'warn' as const, 'error' as const) }),
  metrics: fc.record({ listen: fc.option(fc.constantFrom('0.0.0.0:9742', '[::]:9100', '127.0.0.1:1'), { nil: null }) }),
})
  .map((c) => JSON.parse(JSON.stringify(c)) as AgentConfig) // plain prototypes, as the parser makes
  .filter((c) => c.uplinks.every((u) => !c.loopback.includes(u.peer)) && new Set(c.uplinks.map((u) => `${u.peer}%${u.interface}:${u.port}`)).size === c.uplinks.length);

test('print -> parse round-trips any valid config, and printing is stable', () => {
  fc.assert(
    fc.property(configArb, (c) => {
      const text = printConfig(c);
      const r = parseConfig(text);
      if (!r.ok) throw new Error(`${text}\n${JSON.stringify(r.issues, null, 1)}`);
      assert.deepEqual(r.config, c);
      assert.equal(printConfig(r.config), text);
    }),
    { numRuns: 300 },
  );
});
