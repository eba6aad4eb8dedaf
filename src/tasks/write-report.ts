/**
 * write-report: the evidence report of a finished execution (src/report), written by the workflow
 * itself to the results bucket next to the execution's results, so a deployed run has its record
 * where the auditors look; the completion notification then links to it.
 *
 * A report that cannot be written never costs the run its result: the output comes back with a
 * warning and without `reportLocation`.
 */
import { awsErrorCode } from '../aws/index.js';
import type { OrchestrationOutput } from '../contract/index.js';
import type { Notification } from '../core/model.js';
import { rootCause } from '../core/root-cause.js';
import { type RecordedEvent, ReportRecorder, renderReportHtml } from '../report/index.js';
import { MAX_WARNINGS } from './aggregate.js';
import type { TaskDeps } from './deps.js';

/** What the Task state hands over: the aggregate's result and the execution's context. */
export interface WriteReportEvent {
  /** `{ output, notification? }` as `aggregate` returned it. */
  readonly final: { readonly output: OrchestrationOutput; readonly notification?: Notification };
  /** `$$.Execution`: id (ARN), name, start time. */
  readonly execution: { readonly id: string; readonly name: string; readonly startTime: string };
  /** `$$.Execution.Input`: the request as given (shown in the report). */
  readonly input?: unknown;
}

/** The result: the same `{ output, notification? }`, with `reportLocation` and links when written. */
export interface WriteReportResult {
  output: OrchestrationOutput;
  notification?: Notification;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `s3://bucket/key` split, or undefined. */
function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return m ? { bucket: m[1] as string, key: m[2] as string } : undefined;
}

/**
 * The report keys of an execution: next to its `output.json` when the result was stored, else
 * under the execution's results prefix `results/<correlationId>/<executionName>/`.
 */
export function reportKeys(
  output: OrchestrationOutput,
  execution: WriteReportEvent['execution'],
): { json: string; html: string } {
  const stored = output.resultLocation === undefined ? undefined : parseS3Uri(output.resultLocation);
  const safe = (part: string): string => part.replace(/[^A-Za-z0-9._=-]/g, '_');
  const correlation =
    typeof output.metadata.correlationId === 'string' ? output.metadata.correlationId : undefined;
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

/**
 * Builds the report of the execution (the full result read back from the bucket when the output
 * was cut to fit), writes its JSON source and HTML page under the execution's results prefix, and
 * returns the output with `reportLocation` and the notification with the report's S3 URI and a
 * console link. Without a results bucket it returns `final` unchanged.
 */
export async function writeReport(event: WriteReportEvent, deps: TaskDeps): Promise<WriteReportResult> {
  const { final, execution } = event;
  const bucket = deps.env.resultsBucket;
  if (!bucket) return { ...final };
  const output = final.output;
  const keys = reportKeys(output, execution);
  try {
    let full: unknown = output;
    const stored = output.resultLocation === undefined ? undefined : parseS3Uri(output.resultLocation);
    if (stored !== undefined) {
      full = JSON.parse(await deps.aws.orchestrator.s3.getObject(stored)) as unknown;
    }
    const recorder = new ReportRecorder();
    const events: RecordedEvent[] = [
      {
        type: 'ExecutionStarted',
        time: execution.startTime,
        machine: 'main',
        executionArn: execution.id,
        input: event.input,
      },
      {
        type: 'ExecutionSucceeded',
        time: output.timing?.endTime ?? deps.now().toISOString(),
        machine: 'main',
        executionArn: execution.id,
        output: full,
      },
    ];
    for (const e of events) recorder.onEvent(e);
    const input = isRecord(event.input) ? event.input : { action: output.action };
    const tags = isRecord(input.tags)
      ? Object.entries(input.tags)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(',')
      : '';
    const source = recorder.build({
      kind: 'action',
      title: `${output.action} ${tags}`.trim(),
      target: `sfn ${execution.id
        .split(':')
        .slice(0, 7)
        .join(':')
        .replace(/:execution:/, ':stateMachine:')}`,
      input,
      generatedAt: deps.now().toISOString(),
    });
    const text = `${JSON.stringify(source, null, 2)}\n`;
    await deps.aws.orchestrator.s3.putObject({ bucket, key: keys.json, body: text });
    await deps.aws.orchestrator.s3.putObject({
      bucket,
      key: keys.html,
      body: renderReportHtml(source, text),
      contentType: 'text/html; charset=utf-8',
    });
  } catch (err) {
    const why = rootCause(awsErrorCode(err) ?? (err as Error).name ?? 'Error', (err as Error).message);
    deps.log?.warn('report not written', { bucket, key: keys.html, errorCode: why.code });
    return {
      ...final,
      output: {
        ...output,
        warnings: [
          ...(output.warnings ?? []),
          `the evidence report could not be written to the results bucket ${bucket} (${why.code}: ${why.message})`,
        ].slice(0, MAX_WARNINGS),
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
