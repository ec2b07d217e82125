// Two sessions started in random orders and timings, with random identifiers and roles: they must
// always end up Established on exactly one connection, at the first attempt (collisions resolved
// the same way on both sides, never a flap), whatever the interleaving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FakeClock } from './fake-clock.js';
import { BgpListener } from './listener.js';
import { MemoryNetwork } from './memory-connection.js';
import { BgpSession } from './session.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('random start orders, delays, identifiers and roles converge to one Established connection', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 0xfffffffe }),
      fc.integer({ min: 1, max: 0xfffffffe }),
      fc.integer({ min: 0, max: 8 }),
      fc.boolean(),
      fc.constantFrom('both-active', 'a-passive', 'b-passive'),
      async (idA, idB, gap, aFirst, roles) => {
        const ip = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
        const clock = new FakeClock();
        const net = new MemoryNetwork();
        const mk = (localAs: number, routerId: string, peerAs: number, me: string, peer: string, passive: boolean, seed: number) => {
          let x = seed;
          const random = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
          return new BgpSession({ localAs, routerId, peerAs, peerAddress: peer, holdTime: 9, connectRetryTime: 5, passive, clock, random, connector: net.connector(me) });
        };
        const a = mk(65001, ip(idA), 65002, '10.0.0.1', '10.0.0.2', roles === 'a-passive', idA);
        const b = mk(65002, ip(idB), 65001, '10.0.0.2', '10.0.0.1', roles === 'b-passive', idB);
        const la = new BgpListener();
        la.add(a);
        const lb = new BgpListener();
        lb.add(b);
        net.listen('10.0.0.1', 179, (c) => la.handle(c));
        net.listen('10.0.0.2', 179, (c) => lb.handle(c));
        const idles: string[] = [];
        a.on('state', (c) => c.to === 'idle' && idles.push(`a ${c.from} ${c.reason} ${c.detail ?? ''}`));
        b.on('state', (c) => c.to === 'idle' && idles.push(`b ${c.from} ${c.reason} ${c.detail ?? ''}`));
        const [first, second] = aFirst ? [a, b] : [b, a];
        first.start();
        for (let i = 0; i < gap; i++) await turn();
        second.start();
        for (let i = 0; i < 60 && !(a.state === 'established' && b.state === 'established'); i++) await clock.advanceAsync(1_000);
        assert.equal(a.state, 'established', `a ${a.state}`);
        assert.equal(b.state, 'established', `b ${b.state}`);
        // both sides resolved any collision the same way: neither session ever fell back to Idle
        assert.deepEqual(idles, [], idles.join("\n"));
        // settle any dumped connection, then count the live ones
        for (let i = 0; i < 20; i++) await turn();
        const open = net.connections.filter((c) => !c.closed);
        assert.equal(open.length, 1, `live connections: ${open.length}`);
        await a.stop();
        await b.stop();
      },
    ),
    { numRuns: 300 },
  );
});
