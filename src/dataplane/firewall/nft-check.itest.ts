// nft itself parses and accepts every golden script and a 5,000-port one: `nft -c -f` (check mode,
// needs root) and then a real load, twice (tables absent, then present), inside a scratch namespace.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabScope, type Netns } from '../../../lab/netns.js';
import type { PortSpec } from '../port.js';
import { GOLDEN_CASES } from './golden-ports.js';
import { buildFirewallRuleset } from './index.js';

let scope: LabScope;
let ns: Netns;

before(async () => {
  scope = await LabScope.create('fwnft');
  ns = await scope.netns('nft');
});
after(async () => {
  await scope?.cleanup();
});

const goldenPath = (name: string) => fileURLToPath(new URL(`./testdata/${name}.nft`, import.meta.url));

test('nft check mode rejects a broken script (the check below is not a no-op)', async () => {
  const file = join(scope.dir(), 'broken.nft');
  writeFileSync(file, 'table inet lagless {\n\tchain c {\n\t\tiifname . ether saddr @nosuchset accept\n\t}\n}\n');
  const r = await ns.exec(['nft', '-c', '-f', file]);
  assert.notEqual(r.code, 0);
});

test('every golden script passes `nft -c -f` and loads, also over itself', async (t) => {
  assert.ok(GOLDEN_CASES.length > 0);
  for (const c of GOLDEN_CASES) {
    await t.test(c.name, async () => {
      const file = goldenPath(c.name);
      await ns.run(['nft', 'flush', 'ruleset']);
      await ns.run(['nft', '-c', '-f', file]);
      await ns.run(['nft', '-f', file]); // tables absent
      await ns.run(['nft', '-f', file]); // tables present: replaced
      const table = c.opts?.tableName ?? 'lagless';
      const tables = (await ns.run(['nft', 'list', 'tables'])).trim().split('\n').sort();
      assert.deepEqual(tables, [`table arp ${table}`, `table inet ${table}`]);
      const fromTap = JSON.parse(await ns.run(['nft', '-j', 'list', 'map', 'inet', table, 'from_tap'])) as { nftables: { map?: { elem?: unknown[] } }[] };
      const elems = fromTap.nftables.find((o) => o.map)?.map?.elem ?? [];
      assert.equal(elems.length, new Set(c.ports.map((p) => p.tap)).size);
    });
  }
});

test('a 5,000-port ruleset passes the check and loads (figures: npm run bench -- firewall-ruleset)', async () => {
  const ports: PortSpec[] = [];
  for (let i = 0; i < 5000; i++) {
    const hi = ((i >> 8) & 255).toString(16).padStart(2, '0');
    const lo = (i & 255).toString(16).padStart(2, '0');
    ports.push({
      id: `port-${i}`,
      tap: `tap${String(i).padStart(11, '0')}`,
      mac: `fa:16:3e:00:${hi}:${lo}`,
      fixedIps: [
        { address: `10.${(i >> 8) & 255}.${i & 255}.10`, prefixLen: 24 },
        { address: `2001:db8::${i.toString(16)}`, prefixLen: 64 },
      ],
      allowedAddressPairs: i % 10 === 0 ? [{ ipAddress: `172.16.${i & 255}.0/24` }] : [],
      portSecurity: i % 100 !== 0,
    });
  }
  const { script, errors } = buildFirewallRuleset(ports);
  assert.deepEqual(errors, []);
  const file = join(scope.dir(), 'big.nft');
  writeFileSync(file, script);
  await ns.run(['nft', 'flush', 'ruleset']);
  await ns.run(['nft', '-c', '-f', file], { timeoutMs: 60_000 });
  await ns.run(['nft', '-f', file], { timeoutMs: 60_000 });
  await ns.run(['nft', '-f', file], { timeoutMs: 60_000 });
  const size = async (name: string) => {
    const json = JSON.parse(await ns.run(['nft', '-j', 'list', 'set', 'inet', 'lagless', name])) as { nftables: { set?: { elem?: unknown[] } }[] };
    return json.nftables.find((o) => o.set)?.set?.elem?.length;
  };
  assert.equal(await size('src4'), 4950); // the filtered ports' fixed IPv4 addresses
  assert.equal(await size('src4_net'), 450); // and their allowed-pair CIDRs
  assert.equal(await size('src6'), 4950 * 2); // fixed IPv6 and EUI-64 link-local
});
