// The agent runtime: the one place concrete classes are constructed and wired together
// (style.md). `lagless agent --config FILE` validates the config and calls runAgent().
import { createLinuxDataplane } from './dataplane/index.js';
import { Speaker } from './bgp/speaker.js';
import { Agent } from './agent/agent.js';
import { controlProvider } from './agent/control-provider.js';
import { uplinkPeers } from './agent/speaker-config.js';
import { watchUplinkCarrier } from './agent/uplink-carrier.js';
import { ControlServer } from './control/server.js';
import { FileSource } from './sources/file/index.js';
import { agentConfigurations, amqpUrlsOf, NeutronAgentRpc, NeutronSource, type Reachability, type TapWatcher } from './sources/neutron/index.js';
import { createLogger, type Logger } from './lib/log.js';
import { Registry, startMetricsServer, type MetricsServer } from './lib/metrics.js';
import { defineAgentMetrics, PEER_STATE_VALUES } from './lib/agent-metrics.js';
import type { AgentConfig } from './config/types.js';
import type { AgentRunOptions } from './cli/agent.js';
import type { Source } from './sources/source.js';
import type { PeerInfo } from './control/protocol.js';
import { peerInfo } from './agent/control-provider.js';

export const EXIT_OK = 0;
export const EXIT_START_FAILED = 1;

/** What the neutron source needs from the agent around it. */
interface SourceDeps {
  /** the dataplane: which taps exist */
  readonly taps: TapWatcher;
  /** the agent (made after the source): which ports are reachable */
  readonly reachability: () => Reachability;
  /** report_state's view: BGP peers' states and wired devices */
  readonly peerStates: () => Record<string, string>;
  readonly wiredDevices: () => number;
}

function createSource(config: AgentConfig, logger: Logger, deps: SourceDeps): Source {
  switch (config.source.type) {
    case 'file':
      return new FileSource({ path: config.source.path, logger: logger.child({ component: 'source' }), debounceMs: 2 });
    case 'neutron': {
      const log = logger.child({ component: 'source' });
      const [url, ...more] = amqpUrlsOf(config.source.transportUrl);
      if (more.length > 0) log.warn('the transport URL lists several brokers: only the first is used', { brokers: more.length + 1 });
      const rpc = new NeutronAgentRpc({
        url: url!,
        host: config.source.host,
        callTimeoutMs: config.source.rpcTimeout * 1000,
        reportIntervalMs: config.source.reportInterval * 1000,
      });
      return new NeutronSource({
        rpc,
        taps: deps.taps,
        reachability: deps.reachability,
        configurations: () => agentConfigurations(deps.peerStates(), deps.wiredDevices()),
        logger: log,
      });
    }
  }
}

export async function runAgent(config: AgentConfig, options: AgentRunOptions): Promise<number> {
  const log = createLogger({ level: config.logging.level });
  log.info('agent starting', { version: options.version, config: options.configPath, host: config.host, asn: config.asn, routerId: config.routerId, pid: process.pid });

  const dataplane = createLinuxDataplane({
    ...(config.dataplane.netns === null ? {} : { netns: config.dataplane.netns }),
    logger: log.child({ component: 'dataplane' }),
    defaultGatewayV4: config.dataplane.gatewayV4,
    firewall: config.dataplane.metadataAddress === null ? {} : { metadataAddress: config.dataplane.metadataAddress },
    autoFlushMs: 1,
    routesSyncGate: true,
  });
  const listenPort = config.uplinks[0]?.port ?? 179;
  const speaker = new Speaker({
    asn: config.asn,
    routerId: config.routerId,
    listen: { port: listenPort },
    multipath: { maxPaths: config.multipath.maxPaths, relax: config.multipath.relax },
    logger: log.child({ component: 'bgp' }),
    hostname: config.host,
  });
  for (const u of uplinkPeers(config)) {
    const uplink = config.uplinks.find((x) => x.name === u.id);
    speaker.addPeer({ ...u, ...(uplink === undefined ? {} : { interface: uplink.interface }) });
  }
  watchUplinkCarrier(dataplane, speaker, config.uplinks, log.child({ component: 'agent' }));
  let source: Source;
  try {
    source = createSource(config, log, {
      taps: dataplane,
      reachability: () => agent,
      peerStates: () => Object.fromEntries(speaker.peers().map((p) => [p.id, p.state])),
      wiredDevices: () => dataplane.wiredPorts().length,
    });
  } catch (err) {
    log.error('cannot create the port source', { code: (err as { code?: string }).code, error: (err as Error).message });
    return EXIT_START_FAILED;
  }
  // routing has converged once every uplink is Established and had a keepalive interval to send
  // its table (no End-of-RIB without graceful restart), or after 30 s whatever happens
  const settleMs = 1000 * Math.max(1, ...config.uplinks.map((u) => u.keepalive));
  const agent = new Agent({
    config,
    source,
    dataplane,
    speaker,
    logger: log.child({ component: 'agent' }),
    convergence: { peers: config.uplinks.map((u) => u.name), settleMs },
  });

  // metrics
  const registry = new Registry();
  const m = defineAgentMetrics(registry);
  m.info.set({ version: options.version, host: config.host }, 1);
  agent.on('applied', (r) => {
    m.reconcileRuns.inc();
    m.reconcileDuration.observe(r.durationMs / 1000);
    for (const f of r.failed) m.reconcileErrors.inc({ code: f.code });
  });
  speaker.on('peer-state', (peer, change) => {
    if (change.from === 'established' && change.to !== 'established') m.peerFlaps.inc({ peer });
  });
  registry.onCollect(() => {
    for (const p of speaker.peers()) {
      const info: PeerInfo = peerInfo(p, Date.now());
      m.peerUp.set({ peer: p.id }, p.state === 'established' ? 1 : 0);
      m.peerState.set({ peer: p.id }, PEER_STATE_VALUES[info.state]);
      m.prefixesReceived.set({ peer: p.id, family: 'all' }, p.received);
      m.prefixesAccepted.set({ peer: p.id, family: 'ipv4' }, p.acceptedIpv4);
      m.prefixesAccepted.set({ peer: p.id, family: 'ipv6' }, p.acceptedIpv6);
      m.prefixesAdvertised.set({ peer: p.id, family: 'ipv4' }, p.sentIpv4);
      m.prefixesAdvertised.set({ peer: p.id, family: 'ipv6' }, p.sentIpv6);
    }
    const installed = dataplane.routes().filter((r) => r.state === 'installed');
    m.routesInstalled.set({ family: 'ipv4' }, installed.filter((r) => !r.prefix.includes(':')).length);
    m.routesInstalled.set({ family: 'ipv6' }, installed.filter((r) => r.prefix.includes(':')).length);
    const ports = dataplane.ports();
    m.ports.set({ state: 'wired' }, ports.filter((p) => p.state === 'wired').length);
    m.ports.set({ state: 'waiting-for-tap' }, ports.filter((p) => p.state === 'pending-tap' || p.state === 'pending').length);
    m.ports.set({ state: 'failed' }, ports.filter((p) => p.state === 'failed').length);
    m.sourceInSync.set(agent.sourceInSync ? 1 : 0);
  });

  const control = new ControlServer({
    path: config.control.socket,
    logger: log,
    provider: controlProvider({
      host: config.host,
      version: options.version,
      sourceKind: config.source.type,
      agent,
      peers: () => speaker.peers(),
      routes: () => speaker.routes(),
      dataplanePorts: () => dataplane.ports(),
      dataplaneRoutes: () => dataplane.routes(),
      lastReconcile: () => agent.lastReconcile,
      now: () => Date.now(),
    }),
  });

  let metrics: MetricsServer | undefined;
  try {
    await agent.start();
    await control.listen();
    if (config.metrics.listen !== null) metrics = await startMetricsServer({ listen: config.metrics.listen, registry, logger: log });
  } catch (err) {
    log.error('agent failed to start', { code: (err as { code?: string }).code, error: (err as Error).message });
    await agent.stop().catch(() => {});
    await control.close().catch(() => {});
    await metrics?.close().catch(() => {});
    return EXIT_START_FAILED;
  }
  log.info('agent running', { control: config.control.socket, metrics: metrics?.url ?? null, uplinks: config.uplinks.length });

  // SIGTERM / SIGINT: stop cleanly, leave every wired port and installed route in the kernel.
  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info('agent stopping: wired ports and installed routes stay in the kernel', { signal });
      void (async () => {
        await agent.stop().catch((e: unknown) => log.error('stop failed', { error: String(e) }));
        await control.close().catch(() => {});
        await metrics?.close().catch(() => {});
        log.info('agent stopped');
        resolve(EXIT_OK);
      })();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
