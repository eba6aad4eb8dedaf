/**
 * Retry timing in discrete time: the interpreter is told to retry at once, and the runtime waits
 * out the interval in virtual time before the next attempt. The runtime must therefore decide,
 * exactly as the interpreter will, whether a failure is retried and after how long. The matching
 * below is the interpreter's own (aws-local-stepfunctions 3.0.0, `BaseStateAction.shouldRetry`),
 * and `test/unit/runtime/retry.test.ts` checks it against the interpreter case by case.
 */
import { isStatesTimeout } from './errors.js';
import type { LocalRetrier } from './localize.js';

/** `States.ALL`: matches every retryable error. */
const WILDCARD = 'States.ALL';
/** `States.TaskFailed`: in a Task state, matches every retryable error except `States.Timeout`. */
const TASK_WILDCARD = 'States.TaskFailed';

/**
 * Whether one `ErrorEquals` entry of a Task state's retrier matches `err`, as the interpreter (and
 * AWS) decide: the error's name, `States.ALL`, or `States.TaskFailed` for anything but a timeout;
 * never an error flagged not retryable (`States.Runtime`, the data and history limits).
 */
export function retrierMatches(errorEquals: readonly string[], err: unknown): boolean {
  const retryable = (err as { isRetryable?: boolean } | null)?.isRetryable ?? true;
  if (!retryable) return false;
  const name = err instanceof Error ? err.name : undefined;
  return errorEquals.some(
    (e) => e === name || e === WILDCARD || (e === TASK_WILDCARD && !isStatesTimeout(err)),
  );
}

/** Where a Task state stands in its Retry series (mirrors the interpreter's counters). */
export interface RetryPlan {
  /** Attempts used per retrier. */
  readonly attempts: number[];
  /** Virtual time the next attempt may start. */
  wakeMs?: number;
}

/**
 * Decides, as the interpreter will, whether a failed Task is retried and when (virtual ms):
 * the first matching retrier, `IntervalSeconds x BackoffRate^attempts` capped by `MaxDelaySeconds`.
 *
 * @returns the updated plan, or undefined when the failure is not retried
 */
export function planRetry(
  retriers: readonly LocalRetrier[],
  previous: RetryPlan | undefined,
  err: unknown,
  nowMs: number,
): RetryPlan | undefined {
  const plan: RetryPlan = { attempts: previous ? [...previous.attempts] : retriers.map(() => 0) };
  for (const [i, retrier] of retriers.entries()) {
    if (!retrierMatches(retrier.errorEquals, err)) continue;
    const attempts = plan.attempts[i] ?? 0;
    if (attempts >= retrier.maxAttempts) return undefined;
    const interval = retrier.intervalSeconds * retrier.backoffRate ** attempts;
    // The interpreter's clamp ignores a MaxDelaySeconds of 0.
    const seconds = retrier.maxDelaySeconds ? Math.min(interval, retrier.maxDelaySeconds) : interval;
    plan.attempts[i] = attempts + 1;
    plan.wakeMs = nowMs + seconds * 1000;
    return plan;
  }
  return undefined;
}
