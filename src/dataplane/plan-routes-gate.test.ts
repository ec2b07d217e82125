// The second in-sync gate: learned routes found in the kernel stay until routing converged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan } from './plan.js';
import { emptyObserved, routeKey, type DesiredState, type ObservedState, type Route } from './model.js';

const desired = (): DesiredState => ({ ...emptyObserved() }) as unknown as DesiredState;

function observedWith(...routes: Route[]): ObservedState {
  const o = emptyObserved();
  for (const r of routes) (o.routes as Map<string, Route>).set(routeKey(r.dst, r.metric), r);
  return o;
}

const learned: Route = { dst: '0.0.0.0/0', metric: 20, nextHops: [{ via: '10.255.0.0' }, { via: '10.255.0.2' }] };
const portRoute: Route = { dst: '10.100.0.11/32', metric: 20, nextHops: [{ dev: 'tap1' }] };

const removals = (p: ReturnType<typeof buildPlan>) => p.ops.filter((o) => o.action === 'remove').map((o) => o.key).sort();

test('before routes are in sync a stale learned route stays, a stale port route goes', () => {
  const p = buildPlan({ desired: desired(), observed: observedWith(learned, portRoute), inSync: true, routesInSync: false, tapDefaults: new Map() });
  assert.deepEqual(removals(p), [routeKey(portRoute.dst, 20)]);
});

test('once routes are in sync the stale learned route goes too', () => {
  const p = buildPlan({ desired: desired(), observed: observedWith(learned, portRoute), inSync: true, routesInSync: true, tapDefaults: new Map() });
  assert.deepEqual(removals(p), [routeKey(learned.dst, 20), routeKey(portRoute.dst, 20)].sort());
});

test('a route learned and withdrawn in this run goes at once', () => {
  const key = routeKey(learned.dst, 20);
  const p = buildPlan({ desired: desired(), observed: observedWith(learned), inSync: true, routesInSync: false, learnedThisRun: (k) => k === key, tapDefaults: new Map() });
  assert.deepEqual(removals(p), [key]);
});

test('nothing goes before the sources are in sync', () => {
  const p = buildPlan({ desired: desired(), observed: observedWith(learned, portRoute), inSync: false, routesInSync: true, tapDefaults: new Map() });
  assert.deepEqual(removals(p), []);
});
