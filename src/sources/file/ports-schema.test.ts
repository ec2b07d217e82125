import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { readPortsDocument } from './ports-schema.js';

const read = (doc: unknown) => {
  const r = readPortsDocument(doc);
  if ('fatal' in r) throw new Error(`fatal: ${r.fatal.code}`);
  return r;
};
const port = (over: Record<string, unknown> = {}) => ({ id: 'p1', mac: 'FA:16:3E:00:00:01', fixed_ips: [{ address: '10.0.0.5', prefix_len: 24, gateway: '10.0.0.1' }], ...over });

test('the shipped examples/ports.yaml reads without issues', () => {
  const r = read(parse(readFileSync(new URL('../../../examples/ports.yaml', import.meta.url), 'utf8')));
  assert.equal(r.issues.length, 0);
  assert.equal(r.ports.length, 2);
  assert.equal(r.ports[0]!.tap, 'tap3f2a9c1e-7b');
});

test('an entry becomes a PortSpec with defaults and canonical values', () => {
  const r = read({ ports: [port({ fixed_ips: [{ address: '2001:DB8::5', prefix_len: 64 }], allowed_address_pairs: [{ ip_address: '10.9.0.0/24' }, { ip_address: '10.1.1.1/32', mac_address: 'fa-16-3e-00-00-02' }] })] });
  assert.deepEqual(r, {
    ports: [{
      id: 'p1', tap: 'tapp1', mac: 'fa:16:3e:00:00:01',
      fixedIps: [{ address: '2001:db8::5', prefixLen: 64 }],
      allowedAddressPairs: [{ ipAddress: '10.9.0.0/24' }, { ipAddress: '10.1.1.1', macAddress: 'fa:16:3e:00:00:02' }],
      portSecurity: true,
    }],
    issues: [],
  });
});

test('each bad entry is reported with its path and skipped; the others apply', () => {
  const r = read({
    ports: [
      port({ id: 'ok1' }),
      port({ id: 'bad-ip', fixed_ips: [{ address: '10.0.0.300', prefix_len: 24 }] }),
      port({ id: 'bad-many', mac: '01:00:5e:00:00:01', fixed_ips: [{ address: '10.0.0.7', prefix_len: 33, gateway: '2001:db8::1' }], mtu: 9, color: 'red' }),
      port({ id: 'ok2', fixed_ips: [{ address: '10.0.0.8', prefix_len: 24 }] }),
      'not a port',
      port({ id: 'v6-mtu', fixed_ips: [{ address: '2001:db8::9', prefix_len: 64 }], mtu: 1000 }),
      port({ id: 'camel', fixedIps: [] }),
    ],
  });
  assert.deepEqual(r.ports.map((p) => p.id), ['ok1', 'ok2']);
  assert.deepEqual(r.issues.map((i) => `${i.path} ${i.code}`), [
    'ports[1].fixed_ips[0].address ERR_PORT_ADDRESS',
    'ports[2].color ERR_PORT_UNKNOWN_KEY',
    'ports[2].mac ERR_PORT_MAC',
    'ports[2].fixed_ips[0].prefix_len ERR_PORT_RANGE',
    'ports[2].fixed_ips[0].gateway ERR_PORT_ADDRESS',
    'ports[2].mtu ERR_PORT_RANGE',
    'ports[4] ERR_PORT_TYPE',
    'ports[5].mtu ERR_PORT_RANGE',
    'ports[6].fixedIps ERR_PORT_UNKNOWN_KEY',
  ]);
  assert.match(r.issues[0]!.message, /not an IP address/);
  assert.match(r.issues.at(-1)!.message, /did you mean "fixed_ips"/);
});

test('duplicate ids, taps and addresses: the first entry stays, later ones are skipped', () => {
  const r = read({
    ports: [
      port({ id: 'a' }),
      port({ id: 'a', fixed_ips: [] }),
      port({ id: 'b', tap: 'tapa', fixed_ips: [] }),
      port({ id: 'c', fixed_ips: [{ address: '10.0.0.9', prefix_len: 24 }, { address: '10.0.0.5', prefix_len: 24 }] }),
      port({ id: 'd', fixed_ips: [{ address: '10.0.0.6', prefix_len: 24 }, { address: '10.0.0.6', prefix_len: 24 }] }),
      port({ id: 'e', fixed_ips: [{ address: '10.0.0.9', prefix_len: 24 }] }),
    ],
  });
  assert.deepEqual(r.ports.map((p) => p.id), ['a', 'e']);
  assert.deepEqual(r.issues.map((i) => `${i.path} ${i.code}`), [
    'ports[1].id ERR_PORT_DUPLICATE',
    'ports[2].tap ERR_PORT_DUPLICATE',
    'ports[3].fixed_ips[1].address ERR_PORT_DUPLICATE',
    'ports[4].fixed_ips[1].address ERR_PORT_DUPLICATE',
  ]);
  assert.match(r.issues[0]!.message, /already used by ports\[0\]/);
});

test('a document that is unusable as a whole is fatal, not an empty set', () => {
  const fatal = (doc: unknown) => {
    const r = readPortsDocument(doc);
    return 'fatal' in r ? r.fatal.code : 'not fatal';
  };
  assert.equal(fatal(null), 'ERR_SOURCE_FILE_EMPTY');
  assert.equal(fatal([port()]), 'ERR_SOURCE_FILE_FORMAT');
  assert.equal(fatal({ port: [] }), 'ERR_SOURCE_FILE_FORMAT');
  assert.equal(fatal({ ports: null }), 'ERR_SOURCE_FILE_FORMAT');
  assert.deepEqual(read({ ports: [] }), { ports: [], issues: [] });
  assert.deepEqual(read({ ports: [], extra: 1 }).issues.map((i) => i.code), ['ERR_PORT_UNKNOWN_KEY']);
});
