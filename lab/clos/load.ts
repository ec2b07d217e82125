// Where a lab's topology comes from: a preset by name, or a YAML/JSON file; then the command
// line's overrides (lab name, every hypervisor's kind, every router's daemon); then validation.
//
//   const t = await loadTopology('demo', { hypervisorKind: 'frr' });   // ClosError ERR_LAB_TOPOLOGY
//   const t = await loadTopology('./my-lab.yaml');
import { readFile } from 'node:fs/promises';
import { ClosError } from './errors.js';
import { resolveTopology } from './address-plan.js';
import { parseTopologySpec, type TopologySpec } from './spec.js';
import { validateTopology, type HypervisorKind, type RouterDaemon, type Topology } from './topology.js';

/**
 * demo: 1 spine, one rack of 2 ToRs sharing AS 65100, 2 hypervisors each cabled to both ToRs,
 *       2 VMs per hypervisor (`npm run demo`; the lab notes' baseline CLOS).
 * clos: 2 spines, 2 racks of 2 ToRs, 2 hypervisors per rack, 2 VMs per hypervisor.
 */
export const PRESETS: Readonly<Record<string, TopologySpec>> = {
  demo: { name: 'demo', spines: 1, racks: [{ tors: 2, hypervisors: 2 }] },
  clos: { name: 'clos', spines: 2, racks: [{ tors: 2, hypervisors: 2 }, { tors: 2, hypervisors: 2 }] },
};

export interface TopologyOverrides {
  /** the lab's name (namespaces lagless-NAME-NODE); default the spec's */
  readonly name?: string;
  /** every hypervisor runs this */
  readonly hypervisorKind?: HypervisorKind;
  /** every spine and ToR runs this */
  readonly routerDaemon?: RouterDaemon;
}

/** A preset name or a file path (anything with a "/" or a .yaml/.yml/.json suffix). */
export const isTopologyFile = (source: string): boolean => source.includes('/') || /\.(ya?ml|json)$/i.test(source);

export async function loadTopology(source: string, overrides: TopologyOverrides = {}): Promise<Topology> {
  let spec: TopologySpec;
  if (isTopologyFile(source)) {
    let text: string;
    try {
      text = await readFile(source, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw ClosError.topology([{ path: '', segments: [], code: 'ERR_LAB_TOPOLOGY_FILE', message: `cannot read the topology file: ${code}` }], source);
    }
    const r = parseTopologySpec(text);
    if (!r.ok) throw ClosError.topology(r.issues, source);
    spec = r.spec;
  } else {
    const preset = PRESETS[source];
    if (preset === undefined) {
      throw ClosError.topology([{ path: '', segments: [], code: 'ERR_LAB_TOPOLOGY_PRESET', message: `no preset "${source}" (presets: ${Object.keys(PRESETS).join(', ')}; or give a YAML file)` }]);
    }
    spec = preset;
  }
  return topologyFromSpec(spec, overrides, isTopologyFile(source) ? source : undefined);
}

/** resolve + overrides + validate; ClosError ERR_LAB_TOPOLOGY listing every issue. */
export function topologyFromSpec(spec: TopologySpec, overrides: TopologyOverrides = {}, file?: string): Topology {
  const named = overrides.name === undefined ? spec : { ...spec, name: overrides.name };
  let t = resolveTopology(named);
  if (overrides.hypervisorKind !== undefined) {
    const kind = overrides.hypervisorKind;
    t = { ...t, hypervisors: t.hypervisors.map((h) => ({ ...h, kind })) };
  }
  if (overrides.routerDaemon !== undefined) {
    const daemon = overrides.routerDaemon;
    t = { ...t, spines: t.spines.map((r) => ({ ...r, daemon })), tors: t.tors.map((r) => ({ ...r, daemon })) };
  }
  const issues = validateTopology(t);
  if (issues.length > 0) throw ClosError.topology(issues, file);
  return t;
}
