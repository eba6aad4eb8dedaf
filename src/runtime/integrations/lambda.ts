/**
 * The Lambda integration: a Task whose Resource is one of our functions runs the task function of
 * `src/tasks` with the deps of its execution's scope, on a JSON copy of its input, and fails with
 * the error as Lambda reports it.
 */
import type { TaskId } from '../definitions.js';
import { lambdaError, namedError } from '../errors.js';
import type { Execution, ExecutionHost } from '../execution.js';
import { asJson } from '../metering.js';
import type { ScheduledTask } from '../scheduler.js';

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
