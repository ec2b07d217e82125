// The Linux kernel behind the Kernel seam.
export { LinuxKernel, registerRouteProtocol, type LinuxKernelOptions } from './linux-kernel.js';
export { ExecRunner, CountingRunner, type CommandRunner, type CommandResult, type RunOptions, type ExecRunnerOptions } from './runner.js';
