/**
 * Where results live in the results bucket (S3 keys derived from the correlation id and execution).
 */

import { awsErrorCode } from '../aws/index.js';
import type {
  AccountReport,
  ExecutionRef,
  JobLogEvent,
  JobTiming,
  OrchestrationRequest,
  ServerRecord,
} from '../core/model.js';
import { shortMessage } from '../core/root-cause.js';
import { countRecords } from '../core/status.js';
import type { TaskDeps } from './deps.js';
import { correlationIdOf } from './shared.js';

function safe(part: string): string {
  // Keys stay readable and free of separators a correlation id might contain.
  return part.replace(/[^A-Za-z0-9._=-]/g, '_');
}

/** Prefix of one execution's results: `results/<correlationId>/<executionName>/`. */
export function resultPrefix(request: OrchestrationRequest, execution: ExecutionRef): string {
  return `results/${safe(correlationIdOf(request, execution))}/${safe(execution.name)}/`;
}

/** Key of one account's ServerRecord[]. */
export function accountResultKey(
  request: OrchestrationRequest,
  execution: ExecutionRef,
  accountId: string,
): string {
  return `${resultPrefix(request, execution)}accounts/${safe(accountId)}.json`;
}

/** Key of the full output document. */
export function outputKey(request: OrchestrationRequest, execution: ExecutionRef): string {
  return `${resultPrefix(request, execution)}output.json`;
}

/** What {@link publishReport} needs to know about the run the records belong to. */
export interface ReportContext {
  request: OrchestrationRequest;
  execution: ExecutionRef;
  account: { accountId: string };
  /** Return the records inline even when a results bucket is configured (the CLI's dry run). */
  inlineRecords?: boolean;
  /** The run's DRS jobs with their servers and times (failover, drill, terminate). */
  jobs?: JobTiming[];
}

/**
 * The timeline entries of a run's jobs: servers in this run and DRS's own times (absent when
 * unknown: an adopted job DRS did not date, a job still running at the deadline).
 */
export function jobTimings(
  jobs: readonly {
    jobId: string;
    startedAt?: string;
    endedAt?: string;
    /** A recovery job's source servers. */
    serverIds?: readonly string[];
    /** A terminate job's recovery instances (one per source server). */
    recoveryInstanceIds?: readonly string[];
    /** Taken over from the run with this correlation id (`RunJob.adoptedFrom`). */
    adoptedFrom?: string;
    /** A recovery job's notable log items (`RunJob.logEvents`). */
    logEvents?: readonly JobLogEvent[];
    logEventsOmitted?: number;
  }[],
): JobTiming[] {
  return jobs.map((j) => ({
    jobId: j.jobId,
    servers: (j.serverIds ?? j.recoveryInstanceIds ?? []).length,
    ...(j.startedAt ? { startTime: j.startedAt } : {}),
    ...(j.endedAt ? { endTime: j.endedAt } : {}),
    ...(j.adoptedFrom !== undefined ? { adoptedFrom: j.adoptedFrom } : {}),
    ...(j.logEvents?.length ? { logEvents: j.logEvents.map((e) => ({ ...e })) } : {}),
    ...(j.logEventsOmitted ? { logEventsOmitted: j.logEventsOmitted } : {}),
  }));
}

/**
 * Turns an account's records into the report the executor carries: counts and job ids always; the
 * records themselves written to the results bucket (only the key travels) when one is configured,
 * inline otherwise.
 */
export async function publishReport(
  records: ServerRecord[],
  context: ReportContext,
  deps: TaskDeps,
): Promise<AccountReport> {
  const jobIds: string[] = [];
  for (const r of records) if (r.jobId && !jobIds.includes(r.jobId)) jobIds.push(r.jobId);
  const start = Date.parse(context.execution.startTime);
  const launchSeconds = records
    .filter((r) => r.status === 'launched' && r.launchTime)
    .map((r) => (Date.parse(r.launchTime as string) - start) / 1000)
    .filter((s) => Number.isFinite(s) && s >= 0);
  const counts = countRecords(records);
  // The last progress of the account comes from the records the result is made of.
  deps.progress?.({
    accountId: context.account.accountId,
    discovered: counts.total,
    launching: 0,
    launched: counts.succeeded,
    failed: counts.failed + counts.timedOut,
  });
  const report: AccountReport = {
    counts,
    jobIds,
    ...(context.jobs?.length ? { jobs: context.jobs } : {}),
    ...(launchSeconds.length && {
      meanLaunchSeconds: Math.round(launchSeconds.reduce((a, b) => a + b, 0) / launchSeconds.length),
    }),
  };
  const bucket = deps.env.resultsBucket;
  if (!bucket || context.inlineRecords) return { ...report, records };
  const key = accountResultKey(context.request, context.execution, context.account.accountId);
  try {
    await deps.aws.orchestrator.s3.putObject({ bucket, key, body: JSON.stringify(records) });
  } catch (err) {
    // The work is done; losing its record to a bucket failure would lose the result. The records
    // travel inline instead and the output says so.
    const code = awsErrorCode(err) ?? (err as Error).name;
    deps.log?.warn('records not stored', { bucket, key, errorCode: code });
    return {
      ...report,
      records,
      warning: `the per-server records of account ${context.account.accountId} could not be stored in the results bucket ${bucket} (${code}: ${shortMessage((err as Error).message, 200)}); they are returned inline`,
    };
  }
  return { ...report, resultKey: key };
}
