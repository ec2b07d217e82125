// BgpListener on both wildcard addresses (0.0.0.0 and ::) at once, over real loopback TCP: the
// IPv6 socket must be IPv6-only then, or it takes IPv4 too and the second bind fails (EADDRINUSE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { waitFor } from '../../../lab/proc.js';
import type { Connection } from './connection.js';
import { BgpListener } from './listener.js';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen({ host: '::', port: 0 }, resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

test('listening on 0.0.0.0 and :: together works, and both families reach the session', async () => {
  const port = await freePort();
  const listener = new BgpListener({ port, addresses: ['0.0.0.0', '::'] });
  const remotes: string[] = [];
  listener.add({
    name: 'any',
    matches: () => true,
    accept: (c: Connection) => {
      remotes.push(c.remoteAddress ?? '?');
      c.destroy();
    },
  });
  await listener.listen();
  try {
    for (const [i, host] of ['127.0.0.1', '::1'].entries()) {
      const s = net.connect({ host, port });
      s.on('error', () => {});
      await waitFor(() => remotes.length === i + 1, { timeoutMs: 5000, what: `connection from ${host}` });
      s.destroy();
    }
    assert.deepEqual(remotes, ['127.0.0.1', '::1']);
  } finally {
    await listener.close();
  }
});
