import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from './load.js';
import type { Issue } from '../lib/schema.js';

const MINIMAL = `
host: hv1
asn: 65001
routerId: 10.255.0.1
uplinks:
  - interface: eth0
    peer: 10.0.0.0
    peerAsn: 65100
export:
  pools: [10.64.0.0/16]
source:
  type: file
  path: /etc/lagless/ports.yaml
`;

function issues(text: string): Issue[] {
  const r = parseConfig(text);
  assert.equal(r.ok, false, 'expected the config to be rejected');
  return r.ok ? [] : [...r.issues];
}
const codes = (xs: Issue[]) => xs.map((i) => `${i.path} ${i.code}`);

test('a minimal config gets every default', () => {
  const r = parseConfig(MINIMAL);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  assert.deepEqual(r.config, {
    host: 'hv1',
    asn: 65001,
    routerId: '10.255.0.1',
    loopback: [],
    uplinks: [
      {
        name: 'eth0', interface: 'eth0', peer: '10.0.0.0', peerAsn: 65100, localAddress: null, port: 179,
        holdTime: 9, keepalive: 3, connectRetry: 10, passive: false, families: ['ipv4', 'ipv6'],
      },
    ],
    export: { pools: ['10.64.0.0/16'] },
    import: { prefixes: [{ prefix: '0.0.0.0/0', ge: 0, le: 0 }, { prefix: '::/0', ge: 0, le: 0 }], maxPrefixes: 1000 },
    multipath: { maxPaths: 16, relax: true },
    source: { type: 'file', path: '/etc/lagless/ports.yaml' },
    dataplane: { netns: null, metadataAddress: '169.254.169.254', gatewayV4: '169.254.1.1' },
    control: { socket: '/run/lagless/agent.sock' },
    logging: { level: 'info' },
    metrics: { listen: null },
  });
});

test('every error is reported with its path and line, not just the first', () => {
  const xs = issues(`
host: hv1
asn: 0
routerId: 10.255.0.300
uplinks:
  - interface: eth0
    peer: 10.0.0.0
    peerAsn: 65100
  - interface: eth1
    peer: not-an-ip
    peerAsn: abc
    holdTime: 2
    colour: blue
export:
  pools: [10.64.0.1/16]
source:
  type: file
logging:
  level: loud
`);
  assert.deepEqual(codes(xs).sort(), [
    'asn ERR_CONFIG_ASN',
    'export.pools[0] ERR_CONFIG_PREFIX',
    'logging.level ERR_CONFIG_ENUM',
    'routerId ERR_CONFIG_ADDRESS',
    'source.path ERR_CONFIG_MISSING',
    'uplinks[1].colour ERR_CONFIG_UNKNOWN_KEY',
    'uplinks[1].holdTime ERR_CONFIG_RANGE',
    'uplinks[1].peer ERR_CONFIG_ADDRESS',
    'uplinks[1].peerAsn ERR_CONFIG_ASN',
  ]);
  const byPath = new Map(xs.map((i) => [i.path, i]));
  assert.equal(byPath.get('uplinks[1].peerAsn')?.line, 11);
  assert.equal(byPath.get('uplinks[1].peerAsn')?.column, 5);
  assert.equal(byPath.get('asn')?.line, 3);
  assert.match(byPath.get('export.pools[0]')!.message, /did you mean "10\.64\.0\.0\/16"/);
  // a missing key points at its parent map
  assert.equal(byPath.get('source.path')?.line, 16);
});

test('unknown keys get a suggestion', () => {
  const xs = issues(MINIMAL.replace('peerAsn: 65100', 'peer_asn: 65100'));
  assert.deepEqual(codes(xs).sort(), ['uplinks[0].peerAsn ERR_CONFIG_MISSING', 'uplinks[0].peer_asn ERR_CONFIG_UNKNOWN_KEY']);
  assert.match(xs.find((i) => i.code === 'ERR_CONFIG_UNKNOWN_KEY')!.message, /did you mean "peerAsn"/);
});

test('YAML syntax errors carry line and column', () => {
  const xs = issues('host: hv1\nasn: 65001\nuplinks:\n  - interface: eth0\n    peer: [10.0.0.0\n');
  assert.equal(xs.length, 1);
  assert.equal(xs[0]!.code, 'ERR_CONFIG_YAML');
  assert.equal(typeof xs[0]!.line, 'number');
  assert.equal(typeof xs[0]!.column, 'number');
  const dup = issues('host: a\nhost: b\n');
  assert.equal(dup[0]!.code, 'ERR_CONFIG_YAML');
  assert.equal(dup[0]!.line, 2);
  assert.match(dup[0]!.message, /unique/);
});

test('an empty file and a non-map are clear errors', () => {
  assert.deepEqual(codes(issues('')), [' ERR_CONFIG_EMPTY']);
  assert.deepEqual(codes(issues('# only a comment\n')), [' ERR_CONFIG_EMPTY']);
  assert.deepEqual(codes(issues('- a\n- b\n')), [' ERR_CONFIG_TYPE']);
});

test('AS numbers: asplain, quoted asplain and asdot; AS_TRANS and out of range refused', () => {
  const asnOf = (v: string) => {
    const r = parseConfig(MINIMAL.replace('asn: 65001', `asn: ${v}`));
    return r.ok ? r.config.asn : r.issues.map((i) => i.code).join(',');
  };
  assert.equal(asnOf('65001'), 65001);
  assert.equal(asnOf('"65001"'), 65001);
  assert.equal(asnOf('"1.10"'), 65546);
  assert.equal(asnOf('"64086.62911"'), 4200003007);
  assert.equal(asnOf('4294967295'), 4294967295);
  for (const bad of ['0', '4294967296', '23456', '1.10', '"65536.0"', '"1.2.3"', '-5', 'true', '[1]']) {
    assert.equal(asnOf(bad), 'ERR_CONFIG_ASN', bad);
  }
  const r = parseConfig(MINIMAL.replace('asn: 65001', 'asn: 1.10'));
  assert.ok(!r.ok && /must be quoted/.test(r.issues[0]!.message));
});

test('unnumbered peering is refused as not supported yet', () => {
  const xs = issues(MINIMAL.replace('peer: 10.0.0.0', 'peer: unnumbered'));
  assert.deepEqual(codes(xs), ['uplinks[0].peer ERR_CONFIG_NOT_SUPPORTED']);
  assert.match(xs[0]!.message, /not supported yet/);
});

test('timers: keepalive defaults to a third of the hold time and must stay below it', () => {
  const up = (extra: string) => {
    const r = parseConfig(MINIMAL.replace('peerAsn: 65100', `peerAsn: 65100\n    ${extra.replace(/\n/g, '\n    ')}`));
    return r.ok ? r.config.uplinks[0]! : r.issues.map((i) => `${i.path} ${i.code}`).join(',');
  };
  assert.deepEqual(typeof up('holdTime: 90') === 'object' && [(up('holdTime: 90') as { keepalive: number }).keepalive], [30]);
  assert.equal((up('holdTime: 0') as { keepalive: number }).keepalive, 0);
  assert.equal(up('holdTime: 9\nkeepalive: 9'), 'uplinks[0].keepalive ERR_CONFIG_TIMERS');
  assert.equal(up('holdTime: 0\nkeepalive: 3'), 'uplinks[0].keepalive ERR_CONFIG_TIMERS');
  assert.equal(up('keepalive: 0'), 'uplinks[0].keepalive ERR_CONFIG_TIMERS');
  assert.equal(up('holdTime: 1'), 'uplinks[0].holdTime ERR_CONFIG_RANGE');
  assert.equal(up('holdTime: 65536'), 'uplinks[0].holdTime ERR_CONFIG_RANGE');
  assert.equal(up('port: 0'), 'uplinks[0].port ERR_CONFIG_RANGE');
  assert.equal(up('port: "179"'), 'uplinks[0].port ERR_CONFIG_TYPE');
  assert.equal(up('localAddress: 2001:db8::1'), 'uplinks[0].localAddress ERR_CONFIG_ADDRESS');
  assert.equal(up('families: [ipv4, ipv4]'), 'uplinks[0].families ERR_CONFIG_DUPLICATE');
  assert.equal(up('families: []'), 'uplinks[0].families ERR_CONFIG_MISSING');
  assert.equal(up('families: [ipx]'), 'uplinks[0].families[0] ERR_CONFIG_ENUM');
  assert.equal(up('passive: yes'), 'uplinks[0].passive ERR_CONFIG_TYPE');
});

test('uplink names and peers must be unique; link-local peers are fine', () => {
  const two = (a: string, b: string) =>
    MINIMAL.replace(
      /uplinks:[\s\S]*?export:/,
      `uplinks:\n  - { ${a} }\n  - { ${b} }\nexport:`,
    );
  assert.deepEqual(codes(issues(two('interface: eth0, peer: 10.0.0.0, peerAsn: 1', 'interface: eth0, peer: 10.0.0.2, peerAsn: 1'))), [
    'uplinks[1].name ERR_CONFIG_DUPLICATE',
  ]);
  assert.deepEqual(codes(issues(two('interface: eth0, peer: 10.0.0.0, peerAsn: 1', 'name: b, interface: eth0, peer: 10.0.0.0, peerAsn: 1'))), [
    'uplinks[1].peer ERR_CONFIG_DUPLICATE',
  ]);
  const ok = parseConfig(two('interface: eth0, peer: "fe80::1", peerAsn: 1', 'interface: eth1, peer: "FE80::1", peerAsn: 1'));
  assert.ok(ok.ok);
  assert.deepEqual(ok.config.uplinks.map((u) => u.peer), ['fe80::1', 'fe80::1']);
  assert.deepEqual(codes(issues(two('interface: eth0, peer: "fe80::1%eth0", peerAsn: 1', 'interface: this-name-is-too-long, peer: 10.0.0.0, peerAsn: 1'))), [
    'uplinks[0].peer ERR_CONFIG_ADDRESS',
    'uplinks[1].interface ERR_CONFIG_NAME',
  ]);
  assert.deepEqual(codes(issues(MINIMAL.replace(/uplinks:[\s\S]*?export:/, 'uplinks: []\nexport:'))), ['uplinks ERR_CONFIG_MISSING']);
});

test('router id defaults to the first IPv4 loopback; host to the machine name', () => {
  const text = MINIMAL.replace('host: hv1\n', '').replace('routerId: 10.255.0.1\n', 'loopback: [2001:db8::7, 10.255.0.7]\n');
  const r = parseConfig(text, { defaultHost: 'machine' });
  assert.ok(r.ok);
  assert.equal(r.config.routerId, '10.255.0.7');
  assert.equal(r.config.host, 'machine');
  assert.deepEqual(r.config.loopback, ['2001:db8::7', '10.255.0.7']);
  assert.deepEqual(codes(issues(text.replace('10.255.0.7]', '2001:db8::8]'))).sort(), ['host ERR_CONFIG_MISSING', 'routerId ERR_CONFIG_MISSING']);
  const single = parseConfig(`${MINIMAL}loopback: 10.255.0.9\n`);
  assert.ok(single.ok);
  assert.deepEqual(single.config.loopback, ['10.255.0.9']);
});

test('import prefixes: ge/le are made explicit and checked', () => {
  const imp = (entries: string) => {
    const r = parseConfig(`${MINIMAL}import:\n  prefixes: ${entries}\n`);
    return r.ok ? r.config.import.prefixes : r.issues.map((i) => `${i.path} ${i.code}`).join(',');
  };
  assert.deepEqual(imp('[{ prefix: 10.0.0.0/8 }]'), [{ prefix: '10.0.0.0/8', ge: 8, le: 8 }]);
  assert.deepEqual(imp('[{ prefix: 10.0.0.0/8, ge: 24 }]'), [{ prefix: '10.0.0.0/8', ge: 24, le: 32 }]);
  assert.deepEqual(imp('[{ prefix: 10.0.0.0/8, le: 16 }]'), [{ prefix: '10.0.0.0/8', ge: 8, le: 16 }]);
  assert.deepEqual(imp('[{ prefix: "2001:DB8::/32", ge: 48, le: 64 }]'), [{ prefix: '2001:db8::/32', ge: 48, le: 64 }]);
  assert.equal(imp('[{ prefix: 10.0.0.0/8, ge: 4 }]'), 'import.prefixes[0].ge ERR_CONFIG_RANGE');
  assert.equal(imp('[{ prefix: 10.0.0.0/8, ge: 24, le: 16 }]'), 'import.prefixes[0].le ERR_CONFIG_RANGE');
  assert.equal(imp('[{ prefix: 10.0.0.0/8, le: 33 }]'), 'import.prefixes[0].le ERR_CONFIG_RANGE');
  assert.equal(imp('[{ prefix: 10.0.0.0 }]'), 'import.prefixes[0].prefix ERR_CONFIG_PREFIX');
});

test('pools, metrics, source, dataplane and socket values are checked', () => {
  assert.deepEqual(codes(issues(MINIMAL.replace('[10.64.0.0/16]', '[10.64.0.0/16, 10.64.0.0/16]'))), ['export.pools[1] ERR_CONFIG_DUPLICATE']);
  const section = (yaml: string) => codes(issues(`${MINIMAL}${yaml}\n`));
  assert.deepEqual(section('metrics: { listen: "::1:9742" }'), ['metrics.listen ERR_CONFIG_LISTEN']);
  assert.deepEqual(section('metrics: { listen: "127.0.0.1:0" }'), ['metrics.listen ERR_CONFIG_LISTEN']);
  assert.deepEqual(section('dataplane: { gatewayV4: "fe80::1" }'), ['dataplane.gatewayV4 ERR_CONFIG_ADDRESS']);
  assert.deepEqual(section('dataplane: { netns: "a/b" }'), ['dataplane.netns ERR_CONFIG_NAME']);
  assert.deepEqual(section(`control: { socket: /${'x'.repeat(120)} }`), ['control.socket ERR_CONFIG_VALUE']);
  const src = (yaml: string) => codes(issues(MINIMAL.replace(/source:[\s\S]*$/, yaml)));
  assert.deepEqual(src('source: { type: nfs }'), ['source.type ERR_CONFIG_ENUM']);
  assert.deepEqual(src('source: { path: /x }'), ['source.type ERR_CONFIG_MISSING']);
  assert.deepEqual(src('source: { type: neutron, transportUrl: "http://x" }'), ['source.transportUrl ERR_CONFIG_URL']);
  assert.deepEqual(src('source: { type: neutron, transportUrl: "rabbit://h/", path: /x }'), ['source.path ERR_CONFIG_UNKNOWN_KEY']);
  assert.deepEqual(src('source: { type: neutron, transportUrl: "rabbit://h/", rpcTimeout: 0 }'), ['source.rpcTimeout ERR_CONFIG_RANGE']);
  assert.deepEqual(src('source: { type: neutron, transportUrl: "rabbit://h/", rpcTimeout: 601 }'), ['source.rpcTimeout ERR_CONFIG_RANGE']);

  const ok = parseConfig(`${MINIMAL}metrics: { listen: "[::]:9742" }\ndataplane: { netns: lab-hv1, metadataAddress: null }\n`);
  assert.ok(ok.ok);
  assert.equal(ok.config.metrics.listen, '[::]:9742');
  assert.deepEqual(ok.config.dataplane, { netns: 'lab-hv1', metadataAddress: null, gatewayV4: '169.254.1.1' });
  const neutron = parseConfig(MINIMAL.replace(/source:[\s\S]*$/, 'source: { type: neutron, transportUrl: "rabbit://u:p@127.0.0.1:5672/" }'));
  assert.ok(neutron.ok);
  assert.deepEqual(neutron.config.source, { type: 'neutron', transportUrl: 'rabbit://u:p@127.0.0.1:5672/', host: 'hv1', reportInterval: 30, rpcTimeout: 60 });
  const timeout = parseConfig(MINIMAL.replace(/source:[\s\S]*$/, 'source: { type: neutron, transportUrl: "rabbit://h/", rpcTimeout: 5 }'));
  assert.ok(timeout.ok);
  assert.equal(timeout.config.source.type === 'neutron' && timeout.config.source.rpcTimeout, 5);
});

test('relative paths are taken from the config file directory', () => {
  const r = parseConfig(MINIMAL.replace('/etc/lagless/ports.yaml', 'ports.yaml') + 'control: { socket: run/agent.sock }\n', { baseDir: '/srv/lab/hv1' });
  assert.ok(r.ok);
  assert.deepEqual(r.config.source, { type: 'file', path: '/srv/lab/hv1/ports.yaml' });
  assert.equal(r.config.control.socket, '/srv/lab/hv1/run/agent.sock');
});

test('checks across fields still run when another field of the same map is bad', () => {
  const xs = issues(MINIMAL.replace('peer: 10.0.0.0', 'peer: unnumbered\n    keepalive: 30\n    localAddress: "2001:db8::1"'));
  assert.deepEqual(codes(xs), ['uplinks[0].peer ERR_CONFIG_NOT_SUPPORTED', 'uplinks[0].keepalive ERR_CONFIG_TIMERS']);
  const ys = issues(MINIMAL.replace('routerId: 10.255.0.1', 'routerId: 10.255.0.256'));
  assert.deepEqual(codes(ys), ['routerId ERR_CONFIG_ADDRESS'], 'a bad routerId is not also reported missing');
});
