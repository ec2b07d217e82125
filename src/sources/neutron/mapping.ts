// Neutron's answers -> lagless value types: pure, per device, fail-alone.
//
// `get_devices_details_list_and_failed_devices` returns, per device asked for, either just
// {device} (no such port, or not bound here), {device, no_active_binding: true} (bound elsewhere,
// e.g. mid live-migration), or the port's details:
//   {device, port_id, network_id, mac_address, admin_state_up, network_type, segmentation_id,
//    physical_network, mtu, fixed_ips: [{subnet_id, ip_address}], device_owner,
//    allowed_address_pairs: [{ip_address, mac_address}], port_security_enabled, profile, ...}
// (fixtures/get_devices_details_list.reply.python.json). The details carry no subnet CIDR or
// gateway, so the agent pulls the Subnet objects it needs by id with the resources RPC
// (`bulk_pull`, what Neutron's own cache-backed agents do; see rpc.ts) and hands them here as a
// lookup. A subnet that cannot be pulled or is malformed fails only the ports that use it.
//
//   parseSubnet(obj)                       -> SubnetInfo, or throws ERR_NEUTRON_SUBNET
//   subnetIdsOf(reply entries)             -> the subnet ids to pull
//   mapDeviceDetails(entry, subnets)       -> { kind: 'port' | 'absent' | 'error', device, ... }; never throws
//   mapDevicesReply(asked, reply, subnets) -> one result per device asked for, in that order
import { tapNameForPort, type AllowedAddressPair, type FixedIp, type PortSpec } from '../../dataplane/port.js';
import { canonicalIpv6, ipFamily, networkOf, parseCidr, parseIpv4, ipv4ToString } from '../../lib/ip.js';
import { isObject } from './envelope.js';
import { NeutronError, type NeutronErrorCode } from './errors.js';

/** The network type lagless binds (networking-lagless's type driver). */
export const ROUTED_NETWORK_TYPE = 'routed';

export interface SubnetInfo {
  readonly id: string;
  readonly ipVersion: 4 | 6;
  /** canonical network/len, e.g. "10.0.0.0/24" */
  readonly cidr: string;
  readonly prefixLen: number;
  /** canonical address; absent when the subnet has no gateway */
  readonly gateway?: string;
  readonly networkId?: string;
}

/** Subnets by id: the parsed subnet, or why it could not be had (every port on it fails with that). */
export type SubnetLookup = ReadonlyMap<string, SubnetInfo | NeutronError>;

/** A port bound to this host, as Neutron describes it. */
export interface NeutronPort {
  /** the device name the agent asked with (a port id, or a prefix of one) */
  readonly device: string;
  readonly spec: PortSpec;
  readonly networkId: string;
  /** false: the port exists and is bound here but must carry no traffic */
  readonly adminStateUp: boolean;
  readonly deviceOwner: string;
}

export type DeviceResult =
  | { readonly kind: 'port'; readonly device: string; readonly port: NeutronPort }
  | { readonly kind: 'absent'; readonly device: string; readonly reason: 'not-found' | 'no-active-binding' }
  | { readonly kind: 'error'; readonly device: string; readonly error: NeutronError };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

// ------------------------------------------------------------------ subnets

/** A Subnet as the resources RPC returns it (an oslo.versionedobjects primitive) or as a plain dict. */
export function parseSubnet(obj: unknown): SubnetInfo {
  const data = isObject(obj) && isObject(obj['versioned_object.data']) ? obj['versioned_object.data'] : obj;
  if (!isObject(data)) throw subnetError('subnet is not an object');
  const id = data['id'];
  if (typeof id !== 'string' || id === '') throw subnetError('subnet has no id', 'id');
  const cidrText = data['cidr'];
  if (typeof cidrText !== 'string' || !cidrText.includes('/')) throw subnetError(`subnet ${id}: cidr is missing or not a prefix`, 'cidr', id);
  const cidr = parseCidr(cidrText);
  if (cidr === undefined) throw subnetError(`subnet ${id}: cidr ${JSON.stringify(cidrText)} is not a valid prefix`, 'cidr', id);
  const ipVersion = data['ip_version'] ?? cidr.family;
  if (ipVersion !== cidr.family) throw subnetError(`subnet ${id}: ip_version ${String(ipVersion)} does not match cidr ${cidrText}`, 'ip_version', id);
  const network = networkOf(cidr.address, cidr.len) ?? cidr.address;
  const gw = data['gateway_ip'] ?? null;
  let gateway: string | undefined;
  if (gw !== null) {
    if (typeof gw !== 'string') throw subnetError(`subnet ${id}: gateway_ip is not a string`, 'gateway_ip', id);
    gateway = canonicalAddress(gw, cidr.family);
    if (gateway === undefined) throw subnetError(`subnet ${id}: gateway_ip ${JSON.stringify(gw)} is not an IPv${cidr.family} address`, 'gateway_ip', id);
  }
  const networkId = data['network_id'];
  return {
    id,
    ipVersion: cidr.family,
    cidr: `${network}/${cidr.len}`,
    prefixLen: cidr.len,
    ...(gateway === undefined ? {} : { gateway }),
    ...(typeof networkId === 'string' ? { networkId } : {}),
  };
}

function subnetError(message: string, field?: string, id?: string): NeutronError {
  return new NeutronError('ERR_NEUTRON_SUBNET', message, { ...(field === undefined ? {} : { field }), ...(id === undefined ? {} : { device: id }) });
}

/** Every subnet id named in the fixed IPs of these device entries (malformed entries are skipped). */
export function subnetIdsOf(entries: readonly unknown[]): string[] {
  const ids = new Set<string>();
  for (const e of entries) {
    if (!isObject(e) || !Array.isArray(e['fixed_ips'])) continue;
    for (const ip of e['fixed_ips']) {
      if (isObject(ip) && typeof ip['subnet_id'] === 'string' && ip['subnet_id'] !== '') ids.add(ip['subnet_id']);
    }
  }
  return [...ids];
}

// ------------------------------------------------------------------ devices

/**
 * The results for the devices asked for, in that order. Reply entries are matched by their
 * `device`; a device the reply does not mention, or mentions only in `failed_devices`, is an error
 * for that device alone.
 */
export function mapDevicesReply(
  asked: readonly string[],
  reply: { readonly devices: readonly unknown[]; readonly failedDevices: readonly string[] },
  subnets: SubnetLookup,
): DeviceResult[] {
  const byDevice = new Map<string, unknown>();
  for (const e of reply.devices) {
    if (isObject(e) && typeof e['device'] === 'string') byDevice.set(e['device'], e);
  }
  const failed = new Set(reply.failedDevices);
  return asked.map((device): DeviceResult => {
    const entry = byDevice.get(device);
    if (entry !== undefined) return mapDeviceDetails(entry, subnets, device);
    const why = failed.has(device) ? 'neutron-server failed to get its details' : 'the reply does not mention it';
    return { kind: 'error', device, error: new NeutronError('ERR_NEUTRON_REPLY', `device ${device}: ${why}`, { device }) };
  });
}

/** One reply entry -> a port, an absence, or an error for this device only. Never throws. */
export function mapDeviceDetails(entry: unknown, subnets: SubnetLookup, askedAs?: string): DeviceResult {
  const device = isObject(entry) && typeof entry['device'] === 'string' ? entry['device'] : (askedAs ?? '?');
  try {
    return mapEntry(entry, subnets, device);
  } catch (e) {
    if (e instanceof NeutronError) return { kind: 'error', device, error: e };
    throw e;
  }
}

function mapEntry(entry: unknown, subnets: SubnetLookup, device: string): DeviceResult {
  const err = (code: NeutronErrorCode, field: string, message: string, cause?: unknown) =>
    new NeutronError(code, `device ${device}: ${message}`, { device, field, ...(cause === undefined ? {} : { cause }) });
  const need = <T>(obj: Record<string, unknown>, field: string, path: string, check: (v: unknown) => v is T, what: string): T => {
    const v = obj[field];
    if (v === undefined || v === null) throw err('ERR_NEUTRON_PORT_MISSING_FIELD', path, `${path} is missing`);
    if (!check(v)) throw err('ERR_NEUTRON_PORT_INVALID_FIELD', path, `${path} must be ${what}, got ${JSON.stringify(v)}`);
    return v;
  };

  if (!isObject(entry)) throw err('ERR_NEUTRON_PORT_INVALID_FIELD', '', 'the entry is not an object');
  if (typeof entry['device'] !== 'string') throw err('ERR_NEUTRON_PORT_MISSING_FIELD', 'device', 'device is missing');
  if (entry['no_active_binding'] === true) return { kind: 'absent', device, reason: 'no-active-binding' };
  // Neutron answers {device} alone for a port it does not know or that is not bound (here).
  if (!('port_id' in entry) && !('network_id' in entry)) return { kind: 'absent', device, reason: 'not-found' };

  const portId = need(entry, 'port_id', 'port_id', isString, 'a UUID');
  if (!UUID_RE.test(portId)) throw err('ERR_NEUTRON_PORT_INVALID_FIELD', 'port_id', `port_id ${JSON.stringify(portId)} is not a UUID`);
  const networkId = need(entry, 'network_id', 'network_id', isNonEmptyString, 'a non-empty string');
  const networkType = need(entry, 'network_type', 'network_type', isString, 'a string');
  if (networkType !== ROUTED_NETWORK_TYPE) {
    throw err('ERR_NEUTRON_PORT_NETWORK_TYPE', 'network_type', `network type ${JSON.stringify(networkType)} is not ${ROUTED_NETWORK_TYPE}: lagless does not wire it`);
  }
  const mac = parseMac(need(entry, 'mac_address', 'mac_address', isString, 'a string'), 'mac_address', err);
  const adminStateUp = need(entry, 'admin_state_up', 'admin_state_up', isBoolean, 'a boolean');

  const mtuValue = entry['mtu'];
  let mtu: number | undefined;
  if (mtuValue !== undefined && mtuValue !== null) {
    if (typeof mtuValue !== 'number' || !Number.isInteger(mtuValue) || mtuValue < 68 || mtuValue > 65535) {
      throw err('ERR_NEUTRON_PORT_INVALID_FIELD', 'mtu', `mtu must be an integer 68..65535, got ${JSON.stringify(mtuValue)}`);
    }
    mtu = mtuValue;
  }

  const portSecurityValue = entry['port_security_enabled'] ?? true;
  if (typeof portSecurityValue !== 'boolean') {
    throw err('ERR_NEUTRON_PORT_INVALID_FIELD', 'port_security_enabled', `port_security_enabled must be a boolean, got ${JSON.stringify(portSecurityValue)}`);
  }
  const deviceOwner = entry['device_owner'] ?? '';
  if (typeof deviceOwner !== 'string') throw err('ERR_NEUTRON_PORT_INVALID_FIELD', 'device_owner', 'device_owner must be a string');

  const fixedIps: FixedIp[] = need(entry, 'fixed_ips', 'fixed_ips', Array.isArray, 'a list').map((ip: unknown, i: number): FixedIp => {
    const path = `fixed_ips.${i}`;
    if (!isObject(ip)) throw err('ERR_NEUTRON_PORT_INVALID_FIELD', path, `${path} must be an object`);
    const text = need(ip, 'ip_address', `${path}.ip_address`, isString, 'a string');
    const family = ipFamily(text);
    const address = family === undefined ? undefined : canonicalAddress(text, family);
    if (family === undefined || address === undefined) {
      throw err('ERR_NEUTRON_PORT_BAD_ADDRESS', `${path}.ip_address`, `${path}.ip_address ${JSON.stringify(text)} is not an IP address`);
    }
    const subnetId = need(ip, 'subnet_id', `${path}.subnet_id`, isNonEmptyString, 'a non-empty string');
    const subnet = subnets.get(subnetId);
    if (subnet === undefined) {
      throw err('ERR_NEUTRON_PORT_SUBNET_UNKNOWN', `${path}.subnet_id`, `subnet ${subnetId} of ${address} is unknown`);
    }
    if (subnet instanceof NeutronError) {
      throw err('ERR_NEUTRON_PORT_SUBNET_UNKNOWN', `${path}.subnet_id`, `subnet ${subnetId} of ${address} is unusable: ${subnet.message}`, subnet);
    }
    if (subnet.ipVersion !== family || networkOf(address, subnet.prefixLen) !== subnet.cidr.slice(0, subnet.cidr.indexOf('/'))) {
      throw err('ERR_NEUTRON_PORT_ADDRESS_OUTSIDE_SUBNET', `${path}.ip_address`, `${address} is not inside its subnet ${subnet.cidr}`);
    }
    return { address, prefixLen: subnet.prefixLen, ...(subnet.gateway === undefined ? {} : { gateway: subnet.gateway }) };
  });

  const allowedAddressPairs: AllowedAddressPair[] = (entry['allowed_address_pairs'] === undefined || entry['allowed_address_pairs'] === null
    ? []
    : need(entry, 'allowed_address_pairs', 'allowed_address_pairs', Array.isArray, 'a list')
  ).map((pair: unknown, i: number): AllowedAddressPair => {
    const path = `allowed_address_pairs.${i}`;
    if (!isObject(pair)) throw err('ERR_NEUTRON_PORT_INVALID_FIELD', path, `${path} must be an object`);
    const text = need(pair, 'ip_address', `${path}.ip_address`, isString, 'a string');
    const cidr = parseCidr(text);
    if (cidr === undefined) throw err('ERR_NEUTRON_PORT_BAD_ADDRESS', `${path}.ip_address`, `${path}.ip_address ${JSON.stringify(text)} is not an address or prefix`);
    const host = cidr.len === (cidr.family === 4 ? 32 : 128);
    const ipAddress = host ? cidr.address : `${networkOf(cidr.address, cidr.len) ?? cidr.address}/${cidr.len}`;
    const macText = pair['mac_address'];
    if (macText === undefined || macText === null) return { ipAddress };
    if (typeof macText !== 'string') throw err('ERR_NEUTRON_PORT_BAD_MAC', `${path}.mac_address`, `${path}.mac_address must be a string`);
    return { ipAddress, macAddress: parseMac(macText, `${path}.mac_address`, err) };
  });

  const spec: PortSpec = {
    id: portId,
    tap: tapNameForPort(portId),
    mac,
    fixedIps,
    allowedAddressPairs,
    ...(mtu === undefined ? {} : { mtu }),
    portSecurity: portSecurityValue,
  };
  return { kind: 'port', device, port: { device, spec, networkId, adminStateUp, deviceOwner } };
}

/** A unicast, non-zero MAC in lower case, or ERR_NEUTRON_PORT_BAD_MAC. */
function parseMac(text: string, field: string, err: (code: NeutronErrorCode, field: string, message: string) => NeutronError): string {
  if (!MAC_RE.test(text)) throw err('ERR_NEUTRON_PORT_BAD_MAC', field, `${field} ${JSON.stringify(text)} is not a MAC address`);
  const mac = text.toLowerCase();
  const first = parseInt(mac.slice(0, 2), 16);
  if ((first & 1) === 1 || mac === '00:00:00:00:00:00') {
    throw err('ERR_NEUTRON_PORT_BAD_MAC', field, `${field} ${mac} is not a unicast MAC address`);
  }
  return mac;
}

function canonicalAddress(text: string, family: 4 | 6): string | undefined {
  if (family === 4) {
    const n = parseIpv4(text);
    return n === undefined ? undefined : ipv4ToString(n);
  }
  return canonicalIpv6(text);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
