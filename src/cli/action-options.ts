/**
 * The flags that shape an orchestration input (design 3.1) and the {@link RunInvocation} of an
 * action command (`drill`, `failover`, ..., `run --input`, `plan`).
 */
import { type Command, Option } from 'commander';
import { optionApplies } from '../contract/index.js';
import type { Action, InputFlags } from './args.js';
import { UsageError } from './errors.js';
import type { RunInvocation } from './invocations.js';
import { type RawRunOptions, targetAndOutput } from './target-options.js';

/** The one-line help of each action command. */
export const ACTION_HELP: Record<Action, string> = {
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
export function addInputOptions(cmd: Command, action?: Action): Command {
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

/**
 * The invocation of an action command (or `run --input`, or `plan`) from its commander options.
 *
 * @throws {UsageError} without `--tags` or `--input`, and for bad target or output options
 */
export function toRunInvocation(
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
