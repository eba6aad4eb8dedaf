/**
 * What the CLI needs from a target (sim, aws, sfn): run an orchestration, plan one, tell the time,
 * and clean up. The targets adapt the runtime, the emulator and Step Functions to this shape, so
 * `main()` and its tests never depend on how a target works.
 */

import type { HistoryEventLike } from '../report/index.js';
import type { ExtendResult } from '../tasks/extend.js';
import type { PlanReport } from '../tasks/plan.js';
import type { ApprovalDecider } from './approvals.js';
import type { RunHistoryListener } from './reports.js';
import type { RunRecordStore } from './runbook-runs.js';

// The plan's shapes are the plan task's (src/tasks/plan.ts); re-exported for the CLI's modules.
export type { PlannedAccount, PlanReport } from '../tasks/plan.js';

/** The execution a history event belongs to, as the CLI follows it. */
export interface ExecutionRef {
  readonly arn: string;
  /** `waves`, `main`, or `executor` (a staging account's executor, or the map child waiting for it). */
  readonly machine: string;
  /** The staging account, where the target knows it (else read from the execution's input). */
  readonly accountId?: string;
}

/**
 * Receives the run's Step Functions history events (GetExecutionHistory's shape), of every
 * execution the target reads: the root, its waves' main executions and the accounts' executors
 * (or their map children on `sfn`). The only description of a run the CLI gets: the live progress
 * and the evidence report both read these.
 */
export type ProgressListener = (execution: ExecutionRef, event: HistoryEventLike) => void;

/** Where a run's live view goes: its history events, and the target's own lines for the operator. */
export interface RunProgress {
  readonly onEvent: ProgressListener;
  /** A line for the operator that is no execution's event (the execution ARN, a failed delivery). */
  readonly message: (text: string) => void;
}

/** How an execution ended (Step Functions' terms). */
export interface RunOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  /** The design-3.2 output, when the execution produced one. */
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/** Options of {@link Session.runWaves}. */
export interface WavesRunOptions {
  /** Execution name. */
  readonly name: string;
  readonly onEvent: ProgressListener;
  /** Lines for the operator that are no execution's event. */
  readonly message: (text: string) => void;
  /** The history events of the waves execution and its waves' main executions, for the evidence report. */
  readonly onHistory: RunHistoryListener;
  /**
   * Decides each approval the run waits for; the target delivers the answer to its task token
   * (SendTaskSuccess / SendTaskFailure, or the local runtime's answerTaskToken).
   */
  readonly decide: ApprovalDecider;
  /** Aborts the execution (StopExecution). */
  readonly signal: AbortSignal;
}

/** A target opened for one command: an emulator started, a client built. */
export interface Session {
  /** Short description for the progress header, e.g. `sim (demo fleet, x1000)`. */
  readonly label: string;
  /**
   * Whether the executions are hosted by Step Functions (`sfn`): the report then names the state
   * machine as the target, as the workflow's own report does, rather than {@link label}.
   */
  readonly hostedBySfn?: boolean;
  /**
   * Runs the orchestration `input` (already validated) to its end. `onHistory` receives the main
   * execution's Step Functions history events (for the evidence report).
   */
  run(
    input: Record<string, unknown>,
    progress: RunProgress,
    onHistory?: RunHistoryListener,
  ): Promise<RunOutcome>;
  /**
   * Stops the action {@link run} is running (Ctrl-C), where the target runs it itself (sim, aws:
   * the local runtime); `run` then resolves ABORTED. Absent on `sfn`: the deployed execution goes
   * on (a half-stopped failover helps nobody).
   */
  stopRun?(): void;
  /** Reads a full result stored at `resultLocation` (`s3://bucket/key`). */
  fetchResult?(location: string): Promise<unknown>;
  /**
   * Reads the report the workflow wrote itself (deployed targets): the page at `location`
   * (`s3://bucket/key.html`, the output's `reportLocation`) and its JSON source next to it.
   */
  fetchReport?(location: string): Promise<{ readonly json: string; readonly html: string }>;
  /**
   * `drs-orch extend`: runs the extend task (src/tasks/extend.ts) in-process against the target's
   * accounts. Absent on targets that cannot run tasks locally (`sfn`).
   */
  extend?(tags: Readonly<Record<string, string>>): Promise<ExtendResult>;
  /** The dry run. */
  plan(input: Record<string, unknown>, progress: RunProgress): Promise<PlanReport>;
  /** Current time of the target (virtual on sim), for elapsed time. */
  now(): Date;
  /**
   * Runs `statemachines/waves.asl.json` (a runbook) to its end. Absent on targets that cannot
   * run it.
   */
  runWaves?(
    input: Record<string, unknown>,
    options: WavesRunOptions,
  ): Promise<RunOutcome & { executionArn: string }>;
  /** The SNS topic approvals go to when the runbook names none (sim: the fleet's first topic). */
  readonly defaultTopicArn?: string;
  /**
   * The account and Region the workflows run in: the waves machine publishes approvals from there,
   * so a runbook's approval topic must be there too (checked before anything starts).
   */
  readonly orchestrator?: { readonly accountId: string; readonly region: string };
  /**
   * Where runbook run records are kept in the target's world (the orchestrator's results bucket,
   * through the session's SDK client): a re-run from any folder finds them. Absent when the world
   * has no results bucket.
   */
  readonly runRecords?: RunRecordStore;
  /** Lets the caller handle Ctrl-C itself; the handler returns true when it did. */
  interceptInterrupt?(handler: () => boolean): void;
  /** Releases everything; on sim, saves the world to the state file. Called once, also after failures. */
  close(): Promise<void>;
}
