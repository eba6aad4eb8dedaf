/**
 * Step Functions history (GetExecutionHistory) of a waves execution, as the events the
 * {@link ReportRecorder} reads: the execution's start and input, each approval's request and
 * answer, and each wave's main execution (`.sync:2`: its ARN, start, stop and output). Pure: the
 * report task reads the history and hands it in.
 */
import type { RecordedEvent } from './collect.js';

/** One history event, as the SDK gives it (the `<x>EventDetails` member as `details`). */
export interface HistoryEventLike {
  readonly type: string;
  readonly timestamp: Date | string | number;
  readonly details?: Readonly<Record<string, unknown>>;
}

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON string of the history, parsed (undefined when it is not JSON). */
function parsed(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** An ISO time from a Date, epoch milliseconds (`.sync:2` dates) or an ISO string. */
function iso(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return undefined;
}

/** The state whose `.sync:2` Task runs each wave's main execution. */
const RUN_WAVE = 'RunWave';
/** The state whose task token waits for a wave's approval. */
const REQUEST_APPROVAL = 'RequestApproval';
/** The state that reads the approval's answer through the approval schema (approved or not). */
const CHECK_APPROVAL = 'CheckApproval';

/**
 * Maps the history of a waves execution to recorder events. The execution's own end is not in its
 * history while its report task runs; the caller adds it.
 *
 * @param executionArn the waves execution
 * @example
 * for (const e of eventsOfWavesHistory(arn, await states.getExecutionHistory({ executionArn: arn })))
 *   recorder.onEvent(e);
 */
export function eventsOfWavesHistory(
  executionArn: string,
  history: readonly HistoryEventLike[],
): RecordedEvent[] {
  const out: RecordedEvent[] = [];
  let state: string | undefined;
  let approvalOpen = false;
  let child: string | undefined;
  const started = new Set<string>();
  const startChild = (arn: string, time: string): void => {
    if (started.has(arn)) return;
    started.add(arn);
    out.push({
      type: 'ExecutionStarted',
      time,
      machine: 'main',
      executionArn: arn,
      parentExecutionArn: executionArn,
    });
  };
  for (const e of history) {
    const time = iso(e.timestamp) ?? new Date(0).toISOString();
    const d = e.details ?? {};
    if (e.type === 'ExecutionStarted') {
      out.push({ type: 'ExecutionStarted', time, machine: 'waves', executionArn, input: parsed(d.input) });
      continue;
    }
    if (e.type.endsWith('StateExited') && d.name === CHECK_APPROVAL) {
      // What the answer means: CheckApproval's output, where the state keeps it.
      const exited = parsed(d.output);
      const checked = isRecord(exited) && isRecord(exited.current) ? exited.current.approval : undefined;
      if (isRecord(checked)) {
        out.push({
          type: 'StateExited',
          time,
          machine: 'waves',
          executionArn,
          state: CHECK_APPROVAL,
          output: { current: { approval: checked } },
        });
      }
      continue;
    }
    if (e.type.endsWith('StateEntered')) {
      state = typeof d.name === 'string' ? d.name : undefined;
      child = undefined;
      if (state === REQUEST_APPROVAL) {
        approvalOpen = true;
        out.push({
          type: 'StateEntered',
          time,
          machine: 'waves',
          executionArn,
          state,
          input: parsed(d.input),
        });
      }
      continue;
    }
    const answered = e.type === 'TaskSucceeded' || e.type === 'TaskFailed' || e.type === 'TaskTimedOut';
    if (state === REQUEST_APPROVAL && approvalOpen && (answered || e.type.endsWith('StateExited'))) {
      // The answer's time is the decision's (a caught rejection may have no StateExited). An
      // approval's answer goes where the state keeps it (`current.approval`), as in a local run's
      // events: the runbook's output loses it when the wave then fails.
      approvalOpen = false;
      // The raw answer is not a decision: CheckApproval's exit (above) says what it means.
      out.push({ type: 'StateExited', time, machine: 'waves', executionArn, state: REQUEST_APPROVAL });
      continue;
    }
    if (state !== RUN_WAVE) continue;
    if (e.type === 'TaskSubmitted') {
      const submitted = parsed(d.output);
      if (isRecord(submitted) && typeof submitted.ExecutionArn === 'string') {
        child = submitted.ExecutionArn;
        startChild(child, iso(submitted.StartDate) ?? time);
      }
    } else if (e.type === 'TaskSucceeded') {
      const result = parsed(d.output);
      if (!isRecord(result) || typeof result.ExecutionArn !== 'string') continue;
      startChild(result.ExecutionArn, iso(result.StartDate) ?? time);
      out.push({
        type: 'ExecutionSucceeded',
        time: iso(result.StopDate) ?? time,
        machine: 'main',
        executionArn: result.ExecutionArn,
        output: result.Output,
      });
    } else if (e.type === 'TaskFailed' || e.type === 'TaskTimedOut') {
      // A failed child's cause is its DescribeExecution (with Error and Cause) as JSON.
      const cause = parsed(d.cause);
      const arn = isRecord(cause) && typeof cause.ExecutionArn === 'string' ? cause.ExecutionArn : child;
      if (arn === undefined) continue;
      startChild(arn, (isRecord(cause) ? iso(cause.StartDate) : undefined) ?? time);
      out.push({
        type: 'ExecutionFailed',
        time: (isRecord(cause) ? iso(cause.StopDate) : undefined) ?? time,
        machine: 'main',
        executionArn: arn,
        status: isRecord(cause) && typeof cause.Status === 'string' ? cause.Status : 'FAILED',
        error: isRecord(cause) && typeof cause.Error === 'string' ? cause.Error : String(d.error ?? ''),
        cause: isRecord(cause) && typeof cause.Cause === 'string' ? cause.Cause : String(d.cause ?? ''),
      });
    }
  }
  return out;
}
