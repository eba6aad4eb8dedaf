/**
 * The execution lifecycle: one call of `runStateMachine` is a {@link Run}; each execution (the
 * root and every child) is compiled, started in the interpreter with the context AWS fills in,
 * followed through the interpreter's event stream, metered and ended with one outcome.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
} from 'aws-local-stepfunctions';
import { Arns } from './arns.js';
import { type AslObject, loadDefinition, type MachineName, substitutePlaceholders } from './definitions.js';
import { type LocalDefinition, localizeDefinition, VIRTUAL_START_TIME_FIELD } from './localize.js';
import { historyWeight, Meter, type MeteredExecution } from './metering.js';
import type { RetryPlan } from './retry.js';
import type { DiscreteScheduler, ScheduledExecution, SchedulerStalled } from './scheduler.js';
import { invokeTaskState, mintTaskToken } from './task-state.js';
import type {
  AccountProgress,
  ExecutionStatus,
  RuntimeAccount,
  RuntimeEnv,
  RuntimeEvent,
  RuntimeEventBase,
  TaskRegistry,
  TaskScope,
} from './types.js';

/** An execution in progress (root or child). */
export interface Execution extends MeteredExecution {
  readonly name: string;
  readonly stateMachineArn: string;
  readonly account?: RuntimeAccount;
  readonly startTime: string;
  readonly controller: AbortController;
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

/** How an execution ended. */
export interface Outcome {
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/** Where and how an execution runs. */
export interface ExecuteOptions {
  readonly name?: string;
  readonly parent?: Execution;
  /** Region and account the machine runs in. */
  readonly region: string;
  readonly accountId: string;
  /** Staging account of an executor. */
  readonly account?: RuntimeAccount;
}

/** What a Task integration may use of the run it belongs to. */
export interface ExecutionHost {
  readonly env: RuntimeEnv;
  readonly arns: Arns;
  readonly meter: Meter;
  /** Emits an event of `exec` (time, machine, ARN and account filled in). */
  emit(exec: Execution, event: DistributiveOmit<RuntimeEvent, keyof RuntimeEventBase>): void;
  /** The task deps of `exec`'s scope (built once per execution). */
  deps(exec: Execution): Promise<unknown>;
  registry(): Promise<TaskRegistry>;
  /** Runs a (child) execution to its end. */
  execute(
    machine: MachineName,
    input: unknown,
    opts: ExecuteOptions,
  ): Promise<{ exec: Execution; outcome: Outcome }>;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface CompiledMachine {
  readonly machine: StateMachine;
  readonly local: LocalDefinition;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

/** One call of `runStateMachine`: the root execution and its children share the meter. */
export class Run implements ExecutionHost {
  readonly env: RuntimeEnv;
  readonly arns: Arns;
  readonly meter: Meter;
  readonly #onEvent: ((event: RuntimeEvent) => void) | undefined;
  readonly #scheduler: DiscreteScheduler | undefined;
  readonly #compiled = new Map<string, CompiledMachine>();

  constructor(env: RuntimeEnv, onEvent: ((event: RuntimeEvent) => void) | undefined) {
    this.#scheduler = env.scheduler;
    if (!this.#scheduler && (!(env.timeScale > 0) || !Number.isFinite(env.timeScale))) {
      throw new RangeError(`time scale ${env.timeScale} is invalid; expected a finite number > 0`);
    }
    this.env = env;
    this.#onEvent = onEvent;
    this.arns = new Arns(env.partition, env.stateMachineNames);
    this.meter = new Meter(env.limits);
  }

  #now(): string {
    return this.env.now().toISOString();
  }

  emit(exec: Execution, event: DistributiveOmit<RuntimeEvent, keyof RuntimeEventBase>): void {
    const full = {
      time: this.#now(),
      machine: exec.machine,
      executionArn: exec.arn,
      ...(exec.account ? { accountId: exec.account.accountId } : {}),
      ...event,
    } as RuntimeEvent;
    try {
      this.#onEvent?.(full);
    } catch {
      // A renderer that throws must not change the outcome of a disaster-recovery run.
    }
  }

  #compile(machine: MachineName, region: string, accountId: string): CompiledMachine {
    const key = `${machine}|${region}|${accountId}`;
    let compiled = this.#compiled.get(key);
    if (!compiled) {
      const raw = structuredClone(this.env.definitions?.[machine] ?? loadDefinition(machine)) as AslObject;
      const values = this.arns.placeholders(region, accountId, this.env, this.env.placeholders);
      const local = localizeDefinition(substitutePlaceholders(raw, values), {
        timeScale: this.env.timeScale,
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

  async deps(exec: Execution): Promise<unknown> {
    exec.deps ??= (async () => {
      const progress = (p: AccountProgress): void =>
        this.emit(exec, { type: 'AccountProgress', progress: p });
      const scope: TaskScope = exec.account
        ? { machine: 'executor', account: exec.account, progress }
        : { machine: 'main', progress };
      return this.env.taskDeps(scope);
    })();
    return exec.deps;
  }

  async registry(): Promise<TaskRegistry> {
    return this.env.tasks ?? loadDefaultRegistry();
  }

  /** Follows the interpreter's events: metering, limits and the runtime's own events. */
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
      this.meter.history(exec, historyWeight(event.type, state?.type));
      if (state && event.type === 'StateEntered') {
        this.meter.transition(exec);
        this.meter.payload(exec, state.name, 'state input', state.input);
        this.emit(exec, {
          type: 'StateEntered',
          state: state.name,
          stateType: state.type,
          input: state.input,
        });
      } else if (state && event.type === 'StateExited') {
        this.meter.payload(exec, state.name, 'state output', state.output);
        this.emit(exec, {
          type: 'StateExited',
          state: state.name,
          stateType: state.type,
          input: state.input,
          output: state.output,
        });
      } else if (state && event.type === 'StateFailed') {
        lastError.set(state.name, event.Error ?? 'Error');
      } else if (state && event.type === 'StateRetried') {
        this.meter.transition(exec);
        this.emit(exec, {
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
    const stateMachineArn = this.arns.stateMachine(machine, opts.region, opts.accountId);
    const exec: Execution = {
      arn: this.arns.execution(machine, opts.region, opts.accountId, name),
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
    this.emit(exec, {
      type: 'ExecutionStarted',
      ...(opts.parent ? { parentExecutionArn: opts.parent.arn } : {}),
      input,
    });
    let outcome: Outcome;
    try {
      const compiled = this.#compile(machine, opts.region, opts.accountId);
      const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
      for (const task of compiled.local.tasks.values())
        handlers[task.stateName] = (raw) => invokeTaskState(this, exec, task, raw);
      const context = {
        Execution: {
          Id: exec.arn,
          Name: name,
          StartTime: exec.startTime,
          [VIRTUAL_START_TIME_FIELD]: exec.startTime,
          Input: input,
        },
        StateMachine: { Id: stateMachineArn, Name: this.arns.names[machine] },
        // `$$.Task.Token` is read while a Task's Parameters are evaluated, right before its handler
        // runs (synchronously), so one token serves every reference in one Task invocation.
        Task: {
          get Token(): string {
            exec.pendingToken ??= mintTaskToken();
            return exec.pendingToken;
          },
        },
      };
      this.meter.payload(exec, '(execution input)', 'state input', input);
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
        this.meter.payload(exec, '(execution output)', 'state output', output);
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
      this.emit(exec, { type: 'ExecutionSucceeded', output: outcome.output });
    } else {
      this.emit(exec, {
        type: 'ExecutionFailed',
        status: outcome.status,
        error: outcome.error ?? 'States.Runtime',
        cause: outcome.cause ?? '',
      });
    }
    exec.historyEvents += 2;
    this.meter.ended({
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
