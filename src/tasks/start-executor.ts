/**
 * start-executor: starts a staging account's executor in that account's Region (main machine,
 * one per account). Idempotent: a retry finds the execution it started.
 */
import { accountWorkOf } from './account-servers.js';
import type { TaskDeps } from './deps.js';
import { executorExecutionArn, executorExecutionName, executorsOf } from './executors.js';
import type { AccountItemEvent, ExecutorRef } from './types.js';

function alreadyExists(err: unknown): boolean {
  const cause = (err as { cause?: { name?: string } } | undefined)?.cause;
  return (
    (err as { name?: string } | undefined)?.name === 'ExecutionAlreadyExists' ||
    cause?.name === 'ExecutionAlreadyExists'
  );
}

/**
 * Starts the executor with `{ request, execution, account }` under a name derived from the main
 * execution's, the account's server ids loaded from where discover stored them (the executor's
 * input carries its own account's ids; the main machine's state carries none). A closed execution
 * of that name (a retried main execution of the same name) is adopted as it is: the executor never
 * runs twice for one main execution.
 */
export async function startExecutor(event: AccountItemEvent, deps: TaskDeps): Promise<ExecutorRef> {
  const { request, execution } = event;
  const account = await accountWorkOf(event.account, deps);
  const executors = executorsOf(deps);
  const name = executorExecutionName(execution.name, account.accountId);
  try {
    const started = await executors.start(account, name, { request, execution, account });
    return { executionArn: started.executionArn, startDate: started.startDate.toISOString() };
  } catch (err) {
    if (!alreadyExists(err)) throw err;
    const arn = executorExecutionArn(account, name);
    const found = await executors.describe(account, arn);
    deps.log?.info('adopting the executor this main execution already started', { executionArn: arn });
    return { executionArn: found.executionArn, startDate: found.startDate.toISOString() };
  }
}
