// The interop checks every peer daemon goes through, registered as node:test tests in order by
// each daemon's .itest.ts (so each daemon runs on its own):
//
//   1. both sessions (over IPv4 and over IPv6) reach Established, seen from both sides
//   2. lagless's /32s and /128s are accepted by the peer (read back from the peer's own CLI/API)
//   3. the peer's default routes and prefixes are accepted by lagless, and reach the FIB feed
//   4. withdrawals in both directions
//   5. lagless's own routes coming back (our AS in the path) are rejected as own-as-in-path
//   6. the peer daemon is killed and started again: sessions and routes come back
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../../lab/proc.js';
import type { AddressFamily, Router } from '../../../lab/routers/spec.js';
import type { SpeakerHost } from './host-client.js';
import {
  ADDR,
  LAGLESS_ROUTES,
  PEER_ROUTES,
  PEER_WITHDRAWN,
  hostConfig,
  interopLab,
  laglessPeers,
  learnedFrom,
  startHost,
  type InteropLab,
} from './interop-lab.js';

export interface PeerUnderTest {
  readonly router: Router;
  /** the prefixes the daemon holds from lagless, from its own CLI/API */
  accepted(): Promise<Set<string>>;
  /** the peer stops announcing these (some of PEER_ROUTES) */
  withdraw(prefixes: readonly string[]): Promise<void>;
  /**
   * Prefixes that come back to lagless with lagless's AS in the path: `natural` when the daemon
   * reflects our own routes by itself (FRR), else routes the peer was configured to send with our
   * AS in their path (daemons that never send a route back towards an AS in its path).
   */
  readonly reflected: { readonly prefixes: readonly string[]; readonly natural: boolean };
}

export interface SuiteSpec {
  /** LabScope tag */
  readonly tag: string;
  /** families on the IPv4 and on the IPv6 session */
  readonly families: { readonly v4: readonly AddressFamily[]; readonly v6: readonly AddressFamily[] };
  /** version the Debian package must report */
  readonly version: RegExp;
  start(lab: InteropLab): Promise<PeerUnderTest>;
}

export interface SuiteContext {
  lab: InteropLab;
  host: SpeakerHost;
  peer: PeerUnderTest;
}

const WAIT = 20_000;

/** Registers the common tests; returns the context (filled in by `before`) for daemon-specific tests. */
export function interopSuite(spec: SuiteSpec): SuiteContext {
  const ctx = {} as SuiteContext;
  const sessions = (): string[] => [...(spec.families.v4.length > 0 ? ['v4'] : []), ...(spec.families.v6.length > 0 ? ['v6'] : [])];
  const peerAddress = { v4: ADDR.lagless4, v6: ADDR.lagless6 } as const;
  const learnedAll = async (): Promise<Set<string>> => {
    const out = new Set<string>();
    for (const s of sessions()) for (const p of await learnedFrom(ctx.host, s)) out.add(p);
    return out;
  };
  const dump = async (): Promise<string> => {
    try {
      return `lagless peers: ${JSON.stringify(await ctx.host.request('peers'))}\nlagless log:\n${ctx.host.logs().split('\n').slice(-40).join('\n')}`;
    } catch (e) {
      return `(no dump: ${String(e)})\n${ctx.host?.logs() ?? ''}`;
    }
  };
  const step = async (fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
      if (process.env.INTEROP_DUMP === '1') console.log(await dump());
    } catch (e) {
      if (e instanceof Error) e.message += `\n${await dump()}`;
      throw e;
    }
  };

  before(async () => {
    ctx.lab = await interopLab(spec.tag);
    ctx.peer = await spec.start(ctx.lab);
    ctx.host = await startHost(ctx.lab, hostConfig(laglessPeers(spec.families)));
  });
  after(async () => {
    await ctx.host?.stop();
    await ctx.lab?.scope.cleanup();
  });

  test('sessions over IPv4 and over IPv6 reach Established, seen from both sides', () =>
    step(async () => {
      assert.match(ctx.peer.router.version, spec.version);
      for (const s of sessions()) {
        await ctx.host.waitPeerState(s, 'established', WAIT);
        await ctx.peer.router.waitEstablished(peerAddress[s as 'v4' | 'v6'], WAIT);
      }
      const views = await ctx.host.request('peers');
      for (const v of views) assert.ok(v.uptimeS !== null && v.uptimeS >= 0, JSON.stringify(v));
    }));

  test('lagless announces /32s and /128s; the peer accepts them (read back from its CLI/API)', () =>
    step(async () => {
      const r = await ctx.host.request<{ added: number }>('setAnnouncements', { routes: LAGLESS_ROUTES.map((prefix) => ({ prefix })) });
      assert.equal(r.added, LAGLESS_ROUTES.length);
      await ctx.host.request('whenAnnounced', { prefixes: LAGLESS_ROUTES, timeoutMs: WAIT });
      await waitFor(async () => {
        const got = await ctx.peer.accepted();
        return LAGLESS_ROUTES.every((p) => got.has(p));
      }, { timeoutMs: WAIT, intervalMs: 200, what: 'the peer holds every lagless route' });
      const views = await ctx.host.request('peers');
      assert.ok(views.every((v) => v.sent > 0), JSON.stringify(views.map((v) => [v.id, v.sent])));
    }));

  test("the peer's default routes and prefixes are accepted by lagless and reach the FIB feed", () =>
    step(async () => {
      await waitFor(async () => {
        const got = await learnedAll();
        return PEER_ROUTES.every((p) => got.has(p));
      }, { timeoutMs: WAIT, intervalMs: 200, what: 'lagless holds every peer route' });
      for (const d of ['0.0.0.0/0', '::/0']) {
        const e = await ctx.host.waitEvent((x) => x.event === 'route' && x.prefix === d && Array.isArray(x.ecmp), WAIT, `route event ${d}`);
        const hops = e.ecmp as { via: string }[];
        assert.ok(hops.length >= 1, JSON.stringify(e));
        assert.ok(hops.every((h) => h.via === ADDR.peer4 || h.via === ADDR.peer6 || h.via.startsWith('fe80:')), JSON.stringify(e));
      }
      const route = await ctx.host.request('route', { prefix: '10.1.0.0/24' });
      assert.ok(route !== null);
      assert.equal(route.paths[0]?.asPath, '65100');
      // our own routes are never in the FIB feed
      assert.ok(!ctx.host.of('route').some((e) => LAGLESS_ROUTES.includes(String(e.prefix)) && e.ecmp !== null && e.best === 'local'));
    }));

  test('withdrawals in both directions', () =>
    step(async () => {
      const keep = ['10.9.0.1/32', '2001:db8:9::1/128'];
      const r = await ctx.host.request<{ removed: number }>('setAnnouncements', { routes: keep.map((prefix) => ({ prefix })) });
      assert.equal(r.removed, 2);
      await waitFor(async () => {
        const got = await ctx.peer.accepted();
        return keep.every((p) => got.has(p)) && !got.has('10.9.0.2/32') && !got.has('2001:db8:9::2/128');
      }, { timeoutMs: WAIT, intervalMs: 200, what: 'the peer drops the withdrawn lagless routes' });

      const eventsBefore = ctx.host.events.length;
      await ctx.peer.withdraw(PEER_WITHDRAWN);
      await waitFor(async () => {
        const got = await learnedAll();
        return PEER_WITHDRAWN.every((p) => !got.has(p)) && got.has('10.1.0.0/24') && got.has('2001:db8:1::/48');
      }, { timeoutMs: WAIT, intervalMs: 200, what: 'lagless drops the withdrawn peer routes' });
      for (const p of PEER_WITHDRAWN) {
        await ctx.host.waitEvent((e) => ctx.host.events.indexOf(e) >= eventsBefore && e.event === 'route' && e.prefix === p && e.ecmp === null, WAIT, `FIB withdraw of ${p}`);
      }
    }));

  test("lagless's own routes coming back are rejected as own-as-in-path", () =>
    step(async () => {
      const { prefixes } = ctx.peer.reflected;
      const views = await waitFor(async () => {
        const v = await ctx.host.request('peers');
        const rejected = v.reduce((n, p) => n + p.rejectedBy['own-as-in-path'], 0);
        return rejected >= prefixes.length ? v : undefined;
      }, { timeoutMs: WAIT, intervalMs: 200, what: `${prefixes.length} routes rejected as own-as-in-path` });
      assert.ok(views.every((v) => v.rejected === v.rejectedBy['own-as-in-path']), JSON.stringify(views));
      const routes = await ctx.host.request('routes');
      for (const p of prefixes) {
        const r = routes.find((x) => x.prefix === p);
        assert.ok(r === undefined || r.paths.every((x) => x.source === 'local'), `${p} has a learned path: ${JSON.stringify(r)}`);
      }
    }));

  test('the peer daemon is killed and started again: sessions and routes come back', () =>
    step(async () => {
      await ctx.peer.router.kill();
      for (const s of sessions()) {
        await waitFor(async () => (await ctx.host.peer(s)).state !== 'established', { timeoutMs: WAIT, intervalMs: 100, what: `lagless sees ${s} go down` });
      }
      assert.equal((await learnedAll()).size, 0);
      await ctx.peer.router.start();
      for (const s of sessions()) {
        await ctx.host.waitPeerState(s, 'established', 30_000);
        await ctx.peer.router.waitEstablished(peerAddress[s as 'v4' | 'v6'], WAIT);
      }
      const present = PEER_ROUTES.filter((p) => !PEER_WITHDRAWN.includes(p));
      await waitFor(async () => {
        const got = await learnedAll();
        return present.every((p) => got.has(p));
      }, { timeoutMs: WAIT, intervalMs: 200, what: 'lagless learns the peer routes again' });
      await waitFor(async () => {
        const got = await ctx.peer.accepted();
        return got.has('10.9.0.1/32') && got.has('2001:db8:9::1/128') && !got.has('10.9.0.2/32');
      }, { timeoutMs: WAIT, intervalMs: 200, what: 'the peer holds the lagless routes again' });
      const views = await ctx.host.request('peers');
      assert.ok(views.every((v) => v.flaps >= 1), JSON.stringify(views.map((v) => [v.id, v.flaps])));
    }));

  return ctx;
}
