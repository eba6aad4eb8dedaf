/**
 * format-output: the executor's whole output, an AccountSummary (counts and an S3 key).
 */
import type { AccountSummary } from '../core/model.js';
import { resultStatus } from '../core/status.js';
import type { TaskDeps } from './deps.js';
import type { FormatOutputEvent } from './types.js';

/**
 * Summarises an account's report. With a results bucket the records are already in S3
 * (`results/<correlationId>/<execution>/accounts/<accountId>.json`, written by the task that made
 * them) and only the key travels; without one they travel inline.
 */
export async function formatOutput(event: FormatOutputEvent, deps: TaskDeps): Promise<AccountSummary> {
  const { request, account, report } = event;
  const { counts } = report;
  const summary: AccountSummary = {
    accountId: account.accountId,
    region: account.region,
    status: resultStatus(counts, {
      continueOnFailure: request.options.continueOnFailure,
      requireSuccess: request.action === 'failback',
    }),
    serversProcessed: counts.total,
    succeeded: counts.succeeded,
    failed: counts.failed,
    timedOut: counts.timedOut,
    skipped: counts.skipped,
    jobIds: report.jobIds,
    // The executor's own times and its jobs' DRS times: the deployed report's timeline (the
    // executor runs in another account and Region, whose history the orchestrator does not read).
    ...(event.executor?.startTime ? { startTime: event.executor.startTime } : {}),
    endTime: deps.now().toISOString(),
    ...(report.jobs?.length ? { jobs: report.jobs } : {}),
  };
  if (report.warning) summary.warning = report.warning;
  if (report.resultKey) summary.resultKey = report.resultKey;
  else summary.records = report.records ?? [];
  return summary;
}
