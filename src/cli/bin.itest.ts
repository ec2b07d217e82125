// bin/lagless as a real process: the launcher finds the CLI (built or through tsx), exit codes and
// streams are the process's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = `${ROOT}bin/lagless`;
const run = (...args: string[]) => spawnSync(BIN, args, { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });

test('lagless agent --check examples/agent.yaml works from a checkout', () => {
  const r = run('agent', '--check', 'examples/agent.yaml');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^examples\/agent\.yaml: OK/);
  const p = run('agent', '--check', 'examples/agent.yaml', '--print');
  assert.equal(p.status, 0, p.stderr);
  assert.equal(p.stdout, readFileSync(`${ROOT}src/config/testdata/agent.canonical.yaml`, 'utf8'));
});

test('exit codes: bad config 1, no agent 1, usage 2, not built yet 2', () => {
  const bad = run('agent', '--check', 'examples/ports.yaml');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /ERR_CONFIG_UNKNOWN_KEY/);
  const noAgent = run('show', 'status', '--socket', '/nonexistent/agent.sock');
  assert.equal(noAgent.status, 1);
  assert.match(noAgent.stderr, /ERR_CONTROL_CONNECT/);
  assert.equal(run('show').status, 2);
  assert.equal(run('lab').status, 2);
  const v = run('--version');
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^lagless \d+\.\d+\.\d+\n$/);
});
