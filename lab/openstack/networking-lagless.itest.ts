// networking-lagless's Python unit tests (Neutron's own mechanism-driver test base, Debian's
// neutron 21), run with Debian's python so `npm test` runs them too. Integration only because they
// need the Debian packages (python3-neutron, python3-oslotest) that scripts/setup.sh installs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../proc.js';
import { NETWORKING_LAGLESS_DIR } from './neutron-server.js';

test('networking-lagless unit tests pass, and all of them ran', { timeout: 120_000 }, async () => {
  const testDir = join(NETWORKING_LAGLESS_DIR, 'networking_lagless', 'tests', 'unit');
  const files = readdirSync(testDir).filter((f) => /^test_.*\.py$/.test(f));
  assert.ok(files.length > 0, 'no test files');
  const own = files.map((f) => (readFileSync(join(testDir, f), 'utf8').match(/^\s+def test_/gm) ?? []).length).reduce((a, b) => a + b, 0);
  assert.ok(own > 0, 'no test methods');

  const r = await run(['/usr/bin/python3', '-m', 'unittest', 'discover', '-s', 'networking_lagless/tests', '-t', '.', '-v'], {
    cwd: NETWORKING_LAGLESS_DIR,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    allowFail: true,
    timeoutMs: 110_000,
  });
  const out = r.stderr; // unittest reports on stderr
  assert.equal(r.code, 0, out.slice(-4000));
  const ran = Number(/^Ran (\d+) tests? in/m.exec(out)?.[1] ?? 0);
  // our own test methods plus those inherited from Neutron's AgentMechanismGenericTestCase
  assert.ok(ran >= own, `ran ${ran} tests, the files define ${own}:\n${out.slice(-2000)}`);
  assert.match(out, /^OK$/m);
  console.log(`# networking-lagless: ${ran} Python tests passed (${own} defined in ${files.length} files)`);
});
