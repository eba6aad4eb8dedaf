/**
 * What the CLI needs from a target (sim, aws, sfn): run an orchestration, plan one, tell the time,
 * and clean up. The targets adapt the runtime, the emulator and Step Functions to this shape, so
 * `main()` and its tests never depend on how a target works.
 */

import type { PlanReport } from '../tasks/plan.js';
import type { ApprovalDecider } from './approvals.js';
import type { RunHistoryListener } from './reports.js';
import type { RunRecordStore } from './runbook-runs.js';

// The plan's shapes are the plan task's (src/tasks/plan.ts); re-exported for the CLI's modules.
export type { PlannedAccount, PlanReport } from '../tasks/plan.js';

/**
 * A progress event, whatever the engine: the local runtime's events and Step Functions history
 * events are both mapped to these.
 */
export type ProgressEvent =
  | {
      readonly type: 'ExecutionStarted';
      readonly machine: string;
      readonly accountId?: string;
      readonly name?: string;
    }
  | {
      readonly type: 'StateEntered' | 'StateExited';
      readonly machine: string;
      readonly accountId?: string;
      readonly state: string;
    }
  | {
      readonly type: 'AccountProgress';
      readonly accountId: string;
      readonly discovered: number;
      readonly launching: number;
      readonly launched: number;
      readonly failed: number;
    }
  | {
      readonly type: 'ExecutionSucceeded' | 'ExecutionFailed';
      readonly machine: string;
      readonly accountId?: string;
      readonly error?: string;
      readonly cause?: string;
    }
  | { readonly type: 'Message'; readonly text: string };

/** Receives progress events. */
export type ProgressListener = (event: ProgressEvent) => void;

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
    onEvent: ProgressListener,
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
  /** The dry run. */
  plan(input: Record<string, unknown>, onEvent: ProgressListener): Promise<PlanReport>;
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
