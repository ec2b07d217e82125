import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEnvelope } from './envelope.js';
import { NeutronError } from './errors.js';
import { mapDeviceDetails, mapDevicesReply, parseSubnet, subnetIdsOf, type DeviceResult, type SubnetInfo, type SubnetLookup } from './mapping.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const capture = (f: string) => {
  const cap = JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as { envelope_raw: unknown };
  return decodeEnvelope(JSON.stringify(cap.envelope_raw));
};

// The captured reply (a real neutron-server, Zed) names subnet 7c7c06b2-...; its CIDR was 10.30.0.0/24.
const SUBNET_ID = '7c7c06b2-cd6a-4ad9-81b4-d9c4f4ac6089';
const subnet30: SubnetInfo = { id: SUBNET_ID, ipVersion: 4, cidr: '10.30.0.0/24', prefixLen: 24, gateway: '10.30.0.1' };
const subnet6: SubnetInfo = { id: 'v6', ipVersion: 6, cidr: '2001:db8::/64', prefixLen: 64, gateway: 'fe80::1' };
const lookup = (...s: (SubnetInfo | [string, NeutronError])[]): SubnetLookup =>
  new Map<string, SubnetInfo | NeutronError>(s.map((x): [string, SubnetInfo | NeutronError] => (Array.isArray(x) ? x : [x.id, x])));

function capturedEntry(): Record<string, unknown> {
  const reply = capture('get_devices_details_list.reply.python.json');
  assert.equal(reply.kind, 'reply');
  const list = reply.kind === 'reply' ? (reply.result as Record<string, unknown>[]) : [];
  assert.equal(list.length, 1);
  return structuredClone(list[0]!);
}

function port(r: DeviceResult) {
  assert.equal(r.kind, 'port', r.kind === 'error' ? `${r.error.code}: ${r.error.message}` : r.kind);
  return r.kind === 'port' ? r.port : assert.fail();
}
function errorOf(r: DeviceResult): NeutronError {
  assert.equal(r.kind, 'error');
  return r.kind === 'error' ? r.error : assert.fail();
}

test('the captured device details map to a PortSpec with the subnet prefix length and gateway', () => {
  const p = port(mapDeviceDetails(capturedEntry(), lookup(subnet30)));
  assert.deepEqual(p.spec, {
    id: '178a5128-b544-432b-885f-fac18c2581fc',
    tap: 'tap178a5128-b5',
    mac: 'fa:16:3e:97:7f:65',
    fixedIps: [{ address: '10.30.0.163', prefixLen: 24, gateway: '10.30.0.1' }],
    allowedAddressPairs: [],
    mtu: 1500,
    portSecurity: true,
  });
  assert.equal(p.device, '178a5128-b544-432b-885f-fac18c2581fc');
  assert.equal(p.networkId, 'e0b0ae13-36c6-4b9a-a899-950b7ac4088d');
  assert.equal(p.adminStateUp, true);
  assert.equal(p.deviceOwner, '');
});

test('the node-captured reply maps too, and subnetIdsOf names its subnet', () => {
  const reply = capture('get_devices_details_list.reply.node.json');
  const list = reply.kind === 'reply' ? (reply.result as unknown[]) : [];
  assert.deepEqual(subnetIdsOf(list), [SUBNET_ID]);
  const p = port(mapDeviceDetails(list[0], lookup(subnet30)));
  assert.deepEqual(p.spec.fixedIps, [{ address: '10.30.0.56', prefixLen: 24, gateway: '10.30.0.1' }]);
});

test('dual stack, allowed address pairs, no gateway, port security off, upper-case MAC, no MTU', () => {
  const e = capturedEntry();
  e['mac_address'] = 'FA:16:3E:00:00:0A';
  e['fixed_ips'] = [
    { subnet_id: 'nogw', ip_address: '192.168.7.9' },
    { subnet_id: 'v6', ip_address: '2001:DB8:0:0::0:5' },
  ];
  e['allowed_address_pairs'] = [
    { ip_address: '10.30.0.200', mac_address: 'fa:16:3e:00:00:0b' },
    { ip_address: '10.9.0.77/24', mac_address: 'fa:16:3e:00:00:0a' },
    { ip_address: '2001:db8::/64' },
  ];
  e['port_security_enabled'] = false;
  e['mtu'] = null;
  const nogw: SubnetInfo = { id: 'nogw', ipVersion: 4, cidr: '192.168.7.0/25', prefixLen: 25 };
  const p = port(mapDeviceDetails(e, lookup(nogw, subnet6)));
  assert.equal(p.spec.mac, 'fa:16:3e:00:00:0a');
  assert.deepEqual(p.spec.fixedIps, [
    { address: '192.168.7.9', prefixLen: 25 },
    { address: '2001:db8::5', prefixLen: 64, gateway: 'fe80::1' },
  ]);
  assert.deepEqual(p.spec.allowedAddressPairs, [
    { ipAddress: '10.30.0.200', macAddress: 'fa:16:3e:00:00:0b' },
    { ipAddress: '10.9.0.0/24', macAddress: 'fa:16:3e:00:00:0a' },
    { ipAddress: '2001:db8::/64' },
  ]);
  assert.equal(p.spec.portSecurity, false);
  assert.equal('mtu' in p.spec, false);
});

test('a port that is not found, or bound elsewhere, is absent (not an error)', () => {
  assert.deepEqual(mapDeviceDetails({ device: 'tapdeadbeef-00' }, lookup()), { kind: 'absent', device: 'tapdeadbeef-00', reason: 'not-found' });
  assert.deepEqual(mapDeviceDetails({ device: 'abc', no_active_binding: true }, lookup()), { kind: 'absent', device: 'abc', reason: 'no-active-binding' });
});

test('admin_state_up false is carried, not dropped', () => {
  const e = capturedEntry();
  e['admin_state_up'] = false;
  assert.equal(port(mapDeviceDetails(e, lookup(subnet30))).adminStateUp, false);
});

test('each malformed field gives its own code and names the field, for that device only', () => {
  const cases: [string, (e: Record<string, unknown>) => void, string, string][] = [
    ['malformed address', (e) => (e['fixed_ips'] = [{ subnet_id: SUBNET_ID, ip_address: '10.30.0.999' }]), 'ERR_NEUTRON_PORT_BAD_ADDRESS', 'fixed_ips.0.ip_address'],
    ['address with a zone', (e) => (e['fixed_ips'] = [{ subnet_id: 'v6', ip_address: 'fe80::1%eth0' }]), 'ERR_NEUTRON_PORT_BAD_ADDRESS', 'fixed_ips.0.ip_address'],
    ['address outside its subnet', (e) => (e['fixed_ips'] = [{ subnet_id: SUBNET_ID, ip_address: '10.31.0.5' }]), 'ERR_NEUTRON_PORT_ADDRESS_OUTSIDE_SUBNET', 'fixed_ips.0.ip_address'],
    ['v6 address on a v4 subnet', (e) => (e['fixed_ips'] = [{ subnet_id: SUBNET_ID, ip_address: '2001:db8::1' }]), 'ERR_NEUTRON_PORT_ADDRESS_OUTSIDE_SUBNET', 'fixed_ips.0.ip_address'],
    ['unknown subnet', (e) => (e['fixed_ips'] = [{ subnet_id: 'nope', ip_address: '10.30.0.5' }]), 'ERR_NEUTRON_PORT_SUBNET_UNKNOWN', 'fixed_ips.0.subnet_id'],
    ['fixed ip without subnet', (e) => (e['fixed_ips'] = [{ ip_address: '10.30.0.5' }]), 'ERR_NEUTRON_PORT_MISSING_FIELD', 'fixed_ips.0.subnet_id'],
    ['fixed ip not an object', (e) => (e['fixed_ips'] = ['10.30.0.5']), 'ERR_NEUTRON_PORT_INVALID_FIELD', 'fixed_ips.0'],
    ['fixed_ips missing', (e) => delete e['fixed_ips'], 'ERR_NEUTRON_PORT_MISSING_FIELD', 'fixed_ips'],
    ['fixed_ips not a list', (e) => (e['fixed_ips'] = {}), 'ERR_NEUTRON_PORT_INVALID_FIELD', 'fixed_ips'],
    ['mac missing', (e) => delete e['mac_address'], 'ERR_NEUTRON_PORT_MISSING_FIELD', 'mac_address'],
    ['mac malformed', (e) => (e['mac_address'] = 'fa:16:3e:97:7f'), 'ERR_NEUTRON_PORT_BAD_MAC', 'mac_address'],
    ['mac multicast', (e) => (e['mac_address'] = '01:00:5e:00:00:01'), 'ERR_NEUTRON_PORT_BAD_MAC', 'mac_address'],
    ['port_id not a uuid', (e) => (e['port_id'] = 'abc'), 'ERR_NEUTRON_PORT_INVALID_FIELD', 'port_id'],
    ['port_id missing', (e) => delete e['port_id'], 'ERR_NEUTRON_PORT_MISSING_FIELD', 'port_id'],
    ['network_id missing', (e) => delete e['network_id'], 'ERR_NEUTRON_PORT_MISSING_FIELD', 'network_id'],
    ['network type vlan', (e) => (e['network_type'] = 'vlan'), 'ERR_NEUTRON_PORT_NETWORK_TYPE', 'network_type'],
    ['admin state a string', (e) => (e['admin_state_up'] = 'yes'), 'ERR_NEUTRON_PORT_INVALID_FIELD', 'admin_state_up'],
    ['mtu too small', (e) => (e['mtu'] = 10), 'ERR_NEUTRON_PORT_INVALID_FIELD', 'mtu'],
    ['mtu a string', (e) => (e['mtu'] = '1500'), 'ERR_NEUTRON_PORT_INVALID_FIELD', 'mtu'],
    ['port security a string', (e) => (e['port_security_enabled'] = 'true'), 'ERR_NEUTRON_PORT_INVALID_FIELD', 'port_security_enabled'],
    ['pair address malformed', (e) => (e['allowed_address_pairs'] = [{ ip_address: '10.0.0.0/33' }]), 'ERR_NEUTRON_PORT_BAD_ADDRESS', 'allowed_address_pairs.0.ip_address'],
    ['pair mac malformed', (e) => (e['allowed_address_pairs'] = [{ ip_address: '10.0.0.1', mac_address: 'zz' }]), 'ERR_NEUTRON_PORT_BAD_MAC', 'allowed_address_pairs.0.mac_address'],
    ['pairs not a list', (e) => (e['allowed_address_pairs'] = 'none'), 'ERR_NEUTRON_PORT_INVALID_FIELD', 'allowed_address_pairs'],
  ];
  for (const [name, mutate, code, field] of cases) {
    const e = capturedEntry();
    mutate(e);
    const err = errorOf(mapDeviceDetails(e, lookup(subnet30, subnet6)));
    assert.equal(err.code, code, name);
    assert.equal(err.field, field, name);
    assert.equal(err.device, '178a5128-b544-432b-885f-fac18c2581fc', name);
  }
  assert.equal(errorOf(mapDeviceDetails('garbage', lookup(), 'dev1')).device, 'dev1');
  assert.equal(errorOf(mapDeviceDetails(null, lookup(), 'dev1')).code, 'ERR_NEUTRON_PORT_INVALID_FIELD');
});

test('a subnet that could not be had fails the ports on it, with the subnet error as cause', () => {
  const broken = new NeutronError('ERR_NEUTRON_SUBNET', 'subnet x: cidr is missing');
  const err = errorOf(mapDeviceDetails(capturedEntry(), lookup([SUBNET_ID, broken])));
  assert.equal(err.code, 'ERR_NEUTRON_PORT_SUBNET_UNKNOWN');
  assert.equal(err.cause, broken);
});

test('a batch: one bad port fails alone; order follows the devices asked for', () => {
  const good = capturedEntry();
  const bad = capturedEntry();
  bad['device'] = 'bad';
  bad['fixed_ips'] = [{ subnet_id: SUBNET_ID, ip_address: 'not-an-ip' }];
  const results = mapDevicesReply(
    ['missing', 'bad', 'failed', '178a5128-b544-432b-885f-fac18c2581fc', 'gone'],
    { devices: [bad, good, { device: 'gone' }, 'junk'], failedDevices: ['failed'] },
    lookup(subnet30),
  );
  assert.deepEqual(results.map((r) => [r.device, r.kind]), [
    ['missing', 'error'],
    ['bad', 'error'],
    ['failed', 'error'],
    ['178a5128-b544-432b-885f-fac18c2581fc', 'port'],
    ['gone', 'absent'],
  ]);
  assert.equal(errorOf(results[0]!).code, 'ERR_NEUTRON_REPLY');
  assert.equal(errorOf(results[1]!).code, 'ERR_NEUTRON_PORT_BAD_ADDRESS');
  assert.match(errorOf(results[2]!).message, /failed/);
});

test('parseSubnet reads the captured Subnet object (OVO primitive) and plain dicts', () => {
  const push = capture('push.neutron-vo-Subnet-1.1_fanout.json');
  assert.equal(push.kind, 'cast');
  const list = push.kind === 'cast' ? (push.args['resource_list'] as unknown[]) : [];
  assert.deepEqual(parseSubnet(list[0]), {
    id: 'bf14e2b3-1d02-407e-a7f1-9d18f3c75073',
    ipVersion: 4,
    cidr: '10.77.0.0/24',
    prefixLen: 24,
    gateway: '10.77.0.1',
    networkId: 'c55ba57f-7f85-4353-a6ab-99998af4c034',
  });
  assert.deepEqual(parseSubnet({ id: 's6', cidr: '2001:DB8:1::/48', gateway_ip: null, ip_version: 6 }), {
    id: 's6', ipVersion: 6, cidr: '2001:db8:1::/48', prefixLen: 48,
  });
});

test('parseSubnet rejects malformed subnets with ERR_NEUTRON_SUBNET', () => {
  const bad: [unknown, string | undefined][] = [
    [null, undefined],
    [{ cidr: '10.0.0.0/24' }, 'id'],
    [{ id: 's', cidr: '10.0.0.0' }, 'cidr'],
    [{ id: 's', cidr: '10.0.0.0/40' }, 'cidr'],
    [{ id: 's', cidr: '10.0.0.0/24', ip_version: 6 }, 'ip_version'],
    [{ id: 's', cidr: '10.0.0.0/24', gateway_ip: '2001:db8::1' }, 'gateway_ip'],
    [{ id: 's', cidr: '10.0.0.0/24', gateway_ip: 7 }, 'gateway_ip'],
  ];
  for (const [obj, field] of bad) {
    assert.throws(() => parseSubnet(obj), (e: unknown) => e instanceof NeutronError && e.code === 'ERR_NEUTRON_SUBNET' && e.field === field, JSON.stringify(obj));
  }
});
