// The lagless agent's side of Neutron's L2-agent RPC: what the `neutron` source is built on.
//
//   const rpc = new NeutronAgentRpc({ url: 'amqp://guest:guest@127.0.0.1:5672/', host: 'hv1' });
//   rpc.on('notification', (n) => ...);       // port_update, port_delete, network_*, security_groups_*, binding_*
//   rpc.on('reconnected', () => resync());    // after every reconnect: ask for everything again
//   rpc.on('revived', () => resync());        // neutron-server had declared us dead
//   rpc.start(); await rpc.waitConnected(10_000);
//   rpc.startReporting(() => agentConfigurations(peerStates, wired)); // report_state now and every 30 s
//   const results = await rpc.getPorts(['tap178a5128-b5']);          // DeviceResult per device (mapping.ts)
//   await rpc.updateDeviceUp('tap178a5128-b5');
//   await rpc.stop();
//
// Each agent asks only for its own devices, by name; everything else reaches it by BGP, never by
// a fanout of every port to every agent. Subnets (CIDR, gateway) come from the resources RPC
// (bulk_pull of the Subnet objects the ports use), the way Neutron's own agents fill their cache.
import { EventEmitter } from 'node:events';
import { AmqpConnection, type ConnectFailure } from './amqp.js';
import type { BackoffOptions } from './backoff.js';
import type { OsloCast } from './envelope.js';
import { NeutronError } from './errors.js';
import { mapDevicesReply, parseSubnet, subnetIdsOf, type DeviceResult, type SubnetInfo } from './mapping.js';
import {
  agentContext,
  bulkPullSubnetsArgs,
  deviceArgs,
  deviceIdOf,
  devicesDetailsArgs,
  NOTIFIER_TOPICS,
  parseBulkPullReply,
  parseDevicesDetailsReply,
  parseNotification,
  parseReportStateResult,
  parseUpdateDeviceDownReply,
  parseUpdateDeviceListReply,
  reportStateArgs,
  TOPIC_PLUGIN,
  TOPIC_REPORTS,
  VERSION_DEVICES,
  VERSION_DEVICES_AND_FAILED,
  VERSION_REPORTS,
  VERSION_RESOURCES_PULL,
  type AgentStatus,
  type DeviceListReply,
  type DevicesDetailsReply,
  type Notification,
} from './messages.js';
import { RpcClient } from './rpc.js';

/** How many notifications recentNotifications keeps. */
export const RECENT_NOTIFICATIONS = 100;

export interface NeutronAgentRpcOptions {
  /** the RabbitMQ URL neutron-server uses (its transport_url), amqp:// instead of rabbit:// */
  readonly url: string;
  /** this hypervisor's name as Nova and Neutron know it (binding:host_id) */
  readonly host: string;
  /** default `lagless-agent-<host>` */
  readonly agentId?: string;
  /** every call; default 60 s */
  readonly callTimeoutMs?: number;
  /** report_state period; default 30 s (Neutron's agent_down_time is 75 s) */
  readonly reportIntervalMs?: number;
  readonly notifierTopics?: readonly string[];
  readonly backoff?: Partial<BackoffOptions>;
  readonly heartbeatS?: number;
  readonly now?: () => Date;
}

export interface NeutronAgentRpcEvents {
  connected: [];
  /** the connection is back after a loss: resync everything (notifications were missed) */
  reconnected: [];
  disconnected: [Error];
  'connect-failed': [ConnectFailure];
  notification: [Notification];
  /** a notification or reply that could not be understood; it was dropped, nothing else changed */
  'message-error': [Error];
  /** a report_state round trip finished */
  report: [AgentStatus];
  'report-error': [Error];
  /** neutron-server had considered this agent dead: resync */
  revived: [];
}

export class NeutronAgentRpc extends EventEmitter<NeutronAgentRpcEvents> {
  readonly host: string;
  readonly agentId: string;
  readonly #conn: AmqpConnection;
  readonly #rpc: RpcClient;
  readonly #callTimeoutMs: number;
  readonly #reportIntervalMs: number;
  readonly #now: () => Date;
  #startFlag = true;
  #reportTimer: NodeJS.Timeout | undefined;
  #reporting: Promise<void> | undefined;
  #stopped = false;
  readonly #recent: { readonly at: Date; readonly notification: Notification }[] = [];

  constructor(opts: NeutronAgentRpcOptions) {
    super();
    this.host = opts.host;
    this.agentId = opts.agentId ?? `lagless-agent-${opts.host}`;
    this.#callTimeoutMs = opts.callTimeoutMs ?? 60_000;
    this.#reportIntervalMs = opts.reportIntervalMs ?? 30_000;
    this.#now = opts.now ?? (() => new Date());
    this.#conn = new AmqpConnection({
      url: opts.url,
      ...(opts.backoff === undefined ? {} : { backoff: opts.backoff }),
      ...(opts.heartbeatS === undefined ? {} : { heartbeatS: opts.heartbeatS }),
    });
    this.#rpc = new RpcClient(this.#conn, { exchange: 'neutron', defaultTimeoutMs: this.#callTimeoutMs, context: () => agentContext(this.#now()) });
    this.#rpc.on('message-error', (e) => this.emit('message-error', e));
    for (const topic of opts.notifierTopics ?? NOTIFIER_TOPICS) void this.#rpc.listen(topic, (cast) => this.#onCast(cast));
    this.#conn.on('connected', () => this.emit('connected'));
    this.#conn.on('reconnected', () => this.emit('reconnected'));
    this.#conn.on('disconnected', (e) => this.emit('disconnected', e));
    this.#conn.on('connect-failed', (f) => this.emit('connect-failed', f));
  }

  get isConnected(): boolean {
    return this.#conn.isConnected;
  }

  /** The last RECENT_NOTIFICATIONS notifications that arrived, oldest first (for status and debugging). */
  get recentNotifications(): readonly { readonly at: Date; readonly notification: Notification }[] {
    return this.#recent;
  }

  /** Starts connecting; keeps reconnecting with backoff until stop(). */
  start(): void {
    this.#conn.start();
  }

  waitConnected(timeoutMs: number): Promise<void> {
    return this.#conn.waitConnected(timeoutMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reportTimer);
    await this.#reporting?.catch(() => {});
    await this.#conn.close();
  }

  // ---------------------------------------------------------------- report_state

  /**
   * One report_state call. start_flag goes with every report until one succeeds (Neutron
   * resets an agent's view of its state on start_flag; a report lost in transit must not skip it).
   */
  async reportState(configurations: Readonly<Record<string, unknown>>): Promise<AgentStatus> {
    const startFlag = this.#startFlag;
    const args = reportStateArgs({ host: this.host, configurations, startFlag }, this.#now());
    const status = parseReportStateResult(
      await this.#rpc.call(TOPIC_REPORTS, 'report_state', args, { version: VERSION_REPORTS, timeoutMs: Math.min(this.#callTimeoutMs, this.#reportIntervalMs) }),
    );
    if (startFlag) this.#startFlag = false;
    return status;
  }

  /** Reports now and then every reportIntervalMs; results as 'report' / 'report-error' / 'revived' events. */
  startReporting(configurations: () => Readonly<Record<string, unknown>>): void {
    if (this.#reportTimer !== undefined || this.#reporting !== undefined) return;
    const tick = () => {
      this.#reportTimer = undefined;
      this.#reporting = this.reportState(configurations())
        .then((status) => {
          this.emit('report', status);
          if (status === 'revived') this.emit('revived');
        })
        .catch((e: unknown) => {
          this.emit('report-error', e instanceof Error ? e : new Error(String(e)));
        })
        .finally(() => {
          this.#reporting = undefined;
          if (!this.#stopped) this.#reportTimer = setTimeout(tick, this.#reportIntervalMs);
        });
    };
    tick();
  }

  // ---------------------------------------------------------------- devices

  /**
   * get_devices_details_list_and_failed_devices for these devices (port ids, id prefixes or tap
   * names). Entries come back with `device` as asked.
   */
  async getDevicesDetails(devices: readonly string[]): Promise<DevicesDetailsReply> {
    const ids = devices.map(deviceIdOf);
    const asked = new Map(ids.map((id, i) => [id, devices[i] ?? id]));
    const reply = parseDevicesDetailsReply(
      await this.#rpc.call(TOPIC_PLUGIN, 'get_devices_details_list_and_failed_devices', devicesDetailsArgs(ids, this.agentId, this.host), {
        version: VERSION_DEVICES_AND_FAILED,
      }),
    );
    const rename = (d: unknown) => (typeof d === 'string' ? (asked.get(d) ?? d) : d);
    return {
      devices: reply.devices.map((e) => (e !== null && typeof e === 'object' && 'device' in e ? { ...e, device: rename(e.device) } : e)),
      failedDevices: reply.failedDevices.map((d) => String(rename(d))),
    };
  }

  /** Subnet objects by id (bulk_pull); an id the server does not return maps to an ERR_NEUTRON_SUBNET error. */
  async getSubnets(ids: readonly string[]): Promise<Map<string, SubnetInfo | NeutronError>> {
    const out = new Map<string, SubnetInfo | NeutronError>();
    if (ids.length === 0) return out;
    const objects = parseBulkPullReply(await this.#rpc.call(TOPIC_PLUGIN, 'bulk_pull', bulkPullSubnetsArgs(ids), { version: VERSION_RESOURCES_PULL }));
    for (const obj of objects) {
      try {
        const s = parseSubnet(obj);
        out.set(s.id, s);
      } catch (e) {
        const id = (e as NeutronError).device;
        if (id !== undefined) out.set(id, e as NeutronError);
      }
    }
    for (const id of ids) {
      if (!out.has(id)) out.set(id, new NeutronError('ERR_NEUTRON_SUBNET', `subnet ${id} was not returned by neutron-server`, { device: id }));
    }
    return out;
  }

  /**
   * The desired state of these devices: details, their subnets, mapped to PortSpecs. One result
   * per device in the order asked; a malformed port is an 'error' result for that port only. Throws
   * only when the calls themselves fail (timeout, connection, remote error).
   */
  async getPorts(devices: readonly string[]): Promise<DeviceResult[]> {
    if (devices.length === 0) return [];
    const details = await this.getDevicesDetails(devices);
    const subnets = await this.getSubnets(subnetIdsOf(details.devices));
    return mapDevicesReply(devices, details, subnets);
  }

  /** The device is wired and announced: Neutron sets the port ACTIVE (and tells Nova). */
  async updateDeviceUp(device: string): Promise<void> {
    await this.#rpc.call(TOPIC_PLUGIN, 'update_device_up', deviceArgs(device, this.agentId, this.host), { version: VERSION_DEVICES });
  }

  /** The device is gone from this host: Neutron sets the port DOWN. */
  async updateDeviceDown(device: string): Promise<{ readonly device: string; readonly exists: boolean }> {
    return parseUpdateDeviceDownReply(
      await this.#rpc.call(TOPIC_PLUGIN, 'update_device_down', deviceArgs(device, this.agentId, this.host), { version: VERSION_DEVICES }),
    );
  }

  /** Both directions in one call. */
  async updateDeviceList(up: readonly string[], down: readonly string[]): Promise<DeviceListReply> {
    return parseUpdateDeviceListReply(
      await this.#rpc.call(
        TOPIC_PLUGIN,
        'update_device_list',
        { devices_up: [...up], devices_down: [...down], agent_id: this.agentId, host: this.host },
        { version: VERSION_DEVICES },
      ),
    );
  }

  #onCast(cast: OsloCast): void {
    let n: Notification;
    try {
      n = parseNotification(cast);
    } catch (e) {
      this.emit('message-error', e as NeutronError);
      return;
    }
    this.#recent.push({ at: this.#now(), notification: n });
    if (this.#recent.length > RECENT_NOTIFICATIONS) this.#recent.shift();
    this.emit('notification', n);
  }
}
