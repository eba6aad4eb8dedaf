/**
 * Public types of the local Step Functions runtime: its environment, its event stream and its
 * result (docs/design/data-flow.md, "Local runtime API").
 */
import type { AccountProgress } from '../core/model.js';
import type { AslObject, MachineName, TaskId } from './definitions.js';
import type { HistoryListener } from './history.js';
import type { DiscreteScheduler } from './scheduler.js';

export type { AccountProgress };

/**
 * A task function: `(event, deps) => result`, JSON in and JSON out. Typed loosely here so that
 * the runtime does not depend on each task's event type; the registry in `src/tasks` is the real one.
 */
export type TaskFunction = (event: never, deps: never) => unknown;

/** Task functions by task id. */
export type TaskRegistry = Readonly<Record<TaskId, TaskFunction>>;

/** A staging account as the executor sees it (`AccountRef` of data-flow.md). */
export interface RuntimeAccount {
  readonly accountId: string;
  readonly region: string;
  readonly roleArn: string;
}

/** Where a set of task deps is used: the main machine (orchestrator account) or one executor. */
export type TaskScope =
  | {
      readonly machine: 'main';
      /** Forward progress reports to the event stream. */
      readonly progress: (progress: AccountProgress) => void;
    }
  | {
      readonly machine: 'executor';
      /** The staging account the executor runs in. */
      readonly account: RuntimeAccount;
      /** Forward progress reports to the event stream. */
      readonly progress: (progress: AccountProgress) => void;
    };

/** What a Lambda function answered: its payload, and `functionError` when it failed. */
export interface FunctionAnswer {
  readonly statusCode: number;
  readonly payload: unknown;
  readonly functionError?: string;
  readonly executedVersion?: string;
}

/** An `sns:publish` integration call. */
export interface SnsMessage {
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  /** String attributes (the approval task token travels as `TaskToken`). */
  readonly attributes?: Readonly<Record<string, string>>;
}

/**
 * An `sns:publish.waitForTaskToken` Task (an approval) waiting for the answer to its token, as the
 * `ApprovalRequested` event tells it. Answer it like any task token: `answerTaskToken(token, ...)`
 * in this process, or SendTaskSuccess / SendTaskFailure through the emulator.
 */
export interface ApprovalRequest {
  readonly token: string;
  readonly executionArn: string;
  readonly stateName: string;
  readonly topicArn: string;
  readonly subject?: string;
  /** The published message (with the exact approve/reject commands). */
  readonly message: string;
}

/** Step Functions' limits, enforced locally. */
export interface RuntimeLimits {
  /** Bytes of UTF-8 JSON per state input/output and task input/result. @default 262144 */
  readonly maxPayloadBytes?: number;
  /** Events in one execution's history (estimated like AWS counts them). @default 25000 */
  readonly maxHistoryEvents?: number;
}

/**
 * Everything the runtime needs from the outside world.
 *
 * @example
 * const env: RuntimeEnv = {
 *   accountId: '123456789012', region: 'us-east-1', timeScale: 1000, now: () => emu.clock.now(),
 *   taskDeps: (scope) => createTaskDeps(...), publish: (m) => sns.publish(m),
 * };
 */
export interface RuntimeEnv {
  /** The orchestrator account (ARNs of the main, waves and drill-cleanup machines and their Lambdas). */
  readonly accountId: string;
  /** The orchestrator's region. */
  readonly region: string;
  /** @default 'aws' */
  readonly partition?: string;
  /**
   * Virtual seconds per wall second (the emulator clock's; 1 against real AWS). Must be > 0,
   * except with a {@link RuntimeEnv.scheduler}, which ignores it.
   */
  readonly timeScale: number;
  /** Virtual now (the emulator clock; the wall clock against real AWS). */
  now(): Date;
  /**
   * Discrete virtual time: the clock is frozen and this scheduler moves it to the next wake-up
   * when every execution is idle (Retry intervals, Wait states, task timeouts and the tasks'
   * sleeps all wait in it). `now` must read the scheduler's clock and `taskDeps` should sleep
   * with `scheduler.sleep`.
   * @default none: time-scaled mode (waits are wall time divided by `timeScale`)
   */
  readonly scheduler?: DiscreteScheduler;
  /** Builds the deps the tasks of one scope receive. Called once per execution. */
  taskDeps(scope: TaskScope): unknown;
  /** Publishes for `sns:publish` states (in the orchestrator account). */
  publish(message: SnsMessage): Promise<{ messageId?: string }>;
  /**
   * Makes an `aws-sdk:<service>:<action>` call (in the orchestrator Region) with the Task's
   * Parameters, answering the API's output; throws the SDK's error. In the orchestrator account,
   * or with `options.roleArn` (the Task's `Credentials`) as that role, assumed over STS; an error
   * named `AssumeRoleFailed` when the role cannot be assumed.
   * @default none: a Task of an AWS SDK integration fails with States.Runtime
   */
  awsSdkCall?(
    service: string,
    action: string,
    parameters: Readonly<Record<string, unknown>>,
    options?: { readonly roleArn?: string },
  ): Promise<unknown>;
  /**
   * Invokes a Lambda function that is not one of ours (`lambda:invoke` of a runbook's lambda step).
   * @default none: such a Task fails with Lambda.ResourceNotFoundException
   */
  invokeFunction?(functionName: string, payload: unknown): Promise<FunctionAnswer>;
  /** @default the registry of `src/tasks` */
  readonly tasks?: TaskRegistry;
  /** State machine names (the last part of their ARNs). @default DEFAULT_STATE_MACHINE_NAMES */
  readonly stateMachineNames?: Partial<Record<MachineName, string>>;
  /**
   * Extra or overriding placeholder values, e.g. `ExecutorStartRoleName`.
   * @default Lambda ARNs in the account of the machine, ExecutorStartRoleName 'DRS-Orchestration-Executor-Starter', RunbookStepsRoleName 'DRS-Orchestration-Runbook-Steps'
   */
  readonly placeholders?: Readonly<Record<string, string>>;
  /** @default Step Functions' limits */
  readonly limits?: RuntimeLimits;
  /**
   * How executors answer the main execution's task tokens: `emulator` through the SDK (the
   * callback role, SendTask* on the emulator, which routes them here: start it with
   * `taskTokenBackend`), `in-process` straight to the waiting Task (real AWS cannot know a local
   * token).
   * @default 'in-process'
   */
  readonly taskTokenAnswers?: 'emulator' | 'in-process';
  /** Definitions to run instead of `statemachines/*.asl.json` (tests). */
  readonly definitions?: Partial<Record<MachineName, AslObject>>;
}

/** Final status of an execution (Step Functions' names). */
export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

/** Fields every event carries. */
export interface RuntimeEventBase {
  /** Virtual time of the event (ISO-8601). */
  readonly time: string;
  readonly machine: MachineName;
  readonly executionArn: string;
  /** The staging account, for executor executions. */
  readonly accountId?: string;
}

/** Something that happened in an execution (root or child), in order. */
export type RuntimeEvent =
  | (RuntimeEventBase & {
      readonly type: 'ExecutionStarted';
      readonly parentExecutionArn?: string;
      /** The execution's input (the runtime's own object, not a copy: do not mutate). */
      readonly input?: unknown;
    })
  | (RuntimeEventBase & {
      readonly type: 'StateEntered';
      readonly state: string;
      readonly stateType: string;
      /** The state's input (the interpreter's object, not a copy: do not mutate). */
      readonly input?: unknown;
    })
  | (RuntimeEventBase & {
      readonly type: 'StateExited';
      readonly state: string;
      readonly stateType: string;
      /** The state's input (the interpreter's object, not a copy: do not mutate). */
      readonly input?: unknown;
      /** The state's output (the interpreter's object, not a copy: do not mutate). */
      readonly output?: unknown;
    })
  | (RuntimeEventBase & {
      readonly type: 'StateRetried';
      readonly state: string;
      readonly stateType: string;
      readonly error: string;
      readonly attempt: number;
    })
  | (RuntimeEventBase & { readonly type: 'AccountProgress'; readonly progress: AccountProgress })
  | (RuntimeEventBase & { readonly type: 'ApprovalRequested'; readonly request: ApprovalRequest })
  | (RuntimeEventBase & { readonly type: 'ExecutionSucceeded'; readonly output: unknown })
  | (RuntimeEventBase & {
      readonly type: 'ExecutionFailed';
      readonly status: Exclude<ExecutionStatus, 'SUCCEEDED'>;
      readonly error: string;
      readonly cause: string;
    });

/** The kinds of {@link RuntimeEvent}. */
export type RuntimeEventType = RuntimeEvent['type'];

/** Figures of one execution. */
export interface ExecutionStats {
  readonly executionArn: string;
  readonly machine: MachineName;
  readonly accountId?: string;
  readonly status: ExecutionStatus;
  /** Billed state transitions: states entered plus retries. */
  readonly transitions: number;
  /** History events recorded (AWS fails an execution above 25,000). */
  readonly historyEvents: number;
  /** Largest state input/output or task input/result, bytes of JSON. */
  readonly largestPayloadBytes: number;
  /** Virtual start and stop (ISO-8601). */
  readonly startTime: string;
  readonly stopTime: string;
}

/** Where the largest payload was seen. */
export interface PayloadRecord {
  readonly bytes: number;
  readonly machine: MachineName;
  readonly state: string;
  readonly kind: 'state input' | 'state output' | 'task input' | 'task result';
}

/** Figures of a run (the root execution and all its children). */
export interface RuntimeStats {
  /** State transitions summed per machine. */
  readonly transitions: Readonly<Record<MachineName, number>>;
  readonly largestPayloadBytes: number;
  readonly largestPayload?: PayloadRecord;
  /** The largest history of any single execution. */
  readonly maxHistoryEvents: number;
  /** Every execution, in start order. */
  readonly executions: readonly ExecutionStats[];
}

/** Options of `runStateMachine`. */
export interface RunStateMachineOptions {
  readonly machine: MachineName;
  readonly input: unknown;
  readonly env: RuntimeEnv;
  readonly onEvent?: (event: RuntimeEvent) => void;
  /**
   * Receives every history event of the run (the root execution and its children), as Step
   * Functions records them. Its details (payloads as JSON) are built only when this is given.
   */
  readonly onHistory?: HistoryListener;
  /** Execution name. @default a random UUID */
  readonly name?: string;
  /** Aborts the run (status ABORTED). */
  readonly signal?: AbortSignal;
}

/** Result of `runStateMachine`. */
export interface RunStateMachineResult {
  readonly status: ExecutionStatus;
  readonly executionArn: string;
  /** The execution's output when it succeeded. */
  readonly output?: unknown;
  /** Error name and cause when it did not. */
  readonly error?: string;
  readonly cause?: string;
  readonly stats: RuntimeStats;
}
