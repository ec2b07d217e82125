// A restart must not shrink an ECMP set it is about to restore: learned routes found in the
// kernel at start keep their next hops while the sessions come back one by one, until this run
// has matched them exactly (or routing converged). From then on every change applies at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan } from './plan.js';
import { Dataplane } from './dataplane.js';
import { FakeKernel } from './fake/fake-kernel.js';
import { LAGLESS_PROTO, emptyObserved, routeKey, type DesiredState, type ObservedState, type Route } from './model.js';

const A = { via: '10.255.0.4', dev: 'tor1' };
const B = { via: '10.255.0.6', dev: 'tor2' };
const C = { via: '10.255.0.8', dev: 'tor3' };
const route = (...hops: { via: string; dev: string }[]): Route => ({ dst: '0.0.0.0/0', metric: 20, nextHops: hops });
const KEY = routeKey('0.0.0.0/0', 20);

function states(d: Route | undefined, o: Route | undefined): { desired: DesiredState; observed: ObservedState } {
  const desired = emptyObserved() as unknown as DesiredState;
  const observed = emptyObserved();
  if (d) (desired.routes as Map<string, Route>).set(KEY, d);
  if (o) (observed.routes as Map<string, Route>).set(KEY, o);
  return { desired, observed };
}
const plan = (d: Route, o: Route, opts: { stale: boolean; routesInSync: boolean }) =>
  buildPlan({ ...states(d, o), inSync: true, routesInSync: opts.routesInSync, stale: () => opts.stale, tapDefaults: new Map() });

test('plan: a stale ECMP route is not shrunk before routes are in sync; it is confirmed once matched', () => {
  const kept = plan(route(A), route(A, B), { stale: true, routesInSync: false });
  assert.deepEqual(kept.ops, []);
  assert.deepEqual(kept.confirmed, []);
  const matched = plan(route(B, A), route(A, B), { stale: true, routesInSync: false });
  assert.deepEqual(matched.ops, []);
  assert.deepEqual(matched.confirmed, [KEY]);
});

test('plan: a new next hop, a route not stale, or routes in sync: replaced as usual', () => {
  for (const [d, o, opts] of [
    [route(A, C), route(A, B), { stale: true, routesInSync: false }],
    [route(A), route(A, B), { stale: false, routesInSync: false }],
    [route(A), route(A, B), { stale: true, routesInSync: true }],
  ] as const) {
    const p = plan(d, o, opts);
    assert.deepEqual(p.ops.map((op) => `${op.action} ${op.key}`), [`replace ${KEY}`], JSON.stringify([d, o, opts]));
  }
});

async function restarted(): Promise<{ kernel: FakeKernel; dp: Dataplane; hops: () => string[] }> {
  const kernel = new FakeKernel();
  kernel.addLink('tor1');
  kernel.addLink('tor2');
  kernel.addRouteByHand(route(A, B), LAGLESS_PROTO); // installed by the agent before the restart
  const dp = new Dataplane(kernel, { sweepIntervalMs: 0, eventDelayMs: 0, routesSyncGate: true, firewall: false });
  await dp.start();
  dp.setPorts([]);
  dp.markInSync();
  await dp.flush();
  const hops = () => (kernel.routes.get(KEY)?.route.nextHops ?? []).map((h) => h.dev ?? '?').sort();
  return { kernel, dp, hops };
}

test('dataplane: the sessions coming back one by one after a restart change nothing in the kernel', async () => {
  const { kernel, dp, hops } = await restarted();
  const before = kernel.appliedOps.length;
  dp.setRoute('0.0.0.0/0', [A]); // tor1 is up first
  await dp.flush();
  assert.deepEqual(hops(), ['tor1', 'tor2']);
  dp.setRoute('0.0.0.0/0', [A, B]); // then tor2
  await dp.flush();
  assert.equal(kernel.appliedOps.length, before, 'no kernel write');
  // matched once: from now on a withdrawal applies at once, converged or not
  dp.setRoute('0.0.0.0/0', [B]);
  await dp.flush();
  assert.deepEqual(hops(), ['tor2']);
  await dp.stop();
});

test('dataplane: a next hop that does not come back goes when routing converged', async () => {
  const { dp, hops } = await restarted();
  dp.setRoute('0.0.0.0/0', [A]);
  await dp.flush();
  assert.deepEqual(hops(), ['tor1', 'tor2']);
  dp.markRoutesInSync();
  await dp.flush();
  assert.deepEqual(hops(), ['tor1']);
  await dp.stop();
});
