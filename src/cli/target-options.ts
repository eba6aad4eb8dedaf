/**
 * The flags that choose where a command runs and how its result is shown (`--target`, `--fleet`,
 * `--endpoint`, `--format`, ...), shared by the actions, `plan` and `runbook`: adding them to a
 * command and checking them against the target.
 */
import { type Command, Option } from 'commander';
import { MAX_TIME_SCALE } from '../emulator/clock.js';
import { DEFAULT_STATE_MACHINE_NAMES } from '../runtime/definitions.js';
import { type InputFlags, parseNumber } from './args.js';
import { UsageError } from './errors.js';
import {
  DEFAULT_STATE_FILE,
  DEFAULT_TIME_SCALE,
  type OutputOptions,
  type TargetName,
  type TargetOptions,
} from './invocations.js';

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

/**
 * Checks `--time-scale`: a positive number up to the emulator clock's limit; absent, the default.
 *
 * @throws {UsageError} naming the flag and the value
 */
export function parseTimeScale(value: string | undefined): number {
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
