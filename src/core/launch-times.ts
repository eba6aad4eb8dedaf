/**
 * Typical DRS launch times and what they imply: how long a job of n servers usually takes, and
 * how long an account's launches take under a launch plan. Pure; used by `plan`'s estimate and
 * by the monitor's poll cadence, so that both rest on one documented model.
 */
import type { LaunchPlan } from './model.js';
import { nextBatches } from './partition.js';

/**
 * Seconds between two polls of an account's jobs while completions are expected: the executor's
 * `Retry` on `JobInProgress` (statemachines/staging-account-executor.asl.json; a test keeps the
 * two equal).
 */
export const POLL_INTERVAL_SECONDS = 30;

/**
 * A model of how long one server's launch takes, from StartRecovery to `LAUNCHED`: between
 * `shortestMinutes` and `longestMinutes`, skewed towards the short end (quantile
 * `shortest + (longest - shortest) * p^skew`). A job completes when its slowest server has
 * launched, plus `jobOverheadSeconds` (PENDING before it starts, the tail after the last launch).
 */
export interface LaunchTimes {
  readonly shortestMinutes: number;
  readonly longestMinutes: number;
  /** Above 1: most launches are short; the median is `shortest + (longest - shortest) * 0.5^skew`. */
  readonly skew: number;
  readonly jobOverheadSeconds: number;
}

/**
 * Typical launch times: 4 to 45 minutes, median about 14 (snapshot, conversion, boot of the
 * recovery instance), as the embedded emulator draws them (src/emulator/EMULATOR.md). Real launch
 * times depend on disk sizes, OS and the launch template; the poll cadence stays safe when they
 * differ (it never waits longer than its cap), only its saving shrinks.
 */
export const TYPICAL_LAUNCH_TIMES: LaunchTimes = Object.freeze({
  shortestMinutes: 4,
  longestMinutes: 45,
  skew: 1.6,
  jobOverheadSeconds: 40,
});

/** The `p`-quantile (0..1) of one server's launch minutes. */
export function launchMinutesQuantile(p: number, times: LaunchTimes = TYPICAL_LAUNCH_TIMES): number {
  const q = Math.min(1, Math.max(0, p));
  return times.shortestMinutes + (times.longestMinutes - times.shortestMinutes) * q ** times.skew;
}

/**
 * The `p`-quantile of a job's minutes from StartRecovery to COMPLETED: the slowest of `servers`
 * independent launches (`P(max <= t) = F(t)^n`), plus the job overhead.
 *
 * @example
 * ```ts
 * jobMinutes(100, 0.5); // about 45: with 100 servers the slowest is nearly always near the longest
 * jobMinutes(1, 0.5);   // about 14
 * ```
 */
export function jobMinutes(servers: number, p = 0.5, times: LaunchTimes = TYPICAL_LAUNCH_TIMES): number {
  const n = Math.max(1, Math.floor(servers));
  return launchMinutesQuantile(p ** (1 / n), times) + times.jobOverheadSeconds / 60;
}

/** What {@link estimateLaunch} expects of one account. */
export interface LaunchEstimate {
  /** Times the account's in-flight capacity is filled: ceil(servers / maxInFlight). */
  readonly rounds: number;
  /** StartRecovery calls (DRS jobs). */
  readonly jobs: number;
  /** Servers per job, in launch order. */
  readonly batches: readonly number[];
  /** Minutes from the first StartRecovery until the last job is seen complete (typical times). */
  readonly minutes: number;
}

/**
 * Estimates how long one account takes to launch `servers` ready servers under `plan`: the
 * planner's own `nextBatches` replayed with every job taking its median {@link jobMinutes}, and
 * every completion seen one poll interval late.
 *
 * @example
 * ```ts
 * estimateLaunch(300, planLaunch(50, quotas), 30);    // { rounds: 6, jobs: 87, minutes: ~213, ... }
 * estimateLaunch(300, planLaunch('max', quotas), 30); // { rounds: 1, jobs: 3, batches: [100, 100, 100], minutes: ~46 }
 * ```
 */
export function estimateLaunch(
  servers: number,
  plan: LaunchPlan,
  pollSeconds: number,
  times: LaunchTimes = TYPICAL_LAUNCH_TIMES,
): LaunchEstimate {
  const count = Math.max(0, Math.floor(servers));
  if (count === 0) return { rounds: 0, jobs: 0, batches: [], minutes: 0 };
  const ids = Array.from({ length: count }, (_, i) => String(i));
  const delay = pollSeconds / 60;
  const running: { end: number; servers: number }[] = [];
  let pending = ids;
  let now = 0;
  const sizes: number[] = [];
  let last = 0;
  while (pending.length > 0 || running.length > 0) {
    const open = { servers: running.reduce((n, r) => n + r.servers, 0), jobs: running.length };
    const batches = nextBatches(pending, open, plan);
    for (const batch of batches) {
      const end = now + jobMinutes(batch.length, 0.5, times) + delay;
      running.push({ end, servers: batch.length });
      last = Math.max(last, end);
      sizes.push(batch.length);
    }
    pending = pending.slice(batches.reduce((n, b) => n + b.length, 0));
    if (running.length === 0) break; // nothing can ever start (a plan without capacity)
    now = Math.min(...running.map((r) => r.end));
    for (let i = running.length - 1; i >= 0; i -= 1) if ((running[i]?.end ?? 0) <= now) running.splice(i, 1);
  }
  return {
    rounds: Math.ceil(count / Math.max(1, plan.maxInFlight)),
    jobs: sizes.length,
    batches: sizes,
    minutes: last,
  };
}
