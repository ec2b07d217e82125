// `lagless lab up | status | exec | down` (help text: help.ts). Called by src/cli/main.ts.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EXIT_FAIL, EXIT_OK, UsageError, processIO, type CliIO } from '../../src/cli/io.js';
import { defaultLaglessCommand, labUp } from './build.js';
import { ClosError } from './errors.js';
import { LAB_HELP } from './help.js';
import { loadTopology } from './load.js';
import { labRoot, listLabs, readState, type LabState } from './state.js';
import { collectStatus, renderStatus } from './status.js';
import { teardownLab, labNamespaces } from './teardown.js';
import { HYPERVISOR_KINDS, NAME_RE, ROUTER_DAEMONS, findNode, nodes, type HypervisorKind, type RouterDaemon } from './topology.js';

export { LAB_HELP };

export async function runLabCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case undefined:
        throw new UsageError('lab what? up, status, exec or down');
      case 'help':
      case '--help':
      case '-h':
        io.out(LAB_HELP);
        return EXIT_OK;
      case 'up':
        return await up(rest, io);
      case 'status':
        return await status(rest, io);
      case 'exec':
        return await exec(rest, io);
      case 'down':
        return await down(rest, io);
      default:
        throw new UsageError(`unknown lab command "${sub}": up, status, exec or down`);
    }
  } catch (err) {
    if (err instanceof ClosError) {
      io.err(`lagless lab: ${err.message} [${err.code}]\n`);
      return EXIT_FAIL;
    }
    throw err;
  }
}

function needRoot(): void {
  if (process.getuid?.() !== 0) throw new ClosError('ERR_LAB_BUILD', 'the lab needs root (network namespaces, daemons)');
}

async function up(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      hv: { type: 'string' },
      routers: { type: 'string' },
      'no-wait': { type: 'boolean' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      dir: { type: 'string' },
    },
  });
  if (positionals.length > 1) throw new UsageError(`lab up takes one preset or file, got ${positionals.join(' ')}`);
  if (values.name !== undefined && !NAME_RE.test(values.name)) throw new UsageError(`--name must match ${NAME_RE}, got "${values.name}"`);
  if (values.hv !== undefined && !(HYPERVISOR_KINDS as readonly string[]).includes(values.hv)) throw new UsageError(`--hv is lagless or frr, got "${values.hv}"`);
  if (values.routers !== undefined && !(ROUTER_DAEMONS as readonly string[]).includes(values.routers)) throw new UsageError(`--routers is frr or bird, got "${values.routers}"`);
  const timeoutS = values.timeout === undefined ? 60 : Number(values.timeout);
  if (!(timeoutS > 0 && timeoutS <= 3600)) throw new UsageError(`--timeout takes seconds (1..3600), got "${values.timeout}"`);

  const topology = await loadTopology(positionals[0] ?? 'demo', {
    ...(values.name === undefined ? {} : { name: values.name }),
    ...(values.hv === undefined ? {} : { hypervisorKind: values.hv as HypervisorKind }),
    ...(values.routers === undefined ? {} : { routerDaemon: values.routers as RouterDaemon }),
  });
  needRoot();
  const root = labRoot(values.dir, io.env);
  const r = await labUp(topology, { root, progress: (l) => io.err(`${l}\n`), wait: !values['no-wait'], convergeTimeoutMs: timeoutS * 1000 });
  const t = r.state.topology;
  if (values.json) {
    io.out(`${JSON.stringify({ name: t.name, dir: r.state.dir, converged: r.converged, missing: r.missing, buildMs: r.state.buildMs, replaced: r.replaced, namespaces: r.state.namespaces }, null, 2)}\n`);
  } else {
    const kinds = [...new Set(t.hypervisors.map((h) => h.kind))].join(' + ');
    const vm1 = t.hypervisors[0]?.vms[0];
    const far = t.hypervisors.at(-1)?.vms.at(-1);
    const names = nodes(t).map((n) => n.node.name).join(' ');
    const nameOpt = listLabs(root).length > 1 ? ` --name ${t.name}` : '';
    const hv1 = t.hypervisors[0];
    const hints: [string, string][] = [
      [`lagless lab status${nameOpt}`, 'routers, sessions, hypervisors, VMs'],
      ...(vm1 && far ? [[`lagless lab exec${nameOpt} ${vm1.name} -- ping -c3 ${far.ipv4}`, `a command in a node (${names})`] as [string, string]] : []),
      ...(hv1 ? [[`lagless lab exec${nameOpt} ${hv1.name} -- ${hv1.kind === 'lagless' ? 'lagless show peers' : 'vtysh -c "show bgp summary"'}`, `ask ${hv1.name}'s ${hv1.kind === 'lagless' ? 'agent' : 'FRR'}`] as [string, string]] : []),
      [`lagless lab down${nameOpt}`, 'remove it'],
    ];
    const w = Math.max(...hints.map(([c]) => c.length));
    const state = r.converged ? 'up' : values['no-wait'] ? 'started' : 'up but NOT converged';
    const vmCount = t.hypervisors.reduce((n, h) => n + h.vms.length, 0);
    io.out(
      [
        `lab ${t.name} is ${state} (${((r.state.buildMs ?? 0) / 1000).toFixed(1)} s): ${plural(t.spines.length, 'spine')}, ${plural(t.tors.length, 'ToR')}, ` +
          `${plural(t.hypervisors.length, 'hypervisor')} (${kinds}), ${plural(vmCount, 'VM')}`,
        ...r.missing.map((m) => `  missing: ${m}`),
        ...hints.map(([c, d]) => `  ${c.padEnd(w)}   ${d}`),
        '',
      ].join('\n'),
    );
  }
  return r.converged || values['no-wait'] ? EXIT_OK : EXIT_FAIL;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The lab a command is about: --name, or the only lab under the root. */
function pickLab(root: string, name: string | undefined): LabState {
  if (name !== undefined) {
    const s = readState(root, name);
    if (s === undefined) throw new ClosError('ERR_LAB_NOT_UP', `no lab "${name}" is up (no ${root}/${name}/state.json)`);
    return s;
  }
  const labs = listLabs(root);
  if (labs.length === 0) throw new ClosError('ERR_LAB_NOT_UP', `no lab is up (nothing in ${root}); start one with "lagless lab up"`);
  if (labs.length > 1) throw new UsageError(`${labs.length} labs are up (${labs.join(', ')}): say which with --name`);
  const s = readState(root, labs[0]!);
  if (s === undefined) throw new ClosError('ERR_LAB_NOT_UP', `lab "${labs[0]}" has no state file; "lagless lab down --name ${labs[0]}" removes what is left`);
  return s;
}

async function status(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: false, strict: true, options: { name: { type: 'string' }, json: { type: 'boolean' }, dir: { type: 'string' } } });
  void positionals;
  needRoot();
  const s = pickLab(labRoot(values.dir, io.env), values.name);
  const st = await collectStatus(s);
  io.out(values.json ? `${JSON.stringify(st, null, 2)}\n` : renderStatus(st));
  return EXIT_OK;
}

async function down(args: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: [...args], allowPositionals: false, strict: true, options: { name: { type: 'string' }, all: { type: 'boolean' }, dir: { type: 'string' } } });
  if (values.name !== undefined && values.all) throw new UsageError('give --name or --all, not both');
  if (values.name !== undefined && !NAME_RE.test(values.name)) throw new UsageError(`--name must match ${NAME_RE}, got "${values.name}"`);
  needRoot();
  const root = labRoot(values.dir, io.env);
  let names: string[];
  if (values.name !== undefined) names = [values.name];
  else {
    names = listLabs(root);
    if (names.length > 1 && !values.all) throw new UsageError(`${names.length} labs are up (${names.join(', ')}): say which with --name, or --all`);
  }
  if (names.length === 0) {
    io.out('no lab is up\n');
    return EXIT_OK;
  }
  for (const name of names) {
    const t0 = Date.now();
    const r = await teardownLab(root, name);
    if (r.warning) io.err(`lagless lab: ${r.warning}\n`);
    const what = r.hadState || r.namespaces > 0 ? `${r.namespaces} namespaces and ${r.processes} processes removed` : 'nothing was left';
    io.out(`lab ${name} is down: ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
  return EXIT_OK;
}

async function exec(args: readonly string[], io: CliIO): Promise<number> {
  // options before the node; the command is everything after "--", or after the node
  const opts: { name?: string; dir?: string } = {};
  let node: string | undefined;
  let cmd: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      cmd = args.slice(i + 1);
      break;
    }
    const m = /^--(name|dir)(?:=(.*))?$/.exec(a);
    if (m && node === undefined) {
      const v = m[2] ?? args[++i];
      if (v === undefined) throw new UsageError(`--${m[1]} needs a value`);
      opts[m[1] as 'name' | 'dir'] = v;
    } else if (node === undefined) {
      if (a.startsWith('-')) throw new UsageError(`unknown option "${a}" (lab exec NODE [--name NAME] [-- COMMAND...])`);
      node = a;
    } else {
      cmd = args.slice(i);
      break;
    }
  }
  if (node === undefined) throw new UsageError('lab exec NODE [-- COMMAND...]: which node?');
  needRoot();
  const s = pickLab(labRoot(opts.dir, io.env), opts.name);
  const ref = findNode(s.topology, node);
  const ns = s.namespaces[node];
  if (ref === undefined || ns === undefined) {
    throw new ClosError('ERR_LAB_UNKNOWN_NODE', `lab ${s.name} has no node "${node}" (nodes: ${nodes(s.topology).map((n) => n.node.name).join(', ')})`);
  }
  if (!(await labNamespaces(s.name)).includes(ns)) throw new ClosError('ERR_LAB_NOT_UP', `the namespace ${ns} of ${node} is gone; "lagless lab up" rebuilds the lab`);

  const env: NodeJS.ProcessEnv = { ...io.env, LAGLESS_LAB: s.name, LAGLESS_LAB_NODE: node };
  const hv = s.hypervisors[node];
  if (hv?.socket !== undefined) env.LAGLESS_SOCKET = hv.socket;
  const argv = cmd.length > 0 ? resolveCommand(s, node, cmd) : [existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh'];
  return await new Promise<number>((resolve, reject) => {
    const inherit = io === processIO;
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'], env });
    child.stdout?.on('data', (b: Buffer) => io.out(b.toString('utf8')));
    child.stderr?.on('data', (b: Buffer) => io.err(b.toString('utf8')));
    child.on('error', (e) => reject(new ClosError('ERR_LAB_UNKNOWN_NODE', `cannot run ${argv.join(' ')} in ${ns}: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1)));
  });
}

/** `lagless` is this checkout's; vtysh and birdc are pointed at the node's own daemon. */
function resolveCommand(s: LabState, node: string, cmd: readonly string[]): string[] {
  const [head, ...tail] = cmd as [string, ...string[]];
  if (head === 'lagless') return [...defaultLaglessCommand(), ...tail];
  const router = s.routers[node];
  const vtyDir = router?.daemon === 'frr' ? router.vtyDir : s.hypervisors[node]?.vtyDir;
  if (head === 'vtysh' && vtyDir !== undefined && !tail.includes('--vty_socket')) return ['vtysh', '--vty_socket', vtyDir, ...tail];
  if (head === 'birdc' && router?.daemon === 'bird' && !tail.includes('-s')) return ['birdc', '-s', router.socket, ...tail];
  return [...cmd];
}
