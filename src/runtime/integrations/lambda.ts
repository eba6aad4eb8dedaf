/**
 * The Lambda integration: a Task whose Resource is one of our functions runs the task function of
 * `src/tasks` with the deps of its execution's scope, on a JSON copy of its input, and fails with
 * the error as Lambda reports it; `lambda:invoke.waitForTaskToken` invokes it, then waits for the
 * answer to its task token.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { bindingOf, type TaskId } from '../definitions.js';
import { lambdaError, namedError } from '../errors.js';
import type { Execution, ExecutionHost } from '../execution.js';
import { asJson, isRecord } from '../metering.js';
import type { ScheduledTask } from '../scheduler.js';
import { checkSameLocation } from './child-execution.js';
import { closeTaskToken, openTaskToken, type TaskTokenAnswer } from './task-tokens.js';

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
 * for SendTaskSuccess / SendTaskFailure on `token` ({@link openTaskToken}). Every
 * SendTaskHeartbeat restarts the `heartbeatSeconds` clock; without one in time the Task fails
 * with `States.HeartbeatTimeout`. The state's `TimeoutSeconds` is enforced around this call.
 *
 * @param submitted told the function's response once it has returned
 * @throws the function's error (as Lambda reports it), the failure's error, `States.HeartbeatTimeout`
 */
export async function invokeLambdaWaitForTaskToken(
  host: ExecutionHost,
  exec: Execution,
  stateName: string,
  input: unknown,
  token: string,
  heartbeatSeconds: number | undefined,
  signal: AbortSignal,
  scheduled: ScheduledTask | undefined,
  submitted: (output: unknown) => void,
): Promise<unknown> {
  const params = isRecord(input) ? input : {};
  const functionName = String(params.FunctionName ?? '');
  checkSameLocation(stateName, exec.arn, functionName);
  const binding = bindingOf(functionName);
  if (binding?.kind !== 'task') {
    throw namedError('Lambda.ResourceNotFoundException', `Function not found: ${functionName}`);
  }
  let waiter: ((answer: TaskTokenAnswer) => void) | undefined;
  const queued: TaskTokenAnswer[] = [];
  // Open before the invocation: the function may hand the token on, and the answer come back,
  // before it returns.
  openTaskToken(token, exec.stateMachineArn, (answer) => {
    const wake = waiter;
    waiter = undefined;
    if (wake) wake(answer);
    else queued.push(answer);
  });
  try {
    const response = await invokeLambda(host, exec, binding.taskId, params.Payload ?? {}, scheduled);
    submitted({ StatusCode: 200, Payload: response ?? null });
    for (;;) {
      const answer =
        queued.shift() ??
        (await nextAnswer(host, heartbeatSeconds, signal, scheduled, (fn) => {
          waiter = fn;
        }));
      if (answer.kind === 'heartbeat') continue;
      if (answer.kind === 'success') return answer.output;
      throw namedError(answer.error ?? '', answer.cause ?? '');
    }
  } finally {
    closeTaskToken(token);
  }
}

/** The next answer to the token, or `States.HeartbeatTimeout` after `heartbeatSeconds` (virtual). */
async function nextAnswer(
  host: ExecutionHost,
  heartbeatSeconds: number | undefined,
  signal: AbortSignal,
  scheduled: ScheduledTask | undefined,
  listen: (fn: (answer: TaskTokenAnswer) => void) => void,
): Promise<TaskTokenAnswer> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const racers: Promise<TaskTokenAnswer>[] = [
      new Promise((resolve, reject) => {
        listen(resolve);
        stop.signal.addEventListener(
          'abort',
          () => reject(namedError('States.Runtime', 'the callback wait ended')),
          {
            once: true,
          },
        );
      }),
    ];
    if (heartbeatSeconds !== undefined) {
      const late = (): never => {
        throw namedError('States.HeartbeatTimeout', `no heartbeat for ${heartbeatSeconds} seconds`);
      };
      const wakeMs = host.env.now().getTime() + heartbeatSeconds * 1000;
      racers.push(
        scheduled
          ? scheduled.timer(wakeMs, stop.signal).then(late)
          : sleep((heartbeatSeconds * 1000) / host.env.timeScale, undefined, { signal: stop.signal }).then(
              late,
              () => new Promise<never>(() => {}),
            ),
      );
    }
    const race = Promise.race(racers);
    // Discrete time: a Task waiting for its answer is idle, so the heartbeat timer can come.
    return await (scheduled ? scheduled.blockOn(race, CALLBACK_WAIT) : race);
  } finally {
    stop.abort();
    signal.removeEventListener('abort', onAbort);
  }
}
