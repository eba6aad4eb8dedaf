/**
 * The local Step Functions runtime's entry point: runs `statemachines/*.asl.json` in-process with
 * `aws-local-stepfunctions`. The parts: `execution.ts` (lifecycle), `task-state.ts` (a Task
 * invocation), `integrations/` (Lambda, SNS, child executions), `metering.ts` (payload and history
 * limits), `retry.ts` (retry timing), `arns.ts`. See README.md in this folder for what differs
 * from AWS and why.
 */
import './polyfill.js';
import { preloadAwsSdks } from '../aws/clients.js';
import { ErrorNames } from '../contract/errors.js';
import { ensureInterpreterErrors } from './errors.js';
import { Run } from './execution.js';
import { SCHEDULER_STALLED } from './scheduler.js';
import type { RunStateMachineOptions, RunStateMachineResult, RuntimeAccount } from './types.js';

export { DEFAULT_EXECUTOR_START_ROLE_NAME } from './arns.js';
export { MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES } from './metering.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
  await ensureInterpreterErrors();
  const run = new Run(opts.env, opts.onEvent);
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
  const { exec, outcome } = await run.execute(
    opts.machine,
    opts.input,
    {
      region,
      accountId,
      ...(opts.name === undefined ? {} : { name: opts.name }),
      ...(account ? { account } : {}),
    },
    opts.signal,
  );
  return {
    status: outcome.status,
    executionArn: exec.arn,
    ...(outcome.status === 'SUCCEEDED' ? { output: outcome.output } : {}),
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
    ...(outcome.cause === undefined ? {} : { cause: outcome.cause }),
    stats: run.meter.stats(),
  };
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
