/**
 * The commands that work on the simulated world itself rather than run an orchestration:
 * `drs-orch serve` (the emulator as a server), `drs-orch fleet generate` (fleet files) and
 * `drs-orch extend` (extended source servers in a recovery account).
 */
import type { Command } from 'commander';
import { stagingAccountId } from '../emulator/fleet/generate.js';
import { parseNumber, parseTags } from './args.js';
import { UsageError } from './errors.js';
import {
  DEFAULT_PORT,
  DEFAULT_TIME_SCALE,
  type ExtendInvocation,
  FLEET_LIMITS,
  type FleetInvocation,
  type ServeInvocation,
} from './invocations.js';
import {
  addRunOptions,
  givenOptions,
  parseTimeScale,
  type RawRunOptions,
  targetAndOutput,
} from './target-options.js';

/** The orchestrator account of a generated fleet (generateFleet's default). */
const ORCHESTRATOR_ACCOUNT_ID = '123456789012';

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
    .option(
      '--recovery-account <accountId>',
      'one recovery (target) account every staging account recovers into (12 digits); extend its servers with drs-orch extend',
    )
    .option(
      '--extended',
      'with --recovery-account: every server is already extended there when the fleet loads',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  drs-orch fleet generate --accounts 2 --servers-per-account 20 -o fleet.json\n  drs-orch drill --tags DR-Wave=1 --fleet fleet.json\n\n  drs-orch fleet generate --accounts 3 --servers-per-account 10 --recovery-account 999999999999 -o fleet.json\n  drs-orch extend --tags DR-Wave=1 --fleet fleet.json\n  drs-orch drill --tags DR-Wave=1',
    )
    .action(function (this: Command) {
      const o = this.opts<{
        accounts: string;
        serversPerAccount: string;
        seed: string;
        output?: string;
        recoveryAccount?: string;
        extended?: boolean;
      }>();
      const count = (flag: string, value: string, max: number): number => {
        const n = parseNumber(flag, value, `a whole number between 1 and ${max}`, true);
        if (n < 1 || n > max) throw new UsageError(`${flag} must be between 1 and ${max}, got ${value}`);
        return n;
      };
      const accounts = count('--accounts', o.accounts, FLEET_LIMITS.accounts);
      if (o.extended === true && o.recoveryAccount === undefined)
        throw new UsageError(
          '--extended applies to a --recovery-account; without one servers recover in their staging accounts',
        );
      if (o.recoveryAccount !== undefined) checkRecoveryAccount(o.recoveryAccount, accounts);
      capture({
        kind: 'fleet',
        accounts,
        serversPerAccount: count(
          '--servers-per-account',
          o.serversPerAccount,
          FLEET_LIMITS.serversPerAccount,
        ),
        seed: parseNumber('--seed', o.seed, 'a whole number', true),
        ...(o.output !== undefined && { output: o.output }),
        ...(o.recoveryAccount !== undefined && { recoveryAccount: o.recoveryAccount }),
        ...(o.extended === true && { extended: true }),
      });
    });
}

/**
 * Checks `--recovery-account`: an AWS account ID that is neither one of the generated staging
 * accounts nor the orchestrator (the registry would refuse either, later and less plainly).
 *
 * @throws {UsageError} naming the flag and the value
 */
function checkRecoveryAccount(value: string, accounts: number): void {
  if (!/^\d{12}$/.test(value))
    throw new UsageError(
      `--recovery-account must be a 12-digit AWS account ID, got ${JSON.stringify(value)}`,
    );
  if (value === ORCHESTRATOR_ACCOUNT_ID)
    throw new UsageError(
      `--recovery-account ${value} is the orchestrator account of the generated fleet; give another account ID such as 999999999999`,
    );
  for (let n = 1; n <= accounts; n++) {
    if (stagingAccountId(n) === value)
      throw new UsageError(
        `--recovery-account ${value} is staging account ${n} of the generated fleet; a target account cannot also be a staging account (give another account ID such as 999999999999)`,
      );
  }
}

/**
 * Adds `extend`: makes (and keeps) the servers selected by tags extended source servers of the
 * recovery account their staging account names (src/tasks/extend.ts), in-process against the
 * target's world like `plan`.
 */
export function addExtendCommand(program: Command, capture: (inv: ExtendInvocation) => void): void {
  const cmd = program
    .command('extend')
    .description(
      'extend the matching servers into the recovery account their staging account names (idempotent; README "Choosing a topology")',
    )
    .option(
      '-t, --tags <K=V>',
      'tag pair selecting source servers in the staging accounts (repeat, or join with commas; all must match)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    );
  addRunOptions(cmd, false)
    .option('-o, --output <file>', 'write the result to a file instead of stdout')
    .action(function (this: Command) {
      const o = this.opts<RawRunOptions>();
      if (o.tags === undefined || o.tags.length === 0)
        throw new UsageError('extend: --tags K=V is required: it selects the source servers to extend');
      const tags = parseTags(o.tags);
      if (o.target === 'sfn')
        throw new UsageError(
          'extend runs locally, against the accounts themselves; use --target sim or --target aws',
        );
      capture({ kind: 'extend', tags, ...targetAndOutput('run', o, 'main', givenOptions(this)) });
    });
}
