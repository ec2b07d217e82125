import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerRouteProtocol } from './linux-kernel.js';

test('registers "201 lagless" once; rewrites a file with other content; fails with a code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lagless-rtprotos-'));
  try {
    const file = join(dir, 'lagless.conf');
    registerRouteProtocol(dir);
    assert.match(readFileSync(file, 'utf8'), /^201\tlagless$/m);
    const mtime = statSync(file).mtimeMs;
    registerRouteProtocol(dir);
    assert.equal(statSync(file).mtimeMs, mtime, 'unchanged content is not rewritten');
    writeFileSync(file, '199 lagless\n');
    registerRouteProtocol(dir);
    assert.match(readFileSync(file, 'utf8'), /^201\tlagless$/m);
    assert.throws(() => registerRouteProtocol(join(file, 'not-a-dir')), { code: 'ERR_DP_PROTO_REGISTER' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
