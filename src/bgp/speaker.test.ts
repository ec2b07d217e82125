// The speaker facade over in-memory connections with a fake clock: a hypervisor speaker and ToR
// speakers (or a scripted peer) on a MemoryNetwork; no sockets, no real waiting on timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './session/fake-clock.js';
import { MemoryNetwork } from './session/memory-connection.js';
import { ScriptPeer, openFrom, until } from './session/script-peer.js';
import { parsePrefix, formatPrefix } from './rib/prefix.js';
import type { UpdateMessage } from './wire/types.js';
import { Speaker } from './speaker.js';
import type { BestRoute, SpeakerOptions, SpeakerPeerConfig } from './speaker.js';
import type { InterfaceTable } from './speaker-next-hops.js';

const pfx = parsePrefix;
const DEFAULTS = ['0.0.0.0/0', '::/0'];
const v4 = (address: string) => ({ address, family: 'IPv4' as const, internal: false });
const v6 = (address: string) => ({ address, family: 'IPv6' as const, internal: false });
const HV_IFACES: InterfaceTable = {
  lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
  eth1: [v4('10.1.0.1'), v6('2001:db8:1::1'), v6('fe80::10')],
  eth2: [v4('10.2.0.1'), v6('2001:db8:2::1'), v6('fe80::10')],
  eth3: [v4('10.3.0.1')],
};

interface Logged {
  level: string;
  msg: string;
  fields: Record<string, unknown> | undefined;
}

interface World {
  clock: FakeClock;
  net: MemoryNetwork;
  speakers: Speaker[];
  logs: Logged[];
  speaker(opts: Partial<SpeakerOptions> & Pick<SpeakerOptions, 'asn' | 'routerId'>, ifaces: InterfaceTable): Speaker;
  /** a ToR in AS 65100 at 10.n.0.0 that waits for the hypervisor's connection */
  tor(n: number, more?: Partial<SpeakerPeerConfig>): Speaker;
  /** the hypervisor, AS 65010, no peers yet */
  hv(opts?: Partial<SpeakerOptions>): Speaker;
  uplink(n: number, more?: Partial<SpeakerPeerConfig>): SpeakerPeerConfig;
  close(): Promise<void>;
}

function world(): World {
  const clock = new FakeClock();
  const net = new MemoryNetwork();
  const speakers: Speaker[] = [];
  const logs: Logged[] = [];
  const logger = (name: string) => ({
    info: (msg: string, fields?: Record<string, unknown>) => logs.push({ level: `${name} info`, msg, fields }),
    warn: (msg: string, fields?: Record<string, unknown>) => logs.push({ level: `${name} warn`, msg, fields }),
    error: (msg: string, fields?: Record<string, unknown>) => logs.push({ level: `${name} error`, msg, fields }),
  });
  const w: World = {
    clock,
    net,
    speakers,
    logs,
    speaker(opts, ifaces) {
      const s = new Speaker({ listen: false, clock, connector: net.connector(opts.routerId), interfaces: () => ifaces, logger: logger(opts.routerId), ...opts });
      speakers.push(s);
      return s;
    },
    tor(n, more = {}) {
      const s = w.speaker({ asn: 65100, routerId: `10.255.0.${n}` }, { hv: [v4(`10.${n}.0.0`), v6(`2001:db8:${n}::`), v6(`fe80::${n}`)] });
      s.addPeer({ id: 'hv', address: `10.${n}.0.1`, asn: 65010, passive: true, holdTime: 9, ...more });
      net.listen(`10.${n}.0.0`, 179, (c) => s.acceptConnection(c));
      return s;
    },
    hv(opts = {}) {
      return w.speaker({ asn: 65010, routerId: '10.255.0.10', ...opts }, HV_IFACES);
    },
    uplink(n, more = {}) {
      return { id: `tor${n}`, address: `10.${n}.0.0`, asn: 65100, localAddress: `10.${n}.0.1`, interface: `eth${n}`, holdTime: 9, connectRetryTime: 1, ...more };
    },
    async close() {
      await Promise.all(speakers.map((s) => s.stop()));
    },
  };
  return w;
}

/** A test with its own world, closed (every speaker stopped) even when the test fails. */
function scenario(name: string, fn: (w: World) => Promise<void>): void {
  test(name, async () => {
    const w = world();
    try {
      await fn(w);
    } finally {
      await w.close();
    }
  });
}

const established = (s: Speaker, id: string) => s.peer(id).state === 'established';
const hasRoute = (s: Speaker, prefix: string, from: string) => s.route(prefix)?.paths.some((p) => p.source === from) === true;
const routes = (prefixes: readonly string[]) => prefixes.map((p) => ({ prefix: pfx(p) }));

/** The 'route' events of a speaker as text: "0.0.0.0/0 -> 10.1.0.0,10.2.0.0" or "... -> none". */
function fibLog(s: Speaker): string[] {
  const out: string[] = [];
  s.on('route', (p, r: BestRoute | undefined) => out.push(`${formatPrefix(p)} -> ${r === undefined ? 'none' : r.ecmp.map((h) => (h.dev ? `${h.via}%${h.dev}` : h.via)).join(',')}`));
  return out;
}

scenario('a hypervisor and two ToRs: /32 and /128 go up, the default routes come back as one ECMP set, and it shrinks when a ToR goes', async (w) => {
  const hv = w.hv();
  const fib = fibLog(hv);
  const tors = [w.tor(1), w.tor(2)];
  for (const t of tors) t.setAnnouncements(routes(DEFAULTS));
  hv.addPeer(w.uplink(1));
  hv.addPeer(w.uplink(2));
  assert.deepEqual(hv.setAnnouncements(routes(['10.0.0.5/32', '2001:db8:100::5/128'])), { invalid: [], added: 2, changed: 0, removed: 0 });
  await Promise.all([hv.start(), ...tors.map((t) => t.start())]);
  await until(() => established(hv, 'tor1') && established(hv, 'tor2'), 'both uplinks established');
  await until(() => tors.every((t) => hasRoute(t, '10.0.0.5/32', 'hv') && hasRoute(t, '2001:db8:100::5/128', 'hv')), 'ToRs learn the VM routes');
  await until(() => hv.route('0.0.0.0/0')?.ecmp.length === 2 && hv.route('::/0')?.ecmp.length === 2, 'ECMP defaults');

  // what the ToR got: our AS in the path, next hop self on the uplink, IPv6 global + link-local of the interface
  const atTor = tors[0]!.route('2001:db8:100::5/128')!.paths[0]!;
  assert.equal(atTor.asPath, '65010');
  assert.deepEqual(atTor.nextHops, ['2001:db8:1::1', 'fe80::10']);
  assert.deepEqual(tors[0]!.route('10.0.0.5/32')!.paths[0]!.nextHops, ['10.1.0.1']);

  const d4 = hv.route('0.0.0.0/0')!;
  assert.equal(d4.step, 'router-id');
  assert.deepEqual(d4.ecmp, [{ peer: 'tor1', via: '10.1.0.0', dev: 'eth1' }, { peer: 'tor2', via: '10.2.0.0', dev: 'eth2' }]);
  assert.deepEqual(hv.route('::/0')!.ecmp.map((h) => `${h.via}%${h.dev}`), ['fe80::1%eth1', 'fe80::2%eth2']);
  assert.ok(fib.includes('0.0.0.0/0 -> 10.1.0.0%eth1,10.2.0.0%eth2'), fib.join('\n'));
  // our own routes never reach the FIB feed
  assert.ok(!fib.some((l) => l.startsWith('10.0.0.5/32') || l.startsWith('2001:db8:100::5/128')), fib.join('\n'));

  const views = hv.peers();
  assert.deepEqual(views.map((p) => [p.id, p.state, p.accepted, p.sent, p.families]), [
    ['tor1', 'established', 2, 2, ['1/1', '2/1']],
    ['tor2', 'established', 2, 2, ['1/1', '2/1']],
  ]);
  await w.clock.advanceAsync(5_000);
  assert.equal(hv.peer('tor1').uptimeS, 5);
  assert.equal(hv.peer('tor1').lastError, null);

  // tor2 goes away: the set shrinks to tor1
  const before = fib.length;
  await tors[1]!.stop();
  await until(() => hv.route('0.0.0.0/0')?.ecmp.length === 1, 'the set shrinks');
  assert.deepEqual(fib.slice(before).sort(), ['0.0.0.0/0 -> 10.1.0.0%eth1', '::/0 -> fe80::1%eth1']);
  assert.equal(hv.peer('tor2').reason, 'notification-received');
  assert.equal(hv.peer('tor2').uptimeS, null);
});

scenario('setAnnouncements diffs: only changes go out, withdrawals reach the peer, invalid routes are reported and left out', async (w) => {
  const hv = w.hv();
  const tor = w.tor(1);
  hv.addPeer(w.uplink(1));
  await Promise.all([hv.start(), tor.start()]);
  await until(() => established(hv, 'tor1'), 'established');
  hv.setAnnouncements(routes(['10.0.0.1/32', '10.0.0.2/32', '10.0.0.3/32']));
  await until(() => tor.peer('hv').accepted === 3, 'three routes at the ToR');
  const updatesBefore = tor.peer('hv').updatesIn;

  const r = hv.setAnnouncements([
    { prefix: pfx('10.0.0.1/32') }, // unchanged
    { prefix: pfx('10.0.0.2/32'), communities: [65010 * 65536 + 7] }, // changed
    { prefix: pfx('10.0.0.4/32') }, // added; 10.0.0.3 removed
    { prefix: { afi: 1, addr: 0x0a000005, len: 24 } }, // host bits set
  ]);
  assert.equal(r.added, 1);
  assert.equal(r.changed, 1);
  assert.equal(r.removed, 1);
  assert.deepEqual(r.invalid.map((i) => [i.index, i.code]), [[3, 'ERR_RIB_BAD_PREFIX']]);
  await until(() => hasRoute(tor, '10.0.0.4/32', 'hv') && !hasRoute(tor, '10.0.0.3/32', 'hv'), 'the ToR follows');
  assert.deepEqual(tor.route('10.0.0.2/32')!.paths[0]!.communities, ['65010:7']);
  // one withdrawal UPDATE, one per attribute set announced (10.0.0.4 plain, 10.0.0.2 with the community)
  assert.equal(tor.peer('hv').updatesIn - updatesBefore, 3);
  assert.equal(hv.peer('tor1').sent, 3);

  // the same set again: nothing to send
  const same = hv.setAnnouncements(routes(['10.0.0.1/32', '10.0.0.4/32']).concat([{ prefix: pfx('10.0.0.2/32'), communities: [65010 * 65536 + 7] } as never]));
  assert.deepEqual([same.added, same.changed, same.removed], [0, 0, 0]);
  const updatesNow = tor.peer('hv').updatesIn;
  await w.clock.advanceAsync(100);
  assert.equal(tor.peer('hv').updatesIn, updatesNow);
});

scenario('isAnnounced / whenAnnounced: true once written to every established peer that takes the prefix; a timeout is a coded error', async (w) => {
  const hv = w.hv();
  const t1 = w.tor(1);
  const t2 = w.tor(2);
  // tor2's export filter keeps 10.9.0.0/16 from it: it does not count for those prefixes
  hv.addPeer(w.uplink(1));
  hv.addPeer(w.uplink(2, { export: { filter: { rules: [{ prefix: '10.9.0.0/16', ge: 16, action: 'deny' }], default: 'permit' } } }));
  const a = pfx('10.0.0.1/32');
  const filtered = pfx('10.9.0.1/32');
  hv.setAnnouncements([{ prefix: a }, { prefix: filtered }]);
  // no established peer yet: not announced, and a wait times out
  const early = assert.rejects(hv.whenAnnounced([a], 1000), { code: 'ERR_SPEAKER_ANNOUNCE_TIMEOUT' });
  await w.clock.advanceAsync(1000);
  await early;
  assert.equal(hv.isAnnounced(a), false);

  let sent = 0;
  hv.on('sent', () => sent++);
  await Promise.all([hv.start(), t1.start(), t2.start()]);
  await until(() => established(hv, 'tor1') && established(hv, 'tor2'), 'both established');
  await hv.whenAnnounced([a, filtered], 10_000);
  assert.equal(hv.isAnnounced(a), true);
  assert.equal(hv.isAnnounced(filtered), true);
  assert.ok(sent >= 1);

  // a new prefix: not announced until its flush was written, then both peers have it
  const b = pfx('10.0.0.2/32');
  hv.setAnnouncements([{ prefix: a }, { prefix: filtered }, { prefix: b }]);
  assert.equal(hv.isAnnounced(b), false);
  assert.equal(hv.isAnnounced(a), true);
  await hv.whenAnnounced([b], 10_000);
  await until(() => hasRoute(t1, '10.0.0.2/32', 'hv'), 't1 has it');
  await until(() => hasRoute(t2, '10.0.0.2/32', 'hv'), 't2 has it');
  assert.equal(t2.route('10.9.0.1/32'), undefined);
  // a prefix we do not announce never is
  assert.equal(hv.isAnnounced(pfx('10.0.0.99/32')), false);
  await w.close();
  await assert.rejects(hv.whenAnnounced([a], 10), { code: 'ERR_SPEAKER_STOPPED' });
});

scenario("'sent' fires when a peer that comes up later has been written its initial table", async (w) => {
  const hv = w.hv();
  const t1 = w.tor(1);
  const t2 = w.tor(2);
  hv.addPeer(w.uplink(1));
  const a = pfx('10.0.0.1/32');
  hv.setAnnouncements([{ prefix: a }]);
  await Promise.all([hv.start(), t1.start(), t2.start()]);
  await hv.whenAnnounced([a], 10_000);
  let sent = 0;
  hv.on('sent', () => sent++);
  hv.addPeer(w.uplink(2));
  await until(() => established(hv, 'tor2'), 'tor2 up');
  assert.equal(hv.isAnnounced(a), false, 'tor2 has not been written the table yet');
  await until(() => sent === 1, "'sent' after tor2's initial table");
  assert.equal(hv.isAnnounced(a), true);
  await until(() => hasRoute(t2, '10.0.0.1/32', 'hv'), 'tor2 has it');
});

scenario('the FIB feed leaves out our own routes, also when they hide a learned path for the same prefix', async (w) => {
  const hv = w.hv();
  const fib = fibLog(hv);
  const tor = w.tor(1);
  tor.setAnnouncements(routes(['10.0.0.7/32', '0.0.0.0/0']));
  hv.addPeer(w.uplink(1));
  await Promise.all([hv.start(), tor.start()]);
  await until(() => fib.length === 2, 'two learned routes');
  assert.deepEqual(fib.splice(0).sort(), ['0.0.0.0/0 -> 10.1.0.0%eth1', '10.0.0.7/32 -> 10.1.0.0%eth1']);
  // the VM moves here: our route wins, the learned one leaves the FIB
  hv.setAnnouncements(routes(['10.0.0.7/32', '10.0.0.8/32']));
  assert.deepEqual(fib.splice(0), ['10.0.0.7/32 -> none']);
  assert.equal(hv.route('10.0.0.7/32')!.paths[0]!.source, 'local');
  // and leaves again: the learned path is back in the FIB; 10.0.0.8 (only ours) was never there
  hv.setAnnouncements([]);
  assert.deepEqual(fib.splice(0), ['10.0.0.7/32 -> 10.1.0.0%eth1']);
});

scenario("our own routes reflected back are rejected as own-as-in-path", async (w) => {
  const hv = w.hv();
  const hvB = w.speaker({ asn: 65010, routerId: '10.255.0.11' }, HV_IFACES); // another hypervisor in the same AS
  // the ToR passes learned routes on (transit), so hvB's route reaches hv with 65010 in its path
  const tor = w.speaker({ asn: 65100, routerId: '10.255.0.1' }, { hv: [v4('10.1.0.0')], hvb: [v4('10.3.0.0')] });
  tor.addPeer({ id: 'hv', address: '10.1.0.1', asn: 65010, passive: true, export: { learned: true } });
  tor.addPeer({ id: 'hvB', address: '10.3.0.1', asn: 65010, passive: true, export: { learned: true } });
  w.net.listen('10.1.0.0', 179, (c) => tor.acceptConnection(c));
  w.net.listen('10.3.0.0', 179, (c) => tor.acceptConnection(c));
  hv.addPeer(w.uplink(1));
  hvB.addPeer({ id: 'tor1', address: '10.3.0.0', asn: 65100, localAddress: '10.3.0.1', connectRetryTime: 1 });
  hvB.setAnnouncements(routes(['10.0.3.1/32']));
  await Promise.all([hv.start(), hvB.start(), tor.start()]);
  await until(() => hv.peer('tor1').rejected === 1, 'the reflected route is rejected');
  const p = hv.peer('tor1');
  assert.equal(p.rejectedBy['own-as-in-path'], 1);
  assert.equal(p.received, 1);
  assert.equal(p.accepted, 0);
  assert.equal(hv.route('10.0.3.1/32'), undefined);
});

scenario('removePeer: its routes leave at once, the peer gets Cease (peer de-configured); bad configs are coded errors that change nothing', async (w) => {
  const hv = w.hv();
  const fib = fibLog(hv);
  const tors = [w.tor(1), w.tor(2)];
  for (const t of tors) t.setAnnouncements(routes(['0.0.0.0/0']));
  hv.addPeer(w.uplink(1));
  hv.addPeer(w.uplink(2));
  await Promise.all([hv.start(), ...tors.map((t) => t.start())]);
  await until(() => hv.route('0.0.0.0/0')?.ecmp.length === 2, 'ECMP');
  fib.length = 0;
  const removing = hv.removePeer('tor2');
  assert.deepEqual(fib, ['0.0.0.0/0 -> 10.1.0.0%eth1']); // synchronously, before the Cease is even written
  assert.deepEqual(hv.peers().map((p) => p.id), ['tor1']);
  await removing;
  await until(() => tors[1]!.peer('hv').state !== 'established', 'tor2 sees the Cease');
  assert.match(tors[1]!.peer('hv').lastError?.message ?? '', /Peer De-configured|6\/3/);
  await assert.rejects(hv.removePeer('tor2'), { code: 'ERR_SPEAKER_UNKNOWN_PEER' });

  assert.throws(() => hv.addPeer(w.uplink(1)), { code: 'ERR_SPEAKER_DUPLICATE_PEER' });
  assert.throws(() => hv.addPeer({ id: 'x', address: '10.1.0.300', asn: 65100 }), { code: 'ERR_BGP_SESSION_PEER_ADDRESS' });
  assert.throws(() => hv.addPeer({ id: 'y', address: '10.4.0.0', asn: 0 }), { code: 'ERR_BGP_CONFIG_ASN' });
  assert.throws(() => hv.addPeer({ id: 'z', address: '10.4.0.0', asn: 65100, families: ['ipv5' as never] }), { code: 'ERR_SPEAKER_BAD_CONFIG' });
  assert.throws(() => hv.addPeer({ id: 'f', address: '10.4.0.0', asn: 65100, import: { filter: { rules: [{ prefix: '10.0.0.0/8', ge: 4, action: 'permit' }], default: 'deny' } } }), { code: 'ERR_RIB_BAD_FILTER_RULE' });
  assert.deepEqual(hv.peers().map((p) => p.id), ['tor1']);
  assert.deepEqual(hv.rib.peers().map((p) => p.id), ['tor1']);
  // the same id can come back
  hv.addPeer(w.uplink(2));
  await w.clock.advanceAsync(2_000); // tor2's idle hold after the Cease
  await until(() => established(hv, 'tor2') && hv.route('0.0.0.0/0')?.ecmp.length === 2, 'tor2 back');
});

scenario('max-prefix: one route too many ends the session with Cease/Maximum Number of Prefixes Reached', async (w) => {
  const hv = w.hv();
  const tor = w.tor(1);
  tor.setAnnouncements(routes(['0.0.0.0/0', '10.50.0.0/16']));
  hv.addPeer(w.uplink(1, { import: { maxPrefix: { ipv4: 1 } } }));
  await Promise.all([hv.start(), tor.start()]);
  await until(() => hv.peer('tor1').lastError?.code === 'ERR_BGP_MAX_PREFIX', 'max-prefix');
  await until(() => tor.peer('hv').state !== 'established', 'the ToR sees the Cease');
  assert.match(tor.peer('hv').lastError?.message ?? '', /Maximum Number of Prefixes|6\/1/);
  assert.equal(hv.peer('tor1').state, 'idle');
  assert.equal(hv.route('0.0.0.0/0'), undefined);
  assert.ok(w.logs.some((l) => l.level.endsWith('warn') && l.fields?.code === 'ERR_BGP_MAX_PREFIX'));
});

scenario('a malformed attribute: treat-as-withdraw, the session stays up, the event is counted and logged with its code', async (w) => {
  const hv = w.hv();
  const wireErrors: string[] = [];
  hv.on('wire-error', (peer, e) => wireErrors.push(`${peer} ${e.code} ${e.action}`));
  let script: ScriptPeer | undefined;
  w.net.listen('10.3.0.0', 179, (c) => (script = new ScriptPeer(c)));
  hv.addPeer({ id: 'x', address: '10.3.0.0', asn: 65100, localAddress: '10.3.0.1', connectRetryTime: 1 });
  await hv.start();
  await until(() => script?.of('open').length === 1, 'our OPEN');
  const peer = script!;
  peer.send(openFrom(65100, '10.255.0.3'));
  peer.send({ type: 'keepalive' });
  await until(() => established(hv, 'x'), 'established');
  const good: UpdateMessage = { type: 'update', withdrawn: [], nlri: [pfx('10.60.0.0/24')], attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [65100] }], nextHop: '10.3.0.0' } };
  peer.send(good);
  await until(() => hv.route('10.60.0.0/24') !== undefined, 'learned');
  // the same prefix again with a 5-octet MED (RFC 7606 §7.4: treat-as-withdraw)
  const bytes = Buffer.from([
    ...new Array<number>(16).fill(0xff), 0, 0, 2, // header, length patched below
    0, 0, // no withdrawn routes
    0, 0, // attribute length, patched below
    0x40, 1, 1, 0, // ORIGIN igp
    0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe8, // AS_PATH 65000 (sequence, 4-octet)
    0x40, 3, 4, 10, 3, 0, 0, // NEXT_HOP
    0x80, 4, 5, 0, 0, 0, 10, 11, // MED, one octet too long
    24, 10, 60, 0, // 10.60.0.0/24
  ]);
  bytes.writeUInt16BE(bytes.length, 16);
  bytes.writeUInt16BE(bytes.length - 23 - 4, 21);
  peer.sendRaw(bytes);
  await until(() => hv.route('10.60.0.0/24') === undefined, 'withdrawn');
  assert.deepEqual(wireErrors, ['x ERR_BGP_ATTR_LENGTH treat-as-withdraw']);
  assert.equal(hv.peer('x').state, 'established');
  assert.equal(hv.peer('x').treatAsWithdraw, 1);
  assert.equal(hv.peer('x').lastError?.code, 'ERR_BGP_ATTR_LENGTH');
  assert.ok(w.logs.some((l) => l.level.endsWith('warn') && l.fields?.code === 'ERR_BGP_ATTR_LENGTH'), JSON.stringify(w.logs.filter((l) => l.level.endsWith('warn'))));
  assert.deepEqual(peer.of('notification'), []);
});

scenario('start after stop is refused; stop sends Cease to every established peer', async (w) => {
  const hv = w.hv();
  const tor = w.tor(1);
  hv.addPeer(w.uplink(1));
  await Promise.all([hv.start(), tor.start()]);
  await until(() => established(hv, 'tor1'), 'established');
  await hv.stop();
  await until(() => tor.peer('hv').state !== 'established', 'the ToR sees the Cease');
  assert.match(tor.peer('hv').lastError?.message ?? '', /Administrative Shutdown|6\/2/);
  await assert.rejects(hv.start(), { code: 'ERR_SPEAKER_STOPPED' });
  assert.throws(() => hv.addPeer(w.uplink(2)), { code: 'ERR_SPEAKER_STOPPED' });
});
