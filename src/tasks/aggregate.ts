/**
 * aggregate: the orchestration output (design 3.2) from every account's summary.
 */
import { assertOrchestrationOutput, ErrorNames } from '../contract/index.js';
import { type AccountOutcome, aggregateOutput, fitOutput, issueRecords } from '../core/aggregate.js';
import { formatIsoDuration } from '../core/duration.js';
import type { AccountIssue, AccountSummary, ServerRecord } from '../core/model.js';
import { resultNotification } from '../core/notifications.js';
import type { TaskDeps } from './deps.js';
import { outputKey } from './results.js';
import type { AggregateEvent, AggregateResult, CaughtError } from './types.js';

/** Largest output returned inline (Step Functions allows 256 KiB; leave room for the envelope). */
export const MAX_INLINE_OUTPUT_BYTES = 200 * 1024;

function errorOf(error: CaughtError): { code: string; message: string } {
  let message = error.Cause ?? '';
  try {
    // Lambda errors arrive as a JSON Cause: { errorType, errorMessage, ... }.
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // A plain-text cause is kept as it is.
  }
  return { code: error.Error, message: message || `the orchestration failed with ${error.Error}` };
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
    serverIds: work?.serverIds ?? [],
  });
}

/**
 * Builds, validates and stores the output; returns it inline while it fits in 200 KiB (else with
 * the per-server lists cut and `resultLocation` set), plus the closing notification when asked.
 */
export async function aggregate(event: AggregateEvent, deps: TaskDeps): Promise<AggregateResult> {
  const { request, execution } = event;
  const accounts: AccountOutcome[] = [];
  for (const summary of event.accountResults ?? []) {
    accounts.push({ summary, records: await recordsOf(deps, event, summary) });
  }
  const issues: AccountIssue[] = [
    ...(event.work?.deniedAccounts ?? []),
    ...(event.work?.rejectedAccounts ?? []),
  ];
  const full = aggregateOutput({
    request,
    execution,
    endTime: deps.now().toISOString(),
    accounts,
    issues,
    ...(event.error ? { error: errorOf(event.error) } : {}),
  });
  assertOrchestrationOutput(full);

  let output = full;
  const bucket = deps.env.resultsBucket;
  if (bucket) {
    const key = outputKey(request, execution);
    await deps.aws.orchestrator.s3.putObject({ bucket, key, body: JSON.stringify(full) });
    output = fitOutput(full, MAX_INLINE_OUTPUT_BYTES, `s3://${bucket}/${key}`);
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
