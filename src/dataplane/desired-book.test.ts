import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DesiredBook } from './desired-book.js';
import { buildDesired, portObjects, TAP_SYSCTLS, type PortObjects } from './wiring.js';
import { validatePort, validateRoute, type ValidRoute, type WirablePort } from './validate.js';
import type { DesiredState } from './model.js';

const defaults = new Map(TAP_SYSCTLS.map(([t]) => [t, '0']));
const opts = { metric: 20, defaultGatewayV4: '169.254.1.1', tapSysctlDefaults: defaults };

/** Candidate ports: n selects the tap, v a variant (address, gateway, MAC), so specs change between steps. */
function objectsFor(n: number, v: number): PortObjects {
  const w = validatePort({
    id: `p${n}`,
    tap: `tap${n}`,
    mac: `02:00:00:00:0${v}:0${n}`,
    fixedIps: [
      { address: `10.0.${v}.${n + 10}`, prefixLen: 24, ...(v === 2 ? {} : { gateway: `10.0.${v % 2}.1` }) },
      ...(v === 1 ? [{ address: `2001:db8::${n + 10}`, prefixLen: 64, gateway: '2001:db8::1' }] : []),
    ],
    allowedAddressPairs: [],
    portSecurity: true,
  }) as WirablePort;
  return portObjects(w, opts);
}

const learned: ValidRoute[] = [
  validateRoute({ prefix: '0.0.0.0/0', nextHops: [{ via: '192.0.2.1' }] }) as ValidRoute,
  validateRoute({ prefix: '10.0.0.11/32', nextHops: [{ via: '192.0.2.1' }] }) as ValidRoute, // collides with p1 variant 0
];

const entries = (d: DesiredState) =>
  JSON.stringify([d.links, d.sysctls, d.addresses, d.neighbours, d.routes].map((m) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1))));

test('patching the desired state port by port gives exactly what a rebuild gives', () => {
  const memo = new Map<string, PortObjects>();
  const objects = (n: number, v: number) => {
    const k = `${n}/${v}`;
    if (!memo.has(k)) memo.set(k, objectsFor(n, v));
    return memo.get(k) as PortObjects;
  };
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2 })), { maxLength: 6 }), { minLength: 1, maxLength: 12 }),
      (steps) => {
        const book = new DesiredBook(20, true);
        let patched = 0;
        for (const step of steps) {
          const byTap = new Map(step.map(([n, v]) => [n, v])); // one variant per tap
          const ready = [...byTap].map(([n, v]) => ({ id: `p${n}`, objects: objects(n, v) }));
          const got = book.update(ready, () => learned, 1);
          if (!got.full) patched++;
          const want = buildDesired({ ports: ready, routes: learned, metric: 20, hostSysctls: true });
          assert.equal(entries(got.state), entries(want.state));
          assert.deepEqual([...got.shadowed].sort(), [...want.shadowed].sort());
        }
        return steps.length < 2 || patched > 0;
      },
    ),
    { numRuns: 300 },
  );
});

test('a patch reports the keys it touched; new learned routes rebuild in full', () => {
  const book = new DesiredBook(20, false);
  const a = objectsFor(1, 0);
  const b = objectsFor(2, 0);
  assert.equal(book.update([{ id: 'p1', objects: a }], () => learned, 1).full, true);
  const u = book.update([{ id: 'p1', objects: a }, { id: 'p2', objects: b }], () => learned, 1);
  assert.equal(u.full, false);
  assert.ok(u.changed.includes('link tap2'));
  assert.ok(u.changed.includes('route 10.0.0.12/32 20'));
  assert.ok(!u.changed.includes('link tap1'));
  assert.deepEqual([...u.shadowed], ['10.0.0.11/32']);
  const removed = book.update([{ id: 'p2', objects: b }], () => learned, 1);
  assert.deepEqual([...removed.shadowed], [], 'p1 gone: the learned /32 is back');
  assert.deepEqual(removed.state.routes.get('route 10.0.0.11/32 20')?.nextHops, [{ via: '192.0.2.1' }]);
  assert.ok(removed.state.addresses.has('addr lo 10.0.0.1/32'), 'gateway still used by p2');
  assert.equal(book.update([], () => learned, 1).state.addresses.size, 0, 'last user gone: gateway gone');
  assert.equal(book.update([], () => [], 2).full, true);
});
