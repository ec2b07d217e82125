import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEnvelope, type OsloCast, type OsloMessage } from './envelope.js';
import { NeutronError } from './errors.js';
import {
  agentConfigurations,
  agentContext,
  bulkPullSubnetsArgs,
  deviceIdOf,
  parseBulkPullReply,
  parseDevicesDetailsReply,
  parseNotification,
  parseReportStateResult,
  parseUpdateDeviceDownReply,
  parseUpdateDeviceListReply,
  pythonTime,
  reportStateArgs,
} from './messages.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const capture = (f: string): OsloMessage => {
  const cap = JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as { envelope_raw: unknown };
  return decodeEnvelope(JSON.stringify(cap.envelope_raw));
};
const cast = (f: string): OsloCast => {
  const m = capture(f);
  assert.equal(m.kind, 'cast', f);
  return m as OsloCast;
};
const result = (f: string): unknown => {
  const m = capture(f);
  assert.equal(m.kind, 'reply', f);
  return m.kind === 'reply' ? m.result : undefined;
};
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof NeutronError);
    return e.code;
  }
  return 'no error';
};

test('python time text has microseconds and no zone (a trailing Z makes neutron-server fail)', () => {
  const d = new Date(Date.UTC(2026, 10, 24, 12, 5, 10, 272));
  assert.equal(pythonTime(d), '2026-11-24T12:05:10.272000');
  assert.equal(pythonTime(d, ' '), '2026-11-24 12:05:10.272000');
});

test('report_state args have the shape of the reference Python agent', () => {
  const ref = capture('report_state.call.python.json');
  assert.equal(ref.kind, 'call');
  const refState = ((ref.kind === 'call' ? ref.args : {}) as { agent_state: { agent_state: Record<string, unknown> } }).agent_state.agent_state;
  const now = new Date(Date.UTC(2026, 10, 24, 12, 5, 10, 272));
  const args = reportStateArgs({ host: 'hv1', configurations: { devices: 0, bgp_peers: { '10.0.0.0': 'established' } }, startFlag: true }, now, 'u-1');
  const mine = (args as { agent_state: { agent_state: Record<string, unknown> } }).agent_state.agent_state;
  assert.deepEqual(Object.keys(args).sort(), Object.keys(ref.kind === 'call' ? ref.args : {}).sort());
  for (const k of ['binary', 'host', 'topic', 'agent_type', 'configurations', 'start_flag', 'uuid']) assert.ok(k in refState && k in mine, k);
  assert.deepEqual(mine, {
    binary: 'lagless-agent',
    host: 'hv1',
    topic: 'N/A',
    agent_type: 'Lagless agent',
    configurations: { devices: 0, bgp_peers: { '10.0.0.0': 'established' } },
    uuid: 'u-1',
    start_flag: true,
  });
  assert.equal(args['time'], '2026-11-24T12:05:10.272000');
  const later = reportStateArgs({ host: 'hv1', configurations: {}, startFlag: false }, now) as { agent_state: { agent_state: Record<string, unknown> } };
  assert.equal('start_flag' in later.agent_state.agent_state, false);
});

test('agent configurations: BGP peers and wired devices', () => {
  assert.deepEqual(agentConfigurations({ '192.0.2.0': 'Established' }, 3), { bgp_peers: { '192.0.2.0': 'Established' }, devices: 3 });
});

test('the agent context carries the keys the Python agent sends', () => {
  const ref = capture('report_state.call.python.json');
  const ctx = agentContext(new Date(0), 'req-1');
  assert.deepEqual(Object.keys(ctx).sort(), Object.keys(ref.kind === 'call' ? ref.context : {}).sort());
  assert.equal(ctx['is_admin'], true);
  assert.equal(ctx['request_id'], 'req-1');
});

test('report_state results: new, alive, revived; anything else is ERR_NEUTRON_REPLY', () => {
  assert.equal(parseReportStateResult(result('report_state.reply.node.json')), 'new');
  assert.equal(parseReportStateResult(result('report_state.reply.python.json')), 'alive');
  assert.equal(parseReportStateResult('revived'), 'revived');
  assert.equal(code(() => parseReportStateResult(null)), 'ERR_NEUTRON_REPLY');
});

test('device replies parse; wrong shapes are ERR_NEUTRON_REPLY', () => {
  const list = result('get_devices_details_list.reply.python.json') as unknown[];
  assert.deepEqual(parseDevicesDetailsReply({ devices: list, failed_devices: [] }).devices, list);
  assert.equal(code(() => parseDevicesDetailsReply(list)), 'ERR_NEUTRON_REPLY');
  assert.equal(code(() => parseDevicesDetailsReply({ devices: [], failed_devices: [1] })), 'ERR_NEUTRON_REPLY');
  assert.deepEqual(parseUpdateDeviceDownReply(result('update_device_down.reply.python.json')), { device: '178a5128-b544-432b-885f-fac18c2581fc', exists: true });
  assert.equal(code(() => parseUpdateDeviceDownReply(null)), 'ERR_NEUTRON_REPLY');
  assert.deepEqual(parseUpdateDeviceListReply(result('update_device_list.reply.node.json')).devicesUp, ['a6ab6afe-6e1b-4405-b862-d43f21233531']);
  assert.equal(code(() => parseUpdateDeviceListReply({ devices_up: [] })), 'ERR_NEUTRON_REPLY');
  assert.equal(code(() => parseBulkPullReply({})), 'ERR_NEUTRON_REPLY');
});

test('device ids: a tap name becomes its port-id prefix, a port id stays', () => {
  assert.equal(deviceIdOf('tap178a5128-b5'), '178a5128-b5');
  assert.equal(deviceIdOf('178a5128-b544-432b-885f-fac18c2581fc'), '178a5128-b544-432b-885f-fac18c2581fc');
});

test('bulk_pull args ask for Subnet objects by id', () => {
  assert.deepEqual(bulkPullSubnetsArgs(['a', 'b']), { resource_type: 'Subnet', version: '1.1', filter_kwargs: { id: ['a', 'b'] } });
});

test('captured notifications parse by method', () => {
  const upd = parseNotification(cast('port_update.fanout-cast.json'));
  assert.equal(upd.kind, 'port_update');
  assert.equal(upd.kind === 'port_update' && upd.portId, '2453277f-9fce-4f1b-9a0a-be645d101234');
  assert.equal(upd.kind === 'port_update' && upd.networkType, 'routed');
  const del = parseNotification(cast('port_delete.fanout-cast.json'));
  assert.deepEqual(del.kind === 'port_delete' && del.portId, '2453277f-9fce-4f1b-9a0a-be645d101234');
  const member = parseNotification(cast('security_groups_member_updated.fanout-cast.json'));
  assert.deepEqual(member.kind === 'security_groups_member_updated' && member.securityGroups, ['134760e3-e544-4cab-9221-efbdcb0e24b0']);
  const rule = parseNotification(cast('security_groups_rule_updated.fanout-cast.json'));
  assert.deepEqual(rule.kind === 'security_groups_rule_updated' && rule.securityGroups, ['58cad91f-1c46-4d30-9d1d-ad0e4c8dc3ef']);
  const push = parseNotification(cast('push.neutron-vo-Port-1.7_fanout.json'));
  assert.deepEqual(push.kind === 'other' && push.method, 'push');
});

test('notifications with wrong arguments are ERR_NEUTRON_NOTIFICATION', () => {
  const c = (method: string, args: Record<string, unknown>): OsloCast => ({ kind: 'cast', method, args, context: {} });
  assert.equal(code(() => parseNotification(c('port_delete', {}))), 'ERR_NEUTRON_NOTIFICATION');
  assert.equal(code(() => parseNotification(c('port_update', { port: {} }))), 'ERR_NEUTRON_NOTIFICATION');
  assert.equal(code(() => parseNotification(c('network_update', { network: 'x' }))), 'ERR_NEUTRON_NOTIFICATION');
  assert.equal(code(() => parseNotification(c('security_groups_rule_updated', { security_groups: [1] }))), 'ERR_NEUTRON_NOTIFICATION');
  assert.equal(code(() => parseNotification(c('binding_activate', { port_id: 'p' }))), 'ERR_NEUTRON_NOTIFICATION');
  assert.deepEqual(parseNotification(c('network_delete', { network_id: 'n1' })).kind, 'network_delete');
  assert.deepEqual(parseNotification(c('binding_deactivate', { port_id: 'p', host: 'h', network_id: 'n' })).kind, 'binding_deactivate');
});
