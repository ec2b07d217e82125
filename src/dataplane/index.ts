// lagless's Linux dataplane: wires VM taps with no L2, installs learned ECMP routes, repairs drift.
//
//   import { createLinuxDataplane } from './dataplane/index.js';
//   const dp = createLinuxDataplane({ netns: undefined, logger });   // netns: for labs and tests
//   await dp.start();
//   dp.setPorts(ports); dp.setRoute(prefix, nextHops); dp.markInSync();
//   await dp.flush();                      // the agent also calls it on a short debounce
//   dp.on('port-wired', ...); dp.wiredPorts(); dp.portStatus(id); dp.routes();
//   await dp.stop();                       // removes nothing
import { Dataplane, type DataplaneOptions } from './dataplane.js';
import { LinuxKernel } from './linux/linux-kernel.js';
import { ExecRunner, type CommandRunner } from './linux/runner.js';

export { Dataplane } from './dataplane.js';
export type { DataplaneOptions, PortStatus, PortState, RouteStatus, RouteState, ApplyResult, FirewallOutcome, DataplaneEvents } from './dataplane.js';
export type { Kernel, KernelEvent, KernelSnapshot, KernelWatch, ApplyOutcome, FirewallTable } from './kernel.js';
export type { LearnedRoute } from './validate.js';
export type { NextHop, Route, Neighbour, Address, LinkSpec, ObservedLink, ObservedState, DesiredState } from './model.js';
export { LAGLESS_PROTO, LAGLESS_PROTO_NAME, LO_LABEL, TAP_ALIAS_PREFIX, GATEWAY_V6, DEFAULT_ROUTE_METRIC } from './model.js';
export { DataplaneError, type DataplaneErrorCode } from './errors.js';
export { buildPlan, type Plan, type PlanOp, type PlanAction } from './plan.js';
export { HOST_SYSCTLS, TAP_SYSCTLS } from './wiring.js';
export type { Logger, LogFields } from './logger.js';
export { LinuxKernel, ExecRunner, CountingRunner, registerRouteProtocol, type CommandRunner } from './linux/index.js';
export { FakeKernel } from './fake/fake-kernel.js';

export interface LinuxDataplaneOptions extends DataplaneOptions {
  /** the network namespace the kernel objects live in (labs, tests); default: the agent's own */
  readonly netns?: string;
  /** a runner to use instead of an ExecRunner for `netns` (e.g. a CountingRunner) */
  readonly runner?: CommandRunner;
}

export function createLinuxDataplane(opts: LinuxDataplaneOptions = {}): Dataplane {
  const runner = opts.runner ?? new ExecRunner(opts.netns === undefined ? {} : { netns: opts.netns });
  return new Dataplane(new LinuxKernel({ runner }), opts);
}
