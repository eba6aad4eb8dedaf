/**
 * What an execution is and what a Task integration may use of the run it belongs to: the shapes
 * shared by the execution lifecycle (execution.ts), the Task dispatch (task-state.ts) and the
 * integrations, kept apart so that those import the shapes and not each other.
 */
import type { Arns } from './arns.js';
import type { MachineName } from './definitions.js';
import type { ExecutionHistory, TaskCauses } from './history.js';
import type { Meter, MeteredExecution } from './metering.js';
import type { RetryPlan } from './retry.js';
import type { ScheduledExecution, SchedulerStalled } from './scheduler.js';
import type {
  ExecutionStatus,
  RuntimeAccount,
  RuntimeEnv,
  RuntimeEvent,
  RuntimeEventBase,
  TaskRegistry,
} from './types.js';

/** An execution in progress (root or child). */
export interface Execution extends MeteredExecution {
  readonly name: string;
  readonly stateMachineArn: string;
  /** Region and account the execution runs in. */
  readonly region: string;
  readonly accountId: string;
  /** Its history, recorded as it goes. */
  readonly history: ExecutionHistory;
  /** Pairs Task invocations with their `TaskStateEntered` or retry. */
  readonly causes: TaskCauses;
  /** The newest failure event of each Task state (what a retry follows). */
  readonly lastFailure: Map<string, number>;
  /** Set by a stop request (StopExecution): the execution ends ABORTED with these. */
  stopped?: { readonly error?: string; readonly cause?: string };
  /** Aborts the execution's interpreter run and its Tasks. */
  abort: () => void;
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
  /** A Distributed Map's child: runs that Map's ItemProcessor (ARN `execution:<machine>/<label>:<name>`). */
  readonly mapRun?: { readonly mapName: string; readonly label: string };
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
  /** Stops a running execution (StopExecution): it ends ABORTED. False when none runs by that ARN. */
  stop(executionArn: string, reason?: { readonly error?: string; readonly cause?: string }): boolean;
}

/** `Omit` over each member of a union. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
