// The desired ports, validated once per change of the port set: which are invalid, which name the
// same tap, which addresses are claimed twice. Pure.
import type { PortSpec } from './port.js';
import { pairOwners, type PortObjects } from './wiring.js';
import type { PortProblem } from './firewall-sync.js';
import type { WirablePort } from './validate.js';
import { DataplaneError } from './errors.js';

/** A desired port as the dataplane keeps it: the spec, its JSON (change detection), validation, memoized objects. */
export interface PortEntry {
  readonly spec: PortSpec;
  readonly json: string;
  readonly valid: WirablePort | DataplaneError;
  objects: PortObjects | undefined;
  keys: string[] | undefined;
}

export interface PortIndex {
  readonly version: number;
  readonly valid: readonly WirablePort[];
  /** invalid specs and duplicate taps */
  readonly invalid: ReadonlyMap<string, PortProblem>;
  readonly tapById: ReadonlyMap<string, string>;
  /** addresses claimed by more than one valid port */
  readonly sharedIps: ReadonlyMap<string, readonly string[]>;
  /** allowed-address-pair destination -> the port that routes it (wiring.ts pairOwners) */
  readonly pairOwners: ReadonlyMap<string, string>;
}

export function buildPortIndex(ports: ReadonlyMap<string, PortEntry>, version: number): PortIndex {
  const valid: WirablePort[] = [];
  const invalid = new Map<string, PortProblem>();
  const tapById = new Map<string, string>();
  const byTap = new Map<string, string[]>();
  const byIp = new Map<string, string[]>();
  for (const [id, e] of ports) {
    tapById.set(id, e.spec.tap);
    if (e.valid instanceof DataplaneError) {
      invalid.set(id, { code: e.valid.code, message: e.valid.message });
      continue;
    }
    valid.push(e.valid);
    const t = byTap.get(e.valid.tap);
    if (t === undefined) byTap.set(e.valid.tap, [id]);
    else t.push(id);
    for (const ip of e.valid.ips) {
      const l = byIp.get(ip.address);
      if (l === undefined) byIp.set(ip.address, [id]);
      else l.push(id);
    }
  }
  for (const [tap, ids] of byTap) {
    if (ids.length < 2) continue;
    for (const id of ids) invalid.set(id, { code: 'ERR_DP_TAP_CONFLICT', message: `tap ${tap} is named by ports ${ids.join(', ')}` });
  }
  const sharedIps = new Map<string, string[]>();
  for (const [ip, ids] of byIp) if (ids.length > 1) sharedIps.set(ip, ids);
  const owners = pairOwners(valid.filter((p) => !invalid.has(p.id)));
  return { version, valid, invalid, tapById, sharedIps, pairOwners: owners };
}

/**
 * The ports that may be wired. A duplicate tap fails every claimer (which one is right is
 * unknown); an address claimed twice stays with the port that is wired (else the lowest id), the
 * others fail with ERR_DP_ADDRESS_CONFLICT.
 */
export function usablePorts(index: PortIndex, isWired: (id: string) => boolean, problems: Map<string, PortProblem>): Map<string, WirablePort> {
  for (const [id, p] of index.invalid) problems.set(id, p);
  const out = new Map<string, WirablePort>();
  for (const p of index.valid) {
    if (index.invalid.has(p.id)) continue;
    let lost: string | undefined;
    if (index.sharedIps.size > 0) {
      for (const ip of p.ips) {
        const ids = index.sharedIps.get(ip.address);
        if (ids === undefined) continue;
        const winner = ids.find(isWired) ?? [...ids].sort()[0];
        if (winner !== p.id) lost = `${ip.address} belongs to port ${winner}`;
      }
    }
    if (lost !== undefined) problems.set(p.id, { code: 'ERR_DP_ADDRESS_CONFLICT', message: lost });
    else out.set(p.id, p);
  }
  return out;
}
