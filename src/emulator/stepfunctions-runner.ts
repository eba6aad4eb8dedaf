/**
 * Runs the executions of the emulator's Step Functions API through the local runtime (src/runtime)
 * with task deps pointed at the emulator itself, and turns what the runtime reports into Step
 * Functions history events. The runtime and the tasks are imported on the first execution only,
 * so an emulator that never runs a workflow stays light.
 */
import {
  bindingOf,
  DEFAULT_STATE_MACHINE_NAMES,
  loadDefinition,
  MACHINE_NAMES,
  type MachineName,
  TASK_NAMES,
  type TaskBinding,
  walkStates,
} from '../runtime/definitions.js';
import type {
  LocalRuntimeEnv,
  RuntimeEnv,
  RuntimeEvent,
  SnsMessage,
  TaskFunction,
  TaskRegistry,
  TaskScope,
} from '../runtime/index.js';
import type { VirtualClock } from './clock.js';
import { ExecutionRecord, type SfnStateMachine, type StepFunctionsState } from './services/stepfunctions.js';

/** Where the hosted state machines live and how their tasks reach the emulator. */
export interface StepFunctionsRunnerOptions {
  readonly state: StepFunctionsState;
  readonly clock: VirtualClock;
  /** The emulator's own endpoint (known once it listens). */
  readonly endpoint: () => string;
  /** Orchestrator-account credentials the workflows run with. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly orchestrator: {
    readonly accountId: string;
    readonly region: string;
    readonly resultsBucket?: string;
  };
  /** Staging accounts (each hosts an executor state machine). */
  readonly stagingAccounts: readonly { readonly accountId: string; readonly region: string }[];
}

/** What {@link createStepFunctionsRunner} returns. */
export interface StepFunctionsRunner {
  /** The state machines of an account. */
  stateMachines(accountId: string): readonly SfnStateMachine[];
  /** Runs an execution in the background (the `start` port of the handler). */
  start(execution: ExecutionRecord, input: unknown): void;
  /** Aborts every running execution (the emulator is stopping). */
  stopAll(): void;
}

/** The ARN of a hosted state machine. */
export function stateMachineArn(region: string, accountId: string, machine: MachineName): string {
  return `arn:aws:states:${region}:${accountId}:stateMachine:${DEFAULT_STATE_MACHINE_NAMES[machine]}`;
}

interface StateInfo {
  readonly type: string;
  readonly binding?: TaskBinding;
  readonly itemsPath?: string;
}

interface OpenState {
  readonly name: string;
  readonly enteredId: number;
  readonly binding: TaskBinding | undefined;
  /** A call (Lambda, child execution, publish) has been matched to this entry. */
  claimed: boolean;
}

interface Tracked {
  readonly record: ExecutionRecord;
  readonly machine: MachineName;
  readonly accountId: string;
  readonly region: string;
  readonly open: OpenState[];
  /** Set on a `.sync:2` child: resolves to where the parent's Task events continue. */
  parent?: Promise<{ readonly tracked: Tracked; readonly lastId: number }>;
}

const stateInfoCache = new Map<MachineName, Map<string, StateInfo>>();

function stateInfo(machine: MachineName): Map<string, StateInfo> {
  let info = stateInfoCache.get(machine);
  if (!info) {
    info = new Map();
    for (const s of walkStates(loadDefinition(machine))) {
      const resource = typeof s.state.Resource === 'string' ? s.state.Resource : undefined;
      const binding = resource === undefined ? undefined : bindingOf(resource);
      info.set(s.name, {
        type: String(s.state.Type),
        ...(binding ? { binding } : {}),
        ...(typeof s.state.ItemsPath === 'string' ? { itemsPath: s.state.ItemsPath } : {}),
      });
    }
    stateInfoCache.set(machine, info);
  }
  return info;
}

/** Evaluates a plain reference path (`$.a.b`) against a value. */
function atPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  if (!/^\$(\.[A-Za-z0-9_-]+)+$/.test(path)) return undefined;
  let current = value;
  for (const key of path.slice(2).split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function json(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const FUNCTION_NAMES = new Map(TASK_NAMES.map((t) => [t.taskId, t.functionName]));

interface RuntimeModules {
  readonly runtime: typeof import('../runtime/index.js');
  readonly tasks: TaskRegistry;
}

let modules: Promise<RuntimeModules> | undefined;

function loadModules(): Promise<RuntimeModules> {
  modules ??= Promise.all([import('../runtime/index.js'), import('../tasks/index.js')]).then(
    ([runtime, tasks]) => ({ runtime, tasks: tasks.tasks as unknown as TaskRegistry }),
  );
  return modules;
}

/** Creates the runner of the emulator's hosted state machines. */
export function createStepFunctionsRunner(opts: StepFunctionsRunnerOptions): StepFunctionsRunner {
  const { orchestrator } = opts;
  const machines: SfnStateMachine[] = [];
  for (const machine of MACHINE_NAMES) {
    if (machine === 'executor') continue;
    machines.push({
      arn: stateMachineArn(orchestrator.region, orchestrator.accountId, machine),
      name: DEFAULT_STATE_MACHINE_NAMES[machine],
      accountId: orchestrator.accountId,
      region: orchestrator.region,
      machine,
    });
  }
  for (const account of opts.stagingAccounts) {
    machines.push({
      arn: stateMachineArn(account.region, account.accountId, 'executor'),
      name: DEFAULT_STATE_MACHINE_NAMES.executor,
      accountId: account.accountId,
      region: account.region,
      machine: 'executor',
    });
  }
  const envs = new Map<number, Promise<LocalRuntimeEnv>>();
  const running = new Set<ExecutionRecord>();

  const envFor = async (timeScale: number): Promise<LocalRuntimeEnv> => {
    let env = envs.get(timeScale);
    if (!env) {
      env = loadModules().then(({ runtime }) =>
        runtime.createRuntimeEnv({
          endpoint: opts.endpoint(),
          credentials: opts.credentials,
          region: orchestrator.region,
          accountId: orchestrator.accountId,
          timeScale,
          now: () => opts.clock.now(),
          ...(orchestrator.resultsBucket ? { resultsBucket: orchestrator.resultsBucket } : {}),
        }),
      );
      envs.set(timeScale, env);
    }
    return env;
  };

  const nowMs = (): number => opts.clock.nowMs();

  async function run(execution: ExecutionRecord, input: unknown): Promise<void> {
    const { runtime, tasks } = await loadModules();
    // A frozen clock (0) cannot scale waits; they then last their real duration.
    const scale = opts.clock.timeScale > 0 ? opts.clock.timeScale : 1;
    const base = await envFor(scale);
    const machine = execution.stateMachine.machine as MachineName;
    const root: Tracked = {
      record: execution,
      machine,
      accountId: execution.stateMachine.accountId,
      region: execution.stateMachine.region,
      open: [],
    };
    const recorder = new RunRecorder(root, machines, opts.state, nowMs);
    const env: RuntimeEnv = {
      ...base,
      tasks: recorder.wrapTasks(tasks),
      taskDeps: (scope) => recorder.ownDeps(scope, base.taskDeps(scope)),
      publish: (message) => recorder.publish(message, (m) => base.publish(m)),
    };
    const result = await runtime.runStateMachine({
      machine,
      input,
      env,
      name: execution.name,
      signal: execution.controller.signal,
      onEvent: (event) => recorder.onEvent(event),
    });
    if (execution.status === 'RUNNING') {
      // The runtime's terminal event normally closes it; this covers a run that ended without one.
      execution.close(result.status, nowMs(), {
        ...(result.status === 'SUCCEEDED' ? { output: json(result.output) } : {}),
        ...(result.error === undefined ? {} : { error: result.error }),
        ...(result.cause === undefined ? {} : { cause: result.cause }),
      });
    }
  }

  return {
    stateMachines: (accountId) => machines.filter((m) => m.accountId === accountId),
    start(execution, input) {
      running.add(execution);
      run(execution, input)
        .catch((err: unknown) => {
          execution.close('FAILED', nowMs(), {
            error: 'States.Runtime',
            cause: err instanceof Error ? err.message : String(err),
          });
        })
        .finally(() => running.delete(execution));
    },
    stopAll() {
      for (const execution of running) {
        execution.close('ABORTED', nowMs(), { error: 'States.Aborted', cause: 'the emulator stopped' });
        execution.controller.abort();
      }
    },
  };
}

/** Turns one run's runtime events and task calls into the histories of its executions. */
class RunRecorder {
  readonly #byArn = new Map<string, Tracked>();
  readonly #order: Tracked[] = [];
  readonly #owners = new WeakMap<object, Tracked>();
  readonly #root: Tracked;
  readonly #machines: readonly SfnStateMachine[];
  readonly #state: StepFunctionsState;
  readonly #now: () => number;

  constructor(
    root: Tracked,
    machines: readonly SfnStateMachine[],
    state: StepFunctionsState,
    now: () => number,
  ) {
    this.#root = root;
    this.#machines = machines;
    this.#state = state;
    this.#now = now;
    this.#byArn.set(root.record.arn, root);
    this.#order.push(root);
  }

  onEvent(event: RuntimeEvent): void {
    // Input/output travel on the runtime's events when it reports them.
    const data = event as { readonly input?: unknown; readonly output?: unknown };
    const t = this.#now();
    if (event.type === 'ExecutionStarted') {
      if (event.parentExecutionArn === undefined) {
        this.#byArn.set(event.executionArn, this.#root);
        return;
      }
      this.#startChild(event, 'input' in data ? data.input : undefined, t);
      return;
    }
    const tracked = this.#byArn.get(event.executionArn);
    if (!tracked) return;
    const rec = tracked.record;
    switch (event.type) {
      case 'StateEntered': {
        const info = stateInfo(tracked.machine).get(event.state);
        const id = rec.record(`${event.stateType}StateEntered`, t, {
          name: event.state,
          ...('input' in data ? { input: json(data.input), inputDetails: { truncated: false } } : {}),
        });
        if (event.stateType === 'Task') {
          tracked.open.push({ name: event.state, enteredId: id, binding: info?.binding, claimed: false });
        } else if (event.stateType === 'Map') {
          const items = info?.itemsPath === undefined ? undefined : atPath(data.input, info.itemsPath);
          rec.record('MapStateStarted', t, Array.isArray(items) ? { length: items.length } : {});
        } else if (event.stateType === 'Parallel') {
          rec.record('ParallelStateStarted', t);
        }
        return;
      }
      case 'StateExited': {
        if (event.stateType === 'Fail') return;
        if (event.stateType === 'Map') rec.record('MapStateSucceeded', t);
        if (event.stateType === 'Parallel') rec.record('ParallelStateSucceeded', t);
        rec.record(`${event.stateType}StateExited`, t, {
          name: event.state,
          ...('output' in data ? { output: json(data.output), outputDetails: { truncated: false } } : {}),
        });
        if (event.stateType === 'Task') {
          const at = tracked.open.findIndex((o) => o.name === event.state);
          if (at >= 0) tracked.open.splice(at, 1);
        }
        return;
      }
      case 'ExecutionSucceeded':
        rec.close('SUCCEEDED', t, { output: json(event.output) });
        this.#finishChild(tracked, t, event.output);
        return;
      case 'ExecutionFailed':
        rec.close(event.status, t, { error: event.error, cause: event.cause });
        this.#finishChild(tracked, t, undefined, event.error, event.cause);
        return;
      default:
        return;
    }
  }

  #startChild(event: RuntimeEvent & { type: 'ExecutionStarted' }, input: unknown, t: number): void {
    const parent =
      event.parentExecutionArn === undefined ? undefined : this.#byArn.get(event.parentExecutionArn);
    const m = /^arn:([a-z-]+):states:([a-z0-9-]+):(\d{12}):execution:([^:]+):(.+)$/.exec(event.executionArn);
    if (!m) return;
    const [, partition, region = '', accountId = '', smName = '', name = ''] = m;
    const smArn = `arn:${partition}:states:${region}:${accountId}:stateMachine:${smName}`;
    const stateMachine = this.#machines.find((sm) => sm.arn === smArn) ?? {
      arn: smArn,
      name: smName,
      accountId,
      region,
      machine: event.machine,
    };
    // Without the runtime reporting the child's input, the account it runs for is what is known.
    const childInput =
      input !== undefined
        ? input
        : event.machine === 'executor'
          ? { account: { accountId: event.accountId ?? accountId, region } }
          : {};
    const record = this.#state.add(
      new ExecutionRecord({
        arn: event.executionArn,
        name,
        stateMachine,
        input: json(childInput),
        startMs: t,
        ...(parent ? { parentArn: parent.record.arn } : {}),
      }),
    );
    record.record('ExecutionStarted', t, {
      input: record.input,
      inputDetails: { truncated: false },
      roleArn: `arn:aws:iam::${accountId}:role/${smName}-role`,
    });
    const tracked: Tracked = { record, machine: event.machine, accountId, region, open: [] };
    this.#byArn.set(event.executionArn, tracked);
    this.#order.push(tracked);
    if (!parent) return;
    // The runtime reports the parent's Task state as entered asynchronously, after the child has
    // started: the parent's Task events wait for it to land.
    tracked.parent = nextTick().then(() =>
      this.#childScheduled(parent, event.executionArn, smArn, region, childInput),
    );
  }

  #childScheduled(
    parent: Tracked,
    childArn: string,
    smArn: string,
    region: string,
    childInput: unknown,
  ): { tracked: Tracked; lastId: number } {
    const t = this.#now();
    const open = parent.open.find((o) => !o.claimed && o.binding?.kind === 'startExecution');
    if (open) open.claimed = true;
    const task = { resourceType: 'states', resource: 'startExecution.sync:2' };
    const scheduled = parent.record.record(
      'TaskScheduled',
      t,
      { ...task, region, parameters: json({ StateMachineArn: smArn, Input: childInput }) },
      open?.enteredId,
    );
    const started = parent.record.record('TaskStarted', t, task, scheduled);
    const submitted = parent.record.record(
      'TaskSubmitted',
      t,
      {
        ...task,
        output: json({ ExecutionArn: childArn, StartDate: new Date(t).toISOString() }),
        outputDetails: { truncated: false },
      },
      started,
    );
    return { tracked: parent, lastId: submitted };
  }

  #finishChild(tracked: Tracked, t: number, output: unknown, error?: string, cause?: string): void {
    void tracked.parent?.then((link) => this.#childFinished(tracked, link, t, output, error, cause));
  }

  #childFinished(
    tracked: Tracked,
    link: { readonly tracked: Tracked; readonly lastId: number },
    t: number,
    output: unknown,
    error: string | undefined,
    cause: string | undefined,
  ): void {
    const rec = tracked.record;
    const description = {
      ExecutionArn: rec.arn,
      StateMachineArn: rec.stateMachine.arn,
      Name: rec.name,
      Status: rec.status,
      StartDate: rec.startMs,
      StopDate: rec.stopMs ?? t,
      Input: JSON.parse(rec.input) as unknown,
      InputDetails: { Included: true },
    };
    const task = { resourceType: 'states', resource: 'startExecution.sync:2' };
    if (error === undefined) {
      link.tracked.record.record(
        'TaskSucceeded',
        t,
        {
          ...task,
          output: json({ ...description, Output: output ?? null, OutputDetails: { Included: true } }),
          outputDetails: { truncated: false },
        },
        link.lastId,
      );
    } else {
      link.tracked.record.record(
        'TaskFailed',
        t,
        {
          ...task,
          error: 'States.TaskFailed',
          cause: json({ ...description, Error: error, Cause: cause ?? '' }),
        },
        link.lastId,
      );
    }
  }

  /** Remembers which execution a set of task deps belongs to (the runtime builds one per execution). */
  ownDeps(scope: TaskScope, deps: unknown): unknown {
    if (typeof deps !== 'object' || deps === null) return deps;
    const owner = [...this.#order].reverse().find((x) => {
      if (x.record.status !== 'RUNNING') return false;
      return scope.machine === 'executor'
        ? x.machine === 'executor' && x.accountId === scope.account.accountId
        : x.machine === 'main';
    });
    if (owner) this.#owners.set(deps, owner);
    return deps;
  }

  /** The task registry, recording each Lambda invocation in its execution's history. */
  wrapTasks(registry: TaskRegistry): TaskRegistry {
    const wrapped: Record<string, TaskFunction> = {};
    for (const [taskId, fn] of Object.entries(registry) as [keyof TaskRegistry, TaskFunction][]) {
      wrapped[taskId] = (async (event: unknown, deps: unknown) => {
        // The runtime reports the Task state as entered asynchronously; let it land first.
        await nextTick();
        const tracked = typeof deps === 'object' && deps !== null ? this.#owners.get(deps) : undefined;
        const call = tracked ? this.#lambdaStarted(tracked, taskId, event) : undefined;
        try {
          const result = await (fn as (e: unknown, d: unknown) => unknown)(event, deps);
          if (tracked && call !== undefined) {
            tracked.record.record(
              'LambdaFunctionSucceeded',
              this.#now(),
              { output: json(result), outputDetails: { truncated: false } },
              call,
            );
          }
          return result;
        } catch (err) {
          if (tracked && call !== undefined) {
            const name = err instanceof Error ? err.name : 'Error';
            const message = err instanceof Error ? err.message : String(err);
            tracked.record.record(
              'LambdaFunctionFailed',
              this.#now(),
              { error: name, cause: json({ errorType: name, errorMessage: message, trace: [] }) },
              call,
            );
          }
          throw err;
        }
      }) as TaskFunction;
    }
    return wrapped as TaskRegistry;
  }

  #lambdaStarted(tracked: Tracked, taskId: string, event: unknown): number {
    const open = [...tracked.open]
      .reverse()
      .find((o) => o.binding?.kind === 'task' && o.binding.taskId === taskId);
    const t = this.#now();
    const fn = FUNCTION_NAMES.get(taskId as never) ?? taskId;
    const scheduled = tracked.record.record(
      'LambdaFunctionScheduled',
      t,
      {
        resource: `arn:aws:lambda:${tracked.region}:${tracked.accountId}:function:${fn}`,
        input: json(event),
        inputDetails: { truncated: false },
      },
      open?.enteredId,
    );
    return tracked.record.record('LambdaFunctionStarted', t, undefined, scheduled);
  }

  /** Publishes for an `sns:publish` state, recording the Task events in its execution. */
  async publish(
    message: SnsMessage,
    send: (m: SnsMessage) => Promise<{ messageId?: string }>,
  ): Promise<{ messageId?: string }> {
    await nextTick();
    let owner: Tracked | undefined;
    let open: OpenState | undefined;
    for (const x of this.#order) {
      open = x.open.find((o) => !o.claimed && o.binding?.kind === 'snsPublish');
      if (open) {
        owner = x;
        break;
      }
    }
    const wait = open?.binding?.kind === 'snsPublish' && open.binding.waitForTaskToken;
    const task = { resourceType: 'sns', resource: wait ? 'publish.waitForTaskToken' : 'publish' };
    let started: number | undefined;
    if (owner && open) {
      open.claimed = true;
      const t = this.#now();
      const scheduled = owner.record.record(
        'TaskScheduled',
        t,
        {
          ...task,
          region: message.topicArn.split(':')[3] ?? owner.region,
          parameters: json({
            TopicArn: message.topicArn,
            Message: message.message,
            ...(message.subject === undefined ? {} : { Subject: message.subject }),
          }),
        },
        open.enteredId,
      );
      started = owner.record.record('TaskStarted', t, task, scheduled);
    }
    try {
      const out = await send(message);
      if (owner && started !== undefined) {
        owner.record.record(
          wait ? 'TaskSubmitted' : 'TaskSucceeded',
          this.#now(),
          {
            ...task,
            output: json({ MessageId: out.messageId ?? null }),
            outputDetails: { truncated: false },
          },
          started,
        );
      }
      return out;
    } catch (err) {
      if (owner && started !== undefined) {
        owner.record.record(
          'TaskFailed',
          this.#now(),
          {
            ...task,
            error: `SNS.${err instanceof Error ? err.name : 'Error'}`,
            cause: err instanceof Error ? err.message : String(err),
          },
          started,
        );
      }
      throw err;
    }
  }
}
