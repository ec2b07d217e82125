// A VM port bound to this host: what the sources (file, neutron) deliver and the dataplane wires.
// Pure value type. Addresses are canonical text (src/lib/ip.ts).

export interface FixedIp {
  /** the VM's address, e.g. "10.0.0.5" or "2001:db8::5" */
  readonly address: string;
  /** the subnet's real prefix length (what the VM is configured with), e.g. 24 or 64 */
  readonly prefixLen: number;
  /** the subnet's gateway_ip, if any; IPv4 gateways become /32s on the hypervisor's lo */
  readonly gateway?: string;
}

export interface AllowedAddressPair {
  /** an address or CIDR the VM may also send from, e.g. "10.0.0.100" or "10.0.9.0/24" */
  readonly ipAddress: string;
  /** the MAC the pair may use; the port's own MAC when absent */
  readonly macAddress?: string;
}

export interface PortSpec {
  /** Neutron port id (UUID) or any stable id from the file source */
  readonly id: string;
  /** host-side tap interface name, e.g. "tap" + first 11 characters of the port id */
  readonly tap: string;
  /** the VM's MAC, lower-case "aa:bb:cc:dd:ee:ff" */
  readonly mac: string;
  readonly fixedIps: readonly FixedIp[];
  readonly allowedAddressPairs: readonly AllowedAddressPair[];
  /** MTU to set on the tap; left as is when absent */
  readonly mtu?: number;
  /** false: the port is not filtered (no anti-spoofing rules) */
  readonly portSecurity: boolean;
}

/** Nova's tap name for a Neutron port id. */
export const tapNameForPort = (portId: string): string => `tap${portId.slice(0, 11)}`;
