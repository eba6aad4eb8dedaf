/**
 * How an executor answers the main execution's Task that waits for it
 * (`lambda:invoke.waitForTaskToken` in main-orchestrator.asl.json): Step Functions cannot reach
 * another Region, so a task function in the staging account assumes the orchestrator's callback
 * role and calls SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat in the main execution's
 * Region. The poll tasks send heartbeats (no extra state transitions); report-executor sends the
 * result.
 */
import type { AccountRef, ExecutorCallback } from '../core/model.js';
import { reportableErrorName, rootCause } from '../core/root-cause.js';
import type { TaskCallbacksPort, TaskDeps } from './deps.js';
import type { AccountEvent } from './types.js';

export type { ExecutorCallback } from '../core/model.js';
export type { TaskCallbacksPort } from './deps.js';

/** The account of a role ARN (`arn:<partition>:iam::<account>:role/<name>`). */
function accountOfRole(roleArn: string): string {
  const account = /^arn:[a-z-]+:iam::(\d{12}):role\//.exec(roleArn)?.[1];
  if (!account) throw new RangeError(`callback role ${JSON.stringify(roleArn)} is not an IAM role ARN`);
  return account;
}

/**
 * The port over the SDK: Step Functions in the callback's Region, as the callback role, assumed
 * from the staging account (`from`: the executor's account, ambient in its Lambda).
 */
export function awsCallbacks(deps: TaskDeps, from: AccountRef): TaskCallbacksPort {
  const tokens = async (callback: ExecutorCallback) => {
    const ports = deps.aws.account({
      accountId: accountOfRole(callback.roleArn),
      region: callback.region,
      roleArn: callback.roleArn,
      // Always through the callback role, also where the orchestrator is a staging account too.
      alwaysAssume: true,
      via: { accountId: from.accountId, region: from.region, roleArn: from.roleArn },
    });
    await ports.connect();
    return ports.callbacks;
  };
  return {
    async success(callback, output) {
      await (await tokens(callback)).sendTaskSuccess(callback.taskToken, JSON.stringify(output ?? null));
    },
    async failure(callback, error, cause) {
      await (await tokens(callback)).sendTaskFailure(callback.taskToken, error, cause);
    },
    async heartbeat(callback) {
      await (await tokens(callback)).sendTaskHeartbeat(callback.taskToken);
    },
  };
}

/** The callbacks port of a task: the runtime's own (local runs against real AWS) or the SDK's. */
export function callbacksOf(deps: TaskDeps, from: AccountRef): TaskCallbacksPort {
  return deps.callbacks ?? awsCallbacks(deps, from);
}

/**
 * Tells the waiting Task that the executor is alive (each poll). Never fails the poll: a lost
 * heartbeat only means the main execution looks at the executor itself sooner.
 */
export async function sendHeartbeat(event: AccountEvent, deps: TaskDeps): Promise<void> {
  const callback = event.execution.callback;
  if (!callback) return;
  try {
    await callbacksOf(deps, event.account).heartbeat(callback);
  } catch (err) {
    deps.log?.warn('the heartbeat to the main execution failed; it falls back to describing the executor', {
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    });
  }
}

/**
 * The error an executor reports for a failure it caught: its real name (`States.*` become
 * `ExecutorFailed`, naming it) and a short message (<= 300 characters, as the output promises).
 *
 * @example executorFailure({ Error: 'StagingAccountOverCapacity', Cause: '{"errorMessage":"301 servers"}' })
 * // { error: 'StagingAccountOverCapacity', cause: '301 servers' }
 */
export function executorFailure(caught: { Error?: string; Cause?: string }): {
  error: string;
  cause: string;
} {
  const { code, message } = rootCause(caught.Error ?? 'ExecutorFailed', caught.Cause);
  const name = reportableErrorName(code);
  if (name) return { error: name, cause: message };
  return { error: 'ExecutorFailed', cause: rootCause('ExecutorFailed', `${code}: ${message}`).message };
}
