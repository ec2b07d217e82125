// Control server and client over a real Unix socket in a temp directory (local only: a unit test).
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, linkSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../lib/log.js';
import { ControlClient, callControl } from './client.js';
import { ControlServer } from './server.js';
import type { ControlProvider, Status } from './protocol.js';
import { PEERS, PORTS, ROUTES, STATUS, provider } from './fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lagless-control-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function startServer(p: ControlProvider = provider(), path?: string) {
  const sock = path ?? join(tempDir(), 'run', 'agent.sock');
  const { logger, lines } = memoryLogger();
  const server = new ControlServer({ path: sock, provider: p, logger });
  await server.listen();
  cleanups.push(() => server.close());
  return { server, sock, lines };
}

/** Sends raw text, collects response lines until `n` arrived or the server closed. */
function raw(path: string, text: string, n: number): Promise<{ lines: Record<string, unknown>[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let buf = '';
    const lines: Record<string, unknown>[] = [];
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`timeout; got ${buf}`)); }, 3000);
    s.on('connect', () => s.write(text));
    s.on('data', (d) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) !== -1) {
        lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
        buf = buf.slice(i + 1);
      }
      if (lines.length >= n) { clearTimeout(timer); s.destroy(); resolve({ lines, closed: false }); }
    });
    s.on('close', () => { clearTimeout(timer); resolve({ lines, closed: true }); });
    s.on('error', reject);
  });
}

test('every method round-trips; the socket is 0600 and removed on close', async () => {
  const { server, sock } = await startServer();
  assert.equal(statSync(sock).mode & 0o777, 0o600);
  assert.deepEqual(await callControl(sock, 'peers'), PEERS);
  assert.deepEqual(await callControl(sock, 'routes'), ROUTES);
  assert.deepEqual(await callControl(sock, 'ports'), PORTS);
  assert.deepEqual(await callControl(sock, 'status'), STATUS);
  const c = await ControlClient.connect(sock);
  const [a, b] = await Promise.all([c.call('status'), c.call('peers')]); // several in flight on one connection
  c.close();
  assert.equal(a.host, 'hv1');
  assert.equal(b.length, 2);
  await server.close();
  assert.equal(existsSync(sock), false);
});

test('params reach the provider; provider errors keep their code, bugs become ERR_CONTROL_INTERNAL', async () => {
  let seen: unknown;
  const { sock, lines } = await startServer(provider({
    routes: (params) => { seen = params; return []; },
    ports: () => { throw Object.assign(new Error('dataplane not ready'), { code: 'ERR_AGENT_NOT_READY' }); },
    status: () => { throw new TypeError('oops'); },
  }));
  assert.deepEqual(await callControl(sock, 'routes', { prefix: '10.0.0.0/8' }), []);
  assert.deepEqual(seen, { prefix: '10.0.0.0/8' });
  await assert.rejects(callControl(sock, 'ports'), { code: 'ERR_AGENT_NOT_READY', message: 'dataplane not ready' });
  await assert.rejects(callControl(sock, 'status'), { code: 'ERR_CONTROL_INTERNAL', message: 'oops' });
  assert.ok(lines.some((l) => l.msg === 'control request failed' && l.method === 'status'));
});

test('bad requests get coded errors with their id; good ones on the same line stream still answer', async () => {
  const { sock } = await startServer();
  const r = await raw(sock, 'not json\n{"id":2,"method":"reboot"}\n[1]\n{"method":"peers"}\n{"id":"x","method":"status","params":3}\n\n{"id":7,"method":"status"}\n', 6);
  const byId = new Map(r.lines.map((l) => [JSON.stringify(l.id), l]));
  assert.equal(r.lines.length, 6);
  assert.deepEqual((byId.get('2') as { error: { code: string } }).error.code, 'ERR_CONTROL_UNKNOWN_METHOD');
  assert.deepEqual((byId.get('"x"') as { error: { code: string } }).error.code, 'ERR_CONTROL_BAD_REQUEST');
  assert.equal((byId.get('7') as { result: Status }).result.host, 'hv1');
  assert.equal(r.lines.filter((l) => l.id === null && (l.error as { code: string }).code === 'ERR_CONTROL_BAD_REQUEST').length, 3);
});

test('an over-long request line is refused and the connection closed; the server keeps serving', async () => {
  const { sock } = await startServer();
  const r = await raw(sock, `{"id":1,"method":"peers","params":{"x":"${'a'.repeat(70_000)}"}}\n`, 1);
  assert.equal((r.lines[0]!.error as { code: string }).code, 'ERR_CONTROL_TOO_LONG');
  assert.equal((await callControl(sock, 'status')).host, 'hv1');
});

test('a stale socket is replaced; a live one or a regular file is left alone', async () => {
  const dir = tempDir();
  // a stale socket: a second name for a listening socket, left behind when that server closes
  const first = await startServer(provider(), join(dir, 'a.sock'));
  const stale = join(dir, 'agent.sock');
  linkSync(first.sock, stale);
  await first.server.close();
  assert.ok(statSync(stale).isSocket());
  const { sock, lines } = await startServer(provider(), stale);
  assert.equal((await callControl(sock, 'status')).host, 'hv1');
  assert.ok(lines.some((l) => l.msg === 'removing stale control socket'));

  const second = new ControlServer({ path: sock, provider: provider() });
  await assert.rejects(second.listen(), { code: 'ERR_CONTROL_IN_USE' });
  assert.equal((await callControl(sock, 'status')).host, 'hv1', 'the live agent still answers');

  const file = join(dir, 'precious');
  writeFileSync(file, 'keep me');
  await assert.rejects(new ControlServer({ path: file, provider: provider() }).listen(), { code: 'ERR_CONTROL_NOT_SOCKET' });
  assert.equal(readFileSync(file, 'utf8'), 'keep me');
  // a directory that cannot be made (a file is in the way)
  await assert.rejects(new ControlServer({ path: join(file, 'agent.sock'), provider: provider() }).listen(), { code: 'ERR_CONTROL_LISTEN' });
});

test('client errors: no agent, a stuck agent, an agent that goes away', async () => {
  const dir = tempDir();
  await assert.rejects(callControl(join(dir, 'none.sock'), 'status'), (e: Error & { code?: string }) => e.code === 'ERR_CONTROL_CONNECT' && /is the agent running/.test(e.message));
  let release: () => void = () => {};
  const { server, sock } = await startServer(provider({ status: () => new Promise<Status>((r) => { release = () => r(STATUS); }) }));
  await assert.rejects(callControl(sock, 'status', undefined, { timeoutMs: 100 }), { code: 'ERR_CONTROL_TIMEOUT' });
  const c = await ControlClient.connect(sock);
  const pending = assert.rejects(c.call('status'), { code: 'ERR_CONTROL_CLOSED' }); // handled from the start
  await new Promise((r) => setTimeout(r, 20));
  await server.close();
  await pending;
  await assert.rejects(c.call('peers'), { code: 'ERR_CONTROL_CLOSED' });
  c.close();
  release();
});

test('a socket path too long for the bind-then-link dance is bound in place, still 0600', async () => {
  const base = tempDir();
  const dir = join(base, 'd'.repeat(105 - base.length - '/agent.sock'.length - 1));
  const path = join(dir, 'agent.sock');
  assert.equal(Buffer.byteLength(path), 105);
  const { sock } = await startServer(provider(), path);
  assert.equal(statSync(sock).mode & 0o777, 0o600);
  assert.equal((await callControl(sock, 'status')).host, 'hv1');
});
