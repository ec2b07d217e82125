// Compiles src/bgp/interop/speaker-host.ts (and what it imports) to JavaScript in `outDir`, so a
// benchmark runs the speaker as a deployed agent runs: plain node, no TypeScript loader in the
// process (tsx's loader thread alone adds ~34 MiB of RSS).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../lab/proc.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Returns the path of the compiled speaker-host.js. */
export async function buildSpeakerHost(outDir: string): Promise<string> {
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const args = ['--outDir', outDir, '--rootDir', ROOT, '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--skipLibCheck', '--types', 'node', '--strict'];
  const r = await run([process.execPath, tsc, ...args, join(ROOT, 'src/bgp/interop/speaker-host.ts')], { allowFail: true, timeoutMs: 120_000 });
  const out = join(outDir, 'src/bgp/interop/speaker-host.js');
  if (!existsSync(out)) throw new Error(`tsc did not produce ${out}: ${r.stdout}${r.stderr}`);
  if (r.code !== 0) console.log(`(tsc reported type errors, output used anyway):\n${r.stdout.slice(0, 2000)}`);
  return out;
}
