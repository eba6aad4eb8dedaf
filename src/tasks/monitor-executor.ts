/**
 * monitor-executor: watches a staging account's executor (main machine, one per account). Throws
 * `ExecutorRunning` while it runs (the state's Retry polls again in 60 s: one billed transition a
 * minute), returns the executor's AccountSummary when it succeeded, and otherwise fails with the
 * executor's own error name so the account's `errorCode` is the real cause.
 */
import {
  ErrorNames,
  ExecutorAborted,
  ExecutorError,
  ExecutorFailed,
  ExecutorRunning,
  ExecutorTimedOut,
} from '../contract/errors.js';
import type { AccountSummary } from '../core/model.js';
import { reportableErrorName } from '../core/root-cause.js';
import type { TaskDeps } from './deps.js';
import { executorExecutionArn, executorExecutionName, executorsOf } from './executors.js';
import type { MonitorExecutorEvent } from './types.js';

/**
 * How long past maxWaitMinutes an executor may still run before it is stopped: its own monitor
 * tasks end the work at maxWaitMinutes and then report, which takes a few polls at most.
 */
export const EXECUTOR_GRACE_MINUTES = 30;

/** Polls the executor once. */
export async function monitorExecutor(event: MonitorExecutorEvent, deps: TaskDeps): Promise<AccountSummary> {
  const { request, execution, account } = event;
  const executors = executorsOf(deps);
  const executor = event.executor ?? {
    executionArn: executorExecutionArn(
      account,
      executorExecutionName(execution.name, account.accountId),
      deps.env?.names,
    ),
  };
  const found = await executors.describe(account, executor.executionArn);
  switch (found.status) {
    case 'SUCCEEDED':
      return found.output as AccountSummary;
    case 'RUNNING':
    case 'PENDING_REDRIVE': {
      const deadline =
        new Date(execution.startTime).getTime() +
        (request.options.maxWaitMinutes + EXECUTOR_GRACE_MINUTES) * 60_000;
      if (deps.now().getTime() < deadline) {
        throw new ExecutorRunning(`executor ${executor.executionArn} is ${found.status}`, {
          accountId: account.accountId,
        });
      }
      const cause = `executor ${executor.executionArn} still ran ${EXECUTOR_GRACE_MINUTES} minutes after maxWaitMinutes (${request.options.maxWaitMinutes}); stopped`;
      await executors.stop(account, executor.executionArn, ErrorNames.ExecutorTimedOut, cause);
      throw new ExecutorTimedOut(cause, { accountId: account.accountId });
    }
    case 'TIMED_OUT':
      throw new ExecutorTimedOut(
        `executor ${executor.executionArn} timed out${found.cause ? `: ${found.cause}` : ''}`,
        { accountId: account.accountId },
      );
    case 'ABORTED':
      throw new ExecutorAborted(
        `executor ${executor.executionArn} was stopped${found.cause ? `: ${found.cause}` : ''}`,
        { accountId: account.accountId },
      );
    default: {
      const name = reportableErrorName(found.error);
      const cause = found.cause || `executor ${executor.executionArn} failed`;
      if (name) throw new ExecutorError(name, cause);
      throw new ExecutorFailed(`${found.error ?? 'failed'}: ${cause}`, { accountId: account.accountId });
    }
  }
}
