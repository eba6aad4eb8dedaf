/**
 * One Task state invocation: payload checks, the state's timeout in virtual time, retry timing in
 * discrete time, and the integration its Resource binds (Lambda, child execution, SNS, a Wait made
 * a Task).
 */
import { randomBytes } from 'node:crypto';
import { statesRuntimeError, statesTimeoutError } from './errors.js';
import type { Execution, ExecutionHost } from './execution.js';
import { startChildExecution } from './integrations/child-execution.js';
import { invokeLambda } from './integrations/lambda.js';
import { publishToSns } from './integrations/sns.js';
import { type LocalTask, WRAPPED_PARAMETERS, WRAPPED_TIMEOUT } from './localize.js';
import { asJson } from './metering.js';
import { planRetry } from './retry.js';
import type { ScheduledTask } from './scheduler.js';

/** A fresh `$$.Task.Token`. */
export function mintTaskToken(): string {
  return randomBytes(48).toString('base64url');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkLimits(exec: Execution): void {
  if (exec.limitError) throw exec.limitError;
}

/** Runs `work`, failing with `States.Timeout` after `timeoutSeconds` of virtual time. */
async function withTimeout<T>(
  host: ExecutionHost,
  exec: Execution,
  timeoutSeconds: number | undefined,
  scheduled: ScheduledTask | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  exec.controller.signal.addEventListener('abort', onAbort);
  let timer: NodeJS.Timeout | undefined;
  try {
    const racers: Promise<T>[] = [work(controller.signal)];
    const timedOut = (): Error => statesTimeoutError(`task timed out after ${timeoutSeconds} seconds`);
    if (timeoutSeconds !== undefined && scheduled) {
      const wakeMs = host.env.now().getTime() + timeoutSeconds * 1000;
      racers.push(
        scheduled.timer(wakeMs, controller.signal).then(() => {
          throw timedOut();
        }),
      );
    } else if (timeoutSeconds !== undefined) {
      racers.push(
        new Promise<T>((_, reject) => {
          timer = setTimeout(() => reject(timedOut()), (timeoutSeconds * 1000) / host.env.timeScale);
        }),
      );
    }
    return await Promise.race(racers);
  } finally {
    clearTimeout(timer);
    controller.abort();
    exec.controller.signal.removeEventListener('abort', onAbort);
  }
}

async function invokeOnce(
  host: ExecutionHost,
  exec: Execution,
  task: LocalTask,
  raw: unknown,
  token: string | undefined,
  scheduled: ScheduledTask | undefined,
): Promise<unknown> {
  checkLimits(exec);
  let input = raw;
  let timeoutSeconds = task.timeoutSeconds;
  if (task.timeoutFromInput && isRecord(raw)) {
    input = raw[WRAPPED_PARAMETERS];
    const seconds = raw[WRAPPED_TIMEOUT];
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1) {
      throw statesRuntimeError(
        `TimeoutSecondsPath of state ${task.stateName} gave ${JSON.stringify(seconds)}; expected an integer >= 1`,
      );
    }
    timeoutSeconds = seconds;
  }
  host.meter.payload(exec, task.stateName, 'task input', input);
  checkLimits(exec);
  const result = await withTimeout(host, exec, timeoutSeconds, scheduled, async (signal) => {
    const binding = task.binding;
    if (binding.kind === 'task') return invokeLambda(host, exec, binding.taskId, input, scheduled);
    if (binding.kind === 'startExecution') return startChildExecution(host, exec, input, scheduled);
    if (binding.kind === 'wait') {
      // Only discrete time turns Waits into Tasks, so there is a scheduler.
      await scheduled?.sleepUntil(host.env.now().getTime() + binding.seconds * 1000, signal);
      return input;
    }
    return publishToSns(
      host,
      exec,
      task.stateName,
      input,
      binding.waitForTaskToken ? (token ?? mintTaskToken()) : undefined,
      signal,
      scheduled,
    );
  });
  const json = asJson(result);
  host.meter.payload(exec, task.stateName, 'task result', json);
  checkLimits(exec);
  return json;
}

/**
 * The handler the interpreter calls for a Task state of `exec`. In discrete time a retrying Task
 * first waits out its Retry interval (the interpreter retries at once), in virtual time.
 */
export async function invokeTaskState(
  host: ExecutionHost,
  exec: Execution,
  task: LocalTask,
  raw: unknown,
): Promise<unknown> {
  const token = exec.pendingToken;
  exec.pendingToken = undefined;
  const scheduled = exec.sched?.beginTask(task.stateName);
  try {
    if (!scheduled || !task.retriers) return await invokeOnce(host, exec, task, raw, token, scheduled);
    // A retry calls the handler again with the same input, hence the key.
    const key = `${task.stateName}\n${JSON.stringify(raw)}`;
    const plan = exec.retries.get(key);
    if (plan?.wakeMs !== undefined) await scheduled.sleepUntil(plan.wakeMs, exec.controller.signal);
    try {
      const result = await invokeOnce(host, exec, task, raw, token, scheduled);
      exec.retries.delete(key);
      return result;
    } catch (err) {
      const next = planRetry(task.retriers, plan, err, host.env.now().getTime());
      if (next) exec.retries.set(key, next);
      else exec.retries.delete(key);
      throw err;
    }
  } finally {
    scheduled?.end();
  }
}
