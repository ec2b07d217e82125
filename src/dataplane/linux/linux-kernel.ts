// The Linux implementation of the Kernel seam: the only code in lagless that runs `ip`, `nft` and
// writes /proc/sys. Everything goes through a CommandRunner (netns-aware, countable).
//
// Per apply: at most two processes, run at the same time: one `sh` writing every sysctl and one
// `ip -force -batch -` with every other op in plan order. A full read: seven `ip -json` reads in parallel, one `sh`
// reading the sysctls asked for, one `nft -s list table` per lagless table.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplyOutcome, FirewallTable, Kernel, KernelEvent, KernelSnapshot, KernelWatch } from '../kernel.js';
import type { PlanOp } from '../plan.js';
import { GATEWAY_V6, LAGLESS_PROTO, LAGLESS_PROTO_NAME } from '../model.js';
import { DataplaneError } from '../errors.js';
import type { CommandRunner } from './runner.js';
import {
  batchLine,
  errorFor,
  isAlreadyGone,
  parseBatchErrors,
  parseSysctlRead,
  parseSysctlWriteFailures,
  sysctlReadScript,
  sysctlWriteScript,
} from './commands.js';
import { parseAddresses, parseLinks, parseNeighbours, parseRoutes } from './parse.js';
import { startMonitor } from './monitor.js';

export interface LinuxKernelOptions {
  readonly runner: CommandRunner;
  /** route protocol number; default LAGLESS_PROTO */
  readonly proto?: number;
  /** where to register the protocol's name; default /etc/iproute2/rt_protos.d; null: do not */
  readonly rtProtosDir?: string | null;
}

export class LinuxKernel implements Kernel {
  readonly #runner: CommandRunner;
  readonly #proto: number;
  readonly #rtProtosDir: string | null;

  constructor(opts: LinuxKernelOptions) {
    this.#runner = opts.runner;
    this.#proto = opts.proto ?? LAGLESS_PROTO;
    this.#rtProtosDir = opts.rtProtosDir === undefined ? '/etc/iproute2/rt_protos.d' : opts.rtProtosDir;
  }

  async prepare(): Promise<void> {
    if (this.#rtProtosDir !== null) registerRouteProtocol(this.#rtProtosDir, this.#proto);
  }

  async readState(): Promise<KernelSnapshot> {
    const proto = String(this.#proto);
    const [links, r4, r6, perm, proxy, lo, ll] = await Promise.all([
      this.#read(['ip', '-json', 'link', 'show']),
      this.#read(['ip', '-json', '-4', 'route', 'show', 'table', 'main', 'proto', proto]),
      this.#read(['ip', '-json', '-6', 'route', 'show', 'table', 'main', 'proto', proto]),
      this.#read(['ip', '-json', 'neigh', 'show', 'nud', 'permanent']),
      this.#read(['ip', '-json', 'neigh', 'show', 'proxy']),
      this.#read(['ip', '-json', 'address', 'show', 'dev', 'lo']),
      this.#read(['ip', '-json', '-6', 'address', 'show', 'to', `${GATEWAY_V6}/128`]),
    ]);
    return {
      links: parseLinks(links),
      routes: [...parseRoutes(r4, 4), ...parseRoutes(r6, 6)],
      neighbours: [...parseNeighbours(perm, false), ...parseNeighbours(proxy, true)],
      addresses: [...parseAddresses(lo), ...parseAddresses(ll).filter((a) => a.address === GATEWAY_V6)],
    };
  }

  async readSysctls(paths: readonly string[]): Promise<Map<string, string>> {
    if (paths.length === 0) return new Map();
    const r = await this.#runner.run(['sh', '-s'], { purpose: 'read', input: sysctlReadScript(paths) });
    if (r.code !== 0) throw new DataplaneError('ERR_DP_READ', `reading sysctls failed (exit ${r.code}): ${r.stderr.trim()}`);
    return parseSysctlRead(r.stdout);
  }

  async apply(ops: readonly PlanOp[]): Promise<ApplyOutcome> {
    const failed = new Map<string, DataplaneError>();
    const sysctls: Extract<PlanOp, { kind: 'sysctl' }>[] = [];
    const rest: Exclude<PlanOp, { kind: 'sysctl' }>[] = [];
    for (const op of ops) {
      if (op.kind === 'sysctl') sysctls.push(op);
      else rest.push(op);
    }
    // The two batches are independent (the sysctls of a tap do not need its routes and the other
    // way round), so they run at the same time; except when a tap is released, where its sysctls
    // must be reset before its mark is cleared (plan order).
    const releases = rest.some((op) => op.kind === 'link' && op.action === 'remove');
    const runSysctls = () => (sysctls.length > 0 ? this.#applySysctls(sysctls, failed) : Promise.resolve(0));
    const runBatch = () => (rest.length > 0 ? this.#applyBatch(rest, failed) : Promise.resolve(0));
    let commands: number;
    if (releases) commands = (await runSysctls()) + (await runBatch());
    else commands = (await Promise.all([runSysctls(), runBatch()])).reduce((a, b) => a + b, 0);
    return { failed, commands };
  }

  async #applySysctls(ops: readonly Extract<PlanOp, { kind: 'sysctl' }>[], failed: Map<string, DataplaneError>): Promise<number> {
    let script: string;
    try {
      script = sysctlWriteScript(ops);
    } catch (e) {
      for (const op of ops) failed.set(op.key, errorFor(op, e instanceof Error ? e.message : String(e)));
      return 0;
    }
    const r = await this.#runner.run(['sh', '-s'], { purpose: 'write', input: script });
    if (r.code !== 0) {
      for (const op of ops) failed.set(op.key, errorFor(op, `sh exited ${r.code}: ${r.stderr.trim()}`));
      return 1;
    }
    for (const i of parseSysctlWriteFailures(r.stdout)) {
      const op = ops[i];
      if (op !== undefined) failed.set(op.key, errorFor(op, `cannot write /proc/sys/${op.path}`));
    }
    return 1;
  }

  async #applyBatch(ops: readonly Exclude<PlanOp, { kind: 'sysctl' }>[], failed: Map<string, DataplaneError>): Promise<number> {
    const lines = ops.map((op) => batchLine(op, this.#proto));
    const r = await this.#runner.run(['ip', '-force', '-batch', '-'], { purpose: 'write', input: `${lines.join('\n')}\n` });
    const errors = parseBatchErrors(r.stderr);
    if (r.code !== 0 && errors.size === 0) {
      for (const op of ops) failed.set(op.key, errorFor(op, `ip -batch exited ${r.code}: ${r.stderr.trim()}`));
    }
    for (const [line, message] of errors) {
      const op = ops[line - 1];
      if (op === undefined) continue;
      if (op.action === 'remove' && isAlreadyGone(message)) continue;
      failed.set(op.key, errorFor(op, message));
    }
    return 1;
  }

  async applyFirewall(script: string): Promise<void> {
    const r = await this.#runner.run(['nft', '-f', '-'], { purpose: 'write', input: script });
    if (r.code !== 0) throw new DataplaneError('ERR_DP_FIREWALL', `nft -f failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(0, 6).join(' | ')}`, { command: 'nft -f -' });
  }

  async readFirewall(tables: readonly FirewallTable[]): Promise<string | undefined> {
    const results = await Promise.all(tables.map((t) => this.#runner.run(['nft', '-s', 'list', 'table', t.family, t.name], { purpose: 'read' })));
    if (results.some((r) => r.code !== 0)) return undefined;
    return results.map((r) => r.stdout).join('');
  }

  watch(onEvent: (e: KernelEvent) => void): KernelWatch {
    return startMonitor(this.#runner, this.#proto, onEvent);
  }

  async #read(argv: readonly string[]): Promise<string> {
    const r = await this.#runner.run(argv, { purpose: 'read' });
    if (r.code !== 0) throw new DataplaneError('ERR_DP_READ', `${argv.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`, { command: argv.join(' ') });
    return r.stdout;
  }
}

/**
 * Names lagless's route protocol for iproute2 (`ip route` then shows "proto lagless"). Idempotent:
 * the file is only written when its content differs. Throws ERR_DP_PROTO_REGISTER.
 */
export function registerRouteProtocol(dir: string, proto: number = LAGLESS_PROTO): void {
  const file = join(dir, `${LAGLESS_PROTO_NAME}.conf`);
  const content = `# lagless: route protocol of the routes the lagless agent installs\n${proto}\t${LAGLESS_PROTO_NAME}\n`;
  try {
    let current: string | undefined;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === content) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, content);
  } catch (e) {
    throw new DataplaneError('ERR_DP_PROTO_REGISTER', `cannot write ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
