/**
 * The local Step Functions runtime's entry point: runs `statemachines/*.asl.json` in-process with
 * `aws-local-stepfunctions`. The parts: `execution.ts` (lifecycle), `task-state.ts` (a Task
 * invocation), `integrations/` (Lambda, SNS, child executions), `history.ts` (AWS-shaped
 * history), `metering.ts` (payload and history limits), `retry.ts` (retry timing), `arns.ts`.
 * See README.md in this folder for what differs from AWS and why.
 */
import './polyfill.js';
import { randomUUID } from 'node:crypto';
import { preloadAwsSdks } from '../aws/clients.js';
import { ErrorNames } from '../contract/errors.js';
import { Run } from './execution.js';
import { isRecord } from './metering.js';
import { SCHEDULER_STALLED } from './scheduler.js';
import type { RunStateMachineOptions, RunStateMachineResult, RuntimeAccount } from './types.js';

export { DEFAULT_EXECUTOR_START_ROLE_NAME } from './arns.js';
export { MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES } from './metering.js';

/** An execution started with {@link startStateMachine}. */
export interface StartedExecution {
  readonly executionArn: string;
  /**
   * Stops an execution of the run (the root or a child), as StopExecution: its history ends at
   * once with `ExecutionAborted`, its status is ABORTED with `error`/`cause` as given.
   * @returns false when no execution of that ARN is running
   */
  stop(executionArn: string, reason?: { readonly error?: string; readonly cause?: string }): boolean;
  /** Settles when the root execution has ended; never rejects for a failed execution. */
  readonly result: Promise<RunStateMachineResult>;
}

/**
 * Starts a workflow locally. Its `ExecutionStarted` history event is recorded before this returns
 * (so a caller can register the execution and answer at once); the run goes on in the background.
 * In discrete time, use {@link runStateMachine} (it loads the SDKs up front).
 *
 * @throws TypeError for an executor input without `account.accountId` and `account.region`
 */
export function startStateMachine(opts: RunStateMachineOptions): StartedExecution {
  const run = new Run(opts.env, opts.onEvent, opts.onHistory);
  let account: RuntimeAccount | undefined;
  let region = opts.env.region;
  let accountId = opts.env.accountId;
  if (opts.machine === 'executor') {
    const given = isRecord(opts.input) && isRecord(opts.input.account) ? opts.input.account : undefined;
    if (!given || typeof given.accountId !== 'string' || typeof given.region !== 'string') {
      throw new TypeError('executor input needs account.accountId and account.region');
    }
    account = { accountId: given.accountId, region: given.region, roleArn: String(given.roleArn ?? '') };
    region = account.region;
    accountId = account.accountId;
  }
  const name = opts.name ?? randomUUID();
  const done = run.execute(
    opts.machine,
    opts.input,
    { region, accountId, name, ...(account ? { account } : {}) },
    opts.signal,
  );
  return {
    executionArn: run.arns.execution(opts.machine, region, accountId, name),
    stop: (executionArn, reason) => run.stop(executionArn, reason),
    result: done.then(({ exec, outcome }) => ({
      status: outcome.status,
      executionArn: exec.arn,
      ...(outcome.status === 'SUCCEEDED' ? { output: outcome.output } : {}),
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
      ...(outcome.cause === undefined ? {} : { cause: outcome.cause }),
      stats: run.meter.stats(),
    })),
  };
}

/**
 * Runs a workflow locally to its end.
 *
 * `main`, `waves` and `drill-cleanup` run in the orchestrator account (`env.accountId`,
 * `env.region`); an `executor` run directly needs `input.account` (`{ accountId, region, roleArn }`).
 * Never throws for a failed execution: the result says FAILED with the error name and cause.
 *
 * @example
 * const result = await runStateMachine({ machine: 'main', input: { action: 'drill', tags: { 'DR-Wave': '1' } }, env });
 * if (result.status === 'SUCCEEDED') console.log(result.output);
 */
export async function runStateMachine(opts: RunStateMachineOptions): Promise<RunStateMachineResult> {
  // In discrete time a first-use SDK import is invisible to the scheduler: load them all up front.
  if (opts.env.scheduler) await preloadAwsSdks();
  return startStateMachine(opts).result;
}

/** Error names the runtime itself raises (besides task and definition errors). */
export const RUNTIME_ERROR_NAMES = {
  limit: ErrorNames.PayloadTooLarge,
  historyLimit: ErrorNames.HistoryLimitExceeded,
  timeout: 'States.Timeout',
  childFailed: 'States.TaskFailed',
  approvalRejected: 'ApprovalRejected',
  /** Discrete time: no progress for the scheduler's stall timeout (a bug, reported loudly). */
  stalled: SCHEDULER_STALLED,
} as const;
