#!/usr/bin/env node
// One test runner (node:test) for everything. Test files sit beside the code they test:
//   *.test.ts   unit tests: pure code, no root, no network, no processes
//   *.itest.ts  integration tests: real daemons and kernel state in network namespaces (root)
// Usage: node scripts/run-tests.mjs unit|integration|all [path-filter...]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const [kind = 'all', ...filters] = process.argv.slice(2);
const suffixes = { unit: ['.test.ts'], integration: ['.itest.ts'], all: ['.test.ts', '.itest.ts'] }[kind];
if (!suffixes) {
  console.error(`usage: run-tests.mjs unit|integration|all [filter...]`);
  process.exit(2);
}

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (suffixes.some((s) => name.endsWith(s))) out.push(p);
  }
  return out;
}

const files = ['src', 'lab', 'bench']
  .flatMap((d) => { try { return walk(d, []); } catch { return []; } })
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
if (kind !== 'unit' && process.getuid?.() !== 0) {
  console.error('integration tests need root (network namespaces); run `npm run test:unit` for the rest');
  process.exit(1);
}
// Integration tests start daemons and namespaces: run files one at a time so two of them never
// fight over CPU on this 2-core machine; unit files run in parallel.
const unit = files.filter((f) => f.endsWith('.test.ts'));
const integ = files.filter((f) => f.endsWith('.itest.ts'));
let status = 0;
const run = (list, concurrency) => {
  if (list.length === 0) return;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...list], { stdio: 'inherit' });
  if (r.status !== 0) status = r.status ?? 1;
};
run(unit, 2);
run(integ, 1);
process.exit(status);
