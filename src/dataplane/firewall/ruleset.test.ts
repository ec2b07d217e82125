import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import type { PortSpec } from '../port.js';
import { GOLDEN_CASES } from './golden-ports.js';
import { buildFirewallRuleset, FirewallError } from './index.js';

// UPDATE_GOLDEN=1 node --import tsx --test src/dataplane/firewall/ruleset.test.ts rewrites testdata/*.nft
const update = process.env['UPDATE_GOLDEN'] === '1';
const goldenUrl = (name: string) => new URL(`./testdata/${name}.nft`, import.meta.url);

test('golden scripts', async (t) => {
  assert.ok(GOLDEN_CASES.length >= 7);
  for (const c of GOLDEN_CASES) {
    await t.test(c.name, () => {
      const r = buildFirewallRuleset(c.ports, c.opts);
      assert.deepEqual(r.errors.map((e) => e.code), c.errors);
      if (update) writeFileSync(goldenUrl(c.name), r.script);
      assert.equal(r.script, readFileSync(goldenUrl(c.name), 'utf8'));
    });
  }
});

const port = (over: Partial<PortSpec> = {}): PortSpec => ({
  id: 'p1',
  tap: 'tapp1',
  mac: '52:54:00:00:00:01',
  fixedIps: [{ address: '10.0.0.1', prefixLen: 24 }],
  allowedAddressPairs: [],
  portSecurity: true,
  ...over,
});

/** The element lines of one set/map of one table in a script. */
function elements(script: string, family: 'inet' | 'arp', name: string): string[] {
  const table = script.slice(script.indexOf(`table ${family} lagless {`));
  const body = table.slice(table.search(new RegExp(`\\t(set|map) ${name} \\{`)));
  const end = body.indexOf('\n\t}');
  return body
    .slice(0, end)
    .split('\n')
    .filter((l) => l.startsWith('\t\t\t'))
    .map((l) => l.trim().replace(/,$/, ''));
}

test('the script replaces both tables in one transaction, creating them first so delete never fails', () => {
  const { script } = buildFirewallRuleset([port()]);
  const head = script.split('\n').filter((l) => /^(add|delete) table/.test(l));
  assert.deepEqual(head, ['add table inet lagless', 'delete table inet lagless', 'add table arp lagless', 'delete table arp lagless']);
  assert.ok(script.indexOf('table inet lagless {') > script.indexOf('delete table arp lagless'));
});

test('a filtered port: its MAC with its fixed IPs and EUI-64 link-local, ARP for its own address and 0.0.0.0', () => {
  const { script, errors, ports } = buildFirewallRuleset([port({ fixedIps: [{ address: '10.0.0.1', prefixLen: 24 }, { address: '2001:db8::1', prefixLen: 64 }] })]);
  assert.deepEqual(errors, []);
  assert.deepEqual(ports, [{ tap: 'tapp1', portId: 'p1', portIds: ['p1'], mode: 'filtered' }]);
  assert.deepEqual(elements(script, 'inet', 'from_tap'), ['"tapp1" : jump spoof_check']);
  assert.deepEqual(elements(script, 'inet', 'src4'), ['"tapp1" . 52:54:00:00:00:01 . 10.0.0.1']);
  assert.deepEqual(elements(script, 'inet', 'src6'), ['"tapp1" . 52:54:00:00:00:01 . 2001:db8::1', '"tapp1" . 52:54:00:00:00:01 . fe80::5054:ff:fe00:1']);
  assert.deepEqual(elements(script, 'inet', 'nd_target'), [
    '"tapp1" . 0x20010db8000000000000000000000001',
    '"tapp1" . 0xfe80000000000000505400fffe000001',
  ]);
  assert.deepEqual(elements(script, 'inet', 'taps'), ['"tapp1"']);
  assert.deepEqual(elements(script, 'arp', 'from_tap'), ['"tapp1" : jump arp_check']);
  assert.deepEqual(elements(script, 'arp', 'sender'), [
    '"tapp1" . 52:54:00:00:00:01 . 52:54:00:00:00:01 . 10.0.0.1',
    '"tapp1" . 52:54:00:00:00:01 . 52:54:00:00:00:01 . 0.0.0.0',
  ]);
});

test('port security off: accepted in prerouting and ARP, but still host-protected', () => {
  const { script, ports } = buildFirewallRuleset([port({ portSecurity: false })]);
  assert.equal(ports[0]?.mode, 'open');
  assert.deepEqual(elements(script, 'inet', 'from_tap'), ['"tapp1" : accept']);
  assert.deepEqual(elements(script, 'arp', 'from_tap'), ['"tapp1" : accept']);
  assert.deepEqual(elements(script, 'inet', 'src4'), []);
  assert.deepEqual(elements(script, 'inet', 'taps'), ['"tapp1"']);
});

test('each kind of bad port fails closed with its own code; the good port next to it is untouched', () => {
  const good = port({ id: 'good', tap: 'tapgood' });
  const goodAlone = buildFirewallRuleset([good]);
  const cases: [Partial<PortSpec>, string, string][] = [
    [{ mac: '52:54:00:00:00' }, 'ERR_FW_BAD_MAC', '52:54:00:00:00'],
    [{ mac: '01:00:5e:00:00:01' }, 'ERR_FW_BAD_MAC', '01:00:5e:00:00:01'], // multicast
    [{ mac: '00:00:00:00:00:00' }, 'ERR_FW_BAD_MAC', '00:00:00:00:00:00'],
    [{ fixedIps: [{ address: '10.0.0.256', prefixLen: 24 }] }, 'ERR_FW_BAD_ADDRESS', '10.0.0.256'],
    [{ fixedIps: [{ address: '10.0.0.1/24', prefixLen: 24 }] }, 'ERR_FW_BAD_ADDRESS', '10.0.0.1/24'],
    [{ fixedIps: [{ address: 'fe80::1%eth0', prefixLen: 64 }] }, 'ERR_FW_BAD_ADDRESS', 'fe80::1%eth0'],
    [{ allowedAddressPairs: [{ ipAddress: '10.0.0.0/33' }] }, 'ERR_FW_BAD_CIDR', '10.0.0.0/33'],
    [{ allowedAddressPairs: [{ ipAddress: '2001:db8::/129' }] }, 'ERR_FW_BAD_CIDR', '2001:db8::/129'],
    [{ allowedAddressPairs: [{ ipAddress: 'any' }] }, 'ERR_FW_BAD_CIDR', 'any'],
    [{ allowedAddressPairs: [{ ipAddress: '10.0.0.9', macAddress: 'zz:00:00:00:00:01' }] }, 'ERR_FW_BAD_MAC', 'zz:00:00:00:00:01'],
  ];
  for (const [over, code, value] of cases) {
    const bad = port({ id: 'bad', tap: 'tapbad', ...over });
    const r = buildFirewallRuleset([good, bad]);
    assert.deepEqual(r.errors.map((e) => [e.code, e.portId, e.tap, e.value]), [[code, 'bad', 'tapbad', value]], code);
    assert.ok(r.errors[0] instanceof FirewallError);
    assert.deepEqual(r.ports.map((p) => [p.tap, p.mode]), [['tapbad', 'closed'], ['tapgood', 'filtered']]);
    assert.deepEqual(elements(r.script, 'inet', 'from_tap'), ['"tapbad" : jump no_port', '"tapgood" : jump spoof_check']);
    assert.deepEqual(elements(r.script, 'arp', 'from_tap'), ['"tapbad" : jump no_port', '"tapgood" : jump arp_check']);
    assert.deepEqual(elements(r.script, 'inet', 'taps'), ['"tapgood"'], 'a closed tap gets no host protection exception');
    for (const set of ['src4', 'src6', 'macs', 'nd_target']) assert.deepEqual(elements(r.script, 'inet', set), elements(goodAlone.script, 'inet', set), set);
    assert.deepEqual(elements(r.script, 'arp', 'sender'), elements(goodAlone.script, 'arp', 'sender'));
  }
});

test('port security off does not excuse an invalid spec: it still fails closed', () => {
  const r = buildFirewallRuleset([port({ portSecurity: false, mac: 'nope' })]);
  assert.deepEqual(r.errors.map((e) => e.code), ['ERR_FW_BAD_MAC']);
  assert.equal(r.ports[0]?.mode, 'closed');
});

test('a bad tap name is reported and left to the tap-prefix catch-all; nothing is written for it', () => {
  for (const tap of ['', 'tap"x', 'tap x', 'tap*', 'tap/1', 'tapwaytoolongname', '.', '..']) {
    const r = buildFirewallRuleset([port({ tap })]);
    assert.deepEqual(r.errors.map((e) => [e.code, e.value]), [['ERR_FW_BAD_TAP', tap]], JSON.stringify(tap));
    assert.deepEqual(r.ports, []);
    assert.deepEqual(elements(r.script, 'inet', 'from_tap'), []);
    assert.match(r.script, /iifname "tap\*" jump no_port/);
  }
});

test('two specs naming one tap: both reported, the tap closed', () => {
  const r = buildFirewallRuleset([port({ id: 'x' }), port({ id: 'y', mac: '52:54:00:00:00:02' }), port({ id: 'z', tap: 'tapz' })]);
  assert.deepEqual(r.errors.map((e) => [e.code, e.portId]), [['ERR_FW_DUPLICATE_TAP', 'x'], ['ERR_FW_DUPLICATE_TAP', 'y']]);
  assert.deepEqual(r.ports.map((p) => [p.tap, p.portId, p.portIds, p.mode]), [['tapp1', 'x,y', ['x', 'y'], 'closed'], ['tapz', 'z', ['z'], 'filtered']]);
});

test('dhcp: false drops DHCP to the host and the 0.0.0.0 exception', () => {
  const on = buildFirewallRuleset([port()]).script;
  const off = buildFirewallRuleset([port()], { dhcp: false }).script;
  assert.match(on, /udp sport 68 udp dport 67 accept/);
  assert.match(on, /udp sport 546 udp dport 547 accept/);
  assert.doesNotMatch(off, /dport 67|dport 547/);
});

test('bad options throw ERR_FW_BAD_OPTION', () => {
  const bad = [
    { tableName: 'lag less' },
    { tableName: '' },
    { metadataAddress: '169.254.169' },
    { metadataAddress: 'fe80::1' },
    { metadataAddress6: '169.254.169.254' },
    { tapPrefix: '' },
    { tapPrefix: 'tap*' },
  ];
  for (const opts of bad) {
    assert.throws(() => buildFirewallRuleset([port()], opts), (e: unknown) => e instanceof FirewallError && e.code === 'ERR_FW_BAD_OPTION', JSON.stringify(opts));
  }
});

test('5,000 ports: one element per address, dispatch through one map (no per-port rule)', () => {
  const ports: PortSpec[] = [];
  for (let i = 0; i < 5000; i++) {
    ports.push(port({ id: `p${i}`, tap: `tap${String(i).padStart(11, '0')}`, mac: `52:54:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`, fixedIps: [{ address: `10.${(i >> 8) & 255}.${i & 255}.1`, prefixLen: 24 }] }));
  }
  const r = buildFirewallRuleset(ports);
  assert.deepEqual(r.errors, []);
  assert.equal(elements(r.script, 'inet', 'from_tap').length, 5000);
  assert.equal(elements(r.script, 'inet', 'src4').length, 5000);
  assert.equal(elements(r.script, 'inet', 'src6').length, 5000); // the link-local addresses
  const chains = r.script.match(/^\tchain /gm) ?? [];
  assert.equal(chains.length, 8, 'a fixed number of chains, whatever the number of ports');
});
