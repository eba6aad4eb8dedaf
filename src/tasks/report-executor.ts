/**
 * report-executor: the executor's last task (staging account). Answers the main execution's
 * waiting Task with the AccountSummary (SendTaskSuccess) or the error the executor caught
 * (SendTaskFailure: its real name, a cause of at most 300 characters), through the orchestrator's
 * callback role. An executor started without a callback (run on its own) reports nothing.
 */
import { awsErrorCode } from '../aws/errors.js';
import type { AccountSummary } from '../core/model.js';
import { callbacksOf, executorFailure } from './callbacks.js';
import type { TaskDeps } from './deps.js';
import type { ReportExecutorEvent } from './types.js';

/** Answers Step Functions gives for a token whose Task is over or unknown: retrying cannot help. */
const TOKEN_GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/**
 * Sends the executor's outcome to the waiting Task; returns the summary (the executor's output).
 * A token the main execution no longer waits on (it timed out and described the executor) is
 * logged, not an error. Throttling and service errors are thrown for the state's Retry; what
 * still fails is caught by the executor, which ends with its own outcome either way.
 */
export async function reportExecutor(
  event: ReportExecutorEvent,
  deps: TaskDeps,
): Promise<AccountSummary | Record<string, never>> {
  const callback = event.execution.callback;
  const result = event.summary ?? {};
  if (!callback) return result;
  const callbacks = callbacksOf(deps, event.account);
  try {
    if (event.summary) await callbacks.success(callback, event.summary);
    else {
      const { error, cause } = executorFailure(event.error ?? { Error: 'ExecutorFailed' });
      await callbacks.failure(callback, error, cause);
    }
  } catch (err) {
    const code = awsErrorCode(err);
    if (code === undefined || !TOKEN_GONE.has(code)) throw err;
    deps.log?.warn('the main execution no longer waits for this executor; it describes it instead', {
      error: code,
    });
  }
  return result;
}
