// The `lagless` command: dispatches to agent, show and lab. Run by bin/lagless.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runAgentCommand, AGENT_HELP } from './agent.js';
import { EXIT_OK, EXIT_USAGE, UsageError, processIO, type CliIO } from './io.js';
import { runShow, SHOW_HELP } from './show.js';
import { LAB_HELP } from '../../lab/clos/help.js';
import { packageVersion } from './version.js';

export const HELP = `usage: lagless COMMAND [options]

L2-less, LAG-less networking for OpenStack: every hypervisor a BGP router.

commands:
  agent --config FILE             run the agent on this hypervisor
  agent --check FILE [--print]    validate a config file (and print it in canonical form)
  show peers|routes|ports|status  ask the running agent [--json] [--socket PATH]
  lab ...                         build a test CLOS out of network namespaces
  help [COMMAND]                  this text, or a command's
  --version                       the version

Run "lagless help COMMAND" for a command's options.
`;

const HELPS: Record<string, string> = { agent: AGENT_HELP, show: SHOW_HELP, lab: LAB_HELP };

/** Runs one command line (without "node" and the script); returns the exit code. */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
        io.err(HELP);
        return EXIT_USAGE;
      case 'help':
      case '--help':
      case '-h': {
        const topic = rest[0];
        if (topic !== undefined && HELPS[topic] === undefined) throw new UsageError(`no help for "${topic}"`);
        io.out(topic === undefined ? HELP : HELPS[topic]!);
        return EXIT_OK;
      }
      case '--version':
      case '-V':
      case 'version':
        io.out(`lagless ${packageVersion()}\n`);
        return EXIT_OK;
      case 'agent':
        return await runAgentCommand(rest, io);
      case 'show':
        return await runShow(rest, io);
      case 'lab': {
        // loaded on demand: the lab's modules are not needed by the other commands
        const { runLabCommand } = await import('../../lab/clos/cli.js');
        return await runLabCommand(rest, io);
      }
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      io.err(`lagless: ${(err as Error).message}\n\n${cmd !== undefined && HELPS[cmd] !== undefined ? HELPS[cmd] : HELP}`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

const isParseArgsError = (err: unknown): boolean => {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
};

/** Runs main() for the real process and exits with its code. */
export async function run(): Promise<void> {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    const e = err as Error & { code?: string };
    process.stderr.write(`lagless: ${e.message}${e.code ? ` [${e.code}]` : ''}\n`);
    if (!e.code) process.stderr.write(`${e.stack ?? ''}\n`);
    process.exitCode = 1;
  }
}

// `node --import tsx src/cli/main.ts ...` or `node dist/src/cli/main.js ...`
const entry = process.argv[1];
if (entry !== undefined && realpathOr(entry) === realpathOr(fileURLToPath(import.meta.url))) await run();

function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
