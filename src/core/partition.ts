/**
 * Launch planning under DRS limits: parallelism, 200 servers per call, and the service quotas.
 */
import type { LaunchPlan, LaunchQuotas } from './model.js';

/** Most IDs one StartRecovery / StartFailbackLaunch / TerminateRecoveryInstances call accepts. */
export const MAX_IDS_PER_CALL = 200;

/** Most job IDs one DescribeJobs `jobIDs` filter accepts. */
export const MAX_JOB_IDS_PER_DESCRIBE = 1000;

/** Most IDs one DescribeSourceServers / DescribeRecoveryInstances filter accepts. */
export const MAX_IDS_PER_DESCRIBE = 200;

/** Service Quotas codes of DRS (service code `drs`), architecture.md §4. */
export const DRS_QUOTA_CODES = {
  /** Servers in one job. */
  perJob: 'L-B827C881',
  /** Servers in all active jobs. */
  allJobs: 'L-05AFA8C6',
  /** Concurrent jobs. */
  concurrentJobs: 'L-D88FAC3A',
} as const;

/**
 * Quotas assumed when Service Quotas cannot be read: the lowest values AWS has published
 * (older accounts have 200 in all jobs; newer ones 100 per job), so a plan never exceeds a real limit.
 */
export const DEFAULT_LAUNCH_QUOTAS: LaunchQuotas = Object.freeze({
  perJob: 100,
  allJobs: 200,
  concurrentJobs: 20,
  source: 'default' as const,
});

function positive(value: number, fallback: number): number {
  return Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

/**
 * Computes how one account launches its servers.
 *
 * @param parallelism - `options.parallelism`: most servers in flight at once.
 * @example
 * ```ts
 * planLaunch(50, { perJob: 100, allJobs: 500, concurrentJobs: 20, source: 'service-quotas' });
 * // { batchSize: 50, maxInFlight: 50, maxConcurrentJobs: 1, quotas: ... }
 * ```
 */
export function planLaunch(parallelism: number, quotas: LaunchQuotas): LaunchPlan {
  const perJob = positive(quotas.perJob, DEFAULT_LAUNCH_QUOTAS.perJob);
  const allJobs = positive(quotas.allJobs, DEFAULT_LAUNCH_QUOTAS.allJobs);
  const concurrentJobs = positive(quotas.concurrentJobs, DEFAULT_LAUNCH_QUOTAS.concurrentJobs);
  const par = positive(parallelism, 1);
  const maxInFlight = Math.min(par, allJobs);
  const batchSize = Math.min(par, perJob, MAX_IDS_PER_CALL, allJobs);
  const maxConcurrentJobs = Math.max(1, Math.min(concurrentJobs, Math.ceil(maxInFlight / batchSize)));
  return {
    batchSize,
    maxInFlight,
    maxConcurrentJobs,
    quotas: { perJob, allJobs, concurrentJobs, source: quotas.source },
  };
}

/** What is running now in one account. */
export interface InFlight {
  /** Servers in jobs that have not finished. */
  servers: number;
  /** Jobs that have not finished. */
  jobs: number;
}

/**
 * Cuts the next launch batches from `pending` (in order) that fit the plan given what is already
 * in flight. Returns an empty list when nothing may start now.
 *
 * @example
 * ```ts
 * nextBatches(['s1', 's2', 's3'], { servers: 0, jobs: 0 }, plan); // with batchSize 2: [['s1','s2'], ['s3']]
 * ```
 */
export function nextBatches(pending: readonly string[], inFlight: InFlight, plan: LaunchPlan): string[][] {
  const batches: string[][] = [];
  let room = plan.maxInFlight - inFlight.servers;
  let jobs = plan.maxConcurrentJobs - inFlight.jobs;
  let next = 0;
  while (next < pending.length && room > 0 && jobs > 0) {
    const size = Math.min(plan.batchSize, room, pending.length - next);
    batches.push(pending.slice(next, next + size));
    next += size;
    room -= size;
    jobs -= 1;
  }
  return batches;
}

/**
 * Splits a list into chunks of at most `size` (the last one shorter).
 *
 * @throws {RangeError} when `size` is below 1.
 */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new RangeError(`chunk size must be >= 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
