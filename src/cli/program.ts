/**
 * The command line of `drs-orch`, parsed with commander into an {@link Invocation}: what to run,
 * against which target, and how to show the result. Parsing never starts anything.
 */
import { Command, CommanderError, Option } from 'commander';
import { optionApplies } from '../contract/index.js';
import { MAX_TIME_SCALE } from '../emulator/clock.js';
import { DEFAULT_STATE_MACHINE_NAMES } from '../runtime/definitions.js';
import { ACTIONS, type Action, closest, type InputFlags, isAction, parseNumber } from './args.js';
import { UsageError } from './errors.js';
import { addRegistryCommands } from './registry.js';
import {
  addRunbookCommands,
  planRunbookInvocation,
  type RunbookCommandInvocation,
} from './runbook-program.js';

/** Where the orchestration runs (docs/architecture.md §1). */
export type TargetName = 'sim' | 'aws' | 'sfn';

/** Default virtual seconds per wall second of `--target sim` and `serve`: a 30-minute drill takes ~2 s. */
export const DEFAULT_TIME_SCALE = 1000;

/** Default location of the simulated world between runs, relative to the working directory. */
export const DEFAULT_STATE_FILE = '.drs-orch/sim.json';

/** Default port of `drs-orch serve` (LocalStack's, so existing `--endpoint-url` habits work). */
export const DEFAULT_PORT = 4566;

/** How and where to run. */
export interface TargetOptions {
  readonly target: TargetName;
  /** `demo` or a fleet file path (sim). */
  readonly fleet: string;
  readonly timeScale: number;
  /** Whether `--time-scale` was given: paced, watchable time instead of discrete virtual time. */
  readonly timeScaleGiven?: boolean;
  /** Sim state file; `undefined` when `--endpoint` points at a running emulator. */
  readonly stateFile: string;
  readonly reset: boolean;
  /** A running `drs-orch serve` (sim) or an AWS endpoint override (aws, sfn). */
  readonly endpoint?: string;
  readonly region?: string;
  readonly resultsBucket?: string;
  readonly stateMachineArn?: string;
  /** sfn: seconds between DescribeExecution polls. */
  readonly pollSeconds: number;
}

/** How to show the result. */
export interface OutputOptions {
  readonly format: 'json' | 'table';
  /** Write the result to this file instead of stdout. */
  readonly output?: string;
  readonly quiet: boolean;
}

/** An orchestration to run (`failover|failback|drill|terminate|status|run`) or plan. */
export interface RunInvocation {
  readonly kind: 'run' | 'plan';
  /** The command's action; `undefined` for `run --input`, which takes the document's. */
  readonly action: Action | undefined;
  /** `--input` path, `-` for stdin. */
  readonly inputFile?: string;
  readonly flags: InputFlags;
  readonly target: TargetOptions;
  readonly out: OutputOptions;
}

/** `drs-orch serve`. */
export interface ServeInvocation {
  readonly kind: 'serve';
  readonly port: number;
  readonly fleet: string;
  readonly timeScale: number;
  readonly stateFile?: string;
  /** Start a fresh world from `fleet` in place of the state file's. */
  readonly reset?: boolean;
}

/** Help or version text was requested: print it and exit 0. */
export interface TextInvocation {
  readonly kind: 'text';
  readonly text: string;
}

/** `drs-orch fleet generate`: a synthetic fleet file for `--fleet`. */
export interface FleetInvocation {
  readonly kind: 'fleet';
  readonly accounts: number;
  readonly serversPerAccount: number;
  readonly seed: number;
  readonly output?: string;
}

/** What a command line asks for. */
export type Invocation =
  | RunInvocation
  | ServeInvocation
  | TextInvocation
  | RunbookCommandInvocation
  | FleetInvocation;

/** Most staging accounts and servers per account `fleet generate` makes (a sim, not a load test). */
export const FLEET_LIMITS = {
  accounts: 50,
  // DRS replicates at most 300 source servers per account (the fleet schema's limit).
  serversPerAccount: 300,
} as const;

/** Every command name, for "did you mean" suggestions. */
export const COMMANDS = [
  ...ACTIONS,
  'run',
  'plan',
  'serve',
  'runbook',
  'approve',
  'report',
  'fleet',
  'registry',
] as const;

const ACTION_HELP: Record<Action, string> = {
  failover: 'launch recovery instances for the matching servers (real recovery)',
  failback: 'fail the matching servers back to their origin',
  drill: 'launch drill instances for the matching servers (terminable, replication untouched)',
  terminate: 'terminate the recovery instances of the matching servers (drill instances by default)',
  status: 'report replication and recovery state of the matching servers (no changes)',
};

/**
 * Adds the flags that shape the orchestration input (design 3.1). For one action, the flags of
 * options that mean nothing for it stay accepted (so the contract can refuse them with the
 * reason) but are left out of its `--help`.
 */
function addInputOptions(cmd: Command, action?: Action): Command {
  const option = (flags: string, description: string, applies?: string): Option => {
    const o = new Option(flags, description);
    // `drill` accepts `--is-drill` (it is what drill means) but has no use for it in its help.
    const hidden =
      action !== undefined &&
      applies !== undefined &&
      (!optionApplies(applies, action) || (applies === 'isDrill' && action === 'drill'));
    return hidden ? o.hideHelp() : o;
  };
  return cmd
    .option(
      '-t, --tags <K=V>',
      'tag pair selecting source servers (repeat, or join with commas; all must match)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '-i, --input <file>',
      'design-3.1 JSON input document, or - for stdin (flags override its fields)',
    )
    .addOption(
      option(
        '--max-wait <minutes>',
        'maximum minutes to wait (options.maxWaitMinutes, default 120)',
        'maxWaitMinutes',
      ),
    )
    .addOption(
      option(
        '--continue-on-failure',
        'keep launching when servers fail; result partial instead of failed',
        'continueOnFailure',
      ),
    )
    .addOption(
      option(
        '--parallelism <n>',
        'servers in flight per staging account: 1 up to the all-jobs quota (DRS default 500), or "max" (default 50; plan shows the estimated duration)',
        'parallelism',
      ),
    )
    .addOption(
      option(
        '--snapshot <pit-id>',
        'point-in-time recovery snapshot (options.pointInTimeSnapshot)',
        'pointInTimeSnapshot',
      ),
    )
    .addOption(
      option('--notification-arn <arn>', 'SNS topic for started/completed notifications', 'notificationArn'),
    )
    .addOption(
      option(
        '--next-phase-threshold <ratio>',
        'success ratio for nextPhaseReady on partial (0-1, default 0.5)',
        'nextPhaseThreshold',
      ),
    )
    .addOption(
      option(
        '--terminate-non-drill',
        'terminate: also touch instances of real recoveries',
        'terminateNonDrill',
      ),
    )
    .addOption(
      option(
        '--older-than-minutes <n>',
        'terminate: only instances launched at least this long ago',
        'olderThanMinutes',
      ),
    )
    .addOption(
      option(
        '--max-data-loss <minutes>',
        'RPO budget: refuse recovery points older than this (options.maxDataLossMinutes)',
        'maxDataLossMinutes',
      ),
    )
    .addOption(
      option(
        '--health-check <minutes>',
        'wait this long for launched instances to pass EC2 status checks; 0 = off (default 15)',
        'healthCheckMinutes',
      ),
    )
    .addOption(
      option(
        '--expected-servers <n>',
        'fail (ServerCountMismatch, exit 3) before anything starts unless the tags match exactly n servers',
        'expectedServers',
      ),
    )
    .addOption(option('--is-drill', 'failover: launch as a drill (options.isDrill)', 'isDrill'))
    .option('--correlation-id <id>', 'idempotency and tracing key (metadata.correlationId)')
    .option('--parent-execution-id <id>', 'parent workflow execution (metadata.parentExecutionId)')
    .option('--ticket <id>', 'change ticket (metadata.ticketId)')
    .option('--initiated-by <who>', 'who started it (metadata.initiatedBy)');
}

/** Adds the flags that choose where to run and how to show the result. */
export function addRunOptions(cmd: Command, withOutput: boolean): Command {
  cmd
    .addOption(
      new Option(
        '--target <target>',
        'where to run: sim (embedded emulator), aws (real AWS), sfn (deployed stack)',
      )
        .choices(['sim', 'aws', 'sfn'])
        .default('sim'),
    )
    .option('--fleet <demo|file>', 'sim: fleet to simulate (demo or a fleet JSON file)', 'demo')
    .option(
      '--time-scale <n>',
      'sim: virtual seconds per wall second (default: discrete virtual time, as fast as the work allows)',
    )
    .option('--state-file <path>', `sim: where the simulated world is kept between runs`, DEFAULT_STATE_FILE)
    .option('--reset', 'sim: start from a fresh fleet instead of the saved world')
    .option('--endpoint <url>', 'sim: use a running `drs-orch serve`; aws/sfn: endpoint override')
    .option('--region <region>', 'aws/sfn: region (default from the AWS config / the state machine ARN)')
    .option('--results-bucket <name>', 'aws: S3 bucket for per-server results')
    .option(
      '--state-machine-arn <arn>',
      'sfn: ARN of the deployed state machine (main for an action, waves for a runbook)',
    )
    .option('--poll-interval <seconds>', 'sfn: seconds between execution polls', '5')
    .option('-q, --quiet', 'no progress on stderr');
  if (withOutput) {
    cmd
      .addOption(new Option('--format <format>', 'result format').choices(['json', 'table']).default('json'))
      .option('-o, --output <file>', 'write the result to a file instead of stdout');
  }
  return cmd;
}

/** Raw commander options of an action command. */
export interface RawRunOptions extends InputFlags {
  input?: string;
  target: TargetName;
  fleet: string;
  timeScale?: string;
  stateFile: string;
  reset?: boolean;
  endpoint?: string;
  region?: string;
  resultsBucket?: string;
  stateMachineArn?: string;
  pollInterval: string;
  quiet?: boolean;
  format?: 'json' | 'table';
  output?: string;
}

function parseTimeScale(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIME_SCALE;
  const what = `a positive number of virtual seconds per wall second, at most ${MAX_TIME_SCALE}`;
  const n = parseNumber('--time-scale', value, what, false);
  if (n <= 0 || n > MAX_TIME_SCALE)
    throw new UsageError(`--time-scale must be ${what}, got ${JSON.stringify(value)}`);
  return n;
}

/** An AWS Region name (us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ...). */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * Checks a `--region` value before any client is built with it (the SDK would build a host name
 * from it and fail mid-call).
 *
 * @throws {UsageError} naming the flag and the value
 */
export function parseRegion(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!REGION.test(value)) {
    throw new UsageError(`--region must be an AWS Region such as us-east-1, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The targets each target-specific option means something for. An option given for another
 * target is refused (naming it and the target) rather than silently ignored: a `--state-machine-arn`
 * that is not used on `--target sim` usually means the wrong target was picked.
 */
const TARGET_OPTIONS: Readonly<Record<string, { flag: string; targets: readonly TargetName[] }>> = {
  fleet: { flag: '--fleet', targets: ['sim'] },
  timeScale: { flag: '--time-scale', targets: ['sim'] },
  stateFile: { flag: '--state-file', targets: ['sim'] },
  reset: { flag: '--reset', targets: ['sim'] },
  region: { flag: '--region', targets: ['aws', 'sfn'] },
  // On sim the world's own results bucket is used (the fleet's): another name would be ignored.
  resultsBucket: { flag: '--results-bucket', targets: ['aws'] },
  stateMachineArn: { flag: '--state-machine-arn', targets: ['sfn'] },
  pollInterval: { flag: '--poll-interval', targets: ['sfn'] },
};

/**
 * The options a command line gave itself (not commander's defaults), by attribute name: what
 * {@link targetAndOutput} checks against the target.
 *
 * @example givenOptions(this) // in a commander action: Set { 'tags', 'target', 'stateMachineArn' }
 */
export function givenOptions(cmd: Command): ReadonlySet<string> {
  const given = new Set<string>();
  for (const option of cmd.options) {
    const name = option.attributeName();
    if (cmd.getOptionValueSource(name) === 'cli') given.add(name);
  }
  return given;
}

/** @throws {UsageError} for an option given that means nothing for the target. */
function checkTargetOptions(target: TargetName, given: ReadonlySet<string>): void {
  for (const [name, { flag, targets }] of Object.entries(TARGET_OPTIONS)) {
    if (!given.has(name) || targets.includes(target)) continue;
    throw new UsageError(
      `${flag} does not apply to --target ${target}; it is for --target ${targets.join(' or ')}`,
    );
  }
}

/**
 * Checks an endpoint URL flag (`--endpoint`): http(s), with a host.
 *
 * @throws {UsageError} naming the flag and the value
 */
export function parseUrl(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} must be a URL such as http://127.0.0.1:4566, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${flag} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, '');
}

const STATE_MACHINE_ARN =
  /^arn:aws[a-z-]*:states:[a-z]{2}(-[a-z]+)+-\d:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

/** What `--target sfn` starts: the stack output that names it, and who uses it. */
const SFN_MACHINES = {
  main: { output: 'MainStateMachineArn', user: 'an action (drill, failover, ...)' },
  waves: { output: 'WavesStateMachineArn', user: 'a runbook (drs-orch runbook FILE)' },
} as const;

/**
 * Checks `--state-machine-arn` of `--target sfn`: given, an ARN, and naming the machine the
 * command starts (the stacks name them `drs-orchestration-main` and `drs-orchestration-waves`).
 *
 * @throws {UsageError} naming the flag, what it names and the ARN expected
 */
export function checkStateMachineArn(arn: string | undefined, machine: 'main' | 'waves'): void {
  const expected = DEFAULT_STATE_MACHINE_NAMES[machine];
  const example = `arn:aws:states:REGION:ACCOUNT:stateMachine:${expected}`;
  const { output, user } = SFN_MACHINES[machine];
  if (arn === undefined) {
    throw new UsageError(
      `--target sfn needs --state-machine-arn ARN: the deployed ${machine} state machine (${example}, the stack output ${output})`,
    );
  }
  if (!STATE_MACHINE_ARN.test(arn)) {
    throw new UsageError(
      `--state-machine-arn must be a state machine ARN (${example}), got ${JSON.stringify(arn)}`,
    );
  }
  const name = arn.split(':').pop() ?? '';
  const other = (
    Object.keys(DEFAULT_STATE_MACHINE_NAMES) as (keyof typeof DEFAULT_STATE_MACHINE_NAMES)[]
  ).find((m) => m !== machine && DEFAULT_STATE_MACHINE_NAMES[m] === name);
  if (other !== undefined) {
    throw new UsageError(
      `--state-machine-arn names the ${other} state machine (${name}); ${user} starts the ${machine} state machine (${example}, the stack output ${output})`,
    );
  }
}

function toRunInvocation(
  kind: 'run' | 'plan',
  action: Action | undefined,
  o: RawRunOptions,
  given: ReadonlySet<string>,
): RunInvocation {
  const { input, ...rest } = o;
  const flags: InputFlags = {
    ...(rest.tags !== undefined && { tags: rest.tags }),
    ...(rest.maxWait !== undefined && { maxWait: rest.maxWait }),
    ...(rest.continueOnFailure !== undefined && { continueOnFailure: rest.continueOnFailure }),
    ...(rest.parallelism !== undefined && { parallelism: rest.parallelism }),
    ...(rest.snapshot !== undefined && { snapshot: rest.snapshot }),
    ...(rest.notificationArn !== undefined && { notificationArn: rest.notificationArn }),
    ...(rest.nextPhaseThreshold !== undefined && { nextPhaseThreshold: rest.nextPhaseThreshold }),
    ...(rest.terminateNonDrill !== undefined && { terminateNonDrill: rest.terminateNonDrill }),
    ...(rest.olderThanMinutes !== undefined && { olderThanMinutes: rest.olderThanMinutes }),
    ...(rest.maxDataLoss !== undefined && { maxDataLoss: rest.maxDataLoss }),
    ...(rest.expectedServers !== undefined && { expectedServers: rest.expectedServers }),
    ...(rest.healthCheck !== undefined && { healthCheck: rest.healthCheck }),
    ...(rest.isDrill !== undefined && { isDrill: rest.isDrill }),
    ...(rest.correlationId !== undefined && { correlationId: rest.correlationId }),
    ...(rest.parentExecutionId !== undefined && { parentExecutionId: rest.parentExecutionId }),
    ...(rest.ticket !== undefined && { ticket: rest.ticket }),
    ...(rest.initiatedBy !== undefined && { initiatedBy: rest.initiatedBy }),
  };
  if ((rest.tags === undefined || rest.tags.length === 0) && input === undefined) {
    throw new UsageError('--tags K=V (or --input FILE) is required: it selects the source servers');
  }
  return {
    kind,
    action,
    ...(input !== undefined && { inputFile: input }),
    flags,
    ...targetAndOutput(kind, o, 'main', given),
  };
}

/**
 * The target and output options of a command (shared by the actions, `plan` and `runbook`).
 *
 * @throws {UsageError} for a bad `--endpoint`, `--time-scale`, `--poll-interval`, or `--target sfn` without an ARN.
 */
export function targetAndOutput(
  kind: 'run' | 'plan',
  o: RawRunOptions,
  machine: 'main' | 'waves' = 'main',
  given: ReadonlySet<string> = new Set(),
): { target: TargetOptions; out: OutputOptions } {
  const { target, fleet, stateFile, quiet, format, output, ...rest } = o;
  checkTargetOptions(target, given);
  const endpoint = parseUrl('--endpoint', rest.endpoint);
  const region = parseRegion(rest.region);
  const stateMachineArn = rest.stateMachineArn;
  if (target === 'sfn') {
    if (kind === 'plan') throw new UsageError('plan runs locally; use --target sim or --target aws');
    checkStateMachineArn(stateMachineArn, machine);
  }
  const pollSeconds = parseNumber('--poll-interval', rest.pollInterval, 'a number of seconds', false);
  if (pollSeconds <= 0)
    throw new UsageError(`--poll-interval must be positive, got ${JSON.stringify(rest.pollInterval)}`);
  return {
    target: {
      target,
      fleet,
      timeScale: parseTimeScale(rest.timeScale),
      timeScaleGiven: rest.timeScale !== undefined,
      stateFile,
      reset: rest.reset === true,
      ...(endpoint !== undefined && { endpoint }),
      ...(region !== undefined && { region }),
      ...(rest.resultsBucket !== undefined && { resultsBucket: rest.resultsBucket }),
      ...(stateMachineArn !== undefined && { stateMachineArn }),
      pollSeconds,
    },
    out: {
      format: format ?? 'json',
      ...(output !== undefined && { output }),
      quiet: quiet === true,
    },
  };
}

/**
 * Builds the commander program; `capture` receives the invocation of the command that ran.
 * Exported for tools that walk its commands and options (the CLI fuzz).
 */
export function buildProgram(capture: (inv: Invocation) => void, version: string): Command {
  const program = new Command('drs-orch')
    .description(
      'Tag-driven AWS Elastic Disaster Recovery orchestration: run a drill, failover, failback, terminate or status\n' +
        'on the embedded emulator (default), on real AWS, or on the deployed Step Functions stack.',
    )
    .version(version, '-V, --version')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  drs-orch drill --tags DR-Wave=1                 demo drill on the embedded emulator\n' +
        '  drs-orch status --tags DR-Wave=1 --format table  what the drill left behind\n' +
        '  drs-orch terminate --tags DR-Wave=1             clean up the drill instances\n' +
        '  drs-orch plan --tags DR-Application=HRP          dry run: servers, readiness, batches\n' +
        '  drs-orch runbook examples/drill-runbook.yaml    waves with approvals, then an evidence report\n' +
        '  drs-orch report --open                          list or open the evidence reports\n' +
        '  drs-orch serve                                  emulator for the AWS CLI / SDKs on :4566\n' +
        '\nExit codes: 0 success, 2 partial, 3 failed, 4 timeout, 64 invalid usage or input, 70 internal error.',
    );

  for (const action of ACTIONS) {
    const cmd = program.command(action).description(ACTION_HELP[action]);
    addRunOptions(addInputOptions(cmd, action), true).action(function (this: Command) {
      capture(toRunInvocation('run', action, this.opts<RawRunOptions>(), givenOptions(this)));
    });
  }
  const run = program
    .command('run')
    .description('run the design-3.1 document given with --input (its action)');
  addRunOptions(addInputOptions(run), true).action(function (this: Command) {
    capture(toRunInvocation('run', undefined, this.opts<RawRunOptions>(), givenOptions(this)));
  });

  const plan = program
    .command('plan')
    .description('dry run: discovery, readiness and launch batches per staging account; changes nothing')
    .argument('[action]', 'action to plan', 'drill')
    .option('--runbook <file>', 'plan every wave of a runbook (YAML or JSON) instead');
  addRunOptions(addInputOptions(plan), true).action(function (this: Command, planned: string) {
    const runbook = planRunbookInvocation(
      this.opts<RawRunOptions & { runbook?: string }>(),
      givenOptions(this),
    );
    if (runbook !== undefined) {
      capture(runbook);
      return;
    }
    if (!isAction(planned)) {
      const hint = closest(planned, ACTIONS);
      throw new UsageError(
        `plan: unknown action ${JSON.stringify(planned)}${hint ? ` (did you mean ${hint}?)` : ''}; expected one of ${ACTIONS.join(', ')}`,
      );
    }
    capture(toRunInvocation('plan', planned, this.opts<RawRunOptions>(), givenOptions(this)));
  });

  addRunbookCommands(program, capture);

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
  addRegistryCommands(program, capture);
  return program;
}

/** Turns commander's error text (`error: unknown option '--x'\n(Did you mean --y?)`) into one line. */
function commanderMessage(err: CommanderError): string {
  return err.message
    .replace(/^error: /, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => line.replace(/^\((.*)\)$/, '($1)').replace(/^\(Did you mean/, '(did you mean'))
    .join(' ');
}

/**
 * Parses a command line into an {@link Invocation}.
 *
 * @param argv the arguments after the program name
 * @param version printed by `--version`
 * @throws {UsageError} for anything that cannot run: unknown command (with the closest one),
 *   unknown flag, malformed value, missing `--tags`, `--target sfn` without an ARN.
 * @example parseInvocation(['drill', '--tags', 'DR-Wave=1'], '0.1.0')
 */
export async function parseInvocation(argv: readonly string[], version: string): Promise<Invocation> {
  const first = argv[0];
  if (first === undefined) {
    throw new UsageError(`a command is required: one of ${COMMANDS.join(', ')} (see drs-orch --help)`);
  }
  if (!first.startsWith('-') && !(COMMANDS as readonly string[]).includes(first) && first !== 'help') {
    const hint = closest(first, COMMANDS);
    throw new UsageError(
      `unknown command ${JSON.stringify(first)}${hint ? ` (did you mean ${hint}?)` : ''}; expected one of ${COMMANDS.join(', ')}`,
    );
  }
  let captured: Invocation | undefined;
  let text = '';
  const program = buildProgram((inv) => {
    captured = inv;
  }, version);
  const configure = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({
      writeOut: (s) => {
        text += s;
      },
      writeErr: (s) => {
        text += s;
      },
      outputError: () => {},
    });
    for (const sub of cmd.commands) configure(sub);
  };
  configure(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') {
        return { kind: 'text', text };
      }
      if (err.code === 'commander.help') throw new UsageError(`a command is required (see drs-orch --help)`);
      throw new UsageError(commanderMessage(err));
    }
    throw err;
  }
  if (captured === undefined) {
    // `drs-orch help [command]` prints help through commander without throwing.
    return { kind: 'text', text };
  }
  return captured;
}
