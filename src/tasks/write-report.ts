/**
 * write-report: the evidence report of a finished execution (src/report), written by the workflow
 * itself to the results bucket next to the execution's results, so a deployed run has its record
 * where the auditors look. Two kinds, one function: `action` (the main workflow, after its
 * aggregate; the completion notification then links to it) and `runbook` (the waves workflow, at
 * every end, its validation failures included: the whole runbook, each wave from its main
 * execution).
 *
 * What it reads, and why this way: the request as given comes from DescribeExecution on its own
 * execution (never through the state, which may already hold an output near 256 KiB); a runbook's
 * waves, approvals and main executions come from its own history (GetExecutionHistory, same
 * account and Region); per-server lists of an output that was cut come from the bucket. A source
 * that cannot be read is a gap written in the report, never a failed run; a report that cannot be
 * written never costs the run its result: the output comes back with a warning and without
 * `reportLocation`.
 */
import { awsErrorCode } from '../aws/index.js';
import type { OrchestrationOutput } from '../contract/index.js';
import { MAX_WARNINGS } from '../core/aggregate.js';
import type { Notification } from '../core/model.js';
import { rootCause } from '../core/root-cause.js';
import {
  buildEvidence,
  factsOfHistory,
  type HistoryEventLike,
  type ReportSource,
  renderReportHtml,
  truncatedResults,
} from '../report/index.js';
import type { TaskDeps } from './deps.js';
import { DEFAULT_RUNTIME_NAMES, type RuntimeNames } from './names.js';

/** `$$.Execution`: id (ARN), name, start time. */
export interface ExecutionContext {
  readonly id: string;
  readonly name: string;
  readonly startTime: string;
}

/** The main workflow's WriteReport: the aggregate's result and the execution's context. */
export interface WriteActionReportEvent {
  readonly kind?: 'action';
  /** `{ output, notification? }` as `aggregate` returned it. */
  readonly final: { readonly output: OrchestrationOutput; readonly notification?: Notification };
  readonly execution: ExecutionContext;
}

/** The waves workflow's WriteRunbookReport: the runbook's output (any end) and its context. */
export interface WriteRunbookReportEvent {
  readonly kind: 'runbook';
  /** The waves output: status, waves (per-wave summary and approval), stoppedAtWave, reason, ... */
  readonly output: Record<string, unknown>;
  readonly execution: ExecutionContext;
}

/**
 * What EventBridge delivers when an execution ends (source `aws.states`, detail-type `Step
 * Functions Execution Status Change`): the rule of the orchestrator stack sends ABORTED and
 * TIMED_OUT ends of the waves and main machines, which never reach their own report state (Step
 * Functions has no "finally"). Dates are epoch milliseconds.
 */
export interface ExecutionStatusChangeEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: {
    readonly executionArn: string;
    readonly stateMachineArn: string;
    readonly name: string;
    readonly status: string;
    readonly startDate: number;
    readonly stopDate?: number | null;
    readonly error?: string | null;
    readonly cause?: string | null;
  };
}

/** What a Task state (or the stopped-execution rule) hands over. */
export type WriteReportEvent = WriteActionReportEvent | WriteRunbookReportEvent | ExecutionStatusChangeEvent;

/** The report of a stopped execution: how and when it ended (`ExecutionFailed` of its root). */
interface StoppedEnd {
  readonly status: string;
  readonly time: string;
  readonly error?: string;
  readonly cause?: string;
}

/** The machines whose stopped executions get a report, by state machine name (the deployment's names). */
function stoppedKindOf(
  machine: string,
  names: RuntimeNames = DEFAULT_RUNTIME_NAMES,
): 'runbook' | 'action' | undefined {
  if (machine === names.wavesStateMachine) return 'runbook';
  if (machine === names.mainStateMachine) return 'action';
  return undefined;
}
/** The ends that skip the workflows' own report states. */
const STOPPED_STATUSES = new Set(['ABORTED', 'TIMED_OUT']);

/** The main workflow's result: the same `{ output, notification? }`, with `reportLocation` and links when written. */
export interface WriteReportResult {
  output: OrchestrationOutput;
  notification?: Notification;
}

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `s3://bucket/key` split, or undefined. */
function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return m ? { bucket: m[1] as string, key: m[2] as string } : undefined;
}

const safe = (part: string): string => part.replace(/[^A-Za-z0-9._=-]/g, '_');

/**
 * The report keys of an execution: next to its `output.json` when the result was stored, else
 * under the execution's results prefix `results/<correlationId>/<executionName>/`.
 */
export function reportKeys(
  output: { readonly resultLocation?: string; readonly metadata?: Rec },
  execution: Pick<ExecutionContext, 'name'>,
): { json: string; html: string } {
  const stored = output.resultLocation === undefined ? undefined : parseS3Uri(output.resultLocation);
  const correlation =
    typeof output.metadata?.correlationId === 'string' ? output.metadata.correlationId : undefined;
  const prefix =
    stored !== undefined
      ? stored.key.replace(/[^/]*$/, '')
      : `results/${safe(correlation ?? execution.name)}/${safe(execution.name)}/`;
  return { json: `${prefix}report.json`, html: `${prefix}report.html` };
}

/**
 * A link that opens an S3 object in the AWS console of the execution's partition and Region
 * (both read from the execution ARN, `arn:<partition>:states:<region>:...`).
 */
export function consoleLink(executionArn: string, bucket: string, key: string): string {
  const [, partition = 'aws', , region = 'us-east-1'] = executionArn.split(':');
  const host =
    partition === 'aws-cn'
      ? 'console.amazonaws.cn'
      : partition === 'aws-us-gov'
        ? 'console.amazonaws-us-gov.com'
        : 'console.aws.amazon.com';
  return `https://${host}/s3/object/${bucket}?region=${region}&bucketType=general&prefix=${encodeURIComponent(key)}`;
}

/** Why a read failed, briefly (`Code: message`). */
function whyOf(err: unknown): string {
  const why = rootCause(awsErrorCode(err) ?? (err as Error).name ?? 'Error', (err as Error).message);
  return `${why.code}: ${why.message}`;
}

/** Reads the full results of main outputs that were cut to fit (`resultLocation`), by location. */
async function fullResults(
  locations: readonly string[],
  gaps: string[],
  deps: TaskDeps,
): Promise<Map<string, unknown>> {
  const full = new Map<string, unknown>();
  for (const location of locations) {
    const stored = parseS3Uri(location);
    if (stored === undefined) continue;
    try {
      full.set(location, JSON.parse(await deps.aws.orchestrator.s3.getObject(stored)) as unknown);
    } catch (err) {
      // The evidence names the wave whose lists stay cut; this says why.
      gaps.push(`the full result at ${location} could not be read (${whyOf(err)})`);
    }
  }
  return full;
}

/** Writes the JSON source and the page rendered from exactly that text. */
async function putReport(
  source: ReportSource,
  bucket: string,
  keys: { json: string; html: string },
  deps: TaskDeps,
): Promise<void> {
  const text = `${JSON.stringify(source, null, 2)}\n`;
  await deps.aws.orchestrator.s3.putObject({ bucket, key: keys.json, body: text });
  await deps.aws.orchestrator.s3.putObject({
    bucket,
    key: keys.html,
    body: renderReportHtml(source, text),
    contentType: 'text/html; charset=utf-8',
  });
}

/** The warning of a report that could not be written. */
function notWritten(bucket: string, err: unknown): string {
  return `the evidence report could not be written to the results bucket ${bucket} (${whyOf(err)})`;
}

/** A history event as the report reads it (the shape GetExecutionHistory gives through the port). */
function historyEvent(type: string, time: string, details: Record<string, unknown>): HistoryEventLike {
  return { type, timestamp: time, details };
}

/**
 * The histories the evidence is built from: the task's own execution's (GetExecutionHistory, same
 * account and Region), and for a runbook each wave's main execution's. Where the execution is not
 * hosted by a Step Functions API (an in-process run), the read fails: the gap says so and the
 * execution stands for itself with the start and the output this task was given.
 */
async function readHistories(
  kind: 'action' | 'runbook',
  execution: ExecutionContext,
  given: { readonly input: unknown; readonly reportInput: unknown },
  gaps: string[],
  deps: TaskDeps,
): Promise<Map<string, readonly HistoryEventLike[]>> {
  const histories = new Map<string, readonly HistoryEventLike[]>();
  try {
    histories.set(
      execution.id,
      await deps.aws.orchestrator.states.getExecutionHistory({ executionArn: execution.id }),
    );
  } catch (err) {
    gaps.push(
      kind === 'runbook'
        ? `the runbook's history could not be read (GetExecutionHistory of ${execution.id}: ${whyOf(err)}); wave times, approval times and per-server results are missing, the waves' outcomes come from the output`
        : `the execution's history could not be read (GetExecutionHistory of ${execution.id}: ${whyOf(err)}); the report shows the action and metadata of its output`,
    );
    const reportState = kind === 'runbook' ? 'WriteRunbookReport' : 'WriteReport';
    histories.set(execution.id, [
      historyEvent('ExecutionStarted', execution.startTime, { input: JSON.stringify(given.input) }),
      historyEvent('TaskStateEntered', deps.now().toISOString(), {
        name: reportState,
        input: JSON.stringify(given.reportInput),
      }),
    ]);
    return histories;
  }
  if (kind === 'runbook') {
    const root = factsOfHistory(execution.id, histories.get(execution.id) ?? []);
    for (const span of root.states) {
      const submitted = span.submitted as { ExecutionArn?: unknown } | undefined;
      const arn = typeof submitted?.ExecutionArn === 'string' ? submitted.ExecutionArn : undefined;
      if (arn === undefined || histories.has(arn)) continue;
      try {
        histories.set(arn, await deps.aws.orchestrator.states.getExecutionHistory({ executionArn: arn }));
      } catch (err) {
        // The wave's outcome and servers still come from RunWave's result in the runbook's history.
        gaps.push(
          `the history of wave execution ${arn} could not be read (${whyOf(err)}); its steps are missing`,
        );
      }
    }
  }
  return histories;
}

/** The evidence model of the execution from its histories (the function the CLI calls too). */
async function evidenceOf(
  kind: 'action' | 'runbook',
  rootArn: string,
  histories: Map<string, readonly HistoryEventLike[]>,
  gaps: string[],
  deps: TaskDeps,
  stopped: StoppedEnd | undefined,
): Promise<ReportSource> {
  const run = { kind, rootArn, histories };
  return buildEvidence({
    ...run,
    generatedAt: deps.now().toISOString(),
    ...(stopped !== undefined && { end: stopped }),
    fullResults: await fullResults(truncatedResults(run), gaps, deps),
    gaps,
  });
}

/**
 * Builds the report of a main execution (single action) with the evidence model from its own
 * history, writes its JSON source and HTML page under the execution's results prefix, and returns
 * the output with `reportLocation` and the notification with the report's S3 URI and a console
 * link. Without a results bucket it returns `final` unchanged.
 */
async function writeActionReport(
  event: WriteActionReportEvent,
  deps: TaskDeps,
  stopped?: StoppedEnd,
): Promise<WriteReportResult> {
  const { final, execution } = event;
  const bucket = deps.env.resultsBucket;
  if (!bucket) return { ...final };
  const output = final.output;
  const gaps: string[] = [];
  let keys = reportKeys(output, execution);
  try {
    const histories = await readHistories(
      'action',
      execution,
      { input: { action: output.action, metadata: output.metadata }, reportInput: { final } },
      gaps,
      deps,
    );
    const root = factsOfHistory(execution.id, histories.get(execution.id) ?? []);
    // A stopped execution has no output: its keys come from its input's correlation id.
    if (stopped !== undefined) {
      const input = root.input as { metadata?: Record<string, unknown> } | undefined;
      keys = reportKeys({ ...(input?.metadata !== undefined && { metadata: input.metadata }) }, execution);
      gaps.push(
        `the execution ended ${stopped.status} before its aggregate: it has no output, so the servers' results are not in this record (see the results prefix and the DRS console)`,
      );
    }
    await putReport(
      await evidenceOf('action', execution.id, histories, gaps, deps, stopped),
      bucket,
      keys,
      deps,
    );
  } catch (err) {
    deps.log?.warn('report not written', { bucket, key: keys.html, errorCode: awsErrorCode(err) });
    return {
      ...final,
      output: {
        ...output,
        warnings: [...(output.warnings ?? []), notWritten(bucket, err)].slice(0, MAX_WARNINGS),
      },
    };
  }
  const reportLocation = `s3://${bucket}/${keys.html}`;
  const link = consoleLink(execution.id, bucket, keys.html);
  return {
    output: { ...output, reportLocation },
    ...(final.notification && {
      notification: {
        ...final.notification,
        message: `${final.notification.message}\n\nEvidence report: ${reportLocation}\nOpen in the console: ${link}`,
      },
    }),
  };
}

/**
 * Builds the report of a whole runbook (a waves execution, at any of its ends) with the evidence
 * model from its own history and its waves' main executions' histories, writes it under
 * `results/<correlationId>/<executionName>/`, and returns the waves output with `reportLocation`
 * (or a warning). Without a results bucket it returns the output unchanged.
 */
async function writeRunbookReport(
  event: WriteRunbookReportEvent,
  deps: TaskDeps,
  stopped?: StoppedEnd,
): Promise<Rec> {
  const { output, execution } = event;
  const bucket = deps.env.resultsBucket;
  if (!bucket) return output;
  const gaps: string[] = [];
  const histories = await readHistories(
    'runbook',
    execution,
    { input: { action: output.action }, reportInput: output },
    gaps,
    deps,
  );
  const root = factsOfHistory(execution.id, histories.get(execution.id) ?? []);
  const metadata = isRecord(root.input) && isRecord(root.input.metadata) ? root.input.metadata : {};
  const keys = reportKeys({ metadata }, execution);
  try {
    await putReport(
      await evidenceOf('runbook', execution.id, histories, gaps, deps, stopped),
      bucket,
      keys,
      deps,
    );
  } catch (err) {
    deps.log?.warn('report not written', { bucket, key: keys.html, errorCode: awsErrorCode(err) });
    const warnings = Array.isArray(output.warnings) ? output.warnings : [];
    return { ...output, warnings: [...warnings, notWritten(bucket, err)].slice(0, MAX_WARNINGS) };
  }
  return { ...output, reportLocation: `s3://${bucket}/${keys.html}` };
}

/** An ISO time of epoch milliseconds (EventBridge's dates), or undefined. */
function isoOfMillis(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? new Date(value).toISOString() : undefined;
}

/**
 * The report of an execution stopped (StopExecution) or timed out, from the EventBridge event of
 * its end: kind `runbook` for the waves machine (from its history, as at its own ends), `action`
 * for the main machine (its input; it has no output). The keys are those of its own report, so an
 * event delivered twice writes the same objects. An event it does not handle is logged and ignored.
 */
async function writeStoppedReport(event: ExecutionStatusChangeEvent, deps: TaskDeps): Promise<Rec> {
  const d: Rec = isRecord(event.detail) ? event.detail : {};
  const arn = typeof d.executionArn === 'string' ? d.executionArn : undefined;
  const machine = typeof d.stateMachineArn === 'string' ? d.stateMachineArn.split(':').pop() : undefined;
  const kind = machine === undefined ? undefined : stoppedKindOf(machine, deps.env?.names);
  const status = typeof d.status === 'string' ? d.status : undefined;
  const startTime = isoOfMillis(d.startDate);
  const ignored =
    arn === undefined || startTime === undefined
      ? 'the event has no detail.executionArn and detail.startDate (epoch ms)'
      : kind === undefined
        ? `state machine ${String(d.stateMachineArn)} is not the waves or main machine`
        : status === undefined || !STOPPED_STATUSES.has(status)
          ? `status ${String(status)} is not ABORTED or TIMED_OUT (the workflow writes its own report)`
          : undefined;
  if (ignored !== undefined || arn === undefined || startTime === undefined || status === undefined) {
    deps.log?.warn('event ignored', { reason: ignored, detailType: event['detail-type'] });
    return { ignored };
  }
  const execution: ExecutionContext = {
    id: arn,
    name: typeof d.name === 'string' ? d.name : (arn.split(':').pop() as string),
    startTime,
  };
  const stopped: StoppedEnd = {
    status,
    time: isoOfMillis(d.stopDate) ?? deps.now().toISOString(),
    ...(typeof d.error === 'string' && { error: d.error }),
    ...(typeof d.cause === 'string' && { cause: d.cause }),
  };
  if (kind === 'runbook') return writeRunbookReport({ kind, output: {}, execution }, deps, stopped);
  const output = { action: 'unknown', status: status.toLowerCase() } as unknown as OrchestrationOutput;
  const written = await writeActionReport({ final: { output }, execution }, deps, stopped);
  return { ...written.output };
}

/**
 * Writes the evidence report of the execution the Task runs in: a single action (`kind` absent or
 * `action`: returns `{ output, notification? }`) or a whole runbook (`kind: 'runbook'`: returns the
 * waves output); or, for the EventBridge event of a stopped or timed-out waves or main execution,
 * that execution's report. Best effort: nothing it cannot read or write fails the run.
 */
export async function writeReport(
  event: WriteReportEvent,
  deps: TaskDeps,
): Promise<WriteReportResult | Record<string, unknown>> {
  // An EventBridge event (any, even one the rule should not send) is never taken for a Task's input.
  if ('detail-type' in event || 'detail' in event)
    return writeStoppedReport(event as ExecutionStatusChangeEvent, deps);
  return event.kind === 'runbook' ? writeRunbookReport(event, deps) : writeActionReport(event, deps);
}
