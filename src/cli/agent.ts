// lagless agent --config FILE | --check FILE [--print] [--json]
//
// --check validates and exits; --config validates, then hands the config to the agent runtime:
// `runAgent(config, options)` exported by src/main.ts (built later). The runtime owns everything
// from there, including a clean stop on SIGTERM; its promise settles when the agent has stopped.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkConfigFile } from '../config/load.js';
import { printConfig } from '../config/print.js';
import type { AgentConfig } from '../config/types.js';
import { formatIssue, type Issue } from '../lib/schema.js';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE, UsageError, type CliIO } from './io.js';
import { packageVersion } from './version.js';

export const AGENT_HELP = `usage: lagless agent --config FILE              run the agent
       lagless agent --check FILE [--print] [--json]   validate a config and exit

  --check FILE   report every problem in FILE (file:line:column: path: message [code]); exit 1 if any
  --print        with --check: write the config in canonical form (every default filled in) to stdout
  --json         with --check: the result as JSON ({ok, issues} or {ok, config})

Example config with every option explained: examples/agent.yaml
`;

export interface AgentRunOptions {
  /** the config file the agent was started with (for messages and reloads) */
  readonly configPath: string;
  readonly version: string;
}

/** What src/main.ts exports for `lagless agent --config`. Resolves to the exit code when the agent has stopped. */
export type RunAgent = (config: AgentConfig, options: AgentRunOptions) => Promise<number | void>;

/** The agent runtime module, relative to this file: src/main.ts (or dist/src/main.js when built). */
const RUNTIME = new URL('../main.js', import.meta.url);

export async function runAgentCommand(args: readonly string[], io: CliIO, opts: { runtime?: URL } = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      check: { type: 'string' },
      print: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(AGENT_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if ((values.config === undefined) === (values.check === undefined)) throw new UsageError('give either --config FILE or --check FILE');
  if (values.config !== undefined && (values.print || values.json)) throw new UsageError('--print and --json go with --check');

  const file = values.check ?? values.config!;
  const r = await checkConfigFile(file);
  if (values.check !== undefined) return reportCheck(file, r, values.print === true, values.json === true, io);
  if (!r.ok) {
    reportIssues(file, r.issues, io);
    return EXIT_FAIL;
  }
  const runAgent = await loadRuntime(opts.runtime ?? RUNTIME);
  if (!runAgent) {
    io.err('lagless: agent runtime not built yet: the config is valid, but there is no agent to run it [ERR_CLI_NO_RUNTIME]\n');
    return EXIT_USAGE;
  }
  const code = await runAgent(r.config, { configPath: file, version: packageVersion() });
  return typeof code === 'number' ? code : EXIT_OK;
}

async function loadRuntime(url: URL): Promise<RunAgent | undefined> {
  const path = fileURLToPath(url);
  if (!existsSync(path) && !existsSync(path.replace(/\.js$/, '.ts'))) return undefined;
  const mod = (await import(url.href)) as { runAgent?: unknown };
  return typeof mod.runAgent === 'function' ? (mod.runAgent as RunAgent) : undefined;
}

type CheckResult = Awaited<ReturnType<typeof checkConfigFile>>;

function reportCheck(file: string, r: CheckResult, print: boolean, json: boolean, io: CliIO): number {
  if (json) {
    io.out(`${JSON.stringify(r.ok ? { ok: true, file, config: r.config } : { ok: false, file, issues: r.issues.map(({ segments: _s, ...i }) => i) }, null, 2)}\n`);
    return r.ok ? EXIT_OK : EXIT_FAIL;
  }
  if (!r.ok) {
    reportIssues(file, r.issues, io);
    return EXIT_FAIL;
  }
  const c = r.config;
  const summary = `${file}: OK (host ${c.host}, AS ${c.asn}, ${c.uplinks.length} uplink${c.uplinks.length === 1 ? '' : 's'}, source ${c.source.type})\n`;
  if (print) {
    io.out(printConfig(c));
    io.err(summary); // stdout holds only the config, ready to be redirected
  } else io.out(summary);
  return EXIT_OK;
}

function reportIssues(file: string, issues: readonly Issue[], io: CliIO): void {
  for (const i of issues) io.err(`${formatIssue(i, file)}\n`);
  io.err(`${file}: ${issues.length} error${issues.length === 1 ? '' : 's'}\n`);
}
