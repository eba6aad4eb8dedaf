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

/** Service Quotas codes of DRS (service code `drs`), docs/architecture.md §3. */
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

/** `options.parallelism`: a number of servers, or `"max"` for as many as the quotas allow. */
export type Parallelism = number | 'max';

/**
 * Why `parallelism` cannot be used with these quotas, or `undefined` when it can: a number above
 * the all-jobs quota (servers in all active jobs) could never be reached, and is refused rather
 * than silently lowered so that the run does what the input says.
 *
 * @example
 * ```ts
 * parallelismProblem(800, { perJob: 100, allJobs: 500, concurrentJobs: 20, source: 'service-quotas' });
 * // 'must be at most the all-jobs quota of 500 servers in active jobs (Service Quotas L-05AFA8C6), got 800; use "max" for as many as the quotas allow'
 * ```
 */
export function parallelismProblem(parallelism: Parallelism, quotas: LaunchQuotas): string | undefined {
  if (parallelism === 'max') return undefined;
  const allJobs = positive(quotas.allJobs, DEFAULT_LAUNCH_QUOTAS.allJobs);
  if (parallelism <= allJobs) return undefined;
  const where =
    quotas.source === 'service-quotas'
      ? `Service Quotas ${DRS_QUOTA_CODES.allJobs}`
      : `the conservative default: Service Quotas ${DRS_QUOTA_CODES.allJobs} was not readable`;
  return `must be at most the all-jobs quota of ${allJobs} servers in active jobs (${where}), got ${parallelism}; use "max" for as many as the quotas allow`;
}

/**
 * Computes how one account launches its servers: at most `maxInFlight` servers in at most
 * `maxConcurrentJobs` active jobs, in jobs of at most `perJob` servers.
 *
 * `batchSize` is the job size while servers wait for capacity: the smallest size that still
 * fills `maxInFlight` with `maxConcurrentJobs` jobs. DRS frees a job's servers only when its
 * slowest server has launched, so smaller jobs hand capacity back sooner and the makespan
 * shrinks; a size any smaller would leave in-flight capacity unused for want of job slots.
 *
 * @param parallelism - `options.parallelism`: most servers in flight at once, or `"max"`.
 * @example
 * ```ts
 * planLaunch('max', { perJob: 100, allJobs: 500, concurrentJobs: 20, source: 'service-quotas' });
 * // { batchSize: 25, maxInFlight: 500, maxConcurrentJobs: 20, perJob: 100, quotas: ... }
 * planLaunch(50, { perJob: 100, allJobs: 500, concurrentJobs: 20, source: 'service-quotas' });
 * // { batchSize: 3, maxInFlight: 50, maxConcurrentJobs: 17, perJob: 100, quotas: ... }
 * ```
 */
export function planLaunch(parallelism: Parallelism, quotas: LaunchQuotas): LaunchPlan {
  const perJobQuota = positive(quotas.perJob, DEFAULT_LAUNCH_QUOTAS.perJob);
  const allJobs = positive(quotas.allJobs, DEFAULT_LAUNCH_QUOTAS.allJobs);
  const concurrentJobs = positive(quotas.concurrentJobs, DEFAULT_LAUNCH_QUOTAS.concurrentJobs);
  const perJob = Math.min(perJobQuota, MAX_IDS_PER_CALL, allJobs);
  const wanted = parallelism === 'max' ? allJobs : positive(parallelism, 1);
  // Never more than the quotas can hold at once.
  const maxInFlight = Math.min(wanted, allJobs, perJob * concurrentJobs);
  const batchSize = Math.min(perJob, Math.ceil(maxInFlight / concurrentJobs));
  const maxConcurrentJobs = Math.min(concurrentJobs, Math.ceil(maxInFlight / batchSize));
  return {
    batchSize,
    maxInFlight,
    maxConcurrentJobs,
    perJob,
    quotas: { perJob: perJobQuota, allJobs, concurrentJobs, source: quotas.source },
  };
}

/** What is running now in one account. */
export interface InFlight {
  /** Servers in jobs that have not finished. */
  servers: number;
  /** Jobs that have not finished. */
  jobs: number;
}

/** Splits `items` into `parts` runs of sizes differing by at most one, in order. */
function balanced<T>(items: readonly T[], parts: number): T[][] {
  const out: T[][] = [];
  let next = 0;
  for (let i = 0; i < parts; i += 1) {
    const size = Math.ceil((items.length - next) / (parts - i));
    out.push(items.slice(next, next + size));
    next += size;
  }
  return out.filter((b) => b.length > 0);
}

/**
 * Cuts the next launch jobs from `pending` (in order) that fit the plan given what is already in
 * flight, filling every server and job slot the plan leaves free. Returns an empty list when
 * nothing may start now.
 *
 * - When every pending server fits now, they go in the fewest jobs (at most `perJob` each, sizes
 *   balanced): nothing waits for capacity, so job size cannot change the makespan, and fewer
 *   jobs cost fewer calls.
 * - Otherwise the free capacity is filled with jobs of about `batchSize` (larger only when job
 *   slots are short), so that capacity comes back in small steps as jobs finish.
 *
 * @example
 * ```ts
 * // plan: maxInFlight 5, maxConcurrentJobs 3, perJob 2, batchSize 2
 * nextBatches(['a', 'b', 'c', 'd', 'e', 'f'], { servers: 0, jobs: 0 }, plan); // [['a','b'], ['c','d'], ['e']]
 * ```
 */
export function nextBatches(pending: readonly string[], inFlight: InFlight, plan: LaunchPlan): string[][] {
  const room = plan.maxInFlight - inFlight.servers;
  const slots = plan.maxConcurrentJobs - inFlight.jobs;
  if (room <= 0 || slots <= 0 || pending.length === 0) return [];
  const perJob = Math.min(plan.perJob ?? plan.batchSize, MAX_IDS_PER_CALL);
  if (pending.length <= room) {
    const jobs = Math.min(slots, Math.ceil(pending.length / perJob));
    return balanced(pending.slice(0, Math.min(pending.length, jobs * perJob)), jobs);
  }
  const size = Math.min(perJob, Math.max(plan.batchSize, Math.ceil(room / slots)));
  const jobs = Math.min(slots, Math.ceil(room / size));
  return balanced(pending.slice(0, Math.min(room, jobs * size)), jobs);
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
