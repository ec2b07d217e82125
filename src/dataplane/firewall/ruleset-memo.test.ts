// The generator reuses what it compiled for a spec object it has seen: same objects, same script;
// a new object (a changed port) is compiled again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PortSpec } from '../port.js';
import { buildFirewallRuleset } from './ruleset.js';

const spec = (n: number, mac: string): PortSpec => ({
  id: `p${n}`, tap: `tap${n}`, mac, fixedIps: [{ address: `10.0.0.${n}`, prefixLen: 24 }], allowedAddressPairs: [], portSecurity: true,
});

test('rebuilding from the same spec objects gives the same script; a changed spec shows at once', () => {
  const a = spec(1, 'fa:16:3e:00:00:01');
  const bad = spec(2, 'fa:16:3e:00:00:02');
  const badTap = { ...bad, tap: 'bad tap!' };
  const first = buildFirewallRuleset([a, badTap], {});
  const again = buildFirewallRuleset([a, badTap], {});
  assert.equal(again.script, first.script);
  assert.deepEqual(again.errors.map((e) => e.code), first.errors.map((e) => e.code));
  assert.equal(first.errors.length, 1);
  const changed = buildFirewallRuleset([{ ...a, mac: 'fa:16:3e:00:00:99' }, badTap], {});
  assert.match(changed.script, /"tap1" \. fa:16:3e:00:00:99 \. 10\.0\.0\.1/);
  assert.doesNotMatch(changed.script, /fa:16:3e:00:00:01/);
  // the first object still compiles to what it did
  assert.equal(buildFirewallRuleset([a, badTap], {}).script, first.script);
});
