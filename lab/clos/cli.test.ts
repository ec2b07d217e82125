// `lagless lab` argument handling and topology errors: everything that is refused before a
// namespace is made (no root needed, nothing built).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, type CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { runLabCommand } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lagless-lab-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), env: { LAGLESS_LAB_DIR: join(dir, 'labs') } };
  return { io, out: () => out.join(''), err: () => err.join('') };
}
const usage = (argv: string[], pattern: RegExp) => assert.rejects(runLabCommand(argv, capture().io), (e: unknown) => e instanceof UsageError && pattern.test(e.message));

test('usage errors are refused before anything is built', async () => {
  await usage([], /lab what\?/);
  await usage(['frobnicate'], /unknown lab command "frobnicate"/);
  await usage(['up', '--hv', 'ovs'], /--hv is lagless or frr/);
  await usage(['up', '--routers', 'gobgp'], /--routers is frr or bird/);
  await usage(['up', '--name', 'Bad_Name'], /--name must match/);
  await usage(['up', '--timeout', '0'], /--timeout takes seconds/);
  await usage(['up', 'demo', 'clos'], /one preset or file/);
  await usage(['exec'], /which node\?/);
  await usage(['exec', '--bogus', 'vm1'], /unknown option "--bogus"/);
  await usage(['exec', '--name'], /--name needs a value/);
  await usage(['down', '--name', 'a', '--all'], /--name or --all/);
});

test('a bad topology is reported with every issue and its code, exit 1', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'name: x\nracks:\n  - tors: 1\n    hypervisors: [{ name: hv1 }, { name: hv1 }]\n');
  const c = capture();
  assert.equal(await runLabCommand(['up', file], c.io), 1);
  assert.match(c.err(), /bad\.yaml: 1 problem/);
  assert.match(c.err(), /hypervisors\[1\]\.name: node name "hv1" is already used by hypervisors\[0\] \[ERR_LAB_TOPOLOGY_DUPLICATE\]/);
  assert.match(c.err(), /\[ERR_LAB_TOPOLOGY\]\n$/);

  const missing = capture();
  assert.equal(await runLabCommand(['up', join(dir, 'nope.yaml')], missing.io), 1);
  assert.match(missing.err(), /cannot read the topology file: ENOENT \[ERR_LAB_TOPOLOGY_FILE\]/);
  const preset = capture();
  assert.equal(await runLabCommand(['up', 'nosuchpreset'], preset.io), 1);
  assert.match(preset.err(), /no preset "nosuchpreset" \(presets: demo, clos/);
});

test('help: lagless lab help and lagless help lab', async () => {
  const c = capture();
  assert.equal(await runLabCommand(['help'], c.io), 0);
  assert.match(c.out(), /^usage: lagless lab up \[PRESET\|FILE\]/);
  const m = capture();
  assert.equal(await main(['help', 'lab'], m.io), 0);
  assert.equal(m.out(), c.out());
  const u = capture();
  assert.equal(await main(['lab', 'exec'], u.io), 2); // main prints the lab help with a usage error
  assert.match(u.err(), /which node\?[\s\S]*usage: lagless lab up/);
});
