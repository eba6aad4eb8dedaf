/**
 * The commands that work on the simulated world itself rather than run an orchestration:
 * `drs-orch serve` (the emulator as a server) and `drs-orch fleet generate` (fleet files).
 */
import type { Command } from 'commander';
import { parseNumber } from './args.js';
import { UsageError } from './errors.js';
import {
  DEFAULT_PORT,
  DEFAULT_TIME_SCALE,
  FLEET_LIMITS,
  type FleetInvocation,
  type ServeInvocation,
} from './invocations.js';
import { parseTimeScale } from './target-options.js';

/**
 * Adds `serve` and `fleet generate` to the program.
 *
 * @param capture receives the invocation of the command that ran
 */
export function addWorldCommands(
  program: Command,
  capture: (inv: ServeInvocation | FleetInvocation) => void,
): void {
  program
    .command('serve')
    .description('serve the embedded AWS emulator (DRS, STS, SSM, SNS, S3, ...) until Ctrl-C')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', String(DEFAULT_PORT))
    .option('--fleet <demo|file>', 'fleet to serve', 'demo')
    .option('--time-scale <n>', `virtual seconds per wall second (default ${DEFAULT_TIME_SCALE})`)
    .option(
      '--state-file <path>',
      'keep the world in this file: resumed at start, every change journaled before it answers, one writer at a time',
    )
    .option('--reset', 'with --state-file: start from a fresh fleet instead of the saved world')
    .action(function (this: Command) {
      const o = this.opts<{
        port: string;
        fleet: string;
        timeScale?: string;
        stateFile?: string;
        reset?: boolean;
      }>();
      if (o.reset === true && o.stateFile === undefined)
        throw new UsageError('--reset applies to a --state-file; without one every serve starts fresh');
      const port = parseNumber('--port', o.port, 'a port number between 0 and 65535', true);
      if (port < 0 || port > 65_535)
        throw new UsageError(`--port must be between 0 and 65535, got ${o.port}`);
      capture({
        kind: 'serve',
        port,
        fleet: o.fleet,
        timeScale: parseTimeScale(o.timeScale),
        ...(o.stateFile !== undefined && { stateFile: o.stateFile }),
        ...(o.reset === true && { reset: true }),
      });
    });
  const fleet = program
    .command('fleet')
    .description('fleet files for --fleet (see examples/fleet.json)')
    .enablePositionalOptions();
  fleet
    .command('generate')
    .description('print a synthetic fleet (tagged source servers in staging accounts) as JSON for --fleet')
    .requiredOption('--accounts <n>', `staging accounts (1-${FLEET_LIMITS.accounts})`)
    .requiredOption(
      '--servers-per-account <n>',
      `source servers per staging account (1-${FLEET_LIMITS.serversPerAccount})`,
    )
    .option('--seed <n>', 'seed: the same seed gives the same fleet', '1')
    .option('-o, --output <file>', 'write the fleet to a file instead of stdout')
    .addHelpText(
      'after',
      '\nExample:\n  drs-orch fleet generate --accounts 2 --servers-per-account 20 -o fleet.json\n  drs-orch drill --tags DR-Wave=1 --fleet fleet.json',
    )
    .action(function (this: Command) {
      const o = this.opts<{ accounts: string; serversPerAccount: string; seed: string; output?: string }>();
      const count = (flag: string, value: string, max: number): number => {
        const n = parseNumber(flag, value, `a whole number between 1 and ${max}`, true);
        if (n < 1 || n > max) throw new UsageError(`${flag} must be between 1 and ${max}, got ${value}`);
        return n;
      };
      capture({
        kind: 'fleet',
        accounts: count('--accounts', o.accounts, FLEET_LIMITS.accounts),
        serversPerAccount: count(
          '--servers-per-account',
          o.serversPerAccount,
          FLEET_LIMITS.serversPerAccount,
        ),
        seed: parseNumber('--seed', o.seed, 'a whole number', true),
        ...(o.output !== undefined && { output: o.output }),
      });
    });
}
