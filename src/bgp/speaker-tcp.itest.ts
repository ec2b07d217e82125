// Two speakers over real loopback TCP, each with its own listener: one connects, the other
// accepts. stop() on the accepting side must not wait on its listener (whose close only completes
// once the accepted connection is gone) before it has closed that connection itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { waitFor } from '../../lab/proc.js';
import { parsePrefix } from './rib/prefix.js';
import { Speaker } from './speaker.js';

test('stop() with an accepted connection returns promptly; routes went across first', async () => {
  const a = new Speaker({ asn: 65001, routerId: '10.0.0.1', listen: { port: 0, addresses: ['127.0.0.1'] } });
  a.addPeer({ id: 'b', address: '127.0.0.2', asn: 65002, passive: true, holdTime: 9 });
  await a.start();
  const b = new Speaker({ asn: 65002, routerId: '10.0.0.2', listen: false });
  b.addPeer({ id: 'a', address: '127.0.0.1', asn: 65001, port: a.port!, localAddress: '127.0.0.2', holdTime: 9, connectRetryTime: 1 });
  try {
    b.setAnnouncements([{ prefix: parsePrefix('10.2.0.1/32') }]);
    await b.start();
    await waitFor(() => a.route('10.2.0.1/32') !== undefined, { timeoutMs: 10_000, what: 'route at a' });
    assert.equal(a.peer('b').state, 'established');
    const t = Date.now();
    await a.stop();
    const ms = Date.now() - t;
    assert.ok(ms < 2000, `stop took ${ms} ms`);
    await waitFor(() => b.peer('a').state !== 'established', { timeoutMs: 5000, what: 'b sees the Cease' });
    assert.match(b.peer('a').lastError?.message ?? '', /Administrative Shutdown/);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('start() twice at once brings up one listener', async () => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const s = new Speaker({ asn: 65001, routerId: '10.0.0.1', listen: { port, addresses: ['127.0.0.1'] } });
  try {
    await Promise.all([s.start(), s.start()]);
    assert.equal(s.port, port);
  } finally {
    await s.stop();
  }
  await assert.rejects(s.start(), { code: 'ERR_SPEAKER_STOPPED' });
});
