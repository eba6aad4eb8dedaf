/**
 * Task payloads (docs/design/data-flow.md): what each Task state passes in and gets back.
 * The shared shapes live in `src/core/model.ts` and are re-exported here.
 */

import type { OrchestrationOutput } from '../contract/index.js';
import type {
  AccountItem,
  AccountReport,
  AccountSummary,
  AccountWork,
  DiscoveryResult,
  ExecutionRef,
  FailbackRun,
  Notification,
  OrchestrationRequest,
  RecoveryRun,
  TerminateRun,
} from '../core/model.js';

export type {
  AccountIssue,
  AccountItem,
  AccountRef,
  AccountReport,
  AccountServerRef,
  AccountServers,
  AccountSummary,
  AccountWork,
  Action,
  DiscoveryResult,
  ExecutionRef,
  FailbackRun,
  LaunchPlan,
  LaunchQuotas,
  Notification,
  OrchestrationRequest,
  RecoveryRun,
  Run,
  RunFailure,
  RunJob,
  ServerRecord,
  ServerStatus,
  TerminateRun,
  TerminateTarget,
} from '../core/model.js';

export type { TaskId } from './names.js';

/** validate: the raw execution input and the execution. */
export interface ValidateEvent {
  input: unknown;
  execution: ExecutionRef;
}

/** validate's result: replaces the state (`$`). */
export interface ValidateResult {
  request: OrchestrationRequest;
  execution: ExecutionRef;
  /** The *started* notification, only when `options.notificationArn` is set. */
  notification?: Notification;
}

/** discover's event. */
export interface DiscoverEvent {
  request: OrchestrationRequest;
  execution: ExecutionRef;
}

/** partition's event. */
export interface PartitionEvent {
  request: OrchestrationRequest;
  execution: ExecutionRef;
  work: DiscoveryResult;
}

/** The event of every executor task. */
export interface AccountEvent {
  request: OrchestrationRequest;
  execution: ExecutionRef;
  account: AccountWork;
  /** Return per-server records inline even with a results bucket (the CLI's dry run reads them). */
  inlineRecords?: boolean;
}

/** monitor-job's event (recovery or terminate run). */
export interface MonitorJobEvent extends AccountEvent {
  run: RecoveryRun | TerminateRun;
}

/** get-recovery-instances' event. */
export interface GetRecoveryInstancesEvent extends AccountEvent {
  run: RecoveryRun;
}

/** monitor-failback's event. */
export interface MonitorFailbackEvent extends AccountEvent {
  run: FailbackRun;
}

/** format-output's event. */
export interface FormatOutputEvent extends AccountEvent {
  report: AccountReport;
  /** The executor's own execution (`$$.Execution.StartTime`): the start of its timeline bar. */
  executor?: { startTime?: string };
}

/** An executor started by start-executor (`$.executor` of the main machine's account iteration). */
export interface ExecutorRef {
  executionArn: string;
  /** ISO time the executor started. */
  startDate: string;
}

/** The event of the main machine's per-account tasks (start-executor, monitor-executor): an item, no ids. */
export interface AccountItemEvent {
  request: OrchestrationRequest;
  execution: ExecutionRef;
  account: AccountItem;
}

/**
 * monitor-executor's event. Without `executor` (the callback wait gave up) the execution is the
 * one start-executor names for this main execution and account.
 */
export interface MonitorExecutorEvent extends AccountItemEvent {
  executor?: ExecutorRef;
}

/** start-executor's event: the account's item and the token of the main execution's waiting Task. */
export interface StartExecutorEvent extends AccountItemEvent {
  /** `$$.Task.Token` of the `lambda:invoke.waitForTaskToken` Task (absent: no callback). */
  taskToken?: string;
}

/** report-executor's event: the executor's summary, or the error its catch-all caught. */
export interface ReportExecutorEvent extends AccountEvent {
  summary?: AccountSummary;
  error?: CaughtError;
}

/** A state machine error caught with `Catch` (`ResultPath: $.error`). */
export interface CaughtError {
  Error: string;
  Cause?: string;
}

/** aggregate's event: the normal path, or the path after a caught failure. */
export interface AggregateEvent {
  request: OrchestrationRequest;
  execution: ExecutionRef;
  work?: DiscoveryResult;
  accountResults?: AccountSummary[];
  error?: CaughtError;
}

/** aggregate's result (`$.final`). */
export interface AggregateResult {
  output: OrchestrationOutput;
  /** The closing notification, only when `options.notificationArn` is set. */
  notification?: Notification;
}
