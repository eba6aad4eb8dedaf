/**
 * format-output: the executor's whole output, an AccountSummary (counts and an S3 key).
 */
import type { AccountSummary } from '../core/model.js';
import { countRecords, resultStatus } from '../core/status.js';
import type { TaskDeps } from './deps.js';
import { accountResultKey } from './results.js';
import type { FormatOutputEvent } from './types.js';

/**
 * Summarises an account's report. With a results bucket the records are written to S3
 * (`results/<correlationId>/<execution>/accounts/<accountId>.json`) and only the key travels;
 * without one they travel inline.
 */
export async function formatOutput(event: FormatOutputEvent, deps: TaskDeps): Promise<AccountSummary> {
  const { request, execution, account, report } = event;
  const records = report.records;
  const counts = countRecords(records);
  const jobIds: string[] = [];
  for (const r of records) if (r.jobId && !jobIds.includes(r.jobId)) jobIds.push(r.jobId);
  const summary: AccountSummary = {
    accountId: account.accountId,
    region: account.region,
    status: resultStatus(counts, { continueOnFailure: request.options.continueOnFailure }),
    serversProcessed: counts.total,
    succeeded: counts.succeeded,
    failed: counts.failed,
    timedOut: counts.timedOut,
    skipped: counts.skipped,
    jobIds,
  };
  const bucket = deps.env.resultsBucket;
  if (bucket) {
    const key = accountResultKey(request, execution, account.accountId);
    await deps.aws.orchestrator.s3.putObject({ bucket, key, body: JSON.stringify(records) });
    summary.resultKey = key;
  } else {
    summary.records = records;
  }
  return summary;
}
