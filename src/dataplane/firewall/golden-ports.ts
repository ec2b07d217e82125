// The port sets behind the golden scripts in testdata/: shared by the unit test that compares the
// generator's output with them and by the integration test that has nft check them.
import type { PortSpec } from '../port.js';
import type { FirewallOptions } from './ruleset.js';

export interface GoldenCase {
  /** testdata/<name>.nft */
  readonly name: string;
  readonly ports: readonly PortSpec[];
  readonly opts?: FirewallOptions;
  /** the FirewallError codes the generator must report */
  readonly errors: readonly string[];
}

const vmA: PortSpec = {
  id: '3f2a1b4c-d5e6-4f70-8a9b-0c1d2e3f4a5b',
  tap: 'tap3f2a1b4c-d5',
  mac: 'fa:16:3e:12:34:56',
  fixedIps: [
    { address: '10.0.0.5', prefixLen: 24, gateway: '10.0.0.1' },
    { address: '2001:db8::5', prefixLen: 64 },
  ],
  allowedAddressPairs: [],
  portSecurity: true,
};

const vmB: PortSpec = {
  id: '8c7d6e5f-4a3b-4c2d-9e1f-a0b1c2d3e4f5',
  tap: 'tap8c7d6e5f-4a',
  mac: 'fa:16:3e:ab:cd:ef',
  fixedIps: [{ address: '10.0.1.9', prefixLen: 24, gateway: '10.0.1.1' }],
  allowedAddressPairs: [],
  portSecurity: true,
};

export const GOLDEN_CASES: readonly GoldenCase[] = [
  { name: 'one-port', ports: [vmA], errors: [] },
  { name: 'two-ports', ports: [vmB, vmA], errors: [] },
  {
    name: 'allowed-pairs',
    ports: [
      {
        ...vmA,
        allowedAddressPairs: [
          { ipAddress: '10.0.0.100' }, // a VIP under the port MAC
          { ipAddress: '10.0.9.7/24' }, // a CIDR, host bits given: becomes 10.0.9.0/24
          { ipAddress: '10.0.9.128/25' }, // inside the /24: dropped as an overlap
          { ipAddress: '10.0.0.5' }, // a fixed IP again: dropped as a duplicate
          { ipAddress: '192.168.7.1', macAddress: 'FA:16:3E:00:00:AA' }, // its own MAC (upper case is normalised)
          { ipAddress: '2001:db8:1::/64', macAddress: 'fa:16:3e:00:00:aa' },
        ],
      },
    ],
    errors: [],
  },
  { name: 'port-security-off', ports: [vmA, { ...vmB, portSecurity: false }], errors: [] },
  {
    name: 'invalid-port',
    ports: [vmA, { ...vmB, mac: 'fa:16:3e:ab:cd', allowedAddressPairs: [{ ipAddress: '10.0.0.0/33' }] }],
    errors: ['ERR_FW_BAD_MAC', 'ERR_FW_BAD_CIDR'],
  },
  {
    name: 'options',
    ports: [vmA],
    opts: { tableName: 'lagless_test', metadataAddress: '169.254.169.253', metadataAddress6: 'fe80::a9fe:a9fd', dhcp: false, tapPrefix: null },
    errors: [],
  },
  { name: 'no-ports', ports: [], errors: [] },
];
