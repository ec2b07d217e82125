// FileSource against real files in a temp directory (local files only: a unit test).
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PortSpec } from '../../dataplane/port.js';
import { memoryLogger } from '../../lib/log.js';
import type { SourceError, SourceIssue } from '../source.js';
import { FileSource } from './file-source.js';

const WAIT_MS = 5000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lagless-file-source-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Records every event so tests can wait for the n-th one with a bounded wait. */
function record(src: FileSource) {
  const events: ({ kind: 'ports'; ports: readonly PortSpec[]; issues: readonly SourceIssue[] } | { kind: 'in-sync' } | { kind: 'error'; err: SourceError })[] = [];
  src.on('ports', (ports, issues) => events.push({ kind: 'ports', ports, issues }));
  src.on('in-sync', () => events.push({ kind: 'in-sync' }));
  src.on('error', (err) => events.push({ kind: 'error', err }));
  const until = async (pred: () => boolean, what: string) => {
    const deadline = Date.now() + WAIT_MS;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events.map((e) => e.kind))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  type Ev = (typeof events)[number];
  const ofKind = <K extends Ev['kind']>(k: K) => events.filter((e): e is Extract<Ev, { kind: K }> => e.kind === k);
  /** the ids of the n-th 'ports' delivery */
  const ids = (n: number) => ofKind('ports')[n]?.ports.map((p) => p.id);
  return { events, until, ofKind, ids };
}

function startSource(path: string, opts: { pollMs?: number } = {}) {
  const { logger, lines } = memoryLogger();
  const src = new FileSource({ path, logger, debounceMs: 30, pollMs: opts.pollMs ?? 0 });
  cleanups.push(() => src.stop());
  return { src, lines };
}

const portsYaml = (...ids: string[]) =>
  `ports:\n${ids.map((id, i) => `  - { id: ${id}, mac: "fa:16:3e:00:00:${(i + 1).toString(16).padStart(2, '0')}", fixed_ips: [{ address: 10.0.0.${i + 10}, prefix_len: 24 }] }\n`).join('')}`;

/** Write-then-rename, as editors and config management do. */
function replaceAtomically(path: string, text: string) {
  const tmp = `${path}.tmp-${process.pid}-${Math.random()}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

test('first good read delivers the complete set, then in-sync once', async () => {
  const dir = tempDir();
  const file = join(dir, 'ports.yaml');
  writeFileSync(file, portsYaml('a', 'b'));
  const { src } = startSource(file);
  const rec = record(src);
  assert.equal(src.inSync, false);
  await src.start();
  assert.deepEqual(rec.events.map((e) => e.kind), ['ports', 'in-sync']);
  assert.ok(src.inSync);
  const first = rec.ofKind('ports')[0]!;
  assert.deepEqual(first.ports.map((p) => [p.id, p.tap, p.fixedIps[0]?.address]), [['a', 'tapa', '10.0.0.10'], ['b', 'tapb', '10.0.0.11']]);
});

test('atomic rename-replace and in-place rewrites are both picked up', async () => {
  const dir = tempDir();
  const file = join(dir, 'ports.yaml');
  writeFileSync(file, portsYaml('a'));
  const { src } = startSource(file);
  const rec = record(src);
  await src.start();

  replaceAtomically(file, portsYaml('a', 'b'));
  await rec.until(() => rec.ofKind('ports').length === 2, 'the renamed-in file');
  assert.deepEqual(rec.ids(1), ['a', 'b']);

  writeFileSync(file, portsYaml('c'));
  await rec.until(() => rec.ofKind('ports').length === 3, 'the rewritten file');
  assert.deepEqual(rec.ids(2), ['c']);
  assert.equal(rec.ofKind('in-sync').length, 1);

  // an unrelated file in the same directory does not cause a delivery
  writeFileSync(join(dir, 'other.yaml'), 'x: 1\n');
  replaceAtomically(file, portsYaml('c')); // same content: nothing new to deliver
  writeFileSync(file, portsYaml('d'));
  await rec.until(() => rec.ofKind('ports').length === 4, 'the next change');
  assert.deepEqual(rec.ids(3), ['d']);
});

test('a bad entry is reported with path and line and skipped; the others apply', async () => {
  const dir = tempDir();
  const file = join(dir, 'ports.yaml');
  writeFileSync(file, 'ports:\n  - { id: a, mac: "fa:16:3e:00:00:01" }\n  - id: b\n    mac: "fa:16:3e:00:00:02"\n    fixed_ips:\n      - { address: 10.0.0.300, prefix_len: 24 }\n');
  const { src, lines } = startSource(file);
  const rec = record(src);
  await src.start();
  const ev = rec.ofKind('ports')[0]!;
  assert.deepEqual(ev.ports.map((p) => p.id), ['a']);
  assert.deepEqual(ev.issues.map((i) => [i.path, i.code, i.line]), [['ports[1].fixed_ips[0].address', 'ERR_PORT_ADDRESS', 6]]);
  assert.ok(src.inSync, 'a skipped entry does not hold back in-sync');
  assert.ok(lines.some((l) => l.msg === 'port entry skipped' && l.code === 'ERR_PORT_ADDRESS'));
});

test('a broken file changes nothing: the last good set stands until it is fixed', async () => {
  const dir = tempDir();
  const file = join(dir, 'ports.yaml');
  writeFileSync(file, portsYaml('a', 'b'));
  const { src } = startSource(file);
  const rec = record(src);
  await src.start();

  writeFileSync(file, 'ports:\n  - { id: a, mac: [\n');
  await rec.until(() => rec.ofKind('error').length === 1, 'the syntax error');
  const err = rec.ofKind('error')[0]!.err;
  assert.equal(err.code, 'ERR_SOURCE_FILE_YAML');
  assert.equal(typeof err.issues[0]?.line, 'number');
  assert.match(err.message, /keeping the last good set/);

  writeFileSync(file, '');
  await rec.until(() => rec.ofKind('error').length === 2, 'the empty file');
  assert.equal(rec.ofKind('error')[1]!.err.code, 'ERR_SOURCE_FILE_EMPTY');

  rmSync(file);
  await rec.until(() => rec.ofKind('error').length === 3, 'the deleted file');
  assert.equal(rec.ofKind('error')[2]!.err.code, 'ERR_SOURCE_FILE_MISSING');
  assert.equal(rec.ofKind('ports').length, 1, 'no empty set was delivered');

  writeFileSync(file, portsYaml('b'));
  await rec.until(() => rec.ofKind('ports').length === 2, 'the fixed file');
  assert.deepEqual(rec.ids(1), ['b']);
});

test('a missing file at start: not in sync until it appears; JSON works', async () => {
  const dir = tempDir();
  const file = join(dir, 'ports.json');
  const { src } = startSource(file);
  const rec = record(src);
  await src.start();
  assert.equal(src.inSync, false);
  assert.deepEqual(rec.events.map((e) => e.kind), ['error']);
  assert.doesNotMatch(rec.ofKind('error')[0]!.err.message, /keeping/);

  replaceAtomically(file, JSON.stringify({ ports: [{ id: 'j1', mac: 'fa:16:3e:00:00:09', fixed_ips: [{ address: '10.1.0.5', prefix_len: 16 }], port_security: false }] }));
  await rec.until(() => src.inSync, 'in-sync');
  assert.deepEqual(rec.events.map((e) => e.kind), ['error', 'ports', 'in-sync']);
  const p = rec.ofKind('ports')[0]!.ports[0]!;
  assert.equal(p.portSecurity, false);
});

test('a missing directory is refused at start; errors are not thrown when nobody listens', async () => {
  const dir = tempDir();
  const { src } = startSource(join(dir, 'nope', 'ports.yaml'));
  await assert.rejects(src.start(), { code: 'ERR_SOURCE_FILE_DIR' });
  const { src: quiet, lines } = startSource(join(dir, 'absent.yaml'));
  await quiet.start(); // no 'error' listener: must not throw
  assert.ok(lines.some((l) => l.code === 'ERR_SOURCE_FILE_MISSING'));
});

test('polling catches a symlink swap elsewhere (Kubernetes-style ..data link)', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'v1'));
  mkdirSync(join(dir, 'v2'));
  writeFileSync(join(dir, 'v1', 'ports.yaml'), portsYaml('one'));
  writeFileSync(join(dir, 'v2', 'ports.yaml'), portsYaml('two'));
  symlinkSync('v1', join(dir, '..data'));
  const file = join(dir, 'ports.yaml');
  symlinkSync('..data/ports.yaml', file);
  const { src } = startSource(file, { pollMs: 50 });
  const rec = record(src);
  await src.start();
  symlinkSync('v2', join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  await rec.until(() => rec.ofKind('ports').length === 2, 'the swapped target');
  assert.deepEqual(rec.ids(1), ['two']);
});

test('after stop, changes deliver nothing', async () => {
  const dir = tempDir();
  const file = join(dir, 'ports.yaml');
  writeFileSync(file, portsYaml('a'));
  const { src } = startSource(file, { pollMs: 20 });
  const rec = record(src);
  await src.start();
  await src.stop();
  writeFileSync(file, portsYaml('b'));
  await new Promise((r) => setTimeout(r, 200)); // longer than debounce and several poll periods
  assert.deepEqual(rec.events.map((e) => e.kind), ['ports', 'in-sync']);
});
