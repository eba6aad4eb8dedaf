/**
 * The local Step Functions runtime: runs `statemachines/*.asl.json` in-process with
 * `aws-local-stepfunctions`, binding every Task state to a task function or an integration,
 * running child executions for `startExecution.sync:2`, scaling time, enforcing Step Functions'
 * limits and streaming events. See README.md in this folder for what differs from AWS and why.
 */
import './polyfill.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
} from 'aws-local-stepfunctions';
import { preloadAwsSdks } from '../aws/clients.js';
import { ErrorNames, PayloadTooLarge } from '../contract/errors.js';
import {
  type AslObject,
  DEFAULT_STATE_MACHINE_NAMES,
  loadDefinition,
  type MachineName,
  substitutePlaceholders,
  TASK_NAMES,
  type TaskId,
} from './definitions.js';
import {
  type LocalDefinition,
  type LocalRetrier,
  type LocalTask,
  localizeDefinition,
  VIRTUAL_START_TIME_FIELD,
  WRAPPED_PARAMETERS,
  WRAPPED_TIMEOUT,
} from './localize.js';
import {
  APPROVAL_WAIT,
  type DiscreteScheduler,
  SCHEDULER_STALLED,
  type ScheduledExecution,
  type ScheduledTask,
  type SchedulerStalled,
} from './scheduler.js';
import type {
  AccountProgress,
  ApprovalDecision,
  ExecutionStats,
  ExecutionStatus,
  PayloadRecord,
  RunStateMachineOptions,
  RunStateMachineResult,
  RuntimeAccount,
  RuntimeEnv,
  RuntimeEvent,
  RuntimeStats,
  TaskRegistry,
  TaskScope,
} from './types.js';

/** Step Functions' limit on a state's input or output (bytes of UTF-8 JSON). */
export const MAX_PAYLOAD_BYTES = 262_144;
/** Step Functions' limit on the events of one execution's history. */
export const MAX_HISTORY_EVENTS = 25_000;
/** Role each staging account lets the main machine start its executor with (data-flow.md). */
export const DEFAULT_EXECUTOR_START_ROLE_NAME = 'DRS-Orchestration-Executor-Starter';

/**
 * A limit violation. Like `States.DataLimitExceeded` on AWS it cannot be caught or retried by
 * the definition (the interpreter honours `isCatchable`/`isRetryable`), so the execution fails.
 */
class LimitExceeded extends PayloadTooLarge {
  get isCatchable(): boolean {
    return false;
  }
  get isRetryable(): boolean {
    return false;
  }
}

/** An error as a Task state sees it: a name and a message (the Cause). */
function namedError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/** A task failure as Lambda reports it: the Cause is `{ errorType, errorMessage, trace }` JSON. */
function lambdaError(err: unknown): Error {
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  return namedError(name, JSON.stringify({ errorType: name, errorMessage: message, trace: [] }));
}

function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}

/** A JSON copy: what crosses a Lambda or service boundary. `undefined` becomes `null`. */
function asJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Events AWS records for one interpreter event (estimate; see README.md). */
function historyWeight(type: string, stateType: string | undefined): number {
  if (type === 'StateEntered' || type === 'StateExited') {
    if (stateType === 'Task') return type === 'StateEntered' ? 3 : 2;
    if (stateType === 'Map' || stateType === 'Parallel') return 2;
    return 1;
  }
  if (type === 'StateFailed') return stateType === 'Task' ? 1 : 0;
  if (type === 'StateRetried') return stateType === 'Task' ? 2 : 0;
  if (type === 'StateCaught') return 0;
  return 1;
}

interface Execution {
  readonly arn: string;
  readonly name: string;
  readonly machine: MachineName;
  readonly stateMachineArn: string;
  readonly account?: RuntimeAccount;
  readonly startTime: string;
  readonly controller: AbortController;
  transitions: number;
  historyEvents: number;
  largestPayloadBytes: number;
  limitError?: PayloadTooLarge;
  /** Discrete time: the scheduler saw no progress for too long and failed the run. */
  stalled?: SchedulerStalled;
  /** The `$$.Task.Token` minted while the current Task's Parameters were evaluated. */
  pendingToken?: string | undefined;
  deps?: Promise<unknown>;
  /** Discrete time: this execution as the scheduler tracks it. */
  sched?: ScheduledExecution;
  /** Discrete time: retries the interpreter is about to make, by state and input. */
  readonly retries: Map<string, RetryPlan>;
}

/** Where a Task state stands in its Retry series (mirrors the interpreter's counters). */
interface RetryPlan {
  readonly attempts: number[];
  /** Virtual time the next attempt may start. */
  wakeMs?: number;
}

interface Outcome {
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

interface ExecuteOptions {
  readonly name?: string;
  readonly parent?: Execution;
  /** Region and account the machine runs in. */
  readonly region: string;
  readonly accountId: string;
  /** Staging account of an executor. */
  readonly account?: RuntimeAccount;
}

interface CompiledMachine {
  readonly machine: StateMachine;
  readonly local: LocalDefinition;
}

let defaultRegistry: Promise<TaskRegistry> | undefined;

async function loadDefaultRegistry(): Promise<TaskRegistry> {
  // Loaded lazily so runs with an explicit registry (unit tests) never import every task.
  defaultRegistry ??= import('../tasks/index.js').then((mod) => {
    const found = (mod as Record<string, unknown>).tasks ?? (mod as Record<string, unknown>).taskRegistry;
    if (!isRecord(found)) throw new Error('src/tasks/index.ts exports no task registry named tasks');
    return found as unknown as TaskRegistry;
  });
  return defaultRegistry;
}

/** One call of {@link runStateMachine}: the root execution and its children share stats. */
class Run {
  readonly #env: RuntimeEnv;
  readonly #onEvent: ((event: RuntimeEvent) => void) | undefined;
  readonly #names: Record<MachineName, string>;
  readonly #partition: string;
  readonly #maxPayload: number;
  readonly #maxHistory: number;
  readonly #scheduler: DiscreteScheduler | undefined;
  readonly #compiled = new Map<string, CompiledMachine>();
  readonly #executions: ExecutionStats[] = [];
  readonly #transitions: Record<MachineName, number> = { main: 0, executor: 0, waves: 0, 'drill-cleanup': 0 };
  #largest: PayloadRecord | undefined;
  #maxHistoryEvents = 0;

  constructor(env: RuntimeEnv, onEvent: ((event: RuntimeEvent) => void) | undefined) {
    this.#scheduler = env.scheduler;
    if (!this.#scheduler && (!(env.timeScale > 0) || !Number.isFinite(env.timeScale))) {
      throw new RangeError(`time scale ${env.timeScale} is invalid; expected a finite number > 0`);
    }
    this.#env = env;
    this.#onEvent = onEvent;
    this.#names = { ...DEFAULT_STATE_MACHINE_NAMES, ...env.stateMachineNames };
    this.#partition = env.partition ?? 'aws';
    this.#maxPayload = env.limits?.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
    this.#maxHistory = env.limits?.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
  }

  stats(): RuntimeStats {
    return {
      transitions: { ...this.#transitions },
      largestPayloadBytes: this.#largest?.bytes ?? 0,
      ...(this.#largest ? { largestPayload: this.#largest } : {}),
      maxHistoryEvents: this.#maxHistoryEvents,
      executions: [...this.#executions],
    };
  }

  #now(): string {
    return this.#env.now().toISOString();
  }

  #emit(event: RuntimeEvent): void {
    try {
      this.#onEvent?.(event);
    } catch {
      // A renderer that throws must not change the outcome of a disaster-recovery run.
    }
  }

  #base(exec: Execution): { time: string; machine: MachineName; executionArn: string; accountId?: string } {
    return {
      time: this.#now(),
      machine: exec.machine,
      executionArn: exec.arn,
      ...(exec.account ? { accountId: exec.account.accountId } : {}),
    };
  }

  stateMachineArn(machine: MachineName, region: string, accountId: string): string {
    return `arn:${this.#partition}:states:${region}:${accountId}:stateMachine:${this.#names[machine]}`;
  }

  #placeholders(region: string, accountId: string): Record<string, string> {
    const values: Record<string, string> = {
      Partition: this.#partition,
      ExecutorStateMachineName: this.#names.executor,
      ExecutorStartRoleName: DEFAULT_EXECUTOR_START_ROLE_NAME,
      MainStateMachineArn: this.stateMachineArn('main', this.#env.region, this.#env.accountId),
    };
    for (const t of TASK_NAMES) {
      values[t.placeholder] =
        `arn:${this.#partition}:lambda:${region}:${accountId}:function:${t.functionName}`;
    }
    return { ...values, ...this.#env.placeholders };
  }

  #compile(machine: MachineName, region: string, accountId: string): CompiledMachine {
    const key = `${machine}|${region}|${accountId}`;
    let compiled = this.#compiled.get(key);
    if (!compiled) {
      const raw = structuredClone(this.#env.definitions?.[machine] ?? loadDefinition(machine)) as AslObject;
      const local = localizeDefinition(substitutePlaceholders(raw, this.#placeholders(region, accountId)), {
        timeScale: this.#env.timeScale,
        discrete: this.#scheduler !== undefined,
      });
      // The deployable definition is checked by asl-validator in the tests; the localized one
      // carries fractional intervals and wrapped parameters, which the validator need not see.
      const sm = new StateMachine(local.definition as never, { validationOptions: { noValidate: true } });
      compiled = { machine: sm, local };
      this.#compiled.set(key, compiled);
    }
    return compiled;
  }

  #measure(exec: Execution, state: string, kind: PayloadRecord['kind'], value: unknown): void {
    const bytes = jsonBytes(value);
    if (bytes > exec.largestPayloadBytes) exec.largestPayloadBytes = bytes;
    if (!this.#largest || bytes > this.#largest.bytes)
      this.#largest = { bytes, machine: exec.machine, state, kind };
    if (bytes > this.#maxPayload && !exec.limitError) {
      exec.limitError = new LimitExceeded(
        `${kind} of state ${state} in ${exec.machine} is ${bytes} bytes; step functions allows at most ${this.#maxPayload} (States.DataLimitExceeded)`,
      );
    }
  }

  #checkLimits(exec: Execution): void {
    if (exec.limitError) throw exec.limitError;
  }

  async #deps(exec: Execution): Promise<unknown> {
    exec.deps ??= (async () => {
      const progress = (p: AccountProgress): void =>
        this.#emit({ ...this.#base(exec), type: 'AccountProgress', progress: p });
      const scope: TaskScope = exec.account
        ? { machine: 'executor', account: exec.account, progress }
        : { machine: 'main', progress };
      return this.#env.taskDeps(scope);
    })();
    return exec.deps;
  }

  async #registry(): Promise<TaskRegistry> {
    return this.#env.tasks ?? loadDefaultRegistry();
  }

  /** Runs `work`, failing with `States.Timeout` after `timeoutSeconds` of virtual time. */
  async #withTimeout<T>(
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
      const timedOut = (): Error =>
        namedError('States.Timeout', `task timed out after ${timeoutSeconds} seconds`);
      if (timeoutSeconds !== undefined && scheduled) {
        const wakeMs = this.#env.now().getTime() + timeoutSeconds * 1000;
        racers.push(
          scheduled.timer(wakeMs, controller.signal).then(() => {
            throw timedOut();
          }),
        );
      } else if (timeoutSeconds !== undefined) {
        racers.push(
          new Promise<T>((_, reject) => {
            timer = setTimeout(() => reject(timedOut()), (timeoutSeconds * 1000) / this.#env.timeScale);
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

  async #invoke(exec: Execution, task: LocalTask, raw: unknown): Promise<unknown> {
    const token = exec.pendingToken;
    exec.pendingToken = undefined;
    const scheduled = exec.sched?.beginTask(task.stateName);
    try {
      if (!scheduled || !task.retriers) return await this.#invokeOnce(exec, task, raw, token, scheduled);
      // The interpreter retries at once (discrete time): the interval is waited out here, in
      // virtual time. A retry calls the handler again with the same input, hence the key.
      const key = `${task.stateName}\n${JSON.stringify(raw)}`;
      const plan = exec.retries.get(key);
      if (plan?.wakeMs !== undefined) await scheduled.sleepUntil(plan.wakeMs, exec.controller.signal);
      try {
        const result = await this.#invokeOnce(exec, task, raw, token, scheduled);
        exec.retries.delete(key);
        return result;
      } catch (err) {
        this.#planRetry(exec, task.retriers, key, err);
        throw err;
      }
    } finally {
      scheduled?.end();
    }
  }

  /**
   * Decides, as the interpreter will, whether a failed Task is retried, and when (virtual time):
   * first matching retrier, `IntervalSeconds x BackoffRate^attempts` capped by `MaxDelaySeconds`.
   */
  #planRetry(exec: Execution, retriers: readonly LocalRetrier[], key: string, err: unknown): void {
    const name = err instanceof Error ? err.name : 'Error';
    const retryable = (err as { isRetryable?: boolean } | null)?.isRetryable ?? true;
    const plan = exec.retries.get(key) ?? { attempts: retriers.map(() => 0) };
    exec.retries.delete(key);
    if (!retryable) return;
    for (const [i, retrier] of retriers.entries()) {
      // The interpreter's matching: the name, States.ALL, or States.TaskFailed for any Task error.
      const matches = retrier.errorEquals.some(
        (e) => e === name || e === 'States.ALL' || e === 'States.TaskFailed',
      );
      if (!matches) continue;
      const attempts = plan.attempts[i] ?? 0;
      if (attempts >= retrier.maxAttempts) return;
      const seconds = Math.min(
        retrier.intervalSeconds * retrier.backoffRate ** attempts,
        retrier.maxDelaySeconds ?? Number.POSITIVE_INFINITY,
      );
      plan.attempts[i] = attempts + 1;
      plan.wakeMs = this.#env.now().getTime() + seconds * 1000;
      exec.retries.set(key, plan);
      return;
    }
  }

  async #invokeOnce(
    exec: Execution,
    task: LocalTask,
    raw: unknown,
    token: string | undefined,
    scheduled: ScheduledTask | undefined,
  ): Promise<unknown> {
    this.#checkLimits(exec);
    let input = raw;
    let timeoutSeconds = task.timeoutSeconds;
    if (task.timeoutFromInput && isRecord(raw)) {
      input = raw[WRAPPED_PARAMETERS];
      const seconds = raw[WRAPPED_TIMEOUT];
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1) {
        throw namedError(
          'States.Runtime',
          `TimeoutSecondsPath of state ${task.stateName} gave ${JSON.stringify(seconds)}; expected an integer >= 1`,
        );
      }
      timeoutSeconds = seconds;
    }
    this.#measure(exec, task.stateName, 'task input', input);
    this.#checkLimits(exec);
    const result = await this.#withTimeout(exec, timeoutSeconds, scheduled, async (signal) => {
      const binding = task.binding;
      if (binding.kind === 'task') return this.#invokeTask(exec, binding.taskId, input, scheduled);
      if (binding.kind === 'startExecution') return this.#startExecution(exec, input, scheduled);
      if (binding.kind === 'wait') {
        // Only discrete time turns Waits into Tasks, so there is a scheduler.
        await scheduled?.sleepUntil(this.#env.now().getTime() + binding.seconds * 1000, signal);
        return input;
      }
      return this.#publish(
        exec,
        task.stateName,
        input,
        binding.waitForTaskToken ? (token ?? this.#mintToken()) : undefined,
        signal,
        scheduled,
      );
    });
    const json = asJson(result);
    this.#measure(exec, task.stateName, 'task result', json);
    this.#checkLimits(exec);
    return json;
  }

  async #invokeTask(
    exec: Execution,
    taskId: TaskId,
    input: unknown,
    scheduled: ScheduledTask | undefined,
  ): Promise<unknown> {
    const registry = await this.#registry();
    const fn = registry[taskId];
    if (typeof fn !== 'function')
      throw namedError('Lambda.ResourceNotFoundException', `no task function registered for ${taskId}`);
    const deps = await this.#deps(exec);
    try {
      // A Lambda receives a JSON copy of its event. Run inside the scheduled task so that the
      // task's own sleeps (deps.sleep) block it.
      const call = (): unknown => fn(asJson(input) as never, deps as never);
      return await (scheduled ? scheduled.run(call) : call());
    } catch (err) {
      throw lambdaError(err);
    }
  }

  #mintToken(): string {
    return randomBytes(48).toString('base64url');
  }

  async #publish(
    exec: Execution,
    stateName: string,
    input: unknown,
    token: string | undefined,
    signal: AbortSignal,
    scheduled: ScheduledTask | undefined,
  ): Promise<unknown> {
    const params = isRecord(input) ? input : {};
    const topicArn = String(params.TopicArn ?? '');
    const message = typeof params.Message === 'string' ? params.Message : JSON.stringify(params.Message);
    const subject = typeof params.Subject === 'string' ? params.Subject : undefined;
    const attributes: Record<string, string> = {};
    if (isRecord(params.MessageAttributes)) {
      for (const [key, attr] of Object.entries(params.MessageAttributes)) {
        if (isRecord(attr) && typeof attr.StringValue === 'string') attributes[key] = attr.StringValue;
      }
    }
    let published: { messageId?: string };
    try {
      published = await this.#env.publish({
        topicArn,
        message,
        ...(subject === undefined ? {} : { subject }),
        ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
      });
    } catch (err) {
      // Service integrations report errors as <Service>.<ExceptionName>.
      const name = err instanceof Error ? err.name : 'Error';
      throw namedError(`SNS.${name}`, err instanceof Error ? err.message : String(err));
    }
    if (token === undefined) return { MessageId: published.messageId ?? null };
    const request = {
      token,
      executionArn: exec.arn,
      stateName,
      topicArn,
      message,
      ...(subject === undefined ? {} : { subject }),
    };
    this.#emit({ ...this.#base(exec), type: 'ApprovalRequested', request });
    const approver = this.#env.approver;
    const pending = new Promise<ApprovalDecision>((resolve, reject) => {
      signal.addEventListener(
        'abort',
        () => reject(namedError('States.Runtime', 'the approval wait ended')),
        { once: true },
      );
      // Without an approver nobody answers: the state's timeout decides, as on AWS.
      approver?.(request, signal).then(resolve, reject);
    });
    // Discrete time: a pending approval is idle, so the state's timeout can come.
    const decision = await (scheduled ? scheduled.blockOn(pending, APPROVAL_WAIT) : pending);
    if (decision.approve) return decision.output ?? { approved: true };
    throw namedError(decision.error ?? 'ApprovalRejected', decision.cause ?? 'rejected by the approver');
  }

  #machineOfArn(arn: string): { machine: MachineName; region: string; accountId: string } {
    const match = /^arn:[a-z-]+:states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]+)$/.exec(arn);
    const machine = (Object.keys(this.#names) as MachineName[]).find((m) => this.#names[m] === match?.[3]);
    if (!match || !machine) {
      throw namedError(
        'StepFunctions.StateMachineDoesNotExistException',
        `state machine ${arn} does not exist locally`,
      );
    }
    return { machine, region: match[1] as string, accountId: match[2] as string };
  }

  async #startExecution(
    parent: Execution,
    input: unknown,
    scheduled: ScheduledTask | undefined,
  ): Promise<unknown> {
    const params = isRecord(input) ? input : {};
    const arn = String(params.StateMachineArn ?? '');
    const target = this.#machineOfArn(arn);
    const childInput = typeof params.Input === 'string' ? JSON.parse(params.Input) : (params.Input ?? {});
    let account: RuntimeAccount | undefined;
    if (target.machine === 'executor') {
      const given = isRecord(childInput) && isRecord(childInput.account) ? childInput.account : {};
      account = {
        accountId: target.accountId,
        region: target.region,
        roleArn: typeof given.roleArn === 'string' ? given.roleArn : '',
      };
    }
    const startDate = this.#env.now().getTime();
    const child = this.execute(target.machine, childInput, {
      ...(typeof params.Name === 'string' ? { name: params.Name } : {}),
      parent,
      region: target.region,
      accountId: target.accountId,
      ...(account ? { account } : {}),
    });
    // The parent's Task waits for its child: idle for the scheduler while the child works.
    const { exec, outcome } = await (scheduled
      ? scheduled.blockOn(child, `its child ${target.machine} execution in ${target.accountId}`)
      : child);
    const description = {
      ExecutionArn: exec.arn,
      StateMachineArn: exec.stateMachineArn,
      Name: exec.name,
      Status: outcome.status,
      StartDate: startDate,
      StopDate: this.#env.now().getTime(),
      Input: childInput,
    };
    if (outcome.status === 'SUCCEEDED') return { ...description, Output: outcome.output ?? null };
    throw namedError(
      'States.TaskFailed',
      JSON.stringify({ ...description, Error: outcome.error ?? '', Cause: outcome.cause ?? '' }),
    );
  }

  async #pump(
    exec: Execution,
    events: AsyncGenerator<unknown>,
    abort: () => void,
    waitStates: ReadonlySet<string>,
  ): Promise<void> {
    const lastError = new Map<string, string>();
    for await (const raw of events) {
      const event = raw as {
        type: string;
        state?: { name: string; type: string; input?: unknown; output?: unknown };
        Error?: string;
        retry?: { attempt: number };
      };
      // Wait states run as Tasks in discrete time; they are still Waits to everyone else.
      const state =
        event.state && waitStates.has(event.state.name) ? { ...event.state, type: 'Wait' } : event.state;
      exec.historyEvents += historyWeight(event.type, state?.type);
      if (exec.historyEvents > this.#maxHistory && !exec.limitError) {
        exec.limitError = new LimitExceeded(
          `execution ${exec.arn} has more than ${this.#maxHistory} history events; step functions fails it`,
        );
      }
      if (state && event.type === 'StateEntered') {
        exec.transitions += 1;
        this.#transitions[exec.machine] += 1;
        this.#measure(exec, state.name, 'state input', state.input);
        this.#emit({
          ...this.#base(exec),
          type: 'StateEntered',
          state: state.name,
          stateType: state.type,
          input: state.input,
        });
      } else if (state && event.type === 'StateExited') {
        this.#measure(exec, state.name, 'state output', state.output);
        this.#emit({
          ...this.#base(exec),
          type: 'StateExited',
          state: state.name,
          stateType: state.type,
          input: state.input,
          output: state.output,
        });
      } else if (state && event.type === 'StateFailed') {
        lastError.set(state.name, event.Error ?? 'Error');
      } else if (state && event.type === 'StateRetried') {
        exec.transitions += 1;
        this.#transitions[exec.machine] += 1;
        this.#emit({
          ...this.#base(exec),
          type: 'StateRetried',
          state: state.name,
          stateType: state.type,
          error: lastError.get(state.name) ?? 'Error',
          attempt: event.retry?.attempt ?? 0,
        });
      }
      if (exec.limitError) abort();
    }
  }

  #failure(exec: Execution, err: unknown): Outcome {
    if (exec.stalled) return { status: 'FAILED', error: exec.stalled.name, cause: exec.stalled.message };
    if (exec.limitError) {
      return { status: 'FAILED', error: exec.limitError.name, cause: exec.limitError.message };
    }
    if (err instanceof ExecutionAbortedError)
      return { status: 'ABORTED', error: 'States.Aborted', cause: 'execution aborted' };
    if (err instanceof ExecutionTimeoutError)
      return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'execution timed out' };
    const cause = err instanceof ExecutionError && err.cause instanceof Error ? err.cause : err;
    if (cause instanceof Error) return { status: 'FAILED', error: cause.name, cause: cause.message };
    return { status: 'FAILED', error: 'States.Runtime', cause: String(cause) };
  }

  async execute(
    machine: MachineName,
    input: unknown,
    opts: ExecuteOptions,
    signal?: AbortSignal,
  ): Promise<{ exec: Execution; outcome: Outcome }> {
    const name = opts.name ?? randomUUID();
    const stateMachineArn = this.stateMachineArn(machine, opts.region, opts.accountId);
    const exec: Execution = {
      arn: `arn:${this.#partition}:states:${opts.region}:${opts.accountId}:execution:${this.#names[machine]}:${name}`,
      name,
      machine,
      stateMachineArn,
      startTime: this.#now(),
      controller: new AbortController(),
      transitions: 0,
      historyEvents: 0,
      largestPayloadBytes: 0,
      retries: new Map(),
      ...(opts.account ? { account: opts.account } : {}),
    };
    // One abort listener per concurrent child and Task: ten accounts exceed Node's default of 10.
    setMaxListeners(0, exec.controller.signal);
    let abortRun = (): void => exec.controller.abort();
    // Registered before anything awaits, so the parent's wait for this child never looks idle alone.
    const sched = this.#scheduler?.beginExecution({
      name: `${machine}${exec.account ? ` ${exec.account.accountId}` : ''} execution ${name}`,
      onStall: (error) => {
        exec.stalled = error;
        abortRun();
      },
    });
    if (sched) exec.sched = sched;
    this.#emit({
      ...this.#base(exec),
      type: 'ExecutionStarted',
      ...(opts.parent ? { parentExecutionArn: opts.parent.arn } : {}),
      input,
    });
    let outcome: Outcome;
    try {
      const compiled = this.#compile(machine, opts.region, opts.accountId);
      const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
      for (const task of compiled.local.tasks.values())
        handlers[task.stateName] = (raw) => this.#invoke(exec, task, raw);
      const context = {
        Execution: {
          Id: exec.arn,
          Name: name,
          StartTime: exec.startTime,
          [VIRTUAL_START_TIME_FIELD]: exec.startTime,
          Input: input,
        },
        StateMachine: { Id: stateMachineArn, Name: this.#names[machine] },
        // `$$.Task.Token` is read while a Task's Parameters are evaluated, right before its handler
        // runs (synchronously), so one token serves every reference in one Task invocation.
        Task: {
          get Token(): string {
            exec.pendingToken ??= randomBytes(48).toString('base64url');
            return exec.pendingToken;
          },
        },
      };
      this.#measure(exec, '(execution input)', 'state input', input);
      const run = compiled.machine.run(input as never, {
        overrides: {
          taskResourceLocalHandlers: handlers as never,
          waitTimeOverrides: compiled.local.waitOverridesMs,
          retryIntervalOverrides: compiled.local.retryOverridesMs,
        },
        context: context as never,
      });
      const abort = (): void => {
        exec.controller.abort();
        run.abort();
      };
      abortRun = abort;
      if (exec.stalled) abort();
      const parentSignal = opts.parent?.controller.signal ?? signal;
      parentSignal?.addEventListener('abort', abort, { once: true });
      if (parentSignal?.aborted) abort();
      const pump = this.#pump(
        exec,
        run.eventLogs as AsyncGenerator<unknown>,
        abort,
        compiled.local.waitStates,
      );
      try {
        const output = await run.result;
        this.#measure(exec, '(execution output)', 'state output', output);
        outcome =
          exec.limitError || exec.stalled ? this.#failure(exec, undefined) : { status: 'SUCCEEDED', output };
      } catch (err) {
        outcome = this.#failure(exec, err);
      } finally {
        parentSignal?.removeEventListener('abort', abort);
      }
      await pump;
    } catch (err) {
      outcome = this.#failure(exec, err);
    }
    sched?.end();
    if (outcome.status === 'SUCCEEDED') {
      this.#emit({ ...this.#base(exec), type: 'ExecutionSucceeded', output: outcome.output });
    } else {
      this.#emit({
        ...this.#base(exec),
        type: 'ExecutionFailed',
        status: outcome.status,
        error: outcome.error ?? 'States.Runtime',
        cause: outcome.cause ?? '',
      });
    }
    exec.historyEvents += 2;
    this.#maxHistoryEvents = Math.max(this.#maxHistoryEvents, exec.historyEvents);
    this.#executions.push({
      executionArn: exec.arn,
      machine,
      ...(exec.account ? { accountId: exec.account.accountId } : {}),
      status: outcome.status,
      transitions: exec.transitions,
      historyEvents: exec.historyEvents,
      largestPayloadBytes: exec.largestPayloadBytes,
      startTime: exec.startTime,
      stopTime: this.#now(),
    });
    return { exec, outcome };
  }
}

/**
 * Runs a workflow locally to its end.
 *
 * `main`, `waves` and `drill-cleanup` run in the orchestrator account (`env.accountId`,
 * `env.region`); an `executor` run directly needs `input.account` (`{ accountId, region, roleArn }`).
 * Never throws for a failed execution: the result says FAILED with the error name and cause.
 *
 * @example
 * const result = await runStateMachine({ machine: 'main', input: { action: 'drill', tags: { 'DR-Wave': '1' } }, env });
 * if (result.status === 'SUCCEEDED') console.log(result.output);
 */
export async function runStateMachine(opts: RunStateMachineOptions): Promise<RunStateMachineResult> {
  // In discrete time a first-use SDK import is invisible to the scheduler: load them all up front.
  if (opts.env.scheduler) await preloadAwsSdks();
  const run = new Run(opts.env, opts.onEvent);
  let account: RuntimeAccount | undefined;
  let region = opts.env.region;
  let accountId = opts.env.accountId;
  if (opts.machine === 'executor') {
    const given = isRecord(opts.input) && isRecord(opts.input.account) ? opts.input.account : undefined;
    if (!given || typeof given.accountId !== 'string' || typeof given.region !== 'string') {
      throw new TypeError('executor input needs account.accountId and account.region');
    }
    account = { accountId: given.accountId, region: given.region, roleArn: String(given.roleArn ?? '') };
    region = account.region;
    accountId = account.accountId;
  }
  const { exec, outcome } = await run.execute(
    opts.machine,
    opts.input,
    {
      region,
      accountId,
      ...(opts.name === undefined ? {} : { name: opts.name }),
      ...(account ? { account } : {}),
    },
    opts.signal,
  );
  return {
    status: outcome.status,
    executionArn: exec.arn,
    ...(outcome.status === 'SUCCEEDED' ? { output: outcome.output } : {}),
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
    ...(outcome.cause === undefined ? {} : { cause: outcome.cause }),
    stats: run.stats(),
  };
}

/** Error names the runtime itself raises (besides task and definition errors). */
export const RUNTIME_ERROR_NAMES = {
  limit: ErrorNames.PayloadTooLarge,
  timeout: 'States.Timeout',
  childFailed: 'States.TaskFailed',
  approvalRejected: 'ApprovalRejected',
  /** Discrete time: no progress for the scheduler's stall timeout (a bug, reported loudly). */
  stalled: SCHEDULER_STALLED,
} as const;
