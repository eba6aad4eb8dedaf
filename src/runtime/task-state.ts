/**
 * One Task state invocation: payload checks, the state's timeout in virtual time, retry timing in
 * discrete time, and the integration its Resource binds (Lambda, child execution, SNS, a Wait made
 * a Task).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TASK_NAMES } from './definitions.js';
import { isStatesTimeout, statesRuntimeError, statesTimeoutError } from './errors.js';
import type { Execution, ExecutionHost } from './execution-host.js';
import { historyJson } from './history.js';
import { callAwsSdk, invokeFunctionTask } from './integrations/aws-sdk.js';
import { startChildExecution } from './integrations/child-execution.js';
import { invokeLambda, invokeLambdaWaitForTaskToken } from './integrations/lambda.js';
import { runMapChild } from './integrations/map-run.js';
import { publishToSns } from './integrations/sns.js';
import type { TokenTaskCall } from './integrations/task-tokens.js';
import {
  type LocalTask,
  WRAPPED_PARAMETERS,
  WRAPPED_ROLE_ARN,
  WRAPPED_TIMEOUT,
  WRAPPED_WAIT_SECONDS,
} from './localize.js';
import { asJson, isRecord } from './metering.js';
import { planRetry } from './retry.js';
import type { ScheduledTask } from './scheduler.js';

/** A fresh `$$.Task.Token`. */
export function mintTaskToken(): string {
  return randomBytes(48).toString('base64url');
}

const FUNCTION_NAMES = new Map<string, string>(TASK_NAMES.map((t) => [t.taskId, t.functionName]));

/** Records the history events of one Task invocation, as Step Functions names them per integration. */
export class TaskEvents {
  readonly #exec: Execution;
  readonly #lambda: boolean;
  readonly #task: Readonly<Record<string, unknown>>;
  #last: number;

  private constructor(
    exec: Execution,
    lambda: boolean,
    task: Readonly<Record<string, unknown>>,
    last: number,
  ) {
    this.#exec = exec;
    this.#lambda = lambda;
    this.#task = task;
    this.#last = last;
  }

  /** Records the scheduled and started events of an invocation caused by event `cause`. */
  static begin(
    host: ExecutionHost,
    exec: Execution,
    task: LocalTask,
    input: unknown,
    cause: number | undefined,
  ): TaskEvents | undefined {
    const { binding } = task;
    const params = isRecord(input) ? input : {};
    const { history } = exec;
    // A Distributed Map's child execution records its own history; the parent records none of it.
    if (binding.kind === 'wait' || binding.kind === 'mapRun') return undefined;
    if (binding.kind === 'task') {
      const fn = FUNCTION_NAMES.get(binding.taskId) ?? binding.taskId;
      const scheduled = history.record(
        'LambdaFunctionScheduled',
        () => ({
          resource: host.arns.lambda(fn, exec.region, exec.accountId),
          input: historyJson(input),
          inputDetails: { truncated: false },
        }),
        cause,
      );
      return new TaskEvents(exec, true, {}, history.record('LambdaFunctionStarted', undefined, scheduled));
    }
    const sync = binding.kind === 'startExecution';
    const fields = sync
      ? { resourceType: 'states', resource: 'startExecution.sync:2' }
      : binding.kind === 'awsSdk'
        ? { resourceType: 'aws-sdk', resource: `${binding.service}:${binding.action}` }
        : binding.kind === 'lambdaInvoke'
          ? { resourceType: 'lambda', resource: 'invoke' }
          : binding.kind === 'lambdaInvokeWaitForTaskToken'
            ? { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' }
            : {
                resourceType: 'sns',
                resource: binding.waitForTaskToken ? 'publish.waitForTaskToken' : 'publish',
              };
    const arn = String(
      (sync
        ? params.StateMachineArn
        : binding.kind === 'lambdaInvokeWaitForTaskToken' || binding.kind === 'lambdaInvoke'
          ? params.FunctionName
          : binding.kind === 'awsSdk'
            ? ''
            : params.TopicArn) ?? '',
    );
    const scheduled = history.record(
      'TaskScheduled',
      () => ({ ...fields, region: arn.split(':')[3] || exec.region, parameters: historyJson(input) }),
      cause,
    );
    return new TaskEvents(
      exec,
      false,
      fields,
      history.record('TaskStarted', () => ({ ...fields }), scheduled),
    );
  }

  #record(type: string, details: () => Record<string, unknown>): number {
    const id = this.#exec.history.record(type, details, this.#last);
    if (id > 0) this.#last = id;
    return id;
  }

  /** The integration has handed the work on (a child started, an approval request published). */
  submitted(output: unknown): void {
    this.#record('TaskSubmitted', () => ({
      ...this.#task,
      output: historyJson(output),
      outputDetails: { truncated: false },
    }));
  }

  succeeded(output: unknown): void {
    this.#record(this.#lambda ? 'LambdaFunctionSucceeded' : 'TaskSucceeded', () => ({
      ...this.#task,
      output: historyJson(output),
      outputDetails: { truncated: false },
    }));
  }

  /** Records the failure (or time-out) and remembers it as what a retry follows. */
  failed(stateName: string, err: unknown): void {
    const timedOut = isStatesTimeout(err) || (err instanceof Error && err.name === 'States.HeartbeatTimeout');
    const type = this.#lambda
      ? timedOut
        ? 'LambdaFunctionTimedOut'
        : 'LambdaFunctionFailed'
      : timedOut
        ? 'TaskTimedOut'
        : 'TaskFailed';
    const id = this.#record(type, () => ({
      ...this.#task,
      error: err instanceof Error ? err.name : 'Error',
      cause: err instanceof Error ? err.message : String(err),
    }));
    if (id > 0) this.#exec.lastFailure.set(stateName, id);
  }
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/**
 * The role of a Task's resolved `Credentials`.
 * @throws States.Runtime when it is not an IAM role ARN
 */
function roleArnOf(stateName: string, value: unknown): string {
  if (typeof value === 'string' && ROLE_ARN.test(value)) return value;
  throw statesRuntimeError(
    `the Credentials of state ${stateName} gave role ${JSON.stringify(value)}; expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
  );
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
  cause: number | undefined,
): Promise<unknown> {
  checkLimits(exec);
  let input = raw;
  let timeoutSeconds = task.timeoutSeconds;
  let roleArn: string | undefined;
  if (task.credentials && isRecord(raw)) {
    input = raw[WRAPPED_PARAMETERS];
    roleArn = roleArnOf(task.stateName, raw[WRAPPED_ROLE_ARN]);
  }
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
  const events = TaskEvents.begin(host, exec, task, input, cause);
  const submitted = (output: unknown): void => events?.submitted(output);
  let json: unknown;
  try {
    const result = await withTimeout(host, exec, timeoutSeconds, scheduled, (signal) =>
      dispatch(host, exec, task, input, token, signal, scheduled, submitted, roleArn),
    );
    json = asJson(result);
    host.meter.payload(exec, task.stateName, 'task result', json);
    checkLimits(exec);
  } catch (err) {
    events?.failed(task.stateName, err);
    throw err;
  }
  events?.succeeded(json);
  return json;
}

/** Runs the integration a Task's Resource binds. */
async function dispatch(
  host: ExecutionHost,
  exec: Execution,
  task: LocalTask,
  input: unknown,
  token: string | undefined,
  signal: AbortSignal,
  scheduled: ScheduledTask | undefined,
  submitted: (output: unknown) => void,
  roleArn?: string,
): Promise<unknown> {
  const binding = task.binding;
  if (binding.kind === 'task') return invokeLambda(host, exec, binding.taskId, input, scheduled);
  if (binding.kind === 'startExecution')
    return startChildExecution(host, exec, task.stateName, input, scheduled, submitted);
  if (binding.kind === 'mapRun') return runMapChild(host, exec, binding, input, scheduled);
  if (binding.kind === 'awsSdk') {
    const call = (): Promise<unknown> => callAwsSdk(host, binding.service, binding.action, input, roleArn);
    return scheduled ? scheduled.run(call) : call();
  }
  if (binding.kind === 'lambdaInvoke')
    return invokeFunctionTask(host, exec, task.stateName, input, scheduled);
  if (binding.kind === 'wait') {
    const { input: waitInput, seconds } = waitOf(task, binding.seconds, input);
    if (scheduled) await scheduled.sleepUntil(host.env.now().getTime() + seconds * 1000, signal);
    // Only a SecondsPath Wait is a Task outside discrete time: sleep its scaled wall time.
    else await sleep((seconds * 1000) / host.env.timeScale, undefined, { signal });
    return waitInput;
  }
  const call: TokenTaskCall = {
    host,
    exec,
    stateName: task.stateName,
    input,
    heartbeatSeconds: task.heartbeatSeconds,
    signal,
    scheduled,
    submitted,
  };
  if (binding.kind === 'lambdaInvokeWaitForTaskToken') {
    return invokeLambdaWaitForTaskToken(call, token ?? mintTaskToken());
  }
  return publishToSns(call, binding.waitForTaskToken ? (token ?? mintTaskToken()) : undefined);
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
    // The TaskStateEntered (or the retry) this invocation follows: recorded within microtasks.
    const cause =
      task.binding.kind === 'wait' || task.binding.kind === 'mapRun'
        ? undefined
        : await exec.causes.take(task.stateName);
    if (!scheduled || !task.retriers) return await invokeOnce(host, exec, task, raw, token, scheduled, cause);
    // A retry calls the handler again with the same input, hence the key.
    const key = `${task.stateName}\n${JSON.stringify(raw)}`;
    const plan = exec.retries.get(key);
    if (plan?.wakeMs !== undefined) await scheduled.sleepUntil(plan.wakeMs, exec.controller.signal);
    try {
      const result = await invokeOnce(host, exec, task, raw, token, scheduled, cause);
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

/**
 * The input and seconds of a Wait state made a Task: `Seconds` as written, or `SecondsPath`
 * resolved by the interpreter into the wrapper (AWS fails the state with States.Runtime when the
 * path does not give a non-negative integer).
 */
function waitOf(
  task: LocalTask,
  fixed: number | undefined,
  raw: unknown,
): { input: unknown; seconds: number } {
  if (fixed !== undefined) return { input: raw, seconds: fixed };
  const wrapped = isRecord(raw) ? raw : {};
  const seconds = wrapped[WRAPPED_WAIT_SECONDS];
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
    throw statesRuntimeError(
      `SecondsPath of wait state ${task.stateName} gave ${JSON.stringify(seconds)}; expected an integer >= 0`,
    );
  }
  return { input: wrapped[WRAPPED_PARAMETERS], seconds };
}
