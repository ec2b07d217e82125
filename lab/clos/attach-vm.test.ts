import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guestConfig } from './attach-vm.js';
import { agentConfigText } from './agent-config.js';
import { topologyFromSpec } from './load.js';
import { parseConfig } from '../../src/config/index.js';

test('a guest is configured from its port: subnet prefix lengths, the IPv4 gateway, fe80::1 for IPv6, no on-link v6 prefix', () => {
  const port = {
    portId: '5ab7e3c1-0d4f-4c0e-9a53-1b2c3d4e5f60',
    mac: 'fa:16:3e:12:34:56',
    fixedIps: [
      { address: '10.100.0.23', prefixLen: 16, gateway: '10.100.0.1' },
      { address: '2001:db8:100::23', prefixLen: 64, gateway: '2001:db8:100::1' },
    ],
  };
  assert.deepEqual(guestConfig(port), [
    'addr add 10.100.0.23/16 dev eth0',
    'addr add 2001:db8:100::23/64 dev eth0 nodad noprefixroute',
    'route add default via 10.100.0.1 dev eth0',
    'route add ::/0 via fe80::1 dev eth0',
  ]);
  assert.deepEqual(guestConfig({ ...port, fixedIps: [{ address: '10.0.0.5', prefixLen: 24, gateway: null }] }), ['addr add 10.0.0.5/24 dev eth0']);
});

test('the agent config of a lab hypervisor can carry another source (neutron) and still validates', () => {
  const t = topologyFromSpec({ name: 'x', hypervisorKind: 'lagless', vmsPerHypervisor: 0, racks: [{ tors: 2, hypervisors: 1 }] });
  const h = t.hypervisors[0]!;
  const text = agentConfigText(t, h, { portsFile: '/x/ports.yaml', socket: '/x/agent.sock' }, { type: 'neutron', transportUrl: 'rabbit://guest:guest@127.0.0.1:5672/', reportInterval: 3 });
  const r = parseConfig(text);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  assert.deepEqual(r.config.source, { type: 'neutron', transportUrl: 'rabbit://guest:guest@127.0.0.1:5672/', host: h.name, reportInterval: 3, rpcTimeout: 60 });
  // without it: the ports file, as before
  assert.match(agentConfigText(t, h, { portsFile: '/x/ports.yaml', socket: '/x/agent.sock' }), /type: file\n {2}path: \/x\/ports.yaml/);
});
