// Helper process for netns.itest.ts: makes a scope with one namespace and one long-running process,
// prints them as one JSON line, then waits to be signalled (the test checks what is left behind).
// Usage: node --import tsx lab/netns-itest-child.ts TAG
import { LabScope } from './netns.js';

const tag = process.argv[2] ?? 'child';
const scope = await LabScope.create(tag);
const ns = await scope.netns('x');
const child = ns.spawn(['sleep', '300'], { stdio: 'ignore' });
const dir = scope.dir();
process.stdout.write(`${JSON.stringify({ prefix: scope.prefix, netns: ns.name, pid: child.pid, dir })}\n`);
setInterval(() => {}, 60_000);
