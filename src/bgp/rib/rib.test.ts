import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, isEndOfRib, MODERN_CONTEXT, type Prefix, type UpdateMessage } from '../wire/index.js';
import { formatPrefix } from './prefix.js';
import { Rib, type PeerConfig } from './rib.js';
import { announce, pfx, seq, session, withdraw } from './test-helpers.js';

const POOL_EXPORT = {
  filter: {
    rules: [
      { prefix: '10.0.0.0/16', ge: 32, action: 'permit' as const },
      { prefix: '2001:db8:100::/48', ge: 128, action: 'permit' as const },
      { prefix: '10.255.0.10/32', action: 'permit' as const },
    ],
    default: 'deny' as const,
  },
};
const DEFAULT_ONLY = { filter: { rules: [{ prefix: '0.0.0.0/0', action: 'permit' as const }, { prefix: '::/0', action: 'permit' as const }], default: 'deny' as const } };
const tor = (n: number, more: Partial<PeerConfig> = {}): PeerConfig => ({ id: `tor${n}`, asn: 65100, address: `10.${n}.0.0`, import: DEFAULT_ONLY, export: POOL_EXPORT, ...more });
const fromTor = { origin: 0 as const, asPath: [seq(65100)] };

/** What an UPDATE list says, compactly: 'A 10.0.0.1/32,...' / 'W ...' / 'EoR 1/1'. */
function summary(updates: readonly UpdateMessage[]): string[] {
  return updates.map((u) => {
    const eor = isEndOfRib(u);
    if (eor) return `EoR ${eor.afi}/${eor.safi}`;
    const ann = [...u.nlri, ...(u.attributes.mpReach?.nlri ?? [])];
    const wd = [...u.withdrawn, ...(u.attributes.mpUnreach?.withdrawn ?? [])];
    return ann.length > 0 ? `A ${ann.map(formatPrefix).join(',')}` : `W ${wd.map(formatPrefix).join(',')}`;
  });
}

/** A hypervisor: AS 65010, two ToRs in AS 65100, a few VM routes. */
function hypervisor() {
  const rib = new Rib({ asn: 65010, routerId: '10.255.0.10' });
  const events: { prefix: string; ecmp: string[] | undefined; best: string | undefined }[] = [];
  rib.onChange((p, r) => events.push({ prefix: formatPrefix(p), ecmp: r?.ecmp.map((h) => h.via), best: r?.best.source.id }));
  rib.addPeer(tor(1));
  rib.addPeer(tor(2));
  const locals = ['10.0.0.5/32', '10.0.0.6/32', '10.255.0.10/32', '192.168.9.9/32', '2001:db8:100::5/128'].map((p) => ({ prefix: pfx(p) }));
  assert.deepEqual(rib.setLocalRoutes(locals), { invalid: [], added: 5, changed: 0, removed: 0 });
  return { rib, events };
}

const up = (rib: Rib, n: number) => rib.peerUp(`tor${n}`, session(`10.255.0.${n}`, `10.${n}.0.1`, { localAddressV6: `2001:db8:${n}::1`, localLinkLocal: 'fe80::10' }));

test('a session comes up: the local routes the export filter allows, packed, then End-of-RIB per family', () => {
  const { rib } = hypervisor();
  const initial = up(rib, 1);
  assert.deepEqual(summary(initial), ['A 10.0.0.5/32,10.0.0.6/32,10.255.0.10/32', 'A 2001:db8:100::5/128', 'EoR 1/1', 'EoR 2/1']);
  const v4 = initial[0]!;
  assert.deepEqual(v4.attributes, { origin: 0, asPath: [seq(65010)], nextHop: '10.1.0.1' });
  assert.deepEqual(initial[1]!.attributes.mpReach?.nextHops, ['2001:db8:1::1', 'fe80::10']);
  // the messages are valid BGP: they encode and decode back
  for (const m of initial) assert.equal(decodeMessage(encodeMessage(m, MODERN_CONTEXT), MODERN_CONTEXT).type, 'update');
  assert.equal(rib.explainExport('tor1', '192.168.9.9/32'), 'export-filter');
  assert.equal(rib.explainExport('tor1', '10.0.0.5/32'), 'advertised');
  assert.equal(rib.explainExport('tor2', '10.0.0.5/32'), 'peer-down');
  assert.deepEqual(rib.peerStats('tor1').out, { sent: 4, sentIpv4: 3, sentIpv6: 1, updates: 4, announcements: 4, withdrawals: 0 });
});

test('default route from both ToRs: an ECMP pair for the FIB; our reflected routes are rejected', () => {
  const { rib, events } = hypervisor();
  up(rib, 1);
  up(rib, 2);
  events.length = 0;
  rib.receive('tor1', announce(['0.0.0.0/0'], fromTor, '10.1.0.0'));
  rib.receive('tor2', announce(['0.0.0.0/0'], fromTor, '10.2.0.0'));
  assert.deepEqual(events, [
    { prefix: '0.0.0.0/0', ecmp: ['10.1.0.0'], best: 'tor1' },
    { prefix: '0.0.0.0/0', ecmp: ['10.1.0.0', '10.2.0.0'], best: 'tor1' },
  ]);
  // FRR sends our own VM routes back (AS path 65100 65010): refused, and our local route stays best
  const r = rib.receive('tor1', announce(['10.0.0.5/32', '10.0.0.6/32'], { origin: 0, asPath: [seq(65100, 65010)] }, '10.1.0.0'));
  assert.deepEqual(r, { accepted: 0, rejected: 2, withdrawn: 0 });
  // a fabric route the import filter does not allow
  rib.receive('tor2', announce(['10.50.0.0/16'], fromTor, '10.2.0.0'));
  const s = rib.peerStats('tor1');
  assert.deepEqual([s.in.received, s.in.accepted, s.in.rejected['own-as-in-path']], [3, 1, 2]);
  assert.equal(rib.peerStats('tor2').in.rejected['import-filter'], 1);
  assert.deepEqual(rib.rejected('tor1').map((x) => `${formatPrefix(x.prefix)} ${x.reason}`), ['10.0.0.5/32 own-as-in-path', '10.0.0.6/32 own-as-in-path']);
  assert.equal(events.length, 2, 'nothing else changed for the FIB');
  // learned routes are not re-announced by a hypervisor, and nothing local changed: nothing to send
  assert.deepEqual(rib.flush(), []);
  assert.equal(rib.explainExport('tor2', '0.0.0.0/0'), 'learned-not-exported');

  // the route as the CLI shows it
  const view = rib.route('0.0.0.0/0');
  assert.equal(view?.step, 'router-id');
  assert.deepEqual(view?.ecmp, [{ peer: 'tor1', via: '10.1.0.0' }, { peer: 'tor2', via: '10.2.0.0' }]);
  assert.deepEqual(
    view?.paths.map((p) => [p.source, p.best, p.multipath, p.lostAt, p.asPath, p.origin, p.localPref]),
    [
      ['tor1', true, true, undefined, '65100', 'igp', 100],
      ['tor2', false, true, 'router-id', '65100', 'igp', 100],
    ],
  );
  assert.equal(rib.route('10.0.0.5/32')?.paths[0]?.source, 'local');
  assert.equal(rib.route('10.0.0.5/32')?.ecmp.length, 0);
  assert.equal(rib.routes('1/1').length, 5);
  assert.equal(rib.route('10.99.0.0/16'), undefined);

  // one ToR goes away: the ECMP set shrinks
  rib.peerDown('tor2');
  assert.deepEqual(events.at(-1), { prefix: '0.0.0.0/0', ecmp: ['10.1.0.0'], best: 'tor1' });
  assert.equal(rib.peerStats('tor2').up, false);
  assert.equal(rib.peerStats('tor2').in.accepted, 0);
  rib.receive('tor1', withdraw(['0.0.0.0/0']));
  assert.deepEqual(events.at(-1), { prefix: '0.0.0.0/0', ecmp: undefined, best: undefined });
});

test('local route changes: only differences are sent, packed, withdrawals first; unchanged routes are never re-sent', () => {
  const { rib } = hypervisor();
  up(rib, 1);
  up(rib, 2);
  const next = ['10.0.0.6/32', '10.0.0.7/32', '10.0.0.8/32', '10.255.0.10/32', '2001:db8:100::5/128'].map((p) => ({ prefix: pfx(p) }));
  assert.deepEqual(rib.setLocalRoutes(next), { invalid: [], added: 2, changed: 0, removed: 2 });
  const out = rib.flush();
  assert.deepEqual(out.map((o) => o.peer), ['tor1', 'tor2']);
  assert.deepEqual(summary(out[0]!.updates), ['W 10.0.0.5/32', 'A 10.0.0.7/32,10.0.0.8/32']);
  assert.deepEqual(rib.flush(), [], 'flushed already');
  rib.setLocalRoutes(next);
  assert.deepEqual(rib.flush(), [], 'the same set again sends nothing');
  // a MED on one route: that one route is re-announced, in its own attribute group
  rib.setLocalRoutes(next.map((r) => (formatPrefix(r.prefix) === '10.0.0.7/32' ? { ...r, med: 10 } : r)));
  const med = rib.flush()[0]!.updates;
  assert.deepEqual(summary(med), ['A 10.0.0.7/32']);
  assert.equal(med[0]!.attributes.med, 10, 'a local MED is sent to eBGP peers');
  assert.deepEqual(rib.peerStats('tor1').out?.sent, 5);
});

test('route refresh: every route of the family again (no End-of-RIB), pending changes first', () => {
  const { rib } = hypervisor();
  up(rib, 1);
  rib.setLocalRoutes([{ prefix: pfx('10.0.0.5/32') }, { prefix: pfx('10.0.0.6/32') }]);
  assert.deepEqual(summary(rib.routeRefresh('tor1', 1, 1)), ['W 10.255.0.10/32', 'W 2001:db8:100::5/128', 'A 10.0.0.5/32,10.0.0.6/32']);
  assert.deepEqual(summary(rib.routeRefresh('tor1', 1, 1)), ['A 10.0.0.5/32,10.0.0.6/32']);
  assert.deepEqual(summary(rib.routeRefresh('tor1', 2, 1)), []);
  assert.deepEqual(rib.flush(), []);
});

test('many local routes with two attribute sets: grouped per set, each group packed to the limit', () => {
  const rib = new Rib({ asn: 65010, routerId: '10.255.0.10' });
  rib.addPeer(tor(1, { export: {} }));
  const routes = Array.from({ length: 2000 }, (_, i) => ({ prefix: { afi: 1 as const, addr: (0x0a000000 + i) >>> 0, len: 32 } satisfies Prefix, ...(i % 2 === 1 && { med: 5 }) }));
  rib.setLocalRoutes(routes);
  const initial = up(rib, 1);
  const sizes = initial.map((u) => encodeMessage(u, MODERN_CONTEXT).length);
  assert.ok(sizes.every((n) => n <= 4096), `sizes ${sizes}`);
  const ann = initial.filter((u) => u.nlri.length > 0);
  assert.equal(ann.length, 4, '1000 per set, about 800 per message');
  assert.deepEqual(ann.map((u) => u.attributes.med), [undefined, undefined, 5, 5]);
  assert.equal(ann.reduce((n, u) => n + u.nlri.length, 0), 2000);
});

test('transit (export learned): a route goes to the other peers, prepended, never back to its own', () => {
  const rib = new Rib({ asn: 65010, routerId: '10.255.0.10' });
  for (const n of [1, 2, 3]) rib.addPeer({ id: `p${n}`, asn: 65100 + n, address: `10.${n}.0.0`, export: { learned: true } });
  for (const n of [1, 2, 3]) rib.peerUp(`p${n}`, session(`10.255.0.${n}`, `10.${n}.0.1`, { families: ['1/1'] }));
  rib.receive('p1', announce(['172.16.0.0/12'], { origin: 0, asPath: [seq(65101)], med: 7 }, '10.1.0.0'));
  const out = rib.flush();
  assert.deepEqual(out.map((o) => o.peer), ['p2', 'p3']);
  const u = out[0]!.updates[0]!;
  assert.deepEqual(u.attributes, { origin: 0, asPath: [seq(65010, 65101)], nextHop: '10.2.0.1' });
  assert.equal(rib.explainExport('p1', '172.16.0.0/12'), 'from-this-peer');
  rib.peerDown('p1');
  assert.deepEqual(rib.flush().map((o) => [o.peer, ...summary(o.updates)]), [
    ['p2', 'W 172.16.0.0/12'],
    ['p3', 'W 172.16.0.0/12'],
  ]);
});

test('graceful restart: routes of a restarting peer stay (stale) until its End-of-RIB; the missing ones go then', () => {
  const { rib, events } = hypervisor();
  up(rib, 1);
  rib.receive('tor1', announce(['0.0.0.0/0', '::/0'], fromTor, '10.1.0.0', ['2001:db8:1::', 'fe80::1']));
  const before = events.length;
  rib.peerDown('tor1', { graceful: true });
  assert.equal(events.length, before, 'the FIB keeps forwarding');
  assert.equal(rib.route('0.0.0.0/0')?.paths[0]?.stale, true);
  assert.throws(() => rib.receive('tor1', withdraw([])), { code: 'ERR_RIB_PEER_NOT_UP' });
  up(rib, 1);
  rib.receive('tor1', announce(['0.0.0.0/0'], fromTor, '10.1.0.0'));
  assert.equal(rib.route('0.0.0.0/0')?.paths[0]?.stale, false);
  assert.equal(rib.endOfRib('tor1', 1, 1), 0);
  assert.equal(rib.endOfRib('tor1', 2, 1), 1);
  assert.deepEqual(events.at(-1), { prefix: '::/0', ecmp: undefined, best: undefined });
  assert.deepEqual([rib.peerStats('tor1').in.acceptedIpv4, rib.peerStats('tor1').in.acceptedIpv6], [1, 0]);
  // enhanced route refresh uses the same marks: BoRR -> markStale, EoRR -> endOfRib
  assert.equal(rib.markStale('tor1', '1/1'), 1);
  assert.equal(rib.endOfRib('tor1', 1, 1), 1);
  assert.equal(rib.route('0.0.0.0/0'), undefined);
});

test('bad input: coded errors, and one bad local route does not stop the others', () => {
  assert.throws(() => new Rib({ asn: 0, routerId: '1.1.1.1' }), { code: 'ERR_RIB_BAD_CONFIG' });
  assert.throws(() => new Rib({ asn: 65010, routerId: 'one' }), { code: 'ERR_RIB_BAD_CONFIG' });
  assert.throws(() => new Rib({ asn: 65010, routerId: '1.1.1.1', maxPaths: 0 }), { code: 'ERR_RIB_BAD_CONFIG' });
  const { rib } = hypervisor();
  assert.throws(() => rib.addPeer(tor(1)), { code: 'ERR_RIB_DUPLICATE_PEER' });
  assert.throws(() => rib.addPeer(tor(5, { id: 'local' })), { code: 'ERR_RIB_BAD_CONFIG' });
  assert.throws(() => rib.addPeer(tor(5, { localAsn: 2 ** 32 })), { code: 'ERR_RIB_BAD_CONFIG' });
  // a policy change with one bad filter changes nothing
  assert.throws(() => rib.setPeerPolicy('tor1', { import: {}, export: { filter: { rules: [{ prefix: '::/0', le: 200, action: 'permit' }], default: 'deny' } } }), { code: 'ERR_RIB_BAD_FILTER_RULE' });
  assert.throws(() => rib.addPeer(tor(3, { export: { filter: { rules: [{ prefix: '10.0.0.1/8', action: 'permit' }], default: 'deny' } } })), { code: 'ERR_RIB_BAD_PREFIX' });
  assert.throws(() => rib.addPeer(tor(4, { import: { filter: { rules: [{ prefix: '10.0.0.0/8', ge: 4, action: 'permit' }], default: 'deny' } } })), { code: 'ERR_RIB_BAD_FILTER_RULE' });
  assert.throws(() => rib.receive('nope', withdraw([])), { code: 'ERR_RIB_UNKNOWN_PEER' });
  assert.throws(() => rib.receive('tor1', withdraw([])), { code: 'ERR_RIB_PEER_NOT_UP' });
  assert.throws(() => rib.peerUp('tor1', session('not-an-id')), { code: 'ERR_RIB_BAD_CONFIG' });
  assert.throws(() => rib.route('10.0.0.1/8'), { code: 'ERR_RIB_BAD_PREFIX' });
  const r = rib.setLocalRoutes([{ prefix: pfx('10.0.0.5/32') }, { prefix: { afi: 1, addr: 0x0a000001, len: 24 } }, { prefix: pfx('10.0.0.9/32') }]);
  assert.deepEqual(r.invalid.map((x) => [x.index, x.code]), [[1, 'ERR_RIB_BAD_PREFIX']]);
  assert.deepEqual([r.added, r.removed], [1, 4]);
  assert.deepEqual(rib.routes().map((v) => v.prefix), ['10.0.0.5/32', '10.0.0.9/32']);
  // removing a peer removes its routes
  up(rib, 1);
  // the import filter is still the one before the failed policy change
  assert.deepEqual(rib.receive('tor1', announce(['0.0.0.0/0', '10.50.0.0/16'], fromTor, '10.1.0.0')), { accepted: 1, rejected: 1, withdrawn: 0 });
  rib.removePeer('tor1');
  assert.equal(rib.route('0.0.0.0/0'), undefined);
  assert.throws(() => rib.peerStats('tor1'), { code: 'ERR_RIB_UNKNOWN_PEER' });
});

test('attribute sets are shared and freed: the RIB holds none once every route is gone', () => {
  const { rib } = hypervisor();
  up(rib, 1);
  up(rib, 2);
  for (const n of [1, 2]) rib.receive(`tor${n}`, announce(['0.0.0.0/0', '::/0'], fromTor, `10.${n}.0.0`, [`2001:db8:${n}::`]));
  // 1 for the local routes, 4 learned (2 peers x 2 families), 4 sent (2 peers x 2 families)
  assert.equal(rib.size.attributeSets, 9);
  rib.setLocalRoutes([]);
  rib.flush();
  rib.peerDown('tor1');
  rib.peerDown('tor2');
  assert.deepEqual(rib.size, { prefixes: 0, attributeSets: 0 });
});
