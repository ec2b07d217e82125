// OpenStack + a lab CLOS whose hypervisors run lagless agents with the neutron source: what the
// Neutron end-to-end test and the neutron benchmark stand on. Everything is started fresh and
// stopped by stop() (the scope's cleanup), even when a step fails.
//
//   const lab = await startNeutronLab({ tag: 'nte2e' });
//   lab.api                                   // neutron-server's REST API (fetch), lab.neutron for the CLI
//   lab.hv('hv1')                             // the hypervisor's namespace (for attachVm, ip ...)
//   await lab.restartRabbit(); await lab.restartNeutron();
//   await lab.stop();
//
// The agents reach RabbitMQ (host loopback) at 127.0.0.1:5672 inside their namespaces through a
// host-service bridge, as a hypervisor reaches its control plane over a management network.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabScope } from '../../netns.js';
import { waitFor } from '../../proc.js';
import { exposeHostService, serveHostService, type HostServiceBridge } from '../../clos/host-service.js';
import { labUp } from '../../clos/build.js';
import { topologyFromSpec } from '../../clos/load.js';
import type { TopologySpec } from '../../clos/spec.js';
import { teardownLab } from '../../clos/teardown.js';
import { nsName, type Topology } from '../../clos/topology.js';
import type { LabState } from '../../clos/state.js';
import { startOpenStack } from '../openstack.js';
import { startNeutronServer, type NeutronServer } from '../neutron-server.js';
import type { Mariadb } from '../mariadb.js';
import type { Rabbit } from '../rabbit.js';
import { NeutronApi, type ApiAgent } from './neutron-api.js';

/** Two racks (two ToRs each, one hypervisor each), one spine, no VMs: the test plugs them as Nova would. */
export const TWO_RACKS: TopologySpec = { name: 'neutron', hypervisorKind: 'lagless', vmsPerHypervisor: 0, spines: 1, racks: [{ tors: 2, hypervisors: 1 }, { tors: 2, hypervisors: 1 }] };

/** Where the agents find the broker inside their namespaces. */
const AGENT_BROKER = { host: '127.0.0.1', port: 5672 };

export interface NeutronLabOptions {
  /** the LabScope tag (1-8 of [a-z0-9]) */
  readonly tag: string;
  readonly spec?: TopologySpec;
  /** the agents' report_state period, seconds; default 2 */
  readonly reportInterval?: number;
  readonly progress?: (line: string) => void;
}

export interface NeutronLab {
  readonly scope: LabScope;
  readonly topology: Topology;
  readonly state: LabState;
  readonly rabbit: Rabbit;
  readonly db: Mariadb;
  /** the current neutron-server (a new one after restartNeutron) */
  readonly neutron: NeutronServer;
  readonly api: NeutronApi;
  readonly bridge: HostServiceBridge;
  /** a node's namespace name */
  ns(node: string): string;
  hv(node: string): { readonly name: string };
  /** the agent's log lines (JSON) so far */
  agentLog(hv: string): Record<string, unknown>[];
  /** the Lagless agents neutron-server knows */
  agents(): Promise<ApiAgent[]>;
  /** resolves once every hypervisor's agent is alive in neutron-server (and reported after `since`, when given) */
  waitAgentsAlive(timeoutMs: number, since?: Date): Promise<ApiAgent[]>;
  /** RabbitMQ's application stopped (every connection dropped, transient queues gone), `downMs` later started again */
  restartRabbit(opts?: { readonly whileDown?: () => Promise<void> }): Promise<void>;
  /** neutron-server stopped (SIGTERM) and started again on the same database and broker */
  restartNeutron(opts?: { readonly whileDown?: () => Promise<void> }): Promise<void>;
  stop(): Promise<void>;
}

export async function startNeutronLab(opts: NeutronLabOptions): Promise<NeutronLab> {
  const progress = opts.progress ?? (() => {});
  const scope = await LabScope.create(opts.tag);
  const root = mkdtempSync(join(tmpdir(), `lagless-${opts.tag}-`));
  chmodSync(root, 0o755); // FRR (user frr) reads its configs under it
  const name = `${opts.tag.slice(0, 4)}${process.pid.toString(36)}`;
  scope.onCleanup('lab root', () => rmSync(root, { recursive: true, force: true }));
  scope.onCleanup('lab', async () => void (await teardownLab(root, name, { graceMs: 2000 })));
  try {
    let t0 = Date.now();
    const os = await startOpenStack(scope);
    let neutron = os.neutron;
    progress(`RabbitMQ + MariaDB + neutron-server ready in ${Date.now() - t0} ms`);
    const bridge = await serveHostService(join(scope.dir(), 'amqp.sock'), { host: '127.0.0.1', port: os.rabbit.port });
    scope.onCleanup('amqp bridge', () => bridge.stop());

    const topology = topologyFromSpec(opts.spec ?? TWO_RACKS, { name });
    t0 = Date.now();
    const up = await labUp(topology, {
      root,
      progress: (l) => progress(`lab: ${l}`),
      agentSource: async (_h, ns) => {
        await exposeHostService(ns, AGENT_BROKER, bridge.socketPath, 'amqp bridge');
        return { type: 'neutron', transportUrl: `rabbit://guest:guest@${AGENT_BROKER.host}:${AGENT_BROKER.port}/`, reportInterval: opts.reportInterval ?? 2 };
      },
    });
    if (!up.converged) throw new Error(`the lab did not converge: ${up.missing.join('; ')}`);
    progress(`lab ${name} up and converged in ${Date.now() - t0} ms`);

    const api = new NeutronApi(() => neutron.endpoint);
    const hvNames = topology.hypervisors.map((h) => h.name);
    const agents = async () => (await api.list<ApiAgent>('agents', { agent_type: 'Lagless agent' })).filter((a) => hvNames.includes(a.host));
    const lab: NeutronLab = {
      scope,
      topology,
      state: up.state,
      rabbit: os.rabbit,
      db: os.db,
      get neutron() {
        return neutron;
      },
      api,
      bridge,
      ns: (node) => nsName(name, node),
      hv: (node) => ({ name: nsName(name, node) }),
      agentLog: (hv) => {
        const file = up.state.hypervisors[hv]?.logFile;
        if (file === undefined) return [];
        return readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      },
      agents,
      waitAgentsAlive: (timeoutMs, since) =>
        waitFor(
          async () => {
            const list = await agents().catch(() => []);
            const ok = hvNames.every((h) => list.some((a) => a.host === h && a.alive && (since === undefined || Date.parse(`${String(a['heartbeat_timestamp'])}Z`) > since.getTime())));
            return ok ? list : undefined;
          },
          { timeoutMs, intervalMs: 250, what: `Lagless agents alive on ${hvNames.join(', ')}` },
        ),
      restartRabbit: async (o = {}) => {
        await os.rabbit.ctl(['stop_app']);
        try {
          await o.whileDown?.();
        } finally {
          await os.rabbit.ctl(['start_app']);
        }
      },
      restartNeutron: async (o = {}) => {
        await neutron.stop();
        try {
          await o.whileDown?.();
        } finally {
          // the same database (already created) and broker; a new API port
          neutron = await startNeutronServer(scope, { rabbit: os.rabbit, db: { createDatabase: async () => {}, sqlalchemyUrl: (d) => os.db.sqlalchemyUrl(d) } });
        }
      },
      stop: () => scope.cleanup(),
    };
    return lab;
  } catch (err) {
    await scope.cleanup();
    throw err;
  }
}
