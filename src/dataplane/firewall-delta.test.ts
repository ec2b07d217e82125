import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFirewallRuleset } from './firewall/index.js';
import { elementDelta, splitScript } from './firewall-delta.js';
import type { PortSpec } from './port.js';
import { Dataplane } from './dataplane.js';
import { FakeKernel } from './fake/fake-kernel.js';

const port = (n: number, over: Partial<PortSpec> = {}): PortSpec => ({
  id: `p${n}`,
  tap: `tap${n}`,
  mac: `fa:16:3e:00:00:0${n}`,
  fixedIps: [{ address: `10.100.0.${10 + n}`, prefixLen: 16 }, { address: `2001:db8:100::${10 + n}`, prefixLen: 64 }],
  allowedAddressPairs: [],
  portSecurity: true,
  ...over,
});
const script = (ports: PortSpec[]) => buildFirewallRuleset(ports, {}).script;

test('a generated script splits into a skeleton that does not depend on the ports, and its elements', () => {
  const a = splitScript(script([port(1), port(2)]))!;
  const b = splitScript(script([]))!;
  assert.equal(a.skeleton, b.skeleton);
  assert.deepEqual(a.elements.get('inet lagless taps'), ['"tap1"', '"tap2"']);
  assert.deepEqual(a.elements.get('inet lagless from_tap'), ['"tap1" : jump spoof_check', '"tap2" : jump spoof_check']);
  assert.equal(b.elements.size, 0);
  assert.equal(splitScript('table inet x {\n\t\telements = {\n\t\t\t"a",\n'), undefined, 'an unterminated block');
});

test('adding a port adds its elements; removing one deletes them (map entries by key); nothing: empty', () => {
  const two = script([port(1), port(2)]);
  const three = script([port(1), port(2), port(3)]);
  const add = elementDelta(two, three)!;
  assert.ok(!add.includes('delete'), add);
  assert.match(add, /^add element inet lagless from_tap \{ "tap3" : jump spoof_check \}$/m);
  assert.match(add, /^add element inet lagless src4 \{ "tap3" \. fa:16:3e:00:00:03 \. 10\.100\.0\.13 \}$/m);
  assert.match(add, /^add element arp lagless from_tap \{ "tap3" : jump arp_check \}$/m);
  const del = elementDelta(three, two)!;
  assert.ok(!del.includes('add '), del);
  assert.match(del, /^delete element inet lagless from_tap \{ "tap3" \}$/m);
  assert.match(del, /^delete element inet lagless taps \{ "tap3" \}$/m);
  assert.equal(elementDelta(two, two), '');
});

test('a port that changes mode is a delete and an add of its map entry; deletes come first', () => {
  const d = elementDelta(script([port(1)]), script([port(1, { portSecurity: false })]))!;
  const lines = d.trim().split('\n');
  assert.ok(lines.indexOf('delete element inet lagless from_tap { "tap1" }') < lines.indexOf('add element inet lagless from_tap { "tap1" : accept }'), d);
});

test('different skeletons (other options) cannot be a delta', () => {
  assert.equal(elementDelta(script([port(1)]), buildFirewallRuleset([port(1)], { metadataAddress: '169.254.169.253' }).script), undefined);
  assert.equal(elementDelta('not a generated script', script([])), undefined);
});

test('the dataplane sends only the changed elements once its ruleset is in force; after drift, the whole script', async () => {
  const kernel = new FakeKernel();
  for (const n of [1, 2]) kernel.addLink(`tap${n}`);
  await kernel.settle();
  const dp = new Dataplane(kernel, { sweepIntervalMs: 0, eventDelayMs: 0 });
  await dp.start();
  dp.setPorts([port(1)]);
  dp.markInSync();
  assert.equal((await dp.flush()).firewall, 'applied');
  assert.match(kernel.firewallScripts.at(-1)!, /^add table inet lagless$/m, 'the first apply defines the tables');

  dp.setPorts([port(1), port(2)]);
  const r = await dp.flush();
  assert.equal(r.firewall, 'applied');
  assert.equal(dp.portStatus('p2')?.state, 'wired');
  await new Promise((res) => setImmediate(res));
  // the elements, then (not waited for by the flush) the marker moved to the new script's hash
  const [delta, marker] = kernel.firewallScripts.slice(-2);
  assert.doesNotMatch(delta!, /add table|counter/);
  assert.match(delta!, /^add element inet lagless taps \{ "tap2" \}$/m);
  assert.match(marker!, /^delete counter inet lagless lagless_applied\nadd counter inet lagless lagless_applied \{ comment "sha256:[0-9a-f]{64}"; \}\n$/);
  // a sweep finds the marker it expects: nothing to repair
  const applies = kernel.firewallApplies;
  assert.equal((await dp.sweep()).firewall, 'unchanged');
  assert.equal(kernel.firewallApplies, applies);

  // someone removed the tables: the next apply defines them again
  kernel.nftTables.clear();
  assert.equal((await dp.sweep()).firewall, 'applied');
  assert.match(kernel.firewallScripts.at(-1)!, /^add table inet lagless$/m);
  await dp.stop();
});
