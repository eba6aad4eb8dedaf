/**
 * aggregate: the orchestration output (design 3.2) from every account's summary.
 */

import { awsErrorCode } from '../aws/index.js';
import { ErrorNames } from '../contract/errors.js';
import { assertOrchestrationOutput } from '../contract/output.js';
import {
  type AccountOutcome,
  aggregateOutput,
  fitOutput,
  issueRecords,
  MAX_WARNINGS,
  rootCause,
} from '../core/aggregate.js';
import { formatIsoDuration } from '../core/duration.js';
import type { AccountIssue, AccountServerRef, AccountSummary, ServerRecord } from '../core/model.js';
import { resultNotification } from '../core/notifications.js';
import { formatTags, noMatchHint } from '../core/tags.js';
import { loadAccountServers } from './account-servers.js';
import type { TaskDeps } from './deps.js';
import { outputKey } from './results.js';
import type { AggregateEvent, AggregateResult, CaughtError } from './types.js';

export { MAX_WARNINGS };

/** The warning of a run whose tags matched nothing, naming the tag keys that do exist. */
function noMatchWarning(event: AggregateEvent): string | undefined {
  const work = event.work;
  if (event.error || !work || work.totalServers !== 0 || work.scannedAccounts === 0) return undefined;
  if ((work.deniedAccounts ?? []).length >= work.scannedAccounts) return undefined;
  return `no source server matched ${formatTags(event.request.tags)} in ${work.scannedAccounts} staging account(s)${noMatchHint(event.request.tags, work.tagKeys ?? [])}`;
}

/** Largest output returned inline (Step Functions allows 256 KiB; leave room for the envelope). */
export const MAX_INLINE_OUTPUT_BYTES = 200 * 1024;

/** The run-level error: its real name and message (a run's message may name several problems). */
function errorOf(error: CaughtError): { code: string; message: string } {
  return rootCause(error.Error, error.Cause, 1000);
}

/** An account summary whose error is the real one, briefly (not States.TaskFailed and 3 KB of JSON). */
function withRootCause(summary: AccountSummary): AccountSummary {
  if (summary.errorCode === undefined) return summary;
  const { code, message } = rootCause(summary.errorCode, summary.errorMessage);
  return { ...summary, errorCode: code, errorMessage: message };
}

async function recordsOf(
  deps: TaskDeps,
  event: AggregateEvent,
  summary: AccountSummary,
): Promise<ServerRecord[]> {
  if (summary.records) return summary.records;
  if (summary.resultKey && deps.env.resultsBucket) {
    const text = await deps.aws.orchestrator.s3.getObject({
      bucket: deps.env.resultsBucket,
      key: summary.resultKey,
    });
    return JSON.parse(text) as ServerRecord[];
  }
  // An executor that failed as a whole: each of its servers failed with the account's error.
  const work = event.work?.accounts.find((a) => a.accountId === summary.accountId);
  return issueRecords({
    accountId: summary.accountId,
    errorCode: summary.errorCode ?? ErrorNames.DRSServiceError,
    errorMessage: summary.errorMessage ?? `the executor of account ${summary.accountId} failed`,
    serverIds: work ? await serverIdsOf(work, deps) : [],
  });
}

/** The ids discover stored for an account (a read failure fails aggregate, which its Retry covers). */
async function serverIdsOf(ref: Partial<AccountServerRef>, deps: TaskDeps): Promise<string[]> {
  return (await loadAccountServers(ref, deps)).serverIds;
}

/**
 * Builds, validates and stores the output; returns it inline while it fits in 200 KiB (else with
 * the per-server lists cut and `resultLocation` set), plus the closing notification when asked.
 */
export async function aggregate(event: AggregateEvent, deps: TaskDeps): Promise<AggregateResult> {
  const { request, execution } = event;
  const accounts: AccountOutcome[] = [];
  const warnings: string[] = [];
  for (const raw of event.accountResults ?? []) {
    const summary = withRootCause(raw);
    accounts.push({ summary, records: await recordsOf(deps, event, summary) });
    if (summary.warning) warnings.push(summary.warning);
  }
  const issues: AccountIssue[] = await Promise.all(
    [...(event.work?.deniedAccounts ?? []), ...(event.work?.rejectedAccounts ?? [])].map(async (issue) =>
      issue.serversKey === undefined ? issue : { ...issue, serverIds: await serverIdsOf(issue, deps) },
    ),
  );
  const full = aggregateOutput({
    request,
    execution,
    endTime: deps.now().toISOString(),
    accounts,
    issues,
    ...(event.error ? { error: errorOf(event.error) } : {}),
  });
  const noMatch = noMatchWarning(event);
  if (noMatch) {
    // Zero matches are loud: in the warnings, and in the message a table or a parent workflow shows.
    warnings.unshift(noMatch);
    full.message = `${full.message ?? ''}; ${noMatch}`;
  }
  if (warnings.length > 0) full.warnings = warnings.slice(0, MAX_WARNINGS);
  assertOrchestrationOutput(full);

  let output = full;
  const bucket = deps.env.resultsBucket;
  if (bucket) {
    const key = outputKey(request, execution);
    let location: string | undefined = `s3://${bucket}/${key}`;
    try {
      await deps.aws.orchestrator.s3.putObject({ bucket, key, body: JSON.stringify(full) });
    } catch (err) {
      // The run happened: its result is returned whatever the bucket does, with a warning and
      // without a resultLocation that would point nowhere.
      location = undefined;
      const why = rootCause(awsErrorCode(err) ?? (err as Error).name ?? 'Error', (err as Error).message);
      full.warnings = [
        ...(full.warnings ?? []),
        `the result could not be stored in the results bucket ${bucket} (${why.code}: ${why.message}); it is returned inline only`,
      ].slice(0, MAX_WARNINGS);
      deps.log?.warn('result not stored', { bucket, key, errorCode: why.code });
    }
    output = fitOutput(full, MAX_INLINE_OUTPUT_BYTES, location);
  }
  const result: AggregateResult = { output };
  const topicArn = request.options.notificationArn;
  if (topicArn) {
    const firstFailure = full.failedServers[0];
    result.notification = resultNotification({
      topicArn,
      action: request.action,
      status: full.status,
      total: full.summary.totalServers,
      succeeded: full.summary.succeeded,
      failed: full.summary.failed + (full.summary.timedOut ?? 0),
      duration: formatIsoDuration(full.timing.durationSeconds),
      failedServerIds: full.failedServers.map((f) => f.sourceServerId),
      ...(event.error
        ? { errorMessage: errorOf(event.error).message }
        : firstFailure
          ? { errorMessage: `${firstFailure.errorCode}: ${firstFailure.errorMessage}` }
          : {}),
    });
  }
  deps.log?.info('orchestration aggregated', {
    status: full.status,
    totalServers: full.summary.totalServers,
    succeeded: full.summary.succeeded,
    inline: output === full,
  });
  return result;
}
