// Incremental firewall updates against real nft (1.0.6): the ruleset after a full load of A and
// the element delta A -> B is the same as after a full load of B (chains, rules, counters' names,
// every set's elements), for ports added, removed, changing mode, with allowed-address pairs
// (interval sets) and IPv6 targets; the marker names B's hash. Two scratch namespaces.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LabScope, type Netns } from '../../lab/netns.js';
import { buildFirewallRuleset } from './firewall/index.js';
import { elementDelta } from './firewall-delta.js';
import type { PortSpec } from './port.js';
import { listingHasMarker, markScript, remarkCommands } from './ruleset-marker.js';

let scope: LabScope;
let stepwise: Netns;
let direct: Netns;
before(async () => {
  scope = await LabScope.create('fwdelta');
  stepwise = await scope.netns('a');
  direct = await scope.netns('b');
});
after(async () => {
  await scope?.cleanup();
});

const port = (n: number, over: Partial<PortSpec> = {}): PortSpec => ({
  id: `p${n}`,
  tap: `tap${n}`,
  mac: `fa:16:3e:00:00:${n.toString(16).padStart(2, '0')}`,
  fixedIps: [{ address: `10.100.0.${10 + n}`, prefixLen: 16 }, { address: `2001:db8:100::${(10 + n).toString(16)}`, prefixLen: 64 }],
  allowedAddressPairs: [],
  portSecurity: true,
  ...over,
});

/** The ruleset as comparable data: JSON of `nft -j list ruleset`, set elements sorted, handles dropped. */
async function ruleset(ns: Netns): Promise<unknown> {
  const j = JSON.parse(await ns.run(['nft', '-j', '-s', 'list', 'ruleset'])) as { nftables: Record<string, Record<string, unknown>>[] };
  return j.nftables
    .filter((o) => !('metainfo' in o))
    .map((o) => {
      const [kind, body] = Object.entries(o)[0]!;
      const { handle: _h, ...rest } = body as Record<string, unknown>;
      if (Array.isArray(rest.elem)) rest.elem = (rest.elem as unknown[]).map((e) => JSON.stringify(e)).sort();
      if (kind === 'counter') delete rest.comment; // the marker's hash differs by design: checked apart
      return { [kind]: rest };
    })
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

const STEPS: { readonly what: string; readonly ports: PortSpec[] }[] = [
  { what: 'two ports', ports: [port(1), port(2)] },
  { what: 'a third port', ports: [port(1), port(2), port(3)] },
  { what: 'one removed', ports: [port(1), port(3)] },
  { what: 'port security off', ports: [port(1), port(3, { portSecurity: false })] },
  { what: 'allowed address pairs (interval sets)', ports: [port(1, { allowedAddressPairs: [{ ipAddress: '10.200.0.0/24' }, { ipAddress: '2001:db8:200::/64', macAddress: 'fa:16:3e:aa:00:01' }] }), port(3, { portSecurity: false })] },
  { what: 'a new MAC and addresses', ports: [port(1, { mac: 'fa:16:3e:00:01:01', fixedIps: [{ address: '10.100.5.5', prefixLen: 16 }] })] },
  { what: 'none', ports: [] },
];

test('full(A) + delta(A -> B) equals full(B), step after step', async () => {
  let prev: string | undefined;
  for (const step of STEPS) {
    const built = buildFirewallRuleset(step.ports, {});
    const marked = markScript(built.script);
    if (prev === undefined) await stepwise.run(['nft', '-f', '-'], { input: marked.script });
    else {
      const delta = elementDelta(prev, built.script);
      assert.ok(delta !== undefined, `${step.what}: no delta`);
      await stepwise.run(['nft', '-f', '-'], { input: `${delta}${remarkCommands(marked.tables, marked.hash)}` });
    }
    await direct.run(['nft', 'flush', 'ruleset']);
    await direct.run(['nft', '-f', '-'], { input: marked.script });
    const got = await ruleset(stepwise);
    assert.deepEqual(got, await ruleset(direct), step.what);
    for (const p of step.ports) assert.ok(JSON.stringify(got).includes(`\\"${p.tap}\\"`), `${step.what}: ${p.tap} is in the compared sets`);
    const listing = await stepwise.run(['nft', '-s', 'list', 'table', 'inet', 'lagless']);
    assert.ok(listingHasMarker(listing, marked.hash), `${step.what}: the marker names the new script`);
    prev = built.script;
  }
});

test('a delta that does not apply (an element already gone) fails as a whole: nothing changes', async () => {
  const a = buildFirewallRuleset([port(1), port(2)], {}).script;
  const b = buildFirewallRuleset([port(1)], {}).script;
  await stepwise.run(['nft', 'flush', 'ruleset']);
  await stepwise.run(['nft', '-f', '-'], { input: markScript(b).script });
  const before = await ruleset(stepwise);
  const r = await stepwise.exec(['nft', '-f', '-'], { input: elementDelta(a, b)! });
  assert.notEqual(r.code, 0, 'deleting tap2 that is not there must fail');
  assert.deepEqual(await ruleset(stepwise), before);
});
