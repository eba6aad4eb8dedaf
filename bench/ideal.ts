/**
 * The ideal makespan of a set of DRS launch jobs: how long the same launch rounds would take if
 * every job completion were seen the instant it happened. Pure; see bench/README.md
 * ("Orchestration overhead") for why it is defined this way.
 */

/** One DRS job as the emulator drew it (virtual epoch milliseconds). */
export interface DrawnJob {
  /** When StartRecovery created it. */
  readonly createdMs: number;
  /** When it became COMPLETED (the emulator's drawn plan: PENDING, per-server launch, tail). */
  readonly endMs: number;
  /** Source servers in the job. */
  readonly servers: number;
}

/** The limits one account launches under (the partition task's `LaunchPlan`). */
export interface LaunchLimits {
  /** Most servers in jobs that have not completed. */
  readonly maxInFlight: number;
  /** Most jobs that have not completed. */
  readonly maxConcurrentJobs: number;
}

/** The ideal schedule of one account. */
export interface IdealSchedule {
  /** Virtual milliseconds from the first launch to the last job's completion. */
  readonly makespanMs: number;
  /** Launch rounds: distinct instants at which at least one job starts. */
  readonly rounds: number;
}

/** Thrown for jobs the ideal cannot be computed from. */
export class IdealInputError extends Error {
  override readonly name = 'IdealInputError';
}

/**
 * Replays one account's jobs, in the order they were created, each with the duration DRS drew for
 * it (`endMs - createdMs`), under the same limits: a job starts at time 0 or at the instant a
 * completion makes room for it, never later. A job larger than `maxInFlight` starts when nothing
 * is in flight (it did start in the real run, so the limits allowed it).
 *
 * @throws {IdealInputError} for a job that never completes or ends before it was created
 * @example
 * idealSchedule([{ createdMs: 0, endMs: 600_000, servers: 100 }], { maxInFlight: 200, maxConcurrentJobs: 2 });
 * // { makespanMs: 600000, rounds: 1 }
 */
export function idealSchedule(jobs: readonly DrawnJob[], limits: LaunchLimits): IdealSchedule {
  const queue = [...jobs]
    .sort((a, b) => a.createdMs - b.createdMs)
    .map((job) => {
      if (!Number.isFinite(job.endMs) || job.endMs < job.createdMs) {
        throw new IdealInputError(
          `job created at ${job.createdMs} ends at ${job.endMs}; expected a completion at or after its creation`,
        );
      }
      return { durationMs: job.endMs - job.createdMs, servers: job.servers };
    });
  const running: { endMs: number; servers: number }[] = [];
  let now = 0;
  let rounds = 0;
  let last = 0;
  let next = 0;
  while (next < queue.length || running.length > 0) {
    let started = false;
    while (next < queue.length) {
      const job = queue[next] as { durationMs: number; servers: number };
      const inFlight = running.reduce((n, r) => n + r.servers, 0);
      const fits =
        running.length < limits.maxConcurrentJobs &&
        (inFlight + job.servers <= limits.maxInFlight || running.length === 0);
      if (!fits) break;
      running.push({ endMs: now + job.durationMs, servers: job.servers });
      last = Math.max(last, now + job.durationMs);
      next += 1;
      started = true;
    }
    if (started) rounds += 1;
    if (running.length === 0) break;
    // Jump to the next completion and free everything that ends then.
    now = Math.min(...running.map((r) => r.endMs));
    for (let i = running.length - 1; i >= 0; i -= 1) {
      if ((running[i] as { endMs: number }).endMs <= now) running.splice(i, 1);
    }
  }
  return { makespanMs: last, rounds };
}

/**
 * The ideal of a whole run: accounts run in parallel, so it is the longest account schedule;
 * `rounds` is the most launch rounds any account needs.
 */
export function idealOfRun(
  accounts: readonly { jobs: readonly DrawnJob[]; limits: LaunchLimits }[],
): IdealSchedule {
  let makespanMs = 0;
  let rounds = 0;
  for (const account of accounts) {
    const s = idealSchedule(account.jobs, account.limits);
    makespanMs = Math.max(makespanMs, s.makespanMs);
    rounds = Math.max(rounds, s.rounds);
  }
  return { makespanMs, rounds };
}

/**
 * The quota-bound lower bound of one account: every server started at time 0 or as soon as the
 * all-jobs quota has room, each taking the launch duration DRS drew for it (from its job's
 * StartRecovery to its own LAUNCHED/FAILED), and every completion seen the instant it happens.
 * No schedule beats `max(longest launch, total launch time / allJobs)`: a server cannot finish
 * before its own launch, and at most `allJobs` launches run at once.
 *
 * @throws {IdealInputError} for a negative or non-finite duration
 * @example
 * quotaLowerBoundMs([600_000, 1_200_000], 500); // 1200000
 * quotaLowerBoundMs([600_000, 600_000, 600_000], 1); // 1800000
 */
export function quotaLowerBoundMs(durationsMs: readonly number[], allJobs: number): number {
  let longest = 0;
  let total = 0;
  for (const d of durationsMs) {
    if (!Number.isFinite(d) || d < 0) {
      throw new IdealInputError(`launch duration ${d} ms; expected a finite duration >= 0`);
    }
    longest = Math.max(longest, d);
    total += d;
  }
  return Math.max(longest, total / Math.max(1, allJobs));
}
