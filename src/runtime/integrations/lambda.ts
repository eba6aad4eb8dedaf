/**
 * The Lambda integration: a Task whose Resource is one of our functions runs the task function of
 * `src/tasks` with the deps of its execution's scope, on a JSON copy of its input, and fails with
 * the error as Lambda reports it; `lambda:invoke.waitForTaskToken` invokes it, then waits for the
 * answer to its task token.
 */
import { bindingOf, type TaskId } from '../definitions.js';
import { lambdaError, namedError } from '../errors.js';
import type { Execution, ExecutionHost } from '../execution-host.js';
import { asJson, isRecord } from '../metering.js';
import type { ScheduledTask } from '../scheduler.js';
import { checkSameLocation } from './child-execution.js';
import { type TokenTaskCall, waitForTaskToken } from './task-tokens.js';

/** Invokes the task function bound to `taskId` for `exec`. */
export async function invokeLambda(
  host: ExecutionHost,
  exec: Execution,
  taskId: TaskId,
  input: unknown,
  scheduled: ScheduledTask | undefined,
): Promise<unknown> {
  const registry = await host.registry();
  const fn = registry[taskId];
  if (typeof fn !== 'function')
    throw namedError('Lambda.ResourceNotFoundException', `no task function registered for ${taskId}`);
  const deps = await host.deps(exec);
  try {
    // A Lambda receives a JSON copy of its event. Run inside the scheduled task so that the
    // task's own sleeps (deps.sleep) block it.
    const call = (): unknown => fn(asJson(input) as never, deps as never);
    return await (scheduled ? scheduled.run(call) : call());
  } catch (err) {
    throw lambdaError(err);
  }
}

/** What {@link ScheduledTask.blockOn} is told while a Task waits for its token's answer. */
const CALLBACK_WAIT = 'the answer to its task token';

/**
 * The `lambda:invoke.waitForTaskToken` integration: invokes the function named by `FunctionName`
 * (one of ours, in this execution's Region, as Step Functions requires) with `Payload`, then waits
 * for the answer to `token` ({@link waitForTaskToken}: SendTaskSuccess / SendTaskFailure,
 * heartbeats within `heartbeatSeconds`). The state's `TimeoutSeconds` is enforced around this call.
 *
 * @throws the function's error (as Lambda reports it), the failure's error, `States.HeartbeatTimeout`
 */
export async function invokeLambdaWaitForTaskToken(call: TokenTaskCall, token: string): Promise<unknown> {
  const { host, exec, stateName, input, scheduled, submitted } = call;
  const params = isRecord(input) ? input : {};
  const functionName = String(params.FunctionName ?? '');
  checkSameLocation(stateName, exec.arn, functionName);
  const binding = bindingOf(functionName);
  if (binding?.kind !== 'task') {
    throw namedError('Lambda.ResourceNotFoundException', `Function not found: ${functionName}`);
  }
  return waitForTaskToken({ ...call, token, waitingFor: CALLBACK_WAIT }, async () => {
    const response = await invokeLambda(host, exec, binding.taskId, params.Payload ?? {}, scheduled);
    submitted({ StatusCode: 200, Payload: response ?? null });
  });
}
