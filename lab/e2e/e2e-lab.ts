// A lab CLOS for one end-to-end test (or benchmark): built with labUp under a private root, named
// per run so parallel runs never collide, always taken down (after()/finally). The test reads the
// agents' state the way an operator does, through `lagless show ... --json` (the real CLI, a
// separate process each time).
//
//   const lab = await E2eLab.up('fo');                        // demo preset, lagless hypervisors
//   after(() => lab.down());
//   const peers = await lab.show('hv1', 'peers');             // ControlResults['peers']
//   lab.ns('tor1'), lab.vm('vm1').ipv4, lab.hvAccess('hv1').portsFile
//   await lab.stopAgent('hv1', 'SIGKILL'); await lab.startAgent('hv1');
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControlResults } from '../../src/control/protocol.js';
import { agentStatus } from '../clos/probe.js';
import { defaultLaglessCommand, labUp } from '../clos/build.js';
import { PRESETS, topologyFromSpec } from '../clos/load.js';
import type { HypervisorAccess, LabState } from '../clos/state.js';
import { teardownLab } from '../clos/teardown.js';
import { allVms, nsName, type HypervisorKind, type Topology, type VmNode } from '../clos/topology.js';
import { LabError, isRunning, killPid, run, waitFor, type RunResult } from '../proc.js';

type ShowWhat = 'peers' | 'routes' | 'ports' | 'status';

export class E2eLab {
  readonly name: string;
  readonly root: string;
  readonly state: LabState;
  /** the agent process of each lagless hypervisor (updated by stopAgent / startAgent) */
  readonly #agents = new Map<string, number>();

  private constructor(name: string, root: string, state: LabState) {
    this.name = name;
    this.root = root;
    this.state = state;
    for (const p of state.processes) {
      const m = /^lagless agent (\S+)$/.exec(p.label);
      if (m?.[1] !== undefined) this.#agents.set(m[1], p.pid);
    }
  }

  /**
   * The demo preset (1 spine, 2 ToRs, hv1 + hv2 cabled to both, 2 VMs each) under a lab named
   * `${tag}${pid}`; throws unless it converged. Whatever was built is removed when it fails.
   */
  static async up(
    tag: string,
    opts: { readonly hypervisorKind?: HypervisorKind; readonly progress?: (l: string) => void; /** runs the agents (default [node, bin/lagless]) */ readonly laglessCommand?: readonly string[] } = {},
  ): Promise<E2eLab> {
    const name = `${tag}${process.pid.toString(36)}`.slice(0, 12);
    const root = mkdtempSync(join(tmpdir(), `lagless-e2e-${tag}-`));
    chmodSync(root, 0o755); // FRR (user frr) reads its configs under it
    const t = topologyFromSpec(PRESETS.demo!, { name, hypervisorKind: opts.hypervisorKind ?? 'lagless' });
    try {
      const r = await labUp(t, { root, convergeTimeoutMs: 30_000, ...(opts.progress ? { progress: opts.progress } : {}), ...(opts.laglessCommand ? { laglessCommand: opts.laglessCommand } : {}) });
      if (!r.converged) throw new LabError('ERR_LAB_TIMEOUT', `lab ${name} did not converge: ${r.missing.join('; ')}`);
      return new E2eLab(name, root, r.state);
    } catch (err) {
      await teardownLab(root, name, { graceMs: 1000 }).catch(() => {});
      rmSync(root, { recursive: true, force: true });
      throw err;
    }
  }

  get topology(): Topology {
    return this.state.topology;
  }

  /** The namespace of a node. */
  ns(node: string): string {
    return nsName(this.name, node);
  }

  vm(name: string): VmNode {
    const v = allVms(this.topology).find((x) => x.name === name);
    if (v === undefined) throw new LabError('ERR_LAB_ARGUMENT', `no VM ${name}`);
    return v;
  }

  hvAccess(hv: string): Required<Pick<HypervisorAccess, 'socket' | 'config' | 'portsFile' | 'logFile'>> & HypervisorAccess {
    const a = this.state.hypervisors[hv];
    if (a?.socket === undefined || a.config === undefined || a.portsFile === undefined || a.logFile === undefined) {
      throw new LabError('ERR_LAB_ARGUMENT', `${hv} is not a lagless hypervisor of lab ${this.name}`);
    }
    return a as Required<Pick<HypervisorAccess, 'socket' | 'config' | 'portsFile' | 'logFile'>> & HypervisorAccess;
  }

  /** `lagless ARGS...` (the real CLI, in the host namespace); never throws for a non-zero exit. */
  cli(args: readonly string[], opts: { readonly ns?: string; readonly timeoutMs?: number } = {}): Promise<RunResult> {
    const argv = [...defaultLaglessCommand(), ...args];
    return run(opts.ns === undefined ? argv : ['ip', 'netns', 'exec', opts.ns, ...argv], { allowFail: true, timeoutMs: opts.timeoutMs ?? 30_000 });
  }

  /** `lagless show WHAT --json` against hv's agent; throws ERR_LAB_COMMAND (with stderr) when it fails. */
  async show<W extends ShowWhat>(hv: string, what: W): Promise<ControlResults[W]> {
    const r = await this.cli(['show', what, '--json', '--socket', this.hvAccess(hv).socket]);
    if (r.code !== 0) throw new LabError('ERR_LAB_COMMAND', `lagless show ${what} (${hv}) exited ${r.code}: ${r.stderr.trim()}`, { exitCode: r.code, stderr: r.stderr });
    return JSON.parse(r.stdout) as ControlResults[W];
  }

  /** Replaces hv's ports file atomically (write a temp file, rename over), as tools do. */
  writePorts(hv: string, text: string): void {
    const file = this.hvAccess(hv).portsFile;
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }

  agentPid(hv: string): number {
    const pid = this.#agents.get(hv);
    if (pid === undefined) throw new LabError('ERR_LAB_ARGUMENT', `no agent known on ${hv}`);
    return pid;
  }

  /** Signals hv's agent and waits until it is gone (a zombie counts as gone). */
  async stopAgent(hv: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const pid = this.agentPid(hv);
    process.kill(pid, signal);
    await waitFor(() => !isRunning(pid), { timeoutMs: 10_000, intervalMs: 10, what: `the agent on ${hv} (pid ${pid}) to exit after ${signal}` });
    this.#agents.delete(hv);
  }

  /**
   * Starts `lagless agent --config` on hv again (detached, output appended to its log) and waits
   * until its control socket answers. Returns the pid.
   */
  async startAgent(hv: string): Promise<number> {
    const a = this.hvAccess(hv);
    rmSync(a.socket, { force: true });
    const fd = openSync(a.logFile, 'a');
    let pid: number | undefined;
    try {
      const child = spawn('ip', ['netns', 'exec', this.ns(hv), ...defaultLaglessCommand(), 'agent', '--config', a.config], { stdio: ['ignore', fd, fd], detached: true });
      child.on('error', () => {});
      child.unref();
      pid = child.pid;
    } finally {
      closeSync(fd);
    }
    if (pid === undefined) throw new LabError('ERR_LAB_DAEMON', `cannot start the agent on ${hv}`);
    this.#agents.set(hv, pid);
    const started = pid;
    await waitFor(
      async () => {
        if (!isRunning(started)) throw new LabError('ERR_LAB_DAEMON', `the agent on ${hv} exited during start; see ${a.logFile}`);
        return existsSync(a.socket) && (await agentStatus(a.socket)).ok;
      },
      { timeoutMs: 30_000, intervalMs: 25, what: `the agent on ${hv} to answer on ${a.socket}` },
    );
    return pid;
  }

  /** Stops every process of the lab and removes its namespaces and files. Never throws. */
  async down(): Promise<void> {
    for (const pid of this.#agents.values()) await killPid(pid);
    await teardownLab(this.root, this.name, { graceMs: 1000 }).catch(() => {});
    rmSync(this.root, { recursive: true, force: true });
  }
}
