#!/usr/bin/env node
// npm run bench -- NAME [args]: runs bench/NAME.ts. Its last output line is one JSON object.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const [name, ...args] = process.argv.slice(2);
const file = name && `bench/${name}.ts`;
if (!file || !existsSync(file)) {
  const names = readdirSync('bench').filter((f) => f.endsWith('.ts') && !f.includes('.test.')).map((f) => f.slice(0, -3));
  console.error(`usage: npm run bench -- NAME; benchmarks: ${names.join(', ')}`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
