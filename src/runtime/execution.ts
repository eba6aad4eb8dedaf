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
import {
  type AslObject,
  loadDefinition,
  type MachineName,
  substitutePlaceholders,
  walkStates,
} from './definitions.js';
import { ensureInterpreterErrors, statesRuntimeError } from './errors.js';
import type {
  DistributiveOmit,
  ExecuteOptions,
  Execution,
  ExecutionHost,
  Outcome,
} from './execution-host.js';
import {
  ExecutionHistory,
  type HistoryListener,
  historyJson,
  TaskCauses,
  TERMINAL_EVENT,
} from './history.js';
import { inProcessExecutors } from './integrations/executors.js';
import { inProcessCallbacks } from './integrations/task-tokens.js';
import {
  type LocalDefinition,
  localizeDefinition,
  mapRunTaskName,
  VIRTUAL_START_TIME_FIELD,
} from './localize.js';
import { isRecord, Meter } from './metering.js';

import type { DiscreteScheduler } from './scheduler.js';
import { invokeTaskState, mintTaskToken } from './task-state.js';
import type {
  AccountProgress,
  RuntimeEnv,
  RuntimeEvent,
  RuntimeEventBase,
  TaskRegistry,
  TaskScope,
} from './types.js';

interface CompiledMachine {
  readonly machine: StateMachine;
  readonly local: LocalDefinition;
  /** `ItemsPath` of each Map state (for `MapStateStarted.length`). */
  readonly itemsPaths: ReadonlyMap<string, string>;
  /** The ItemProcessor of each Distributed Map, compiled as its child executions' machine. */
  readonly processors: ReadonlyMap<string, StateMachine>;
}

/** Evaluates a plain reference path (`$.a.b`) against a value. */
function atPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  if (!/^\$(\.[A-Za-z0-9_-]+)+$/.test(path)) return undefined;
  let current = value;
  for (const key of path.slice(2).split('.')) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
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
  readonly #onHistory: HistoryListener | undefined;
  readonly #scheduler: DiscreteScheduler | undefined;
  readonly #compiled = new Map<string, CompiledMachine>();
  readonly #running = new Map<string, Execution>();

  constructor(
    env: RuntimeEnv,
    onEvent: ((event: RuntimeEvent) => void) | undefined,
    onHistory?: HistoryListener,
  ) {
    this.#scheduler = env.scheduler;
    if (!this.#scheduler && (!(env.timeScale > 0) || !Number.isFinite(env.timeScale))) {
      throw new RangeError(`time scale ${env.timeScale} is invalid; expected a finite number > 0`);
    }
    this.env = env;
    this.#onEvent = onEvent;
    this.#onHistory = onHistory;
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
      const itemsPaths = new Map<string, string>();
      for (const { name, state } of walkStates(local.definition)) {
        if (state.Type === 'Map')
          itemsPaths.set(name, typeof state.ItemsPath === 'string' ? state.ItemsPath : '$');
      }
      const processors = new Map<string, StateMachine>();
      for (const [mapName, { processor }] of local.distributedMaps) {
        processors.set(
          mapName,
          new StateMachine(processor as never, { validationOptions: { noValidate: true } }),
        );
      }
      compiled = { machine: sm, local, itemsPaths, processors };
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
      const deps = await this.env.taskDeps(scope);
      if (typeof deps !== 'object' || deps === null) return deps;
      if (exec.account) {
        // Against real AWS nobody there knows this run's task tokens: executors answer in-process.
        if (this.env.taskTokenAnswers !== 'emulator') {
          (deps as { callbacks?: unknown }).callbacks = inProcessCallbacks();
        }
        return deps;
      }
      // The main machine's tasks start the executors as executions of this run. Set on the deps
      // object itself (built for this execution alone), which observers may know by identity.
      (deps as { executors?: unknown }).executors = inProcessExecutors(this, exec);
      return deps;
    })();
    return exec.deps;
  }

  async registry(): Promise<TaskRegistry> {
    return this.env.tasks ?? loadDefaultRegistry();
  }

  /**
   * Stops a running execution of this run (root or child), as StopExecution does: its history
   * ends at once with `ExecutionAborted` (`error`/`cause` as given), then its run is aborted.
   *
   * @returns false when no execution of that ARN is running
   */
  stop(executionArn: string, reason: { readonly error?: string; readonly cause?: string } = {}): boolean {
    const exec = this.#running.get(executionArn);
    if (!exec || exec.history.closed) return false;
    exec.stopped = reason;
    exec.history.record(TERMINAL_EVENT.ABORTED, () => ({
      ...(reason.error === undefined ? {} : { error: reason.error }),
      ...(reason.cause === undefined ? {} : { cause: reason.cause }),
    }));
    exec.abort();
    return true;
  }

  /** Follows the interpreter's events: history, metering, limits and the runtime's own events. */
  async #pump(exec: Execution, events: AsyncGenerator<unknown>, compiled: CompiledMachine): Promise<void> {
    const { waitStates, distributedMaps } = compiled.local;
    const mapRunTasks = new Set([...distributedMaps.keys()].map(mapRunTaskName));
    const { history } = exec;
    const lastError = new Map<string, string>();
    try {
      for await (const raw of events) {
        const event = raw as {
          type: string;
          state?: { name: string; type: string; input?: unknown; output?: unknown };
          Error?: string;
          retry?: { attempt: number };
          index?: number;
          parentState?: { name: string };
        };
        // Wait states run as Tasks in discrete time; they are still Waits to everyone else.
        const state =
          event.state && waitStates.has(event.state.name) ? { ...event.state, type: 'Wait' } : event.state;
        // A Distributed Map's iterations are child executions: nothing of them is in this history.
        if (state && mapRunTasks.has(state.name)) continue;
        if (
          event.type.startsWith('MapIteration') &&
          event.parentState &&
          distributedMaps.has(event.parentState.name)
        )
          continue;
        const distributed = state?.type === 'Map' && distributedMaps.has(state.name);
        if (state && event.type === 'StateEntered') {
          this.meter.transition(exec);
          this.meter.payload(exec, state.name, 'state input', state.input);
          const entered = history.record(`${state.type}StateEntered`, () => ({
            name: state.name,
            input: historyJson(state.input),
            inputDetails: { truncated: false },
          }));
          if (state.type === 'Task') exec.causes.offer(state.name, entered);
          if (distributed) {
            const { label } = distributedMaps.get(state.name) as { label: string };
            history.record('MapRunStarted', () => ({
              mapRunArn: `${exec.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${label}:${exec.name}`,
            }));
          } else if (state.type === 'Map') {
            const items = atPath(state.input, compiled.itemsPaths.get(state.name) ?? '$');
            history.record('MapStateStarted', () => (Array.isArray(items) ? { length: items.length } : {}));
          }
          if (state.type === 'Parallel') history.record('ParallelStateStarted', () => ({}));
          this.emit(exec, {
            type: 'StateEntered',
            state: state.name,
            stateType: state.type,
            input: state.input,
          });
        } else if (state && event.type === 'StateExited') {
          this.meter.payload(exec, state.name, 'state output', state.output);
          if (state.type === 'Map') history.record(distributed ? 'MapRunSucceeded' : 'MapStateSucceeded');
          if (state.type === 'Parallel') history.record('ParallelStateSucceeded');
          if (state.type !== 'Fail') {
            history.record(`${state.type}StateExited`, () => ({
              name: state.name,
              output: historyJson(state.output),
              outputDetails: { truncated: false },
            }));
          }
          this.emit(exec, {
            type: 'StateExited',
            state: state.name,
            stateType: state.type,
            input: state.input,
            output: state.output,
          });
        } else if (state && event.type === 'StateFailed') {
          lastError.set(state.name, event.Error ?? 'Error');
          if (state.type === 'Map') history.record(distributed ? 'MapRunFailed' : 'MapStateFailed');
          if (state.type === 'Parallel') history.record('ParallelStateFailed');
        } else if (state && event.type === 'StateRetried') {
          this.meter.transition(exec);
          if (state.type === 'Task') {
            exec.causes.offer(state.name, exec.lastFailure.get(state.name) ?? history.size);
          }
          this.emit(exec, {
            type: 'StateRetried',
            state: state.name,
            stateType: state.type,
            error: lastError.get(state.name) ?? 'Error',
            attempt: event.retry?.attempt ?? 0,
          });
        } else if (event.type.startsWith('MapIteration') && event.parentState) {
          // MapIterationStarted / Succeeded / Failed: the interpreter uses Step Functions' names.
          const details = { name: event.parentState.name, index: event.index ?? 0 };
          history.record(event.type, () => details);
        }
        if (exec.limitError) exec.abort();
      }
    } finally {
      exec.causes.end();
    }
  }

  #failure(exec: Execution, err: unknown): Outcome {
    if (exec.stalled) return { status: 'FAILED', error: exec.stalled.name, cause: exec.stalled.message };
    if (exec.limitError) {
      return { status: 'FAILED', error: exec.limitError.name, cause: exec.limitError.message };
    }
    if (exec.stopped) {
      return {
        status: 'ABORTED',
        ...(exec.stopped.error === undefined ? {} : { error: exec.stopped.error }),
        ...(exec.stopped.cause === undefined ? {} : { cause: exec.stopped.cause }),
      };
    }
    if (err instanceof ExecutionAbortedError)
      return { status: 'ABORTED', error: 'States.Aborted', cause: 'execution aborted' };
    if (err instanceof ExecutionTimeoutError)
      return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'execution timed out' };
    const cause = err instanceof ExecutionError && err.cause instanceof Error ? err.cause : err;
    if (cause instanceof Error) return { status: 'FAILED', error: cause.name, cause: cause.message };
    return { status: 'FAILED', error: 'States.Runtime', cause: String(cause) };
  }

  /**
   * Runs an execution to its end. Everything up to its `ExecutionStarted` event happens
   * synchronously in this call, so a caller sees the execution registered when the call returns.
   */
  async execute(
    machine: MachineName,
    input: unknown,
    opts: ExecuteOptions,
    signal?: AbortSignal,
  ): Promise<{ exec: Execution; outcome: Outcome }> {
    const name = opts.name ?? randomUUID();
    const rootArn = this.arns.stateMachine(machine, opts.region, opts.accountId);
    // A map run's child belongs to the Map's own qualified machine (`stateMachine:<name>/<label>`).
    const stateMachineArn = opts.mapRun ? `${rootArn}/${opts.mapRun.label}` : rootArn;
    const arn = opts.mapRun
      ? `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`
      : this.arns.execution(machine, opts.region, opts.accountId, name);
    const controller = new AbortController();
    const exec: Execution = {
      arn,
      name,
      machine,
      stateMachineArn,
      region: opts.region,
      accountId: opts.accountId,
      startTime: this.#now(),
      controller,
      abort: () => controller.abort(),
      transitions: 0,
      historyEvents: 0,
      largestPayloadBytes: 0,
      retries: new Map(),
      causes: new TaskCauses(),
      lastFailure: new Map(),
      history: new ExecutionHistory(
        {
          executionArn: arn,
          stateMachineArn,
          name,
          machine,
          ...(opts.account ? { accountId: opts.account.accountId } : {}),
          ...(opts.parent ? { parentExecutionArn: opts.parent.arn } : {}),
        },
        () => this.env.now().getTime(),
        this.#onHistory,
        (events) => this.meter.history(exec, events),
      ),
      ...(opts.account ? { account: opts.account } : {}),
    };
    this.#running.set(arn, exec);
    // One abort listener per concurrent child and Task: ten accounts exceed Node's default of 10.
    setMaxListeners(0, exec.controller.signal);
    // Registered before anything awaits, so the parent's wait for this child never looks idle alone.
    const sched = this.#scheduler?.beginExecution({
      name: `${machine}${exec.account ? ` ${exec.account.accountId}` : ''} execution ${name}`,
      onStall: (error) => {
        exec.stalled = error;
        exec.abort();
      },
    });
    if (sched) exec.sched = sched;
    exec.history.record('ExecutionStarted', () => ({
      input: historyJson(input),
      inputDetails: { truncated: false },
      roleArn: `arn:${this.arns.partition}:iam::${opts.accountId}:role/${this.arns.names[machine]}-role`,
    }));
    this.emit(exec, {
      type: 'ExecutionStarted',
      ...(opts.parent ? { parentExecutionArn: opts.parent.arn } : {}),
      input,
    });
    let outcome: Outcome;
    try {
      await ensureInterpreterErrors();
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
      const sm = opts.mapRun ? compiled.processors.get(opts.mapRun.mapName) : compiled.machine;
      if (!sm) throw statesRuntimeError(`no distributed map ${opts.mapRun?.mapName} in ${machine}`);
      const run = sm.run(input as never, {
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
      exec.abort = abort;
      if (exec.stalled || exec.stopped) abort();
      const parentSignal = opts.parent?.controller.signal ?? signal;
      parentSignal?.addEventListener('abort', abort, { once: true });
      if (parentSignal?.aborted) abort();
      const pump = this.#pump(exec, run.eventLogs as AsyncGenerator<unknown>, compiled);
      try {
        const output = await run.result;
        this.meter.payload(exec, '(execution output)', 'state output', output);
        outcome =
          exec.limitError || exec.stalled || exec.stopped
            ? this.#failure(exec, undefined)
            : { status: 'SUCCEEDED', output };
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
    this.#running.delete(arn);
    const { status } = outcome;
    exec.history.record(TERMINAL_EVENT[status], () =>
      status === 'SUCCEEDED'
        ? { output: historyJson(outcome.output), outputDetails: { truncated: false } }
        : {
            ...(outcome.error === undefined ? {} : { error: outcome.error }),
            ...(outcome.cause === undefined ? {} : { cause: outcome.cause }),
          },
    );
    if (status === 'SUCCEEDED') {
      this.emit(exec, { type: 'ExecutionSucceeded', output: outcome.output });
    } else {
      this.emit(exec, {
        type: 'ExecutionFailed',
        status,
        error: outcome.error ?? (status === 'ABORTED' ? 'States.Aborted' : 'States.Runtime'),
        cause: outcome.cause ?? '',
      });
    }
    this.meter.ended({
      executionArn: exec.arn,
      machine,
      ...(exec.account ? { accountId: exec.account.accountId } : {}),
      status,
      transitions: exec.transitions,
      historyEvents: exec.history.size,
      largestPayloadBytes: exec.largestPayloadBytes,
      startTime: exec.startTime,
      stopTime: this.#now(),
    });
    return { exec, outcome };
  }
}
