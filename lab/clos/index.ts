// The lab CLOS (lagless lab): topology, build, teardown, probes, the baseline's port wiring.
//
//   const t = await loadTopology('demo', { name: 'bench', hypervisorKind: 'frr' });
//   const { state, converged } = await labUp(t, { root: '/run/lagless-lab', progress: console.log });
//   await wirePortByScript({ name: nsName('bench', 'hv1') }, portSpecFor(t, vm));   // kind frr
//   ... state.hypervisors.hv1.portsFile                                              // kind lagless: the watched ports file
//   await teardownLab('/run/lagless-lab', 'bench');
export { ClosError, type ClosErrorCode } from './errors.js';
export * from './topology.js';
export { resolveTopology, addToAddress, portIdFor, DEFAULTS } from './address-plan.js';
export { readTopologySpec, parseTopologySpec, LIMITS, type TopologySpec, type RackSpec, type RouterSpec, type HypervisorSpec, type VmSpec } from './spec.js';
export { loadTopology, topologyFromSpec, PRESETS, isTopologyFile, type TopologyOverrides } from './load.js';
export { labUp, whatIsMissing, defaultLaglessCommand, type UpOptions, type UpResult } from './build.js';
export { teardownLab, labNamespaces, type TeardownResult } from './teardown.js';
export { readState, writeState, listLabs, labRoot, labDir, stateFile, DEFAULT_LAB_ROOT, type LabState, type RouterAccess, type HypervisorAccess } from './state.js';
export { collectStatus, renderStatus, type LabStatus, type RouterStatus, type HypervisorStatus, type VmStatus } from './status.js';
export { frrSessions, birdSessions, kernelRoutes, defaultNextHops, agentStatus, parseFrrSummary, parseIpRoutes, type SessionRow, type KernelRoute } from './probe.js';
export { agentConfigText, portSpecFor, portsFileText, type AgentPaths } from './agent-config.js';
export { frrFabricConfig, frrHypervisorConfig } from './frr-config.js';
export { birdFabricConfig } from './bird-config.js';
export { wirePortByScript, unwirePortByScript, wirePortScript, unwirePortScript, type NamedNetns } from './wire-port.js';
export { runLabCommand } from './cli.js';
export { LAB_HELP } from './help.js';
