// The lagless command, run in-process with captured output; `show` against a real control server
// on a Unix socket in a temp directory.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ControlServer } from '../control/server.js';
import { PEERS, PORTS, ROUTES, STATUS, provider } from '../control/fixtures.js';
import type { CliIO } from './io.js';
import { main } from './main.js';
import { runAgentCommand } from './agent.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/agent.yaml', import.meta.url));
const GOLDEN = fileURLToPath(new URL('../config/testdata/agent.canonical.yaml', import.meta.url));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lagless-cli-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function capture(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), env };
  return { io, out: () => out.join(''), err: () => err.join('') };
}
async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  const c = capture(env);
  const code = await main(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

test('--version, help, unknown commands, lab usage', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.deepEqual(await cli(['--version']), { code: 0, out: `lagless ${pkg.version}\n`, err: '' });
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /agent --check FILE/);
  assert.match((await cli(['help', 'show'])).out, /--socket PATH/);
  assert.equal((await cli([])).code, 2);
  const bogus = await cli(['frobnicate']);
  assert.equal(bogus.code, 2);
  assert.match(bogus.err, /unknown command "frobnicate"/);
  const lab = await cli(['lab', 'frobnicate']); // usage only: a real `lab up` builds namespaces (lab/clos/*.itest.ts)
  assert.equal(lab.code, 2);
  assert.match(lab.err, /unknown lab command "frobnicate"/);
  assert.match((await cli(['help', 'lab'])).out, /lagless lab up/);
});

test('agent --check: the shipped example passes; --print writes exactly the canonical form', async () => {
  const ok = await cli(['agent', '--check', EXAMPLE]);
  assert.equal(ok.code, 0);
  assert.match(ok.out, /: OK \(host hv07\.rack03\.dc1, AS 4200003007, 2 uplinks, source neutron\)\n$/);
  const printed = await cli(['agent', '--check', EXAMPLE, '--print']);
  assert.equal(printed.code, 0);
  assert.equal(printed.out, readFileSync(GOLDEN, 'utf8'));
  assert.match(printed.err, /OK/);
  const json = await cli(['agent', '--check', EXAMPLE, '--json']);
  assert.equal(JSON.parse(json.out).config.uplinks[1].name, 'tor2');
});

test('agent --check reports every problem as file:line:column: path: message [code]', async () => {
  const dir = tempDir();
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'asn: 0\nuplinks:\n  - { interface: eth0, peer: unnumbered, peerAsn: 1 }\nexport: { pools: [] }\nsource: { type: file, path: p.yaml }\nhost: hv1\n');
  const r = await cli(['agent', '--check', bad]);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.deepEqual(r.err.trimEnd().split('\n'), [
    `${bad}:1:1: asn: AS number 0 is out of range 1..4294967295 [ERR_CONFIG_ASN]`,
    `${bad}:1:1: routerId: missing: expected an IPv4 address (or an IPv4 loopback address to take it from) [ERR_CONFIG_MISSING]`,
    `${bad}:3:24: uplinks[0].peer: unnumbered peering is not supported yet: give the peer's address on the link [ERR_CONFIG_NOT_SUPPORTED]`,
    `${bad}: 3 errors`,
  ]);
  const json = JSON.parse((await cli(['agent', '--check', bad, '--json'])).out);
  assert.deepEqual(json.issues.map((i: { code: string }) => i.code), ['ERR_CONFIG_ASN', 'ERR_CONFIG_MISSING', 'ERR_CONFIG_NOT_SUPPORTED']);
  const missing = await cli(['agent', '--check', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /cannot read the config file: ENOENT \[ERR_CONFIG_FILE\]/);
});

test('agent usage errors exit 2', async () => {
  for (const argv of [['agent'], ['agent', '--config', 'a', '--check', 'b'], ['agent', '--config', 'a', '--print'], ['agent', '--bogus'], ['agent', 'x.yaml']]) {
    const r = await cli(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, /usage: lagless agent/);
  }
});

test('agent --config: a bad config exits 1; no runtime exits 2; a runtime gets the parsed config', async () => {
  const dir = tempDir();
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'asn: x\n');
  assert.equal((await cli(['agent', '--config', bad])).code, 1);

  const none = capture();
  assert.equal(await runAgentCommand(['--config', EXAMPLE], none.io, { runtime: pathToFileURL(join(dir, 'main.js')) }), 2);
  assert.match(none.err(), /agent runtime not built yet/);

  const runtime = join(dir, 'runtime.mjs');
  writeFileSync(runtime, 'export async function runAgent(config, opts) { globalThis.__laglessRun = { config, opts }; return 3; }\n');
  const c = capture();
  assert.equal(await runAgentCommand(['--config', EXAMPLE], c.io, { runtime: pathToFileURL(runtime) }), 3);
  const seen = (globalThis as { __laglessRun?: { config: { host: string; uplinks: unknown[] }; opts: { configPath: string; version: string } } }).__laglessRun;
  assert.equal(seen?.config.host, 'hv07.rack03.dc1');
  assert.equal(seen?.config.uplinks.length, 2);
  assert.equal(seen?.opts.configPath, EXAMPLE);
});

test('show: tables and --json from a running control server', async () => {
  const sock = join(tempDir(), 'agent.sock');
  const server = new ControlServer({ path: sock, provider: provider() });
  await server.listen();
  cleanups.push(() => server.close());

  const peers = await cli(['show', 'peers', '--socket', sock]);
  assert.equal(peers.code, 0);
  assert.equal(
    peers.out,
    [
      'NAME  ADDRESS          ASN  STATE          UPTIME  RCVD  ACCEPTED  SENT  REASON              LAST ERROR',
      'tor1  10.3.0.0  4200003000  Established  1h02m05s     3         1    12  open-confirmed',
      'tor2  10.3.0.2  4200003000  Active              -     0         0     0  hold-timer-expired  hold timer expired [ERR_BGP_HOLD_TIMER] at 2024-05-01T10:00:00.000Z',
      '',
    ].join('\n'),
  );
  const routes = await cli(['show', 'routes'], { LAGLESS_SOCKET: sock });
  assert.equal(
    routes.out,
    [
      'PREFIX     FIB  PATH  NEXT HOP  PEER  AS PATH           REASON',
      '0.0.0.0/0  yes  *>    10.3.0.0  tor1  4200003000 65000  multipath: 2 equal paths',
      '                *=    10.3.0.2  tor2  4200003000 65000',
      '',
      '* valid, > best, = in the ECMP set; FIB: installed in the kernel',
      '',
    ].join('\n'),
  );
  const ports = await cli(['show', 'ports', '--socket', sock]);
  assert.equal(
    ports.out,
    [
      'ID  TAP    STATE   ADDRESSES                 ERROR',
      'p1  tapp1  wired   10.64.1.15, 2001:db8::15',
      'p2  tapp2  failed  10.64.1.16                route add failed [ERR_DP_ROUTE]',
      '',
    ].join('\n'),
  );
  const status = await cli(['show', 'status', '--socket', sock]);
  assert.equal(
    status.out,
    [
      'host:    hv1',
      'version: 0.1.0 (pid 1234)',
      'uptime:  1d01h01m',
      'in sync: yes (source: file)',
      'peers:   1/2 established',
      'ports:   1/2 wired, 0 waiting for a tap, 1 failed',
      '',
    ].join('\n'),
  );
  for (const [what, expected] of [['peers', PEERS], ['routes', ROUTES], ['ports', PORTS], ['status', STATUS]] as const) {
    const j = await cli(['show', what, '--json', '--socket', sock]);
    assert.equal(j.code, 0);
    assert.deepEqual(JSON.parse(j.out), expected);
  }
});

test('show: empty results, no agent, usage errors', async () => {
  const sock = join(tempDir(), 'agent.sock');
  const server = new ControlServer({ path: sock, provider: provider({ peers: () => [], routes: () => [], ports: () => [] }) });
  await server.listen();
  cleanups.push(() => server.close());
  assert.equal((await cli(['show', 'peers', '--socket', sock])).out, 'no peers configured\n');
  assert.equal((await cli(['show', 'routes', '--socket', sock])).out, 'no routes\n');
  assert.equal((await cli(['show', 'ports', '--socket', sock])).out, 'no ports bound to this host\n');

  const down = await cli(['show', 'status', '--socket', join(tempDir(), 'none.sock')]);
  assert.equal(down.code, 1);
  assert.match(down.err, /is the agent running\? .*\[ERR_CONTROL_CONNECT\]/);

  for (const argv of [['show'], ['show', 'neighbours'], ['show', 'peers', 'extra'], ['show', 'peers', '--bogus'], ['show', 'peers', '--timeout', 'soon']]) {
    const r = await cli(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, /usage: lagless show/);
  }
});
