// Interop with ExaBGP 4.2 (Debian's exabgp): the common checks (suite.ts), one family per session;
// what ExaBGP received is read from the JSON messages it hands its API process. ExaBGP originates
// only, so REFLECT_ROUTES are sent with the AS path 65100 4200000010 through its API.
// Then a malformed attribute (a 5-octet MED, sent raw): lagless treats the UPDATE as a withdraw
// (RFC 7606), logs it with its code, and the session stays up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../../lab/proc.js';
import { exabgpConfig, startExabgp, type ExabgpEvent } from '../../../lab/routers/exabgp.js';
import { ADDR, LAGLESS_ASN, PEER_ASN, REFLECT_ROUTES, learnedFrom, peerSpec } from './interop-lab.js';
import { interopSuite } from './suite.js';

const families = { v4: ['ipv4'], v6: ['ipv6'] } as const;
const nh = (p: string) => (p.includes(':') ? ADDR.peer6 : ADDR.peer4);

/** The prefixes ExaBGP currently holds from each lagless session, replaying its update messages. */
function heldFromEvents(events: readonly ExabgpEvent[]): Set<string> {
  const held = new Map<string, Set<string>>();
  for (const e of events) {
    const peer = e.neighbor?.address?.peer;
    if (peer === undefined) continue;
    const set = held.get(peer) ?? new Set<string>();
    held.set(peer, set);
    if (e.type === 'state' && e.neighbor?.state !== 'up') set.clear();
    if (e.type !== 'update') continue;
    const update = (e.neighbor?.message as { update?: { announce?: Record<string, Record<string, { nlri: string }[]>>; withdraw?: Record<string, { nlri: string }[]> } } | undefined)?.update;
    for (const byNextHop of Object.values(update?.announce ?? {})) for (const list of Object.values(byNextHop)) for (const r of list) set.add(r.nlri);
    for (const list of Object.values(update?.withdraw ?? {})) for (const r of list) set.delete(r.nlri);
  }
  const out = new Set<string>();
  for (const s of held.values()) for (const p of s) out.add(p);
  return out;
}

const ctx = interopSuite({
  tag: 'ioexa',
  families,
  version: /^4\.2\./,
  async start(lab) {
    const reflect = REFLECT_ROUTES.map((p) => `    route ${p} next-hop ${nh(p)} as-path [ ${PEER_ASN} ${LAGLESS_ASN} ];`);
    // the reflect routes go into each neighbour's static block of their family
    let config = exabgpConfig(peerSpec(families));
    for (const line of reflect) {
      const v6 = line.includes('2001:');
      const anchor = v6 ? `neighbor ${ADDR.lagless6} {` : `neighbor ${ADDR.lagless4} {`;
      const start = config.indexOf(anchor);
      const at = config.indexOf('  static {\n', start) + '  static {\n'.length;
      config = config.slice(0, at) + `${line}\n` + config.slice(at);
    }
    const exa = await startExabgp(lab.scope, lab.peer, { config });
    return {
      router: exa,
      accepted: async () => heldFromEvents(exa.events()),
      async withdraw(prefixes) {
        for (const p of prefixes) await exa.api(`withdraw route ${p} next-hop self`);
      },
      reflected: { prefixes: REFLECT_ROUTES, natural: false },
    };
  },
});

test('a malformed attribute (5-octet MED): treat-as-withdraw, logged with its code, the session stays up', async () => {
  const exa = ctx.peer.router as Awaited<ReturnType<typeof startExabgp>>;
  const prefix = '10.1.9.0/24';
  await exa.api(`announce route ${prefix} next-hop self`);
  await waitFor(async () => (await learnedFrom(ctx.host, 'v4')).has(prefix), { timeoutMs: 20_000, intervalMs: 100, what: `lagless learns ${prefix}` });
  const before = await ctx.host.peer('v4');

  await exa.api(`announce route ${prefix} next-hop self attribute [ 0x04 0x80 0x0000000a0b ]`);
  const err = await ctx.host.waitEvent((e) => e.event === 'wire-error' && e.peer === 'v4', 20_000, 'the wire error');
  assert.equal(err.action, 'treat-as-withdraw');
  assert.equal(err.code, 'ERR_BGP_ATTR_LENGTH');
  await waitFor(async () => !(await learnedFrom(ctx.host, 'v4')).has(prefix), { timeoutMs: 20_000, intervalMs: 100, what: `lagless withdraws ${prefix}` });
  const route = ctx.host.of('route').filter((e) => e.prefix === prefix).at(-1);
  assert.equal(route?.ecmp, null, 'the FIB feed withdraws it too');

  // logged with its code, by the session, as a warning
  const logged = ctx.host.of('log').filter((e) => e.level === 'warn' && (e.fields as { code?: string } | undefined)?.code === 'ERR_BGP_ATTR_LENGTH');
  assert.ok(logged.length >= 1, ctx.host.logs());
  assert.match(String(logged[0]!.msg), /MED|length|rejected/i);

  const after = await ctx.host.peer('v4');
  assert.equal(after.state, 'established');
  assert.equal(after.flaps, before.flaps);
  assert.equal(after.treatAsWithdraw, before.treatAsWithdraw + 1);
  assert.equal(after.lastError?.code, 'ERR_BGP_ATTR_LENGTH');
  assert.equal(await exa.peerState(ADDR.lagless4), 'established');
  // the session still carries routes
  await exa.api(`announce route ${prefix} next-hop self`);
  await waitFor(async () => (await learnedFrom(ctx.host, 'v4')).has(prefix), { timeoutMs: 20_000, intervalMs: 100, what: `lagless learns ${prefix} again` });
});
