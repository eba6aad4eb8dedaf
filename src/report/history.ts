/**
 * Step Functions execution history, read as AWS gives it (GetExecutionHistory: the SDK's events,
 * the port's `{ type, timestamp, details }`, or the local runtime's `{ type, timestampMs, details }`,
 * which is what `drs-orch serve` answers with), folded into one execution's facts: its start,
 * input, end, output, and each state it entered with its input, output, task result or failure.
 * Pure: the callers read the histories and hand them in.
 */

/**
 * One history event in any of the shapes the SDK, the AWS port or the local runtime give: its
 * details are `details` or the one `<x>EventDetails` member (`input`/`output` as JSON strings).
 */
export interface HistoryEventLike {
  readonly type?: string | undefined;
  readonly timestamp?: Date | string | number | undefined;
  readonly timestampMs?: number | undefined;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

/** Histories of a run by execution ARN (the root, and each wave's main execution of a runbook). */
export type RunHistories = ReadonlyMap<string, readonly HistoryEventLike[]>;

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON string of the history, parsed (undefined when it is not JSON; objects pass through). */
export function parsedJson(text: unknown): unknown {
  if (typeof text !== 'string') return isRecord(text) ? text : undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** An ISO time from a Date, epoch milliseconds (`.sync:2` dates) or an ISO string. */
export function isoTime(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return undefined;
}

/** The details of a history event, whatever its shape (`details` or its `<x>EventDetails` member). */
export function historyDetails(e: HistoryEventLike): Rec {
  if (isRecord(e.details)) return e.details;
  for (const [k, v] of Object.entries(e as Rec)) if (k.endsWith('EventDetails') && isRecord(v)) return v;
  return {};
}

/** One state of an execution, as its history tells it. */
export interface StateSpan {
  readonly name: string;
  readonly entered: string;
  readonly input: unknown;
  exited?: string;
  output?: unknown;
  /** A Task's submission (`.sync` child: its ARN and start). */
  submitted?: unknown;
  /** A Task's result. */
  result?: unknown;
  /** When the Task answered (succeeded, failed or timed out). */
  answered?: string;
  error?: string;
  cause?: string;
}

/** One execution's facts from its history. */
export interface ExecutionFacts {
  readonly arn: string;
  start?: string;
  input?: unknown;
  end?: string;
  /** Step Functions' status: RUNNING until the terminal event. */
  status: string;
  output?: unknown;
  error?: string;
  cause?: string;
  readonly states: StateSpan[];
}

/** Step Functions' status after each terminal history event. */
export const TERMINAL_STATUS: Readonly<Record<string, string>> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionAborted: 'ABORTED',
  ExecutionTimedOut: 'TIMED_OUT',
};

/**
 * Folds one execution's history into its facts.
 *
 * @example factsOfHistory(arn, await states.getExecutionHistory({ executionArn: arn })).states
 */
export function factsOfHistory(arn: string, events: readonly HistoryEventLike[]): ExecutionFacts {
  const x: ExecutionFacts = { arn, status: 'RUNNING', states: [] };
  let current: StateSpan | undefined;
  for (const e of events) {
    const type = e.type ?? '';
    const time = isoTime(e.timestamp ?? e.timestampMs) ?? new Date(0).toISOString();
    const d = historyDetails(e);
    const terminal = TERMINAL_STATUS[type];
    if (type === 'ExecutionStarted') {
      x.start = time;
      x.input = parsedJson(d.input);
    } else if (terminal !== undefined) {
      x.end = time;
      x.status = terminal;
      if (terminal === 'SUCCEEDED') x.output = parsedJson(d.output);
      if (typeof d.error === 'string') x.error = d.error;
      if (typeof d.cause === 'string') x.cause = d.cause;
    } else if (type.endsWith('StateEntered') && typeof d.name === 'string') {
      current = { name: d.name, entered: time, input: parsedJson(d.input) };
      x.states.push(current);
    } else if (type.endsWith('StateExited') && typeof d.name === 'string') {
      const span = x.states.findLast((s) => s.name === d.name && s.exited === undefined);
      if (span) {
        span.exited = time;
        span.output = parsedJson(d.output);
      }
    } else if (current !== undefined) {
      if (type === 'TaskSubmitted') current.submitted = parsedJson(d.output);
      else if (type === 'TaskSucceeded') {
        current.result = parsedJson(d.output);
        current.answered = time;
      } else if (type === 'TaskFailed' || type === 'TaskTimedOut') {
        current.answered = time;
        current.error = typeof d.error === 'string' ? d.error : type;
        if (typeof d.cause === 'string') current.cause = d.cause;
      }
    }
  }
  return x;
}
