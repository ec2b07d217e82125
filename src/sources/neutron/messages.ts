// The Neutron agent RPC contract, pure: topics, versions, argument builders, reply and
// notification parsers. What goes over the wire is in fixtures/ (captured from Neutron 21 / Zed).
//
// Calls go to the `neutron` topic exchange: report_state on q-reports-plugin (RPC API 1.2), the
// device calls on q-plugin (1.9; get_devices_details_list_and_failed_devices 1.5), the resources
// pull (bulk_pull) on q-plugin (1.1). Notifications arrive as fanout casts on
// `<q-agent-notifier-*>_fanout` exchanges.
import { randomUUID } from 'node:crypto';
import { isObject, type OsloCast, type OsloContext } from './envelope.js';
import { NeutronError } from './errors.js';

export const CONTROL_EXCHANGE = 'neutron';
export const TOPIC_PLUGIN = 'q-plugin';
export const TOPIC_REPORTS = 'q-reports-plugin';

/** The agent type networking-lagless's mechanism driver binds for (networking_lagless/constants.py). */
export const AGENT_TYPE = 'Lagless agent';
export const AGENT_BINARY = 'lagless-agent';

export const VERSION_REPORTS = '1.2';
export const VERSION_DEVICES = '1.9';
export const VERSION_DEVICES_AND_FAILED = '1.5';
export const VERSION_RESOURCES_PULL = '1.1';
/** the Subnet object version this agent understands (neutron.objects.subnet.Subnet in Zed) */
export const SUBNET_OBJECT_VERSION = '1.1';

/** The notification topics an L2 agent listens on (each as a fanout exchange `<topic>_fanout`). */
export const NOTIFIER_TOPICS = [
  'q-agent-notifier-port-update',
  'q-agent-notifier-port-delete',
  'q-agent-notifier-network-update',
  'q-agent-notifier-network-delete',
  'q-agent-notifier-security_group-update',
  'q-agent-notifier-binding-activate',
  'q-agent-notifier-binding-deactivate',
] as const;
export type NotifierTopic = (typeof NOTIFIER_TOPICS)[number];

// ------------------------------------------------------------------ context

/**
 * The request context an agent sends: an admin context without a user, as Neutron's agents send
 * (neutron_lib.context.get_admin_context_without_session); see report_state.call.python.json.
 */
export function agentContext(now: Date, requestId = `req-${randomUUID()}`): OsloContext {
  return {
    user: null,
    project_id: null,
    system_scope: null,
    project: null,
    domain: null,
    user_domain: null,
    project_domain: null,
    is_admin: true,
    read_only: false,
    show_deleted: false,
    auth_token: null,
    request_id: requestId,
    global_request_id: null,
    resource_uuid: null,
    roles: [],
    user_identity: '- - - - -',
    is_admin_project: true,
    user_id: null,
    tenant_id: null,
    timestamp: pythonTime(now, ' '),
    tenant_name: null,
    project_name: null,
    user_name: null,
  };
}

/** Python's datetime.utcnow() text: "2026-11-24T12:05:10.272000" (no zone; a trailing Z makes the server fail). */
export function pythonTime(d: Date, sep: 'T' | ' ' = 'T'): string {
  return d.toISOString().replace('T', sep).replace('Z', '000');
}

// ------------------------------------------------------------------ report_state

export interface AgentState {
  readonly host: string;
  /** free-form, shown by `openstack network agent show`: BGP peers' states, wired devices, ... */
  readonly configurations: Readonly<Record<string, unknown>>;
  /** true on the first report after the agent started */
  readonly startFlag: boolean;
  readonly agentType?: string;
  readonly binary?: string;
}

/**
 * The `configurations` a lagless agent reports: its BGP peers' states (peer address -> FSM state)
 * and how many devices it has wired. Shown by `openstack network agent show`.
 */
export function agentConfigurations(bgpPeers: Readonly<Record<string, string>>, devices: number): Record<string, unknown> {
  return { bgp_peers: { ...bgpPeers }, devices };
}

export function reportStateArgs(state: AgentState, now: Date, uuid: string = randomUUID()): Record<string, unknown> {
  const agentState: Record<string, unknown> = {
    binary: state.binary ?? AGENT_BINARY,
    host: state.host,
    topic: 'N/A',
    agent_type: state.agentType ?? AGENT_TYPE,
    configurations: state.configurations,
    uuid,
  };
  if (state.startFlag) agentState['start_flag'] = true;
  return { agent_state: { agent_state: agentState }, time: pythonTime(now) };
}

/** What neutron-server says about the reporting agent: first seen, still alive, or back after being dead. */
export type AgentStatus = 'new' | 'alive' | 'revived';

export function parseReportStateResult(result: unknown): AgentStatus {
  if (result === 'new' || result === 'alive' || result === 'revived') return result;
  throw new NeutronError('ERR_NEUTRON_REPLY', `report_state answered ${JSON.stringify(result)}, expected new, alive or revived`);
}

// ------------------------------------------------------------------ devices

/**
 * The device name Neutron resolves: the port id or a unique prefix of it. A tap name
 * ("tap" + 11 characters) is turned into its port-id prefix: the bulk call matches ids by prefix
 * and, unlike the single-device calls, does not strip "tap" itself.
 */
export function deviceIdOf(deviceOrTap: string): string {
  return deviceOrTap.startsWith('tap') ? deviceOrTap.slice(3) : deviceOrTap;
}

export function devicesDetailsArgs(devices: readonly string[], agentId: string, host: string): Record<string, unknown> {
  return { devices: [...devices], agent_id: agentId, host };
}

export interface DevicesDetailsReply {
  /** one entry per device neutron-server could answer for (mapping.ts interprets them) */
  readonly devices: readonly unknown[];
  /** devices whose details failed on the server; ask again later */
  readonly failedDevices: readonly string[];
}

export function parseDevicesDetailsReply(result: unknown): DevicesDetailsReply {
  if (!isObject(result) || !Array.isArray(result['devices']) || !Array.isArray(result['failed_devices'])) {
    throw new NeutronError('ERR_NEUTRON_REPLY', 'get_devices_details_list_and_failed_devices: expected {devices: [...], failed_devices: [...]}');
  }
  const failed = result['failed_devices'];
  if (!failed.every((d): d is string => typeof d === 'string')) {
    throw new NeutronError('ERR_NEUTRON_REPLY', 'get_devices_details_list_and_failed_devices: failed_devices must be strings', { field: 'failed_devices' });
  }
  return { devices: result['devices'], failedDevices: failed };
}

export function deviceArgs(device: string, agentId: string, host: string): Record<string, unknown> {
  return { device, agent_id: agentId, host };
}

/** update_device_down's answer: whether the port still exists. */
export function parseUpdateDeviceDownReply(result: unknown): { readonly device: string; readonly exists: boolean } {
  if (!isObject(result) || typeof result['device'] !== 'string' || typeof result['exists'] !== 'boolean') {
    throw new NeutronError('ERR_NEUTRON_REPLY', 'update_device_down: expected {device, exists}');
  }
  return { device: result['device'], exists: result['exists'] };
}

export interface DeviceListReply {
  readonly devicesUp: readonly string[];
  readonly failedDevicesUp: readonly string[];
  readonly devicesDown: readonly unknown[];
  readonly failedDevicesDown: readonly string[];
}

export function parseUpdateDeviceListReply(result: unknown): DeviceListReply {
  const lists = ['devices_up', 'failed_devices_up', 'devices_down', 'failed_devices_down'] as const;
  if (!isObject(result) || !lists.every((k) => Array.isArray(result[k]))) {
    throw new NeutronError('ERR_NEUTRON_REPLY', `update_device_list: expected {${lists.join(', ')}}`);
  }
  return {
    devicesUp: result['devices_up'] as string[],
    failedDevicesUp: result['failed_devices_up'] as string[],
    devicesDown: result['devices_down'] as unknown[],
    failedDevicesDown: result['failed_devices_down'] as string[],
  };
}

// ------------------------------------------------------------------ resources pull

/** bulk_pull of Subnet objects by id (neutron.api.rpc.handlers.resources_rpc, method bulk_pull). */
export function bulkPullSubnetsArgs(ids: readonly string[]): Record<string, unknown> {
  return { resource_type: 'Subnet', version: SUBNET_OBJECT_VERSION, filter_kwargs: { id: [...ids] } };
}

export function parseBulkPullReply(result: unknown): readonly unknown[] {
  if (!Array.isArray(result)) throw new NeutronError('ERR_NEUTRON_REPLY', 'bulk_pull: expected a list of objects');
  return result;
}

// ------------------------------------------------------------------ notifications

/** A fanout notification from neutron-server, by method. `raw` is the whole cast. */
export type Notification =
  | { readonly kind: 'port_update'; readonly portId: string; readonly port: Readonly<Record<string, unknown>>; readonly networkType?: string; readonly raw: OsloCast }
  | { readonly kind: 'port_delete'; readonly portId: string; readonly raw: OsloCast }
  | { readonly kind: 'network_update'; readonly networkId: string; readonly network: Readonly<Record<string, unknown>>; readonly raw: OsloCast }
  | { readonly kind: 'network_delete'; readonly networkId: string; readonly raw: OsloCast }
  | { readonly kind: 'security_groups_rule_updated'; readonly securityGroups: readonly string[]; readonly raw: OsloCast }
  | { readonly kind: 'security_groups_member_updated'; readonly securityGroups: readonly string[]; readonly raw: OsloCast }
  | { readonly kind: 'binding_activate'; readonly portId: string; readonly host: string; readonly raw: OsloCast }
  | { readonly kind: 'binding_deactivate'; readonly portId: string; readonly host: string; readonly raw: OsloCast }
  /** a method this agent does not interpret (recorded, not acted on) */
  | { readonly kind: 'other'; readonly method: string; readonly raw: OsloCast };

/** Interprets a fanout cast; a known method with the wrong arguments is ERR_NEUTRON_NOTIFICATION. */
export function parseNotification(cast: OsloCast): Notification {
  const a = cast.args;
  const str = (k: string): string => {
    const v = a[k];
    if (typeof v !== 'string' || v === '') throw notificationError(cast.method, k, 'a non-empty string');
    return v;
  };
  const obj = (k: string): Readonly<Record<string, unknown>> => {
    const v = a[k];
    if (!isObject(v)) throw notificationError(cast.method, k, 'an object');
    return v;
  };
  const groups = (): readonly string[] => {
    const v = a['security_groups'];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw notificationError(cast.method, 'security_groups', 'a list of strings');
    return v as string[];
  };
  switch (cast.method) {
    case 'port_update': {
      const port = obj('port');
      const id = port['id'];
      if (typeof id !== 'string' || id === '') throw notificationError(cast.method, 'port.id', 'a non-empty string');
      const networkType = a['network_type'];
      return { kind: 'port_update', portId: id, port, ...(typeof networkType === 'string' ? { networkType } : {}), raw: cast };
    }
    case 'port_delete':
      return { kind: 'port_delete', portId: str('port_id'), raw: cast };
    case 'network_update': {
      const network = obj('network');
      const id = network['id'];
      if (typeof id !== 'string' || id === '') throw notificationError(cast.method, 'network.id', 'a non-empty string');
      return { kind: 'network_update', networkId: id, network, raw: cast };
    }
    case 'network_delete':
      return { kind: 'network_delete', networkId: str('network_id'), raw: cast };
    case 'security_groups_rule_updated':
      return { kind: 'security_groups_rule_updated', securityGroups: groups(), raw: cast };
    case 'security_groups_member_updated':
      return { kind: 'security_groups_member_updated', securityGroups: groups(), raw: cast };
    case 'binding_activate':
      return { kind: 'binding_activate', portId: str('port_id'), host: str('host'), raw: cast };
    case 'binding_deactivate':
      return { kind: 'binding_deactivate', portId: str('port_id'), host: str('host'), raw: cast };
    default:
      return { kind: 'other', method: cast.method, raw: cast };
  }
}

function notificationError(method: string, field: string, what: string): NeutronError {
  return new NeutronError('ERR_NEUTRON_NOTIFICATION', `${method}: argument ${field} must be ${what}`, { field });
}
