/**
 * start-executor: starts a staging account's executor in that account's Region (main machine,
 * one per account), handing it the token of the Task that waits for its callback. Idempotent: a
 * retry finds the execution it started.
 */
import { accountWorkOf } from './account-servers.js';
import type { ExecutorCallback } from './callbacks.js';
import type { TaskDeps } from './deps.js';
import { executorExecutionArn, executorExecutionName, executorsOf } from './executors.js';
import { DEFAULT_RUNTIME_NAMES, type RuntimeNames } from './names.js';
import type { ExecutorRef, StartExecutorEvent } from './types.js';

function alreadyExists(err: unknown): boolean {
  const cause = (err as { cause?: { name?: string } } | undefined)?.cause;
  return (
    (err as { name?: string } | undefined)?.name === 'ExecutionAlreadyExists' ||
    cause?.name === 'ExecutionAlreadyExists'
  );
}

/**
 * Where the executor answers: the waiting Task's token, the main execution's Region and the
 * callback role of its account (both from the main execution's ARN).
 *
 * @example executorCallbackOf('arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main:x', 't')
 * // { taskToken: 't', region: 'us-east-1', roleArn: 'arn:aws:iam::123456789012:role/DRS-Orchestration-Executor-Callback' }
 */
export function executorCallbackOf(
  mainExecutionArn: string,
  taskToken: string,
  names: RuntimeNames = DEFAULT_RUNTIME_NAMES,
): ExecutorCallback {
  const m = /^arn:([a-z-]+):states:([a-z0-9-]+):(\d{12}):execution:/.exec(mainExecutionArn);
  if (!m) {
    throw new RangeError(
      `main execution id ${JSON.stringify(mainExecutionArn)} is not an execution ARN; expected arn:<partition>:states:<region>:<account>:execution:...`,
    );
  }
  return {
    taskToken,
    region: m[2] as string,
    roleArn: `arn:${m[1]}:iam::${m[3]}:role/${names.executorCallbackRole}`,
  };
}

/**
 * Starts the executor with `{ request, execution, account }` under a name derived from the main
 * execution's, the account's server ids loaded from where discover stored them (the executor's
 * input carries its own account's ids; the main machine's state carries none). A closed execution
 * of that name (a retried main execution of the same name) is adopted as it is: the executor never
 * runs twice for one main execution.
 */
export async function startExecutor(event: StartExecutorEvent, deps: TaskDeps): Promise<ExecutorRef> {
  const { request, execution, taskToken } = event;
  const account = await accountWorkOf(event.account, deps);
  const executors = executorsOf(deps);
  const name = executorExecutionName(execution.name, account.accountId);
  const callback =
    taskToken === undefined ? undefined : executorCallbackOf(execution.id, taskToken, deps.env?.names);
  try {
    const started = await executors.start(account, name, {
      request,
      execution: callback ? { ...execution, callback } : execution,
      account,
    });
    return { executionArn: started.executionArn, startDate: started.startDate.toISOString() };
  } catch (err) {
    if (!alreadyExists(err)) throw err;
    const arn = executorExecutionArn(account, name, deps.env?.names);
    const found = await executors.describe(account, arn);
    deps.log?.info('adopting the executor this main execution already started', { executionArn: arn });
    return { executionArn: found.executionArn, startDate: found.startDate.toISOString() };
  }
}
