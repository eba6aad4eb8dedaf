/**
 * Status rules (design 3.2, 11.3): how counts become `success | partial | failed | timeout` and
 * when the next phase may start.
 */
import type { ServerRecord, ServerStatus } from './model.js';

/** Overall (or per-account) result status. */
export type ResultStatus = 'success' | 'partial' | 'failed' | 'timeout';

/** Server counts of a result. */
export interface ResultCounts {
  total: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  skipped: number;
}

/** Record statuses that count as a success for their action. */
const SUCCESS: ReadonlySet<ServerStatus> = new Set([
  'launched',
  'terminated',
  'failback-completed',
  'reported',
]);

/**
 * Counts records by outcome. `launched`, `terminated`, `failback-completed` and `reported` are
 * successes; `skipped` (e.g. a non-drill instance left alone) is neither success nor failure.
 */
export function countRecords(records: readonly Pick<ServerRecord, 'status'>[]): ResultCounts {
  const counts: ResultCounts = { total: records.length, succeeded: 0, failed: 0, timedOut: 0, skipped: 0 };
  for (const { status } of records) {
    if (SUCCESS.has(status)) counts.succeeded += 1;
    else if (status === 'failed') counts.failed += 1;
    else if (status === 'timeout') counts.timedOut += 1;
    else counts.skipped += 1;
  }
  return counts;
}

/** Options of {@link resultStatus}. */
export interface StatusRules {
  /** `options.continueOnFailure`. */
  continueOnFailure: boolean;
  /**
   * Failures that are not servers (an account that denied AssumeRole, an account over capacity
   * whose servers are not known). They weigh like failed servers.
   * @default 0
   */
  accountFailures?: number;
  /**
   * The action only succeeds by doing something (failback): with servers matched and none
   * succeeded, the result is `failed` even when nothing failed outright.
   * @default false
   */
  requireSuccess?: boolean;
}

/**
 * The result status:
 * - `failed`: a failure without `continueOnFailure`, or failures and nothing succeeded, or (with
 *   `requireSuccess`) servers matched and none succeeded;
 * - `timeout`: `maxWaitMinutes` reached with work pending (and no failure that already fails the run);
 * - `partial`: some failed with `continueOnFailure` and some succeeded;
 * - `success`: nothing failed or timed out, including zero servers and all-skipped.
 *
 * @example
 * ```ts
 * resultStatus({ total: 10, succeeded: 8, failed: 2, timedOut: 0, skipped: 0 }, { continueOnFailure: true }); // 'partial'
 * ```
 */
export function resultStatus(counts: ResultCounts, rules: StatusRules): ResultStatus {
  const failures = counts.failed + (rules.accountFailures ?? 0);
  if (failures > 0 && !rules.continueOnFailure) return 'failed';
  if (rules.requireSuccess && counts.total > 0 && counts.succeeded === 0 && counts.timedOut === 0)
    return 'failed';
  if (counts.timedOut > 0) return 'timeout';
  if (failures > 0) return counts.succeeded > 0 ? 'partial' : 'failed';
  return 'success';
}

/**
 * Whether downstream phases may proceed: always on success; on partial when succeeded/total is
 * above `threshold` (design 11.3, default 0.5); never on failed or timeout.
 *
 * @example
 * ```ts
 * nextPhaseReady('partial', { total: 10, succeeded: 6, failed: 4, timedOut: 0, skipped: 0 }, 0.5); // true
 * ```
 */
export function nextPhaseReady(status: ResultStatus, counts: ResultCounts, threshold: number): boolean {
  if (status === 'success') return true;
  if (status !== 'partial' || counts.total <= 0) return false;
  return counts.succeeded / counts.total > threshold;
}
