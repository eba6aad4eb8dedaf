/**
 * Our retry policy for AWS calls (design 11.2). The SDK clients run with `maxAttempts: 1` so that
 * every attempt is ours: counted, logged, and slept through an injectable `sleep` that the local
 * runtime scales to virtual time.
 */
import type { DrsOrchestrationError } from '../contract/errors.js';
import { type CallSite, classifyAwsError, retryAfterSecondsOf, toOrchestrationError } from './errors.js';

/** One retry rule. */
export interface RetryRule {
  /** Wait before the 2nd attempt, in ms. */
  intervalMs: number;
  /** Each further wait is the previous times this. */
  backoffRate: number;
  /** Total attempts, the first included. */
  maxAttempts: number;
}

/** Retry rules by failure kind. */
export interface RetryPolicy {
  /**
   * Throttling (429, ThrottlingException and kin).
   * @default { intervalMs: 5000, backoffRate: 2, maxAttempts: 5 }
   */
  throttling: RetryRule;
  /**
   * Server-side errors (5xx, network failures).
   * @default { intervalMs: 30000, backoffRate: 1.5, maxAttempts: 3 }
   */
  server: RetryRule;
}

/** Design 11.2: throttling 5 s x2 over 5 attempts; service errors 30 s x1.5 over 3 attempts. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  throttling: Object.freeze({ intervalMs: 5_000, backoffRate: 2, maxAttempts: 5 }),
  server: Object.freeze({ intervalMs: 30_000, backoffRate: 1.5, maxAttempts: 3 }),
});

/** One attempt, as reported to an observer (logs, tests). */
export interface AttemptInfo extends CallSite {
  /** 1-based attempt number. */
  attempt: number;
  /** The error of this attempt, when it failed. */
  error?: DrsOrchestrationError;
  /** Wait before the next attempt, when there is one. */
  delayMs?: number;
}

/** What {@link callWithRetry} needs besides the call. */
export interface RetryOptions {
  sleep: (ms: number) => Promise<void>;
  policy?: RetryPolicy;
  /** Called after each failed attempt. */
  onAttempt?: (info: AttemptInfo) => void;
}

/**
 * Runs `call`, retrying throttling and server errors by the policy. A `Retry-After` longer than
 * the computed wait is honoured. Other errors are not retried. Every error that leaves is mapped
 * by {@link toOrchestrationError}.
 *
 * @example
 * ```ts
 * const out = await callWithRetry(() => drs.send(new DescribeJobsCommand(input)), { service: 'drs', operation: 'DescribeJobs', accountId }, { sleep });
 * ```
 */
export async function callWithRetry<T>(
  call: () => Promise<T>,
  site: CallSite,
  options: RetryOptions,
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  let throttled = 0;
  let failed = 0;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (err) {
      const kind = classifyAwsError(err);
      const mapped = toOrchestrationError(err, site);
      const rule = kind === 'throttling' ? policy.throttling : kind === 'server' ? policy.server : undefined;
      const tries = kind === 'throttling' ? ++throttled : ++failed;
      if (!rule || tries >= rule.maxAttempts) {
        options.onAttempt?.({ ...site, attempt, error: mapped });
        throw mapped;
      }
      const backoff = rule.intervalMs * rule.backoffRate ** (tries - 1);
      const asked = (retryAfterSecondsOf(err) ?? 0) * 1000;
      const delayMs = Math.max(backoff, asked);
      options.onAttempt?.({ ...site, attempt, error: mapped, delayMs });
      await options.sleep(delayMs);
    }
  }
}
