import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEndOfRib, MODERN_CONTEXT, type UpdateMessage } from '../wire/index.js';
import { AdjRibOut } from './adj-rib-out.js';
import { DEFAULT_DECISION } from './decision.js';
import type { ExportSession } from './export.js';
import { Interner } from './intern.js';
import { LocRib } from './loc-rib.js';
import { DEFAULT_MULTIPATH } from './multipath.js';
import type { ExportPolicyConfig } from './policy.js';
import { formatPrefix } from './prefix.js';
import { LOCAL, peerSource, pfx, seq } from './test-helpers.js';

const peer = peerSource('10.1.0.0', { asn: 65100 });
const other = peerSource('10.2.0.0', { asn: 65200 });
const SESSION: ExportSession = { ctx: MODERN_CONTEXT, families: ['1/1', '2/1'], localAddress: '10.1.0.1', localAddressV6: '2001:db8:1::1' };

function setup(policy: ExportPolicyConfig = {}, session: ExportSession = SESSION) {
  const interner = new Interner();
  const loc = new LocRib(interner, { ...DEFAULT_DECISION, ...DEFAULT_MULTIPATH });
  const out = new AdjRibOut(peer, policy, session, loc, interner);
  loc.onChange((p, r) => out.mark(p, r?.best));
  const local = (text: string, attrs: { med?: number; communities?: number[] } = {}) => loc.set(pfx(text), LOCAL, 0, interner.intern({ origin: 0, asPath: [], ...attrs }, []));
  return { interner, loc, out, local };
}

function summary(updates: readonly UpdateMessage[]): string[] {
  return updates.map((u) => {
    const eor = isEndOfRib(u);
    if (eor) return `EoR ${eor.afi}/${eor.safi}`;
    const ann = [...u.nlri, ...(u.attributes.mpReach?.nlri ?? [])];
    const wd = [...u.withdrawn, ...(u.attributes.mpUnreach?.withdrawn ?? [])];
    return ann.length > 0 ? `A${u.attributes.med === undefined ? '' : ` med=${u.attributes.med}`} ${ann.map(formatPrefix).join(',')}` : `W ${wd.map(formatPrefix).join(',')}`;
  });
}

test('initial table: one UPDATE per attribute set (and family), End-of-RIB per negotiated family last', () => {
  const { local, out } = setup();
  local('10.0.0.1/32');
  local('10.0.0.2/32', { med: 5 });
  local('10.0.0.3/32');
  local('10.0.0.4/32', { med: 5 });
  local('2001:db8:100::1/128');
  assert.deepEqual(summary(out.initialUpdates()), ['A 10.0.0.1/32,10.0.0.3/32', 'A med=5 10.0.0.2/32,10.0.0.4/32', 'A 2001:db8:100::1/128', 'EoR 1/1', 'EoR 2/1']);
  assert.equal(out.pending, false);
  assert.deepEqual(out.stats(), { sent: 5, sentIpv4: 4, sentIpv6: 1, updates: 5, announcements: 5, withdrawals: 0 });
  assert.deepEqual(
    out.advertised().map((r) => `${formatPrefix(r.prefix)} ${r.nextHops.join(' ')}`),
    ['10.0.0.1/32 10.1.0.1', '10.0.0.2/32 10.1.0.1', '10.0.0.3/32 10.1.0.1', '10.0.0.4/32 10.1.0.1', '2001:db8:100::1/128 2001:db8:1::1'],
  );
});

test('changes: marked, then flushed as withdrawals first and grouped announcements; unchanged routes never re-sent', () => {
  const { loc, local, out } = setup();
  local('10.0.0.1/32');
  local('10.0.0.2/32');
  out.initialUpdates();
  loc.remove(pfx('10.0.0.1/32'), LOCAL, 0);
  local('10.0.0.2/32', { med: 1 });
  local('10.0.0.3/32', { med: 1 });
  local('2001:db8:100::9/128');
  assert.equal(out.pending, true);
  assert.deepEqual(summary(out.flush()), ['W 10.0.0.1/32', 'A med=1 10.0.0.2/32,10.0.0.3/32', 'A 2001:db8:100::9/128']);
  assert.deepEqual(out.flush(), []);
  // remove and re-add between two flushes: the peer already has it, nothing to send
  loc.remove(pfx('10.0.0.3/32'), LOCAL, 0);
  local('10.0.0.3/32', { med: 1 });
  assert.deepEqual(out.flush(), []);
  assert.deepEqual(out.stats().withdrawals, 1);
});

test('learned routes: not even marked unless exported; a learned route replacing a sent local one withdraws it', () => {
  const { interner, loc, local, out } = setup();
  loc.set(pfx('0.0.0.0/0'), other, 0, interner.intern({ origin: 0, asPath: [seq(65200)] }, ['10.2.0.0']));
  assert.equal(out.pending, false);
  local('10.0.0.1/32');
  out.flush();
  loc.set(pfx('10.0.0.1/32'), other, 0, interner.intern({ origin: 0, asPath: [seq(65200)] }, ['10.2.0.0']));
  assert.deepEqual(out.flush(), [], 'the local route is still best');
  loc.remove(pfx('10.0.0.1/32'), LOCAL, 0);
  assert.deepEqual(summary(out.flush()), ['W 10.0.0.1/32']);
  assert.equal(out.explain(pfx('10.0.0.1/32')), 'learned-not-exported');
});

test('IPv4 over an unnumbered session (extended next hop): MP_REACH_NLRI for AFI 1 with the link-local next hop', () => {
  const unnumbered: ExportSession = { ctx: { ...MODERN_CONTEXT, extendedNextHop: true }, families: ['1/1', '2/1'], localLinkLocal: 'fe80::10' };
  const { local, out } = setup({}, unnumbered);
  local('10.0.0.1/32');
  const [u] = out.initialUpdates();
  assert.deepEqual(u?.attributes.mpReach && { ...u.attributes.mpReach, nlri: u.attributes.mpReach.nlri.map(formatPrefix) }, { afi: 1, safi: 1, nextHops: ['::', 'fe80::10'], nlri: ['10.0.0.1/32'] });
  assert.equal(u?.nlri.length, 0);
});

test('explain: why a prefix is or is not advertised', () => {
  const { interner, loc, local, out } = setup({ filter: { rules: [{ prefix: '10.0.0.0/8', le: 32, action: 'permit' }, { prefix: '::/0', le: 128, action: 'permit' }], default: 'deny' } }, { ...SESSION, families: ['1/1'] });
  local('10.0.0.1/32');
  local('192.168.0.1/32');
  local('2001:db8::1/128');
  loc.set(pfx('10.9.0.0/16'), other, 0, interner.intern({ origin: 0, asPath: [seq(65200)] }, ['10.2.0.0']));
  out.initialUpdates();
  assert.equal(out.explain(pfx('10.0.0.1/32')), 'advertised');
  assert.equal(out.explain(pfx('10.0.0.2/32')), 'no-route');
  assert.equal(out.explain(pfx('192.168.0.1/32')), 'export-filter');
  assert.equal(out.explain(pfx('2001:db8::1/128')), 'family-not-negotiated');
  assert.equal(out.explain(pfx('10.9.0.0/16')), 'learned-not-exported');
  const noV4 = setup({}, { ...SESSION, localAddress: undefined });
  noV4.local('10.0.0.1/32');
  assert.deepEqual(summary(noV4.out.initialUpdates()), ['EoR 1/1', 'EoR 2/1']);
  assert.equal(noV4.out.explain(pfx('10.0.0.1/32')), 'no-next-hop');
  const broken = setup({}, { ...SESSION, localAddress: '10.1.0.300' });
  broken.local('10.0.0.1/32');
  assert.deepEqual(summary(broken.out.initialUpdates()), ['EoR 1/1', 'EoR 2/1']);
  assert.equal(broken.out.explain(pfx('10.0.0.1/32')), 'unencodable');
  const huge = setup();
  huge.local('10.0.0.1/32', { communities: Array.from({ length: 1100 }, (_, i) => i) });
  huge.local('10.0.0.2/32');
  assert.deepEqual(summary(huge.out.initialUpdates()), ['A 10.0.0.2/32', 'EoR 1/1', 'EoR 2/1']);
  assert.equal(huge.out.explain(pfx('10.0.0.1/32')), 'too-long');
  // a change not yet flushed
  local('10.0.0.9/32');
  assert.equal(out.explain(pfx('10.0.0.9/32')), 'pending');
  loc.remove(pfx('10.0.0.1/32'), LOCAL, 0);
  assert.equal(out.explain(pfx('10.0.0.1/32')), 'pending');
  out.flush();
  assert.deepEqual([out.explain(pfx('10.0.0.9/32')), out.explain(pfx('10.0.0.1/32'))], ['advertised', 'no-route']);
});

test('a new export policy sends only the differences', () => {
  const { local, out } = setup();
  for (const p of ['10.0.0.1/32', '10.0.0.2/32', '10.1.0.1/32']) local(p);
  out.initialUpdates();
  out.setPolicy({ filter: { rules: [{ prefix: '10.0.0.0/16', le: 32, action: 'deny' }], default: 'permit' } });
  assert.deepEqual(summary(out.flush()), ['W 10.0.0.1/32,10.0.0.2/32']);
  out.setPolicy({});
  assert.deepEqual(summary(out.flush()), ['A 10.0.0.1/32,10.0.0.2/32']);
});

test('close lets go of every attribute set it held', () => {
  const { interner, loc, local, out } = setup();
  local('10.0.0.1/32');
  local('2001:db8::1/128');
  out.initialUpdates();
  assert.equal(interner.size, 3, 'the local set and two outgoing ones (one per family)');
  out.close();
  assert.equal(interner.size, 1);
  loc.removeSource(LOCAL);
  assert.equal(interner.size, 0);
  assert.deepEqual(out.stats().sent, 0);
});
