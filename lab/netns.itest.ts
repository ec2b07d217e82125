import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { LabScope, veth } from './netns.js';
import { isRunning, run, waitFor } from './proc.js';

async function netnsNames(): Promise<string[]> {
  return (await run(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

test('two namespaces joined by a veth ping each other; cleanup removes namespaces, processes and files', async () => {
  const scope = await LabScope.create('nstest');
  after(() => scope.cleanup());
  const a = await scope.netns('a');
  const b = await scope.netns('b');
  assert.equal(a.name, `${scope.prefix}-a`);
  await veth(a, 'eth0', b, 'peer-a', { aMac: '02:00:00:00:00:0a', mtu: 1400 });
  await a.ip(['addr', 'add', '10.9.0.0/31', 'dev', 'eth0']);
  await b.ip(['addr', 'add', '10.9.0.1/31', 'dev', 'peer-a']);
  await a.ip(['addr', 'add', 'fd00:9::a/64', 'dev', 'eth0', 'nodad']);
  await b.ip(['addr', 'add', 'fd00:9::b/64', 'dev', 'peer-a', 'nodad']);
  assert.match(await a.ip(['link', 'show', 'eth0']), /mtu 1400 .*\n.*02:00:00:00:00:0a/);
  assert.match(await a.run(['ping', '-c', '1', '-W', '2', '10.9.0.1']), /1 received/);
  assert.match(await b.run(['ping', '-c', '1', '-W', '2', 'fd00:9::a']), /1 received/);
  // no such address: exec reports the failure, run throws a coded error
  const r = await a.exec(['ping', '-c', '1', '-W', '1', '10.9.9.9']);
  assert.notEqual(r.code, 0);
  await assert.rejects(a.run(['ping', '-c', '1', '-W', '1', '10.9.9.9']), { code: 'ERR_LAB_COMMAND' });

  const sleeper = a.spawn(['sleep', '300'], { stdio: 'ignore' });
  const pid = sleeper.pid;
  assert.ok(pid !== undefined && isRunning(pid));
  // a process started inside the namespace but not tracked is still removed (it is in the namespace)
  const stray = spawn('ip', ['netns', 'exec', b.name, 'sleep', '300'], { stdio: 'ignore', detached: true });
  stray.unref();
  await waitFor(async () => (await b.pids()).includes(stray.pid ?? -1), { timeoutMs: 3000, what: 'stray in netns b' });
  const dir = scope.dir();
  assert.ok(existsSync(dir));

  const names = await netnsNames();
  assert.ok(names.includes(a.name) && names.includes(b.name));
  await scope.cleanup();
  await scope.cleanup(); // idempotent
  const after2 = await netnsNames();
  assert.ok(!after2.includes(a.name) && !after2.includes(b.name), `namespaces left: ${after2.join(' ')}`);
  assert.equal(isRunning(pid), false);
  assert.equal(isRunning(stray.pid ?? -1), false);
  assert.equal(existsSync(dir), false);
  await assert.rejects(scope.netns('c'), { code: 'ERR_LAB_ARGUMENT' });
});

test('bad names are refused with ERR_LAB_ARGUMENT and create nothing', async () => {
  await assert.rejects(LabScope.create('Bad Tag'), { code: 'ERR_LAB_ARGUMENT' });
  const scope = await LabScope.create('nstest');
  after(() => scope.cleanup());
  await assert.rejects(scope.netns('a/b'), { code: 'ERR_LAB_ARGUMENT' });
  const a = await scope.netns('a');
  await assert.rejects(scope.netns('a'), { code: 'ERR_LAB_ARGUMENT' });
  await assert.rejects(veth(a, 'this-name-is-too-long', a, 'x'), { code: 'ERR_LAB_ARGUMENT' });
  assert.deepEqual((await netnsNames()).filter((n) => n.startsWith(scope.prefix)), [a.name]);
});

interface ChildInfo { prefix: string; netns: string; pid: number; dir: string }

async function startChild(tag: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./netns-itest-child.ts', import.meta.url).pathname, tag], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  const info = JSON.parse(line) as ChildInfo;
  return { child, info };
}

test('a run interrupted by SIGTERM removes its namespaces and processes on the way out', async () => {
  const { child, info } = await startChild('nssig');
  after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  assert.ok(isRunning(info.pid));
  assert.ok((await netnsNames()).includes(info.netns));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 143);
  assert.ok(!(await netnsNames()).includes(info.netns));
  await waitFor(() => !isRunning(info.pid), { timeoutMs: 3000, what: 'child sleep gone' });
  assert.equal(existsSync(info.dir), false);
});

test('LabScope.create removes what a SIGKILLed earlier run of the same tag left behind', async () => {
  const { child, info } = await startChild('nsstale');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL'); // no hooks run
  await exited;
  await waitFor(() => !isRunning(child.pid!), { timeoutMs: 3000, what: 'child gone' });
  assert.ok((await netnsNames()).includes(info.netns), 'the killed run left its namespace');
  assert.ok(isRunning(info.pid), 'the killed run left its process');
  assert.ok(existsSync(info.dir));
  const scope = await LabScope.create('nsstale');
  after(() => scope.cleanup());
  assert.ok(!(await netnsNames()).includes(info.netns));
  assert.equal(isRunning(info.pid), false);
  assert.equal(existsSync(info.dir), false);
});
