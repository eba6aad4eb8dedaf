/**
 * The monitor's side of the poll cadence: what the open jobs of a run look like now, and how long
 * the executor should wait before polling them again (`RecoveryRun.waitSeconds`).
 */
import type { Job } from '@aws-sdk/client-drs';
import type { RecoveryRun } from '../core/model.js';
import { DEFAULT_CADENCE, nextPollSeconds, type OpenJobView } from '../core/poll-cadence.js';
import type { TaskDeps } from './deps.js';

const FINISHED = new Set(['LAUNCHED', 'FAILED', 'TERMINATED']);

/** The run's open jobs as the last DescribeJobs answer shows them (`seen` may lack new jobs). */
export function openJobViews(run: RecoveryRun, seen: ReadonlyMap<string, Job>): OpenJobView[] {
  return run.jobs
    .filter((j) => !j.finished)
    .map((j) => {
      const statuses = new Map(
        (seen.get(j.jobId)?.participatingServers ?? []).map((p) => [p.sourceServerID, p.launchStatus]),
      );
      const finished = j.serverIds.filter((id) => FINISHED.has(statuses.get(id) ?? '')).length;
      const createdMs = j.startedAt ? Date.parse(j.startedAt) : Number.NaN;
      return { servers: j.serverIds.length, finished, ...(Number.isFinite(createdMs) ? { createdMs } : {}) };
    });
}

/**
 * Seconds until the next poll of this run, by the cadence and the task's settings; never past the
 * run's deadline (at least 1 s), so `maxWaitMinutes` is enforced as before.
 */
export function secondsUntilNextPoll(
  run: RecoveryRun,
  seen: ReadonlyMap<string, Job>,
  deps: TaskDeps,
): number {
  const nowMs = deps.now().getTime();
  const cadence = nextPollSeconds(
    // Instances waiting for EC2 status checks are checked at the job polls: only the last of them
    // decides when the run ends, and once no job is open the cadence is the base interval.
    { nowMs, jobs: openJobViews(run, seen), waiting: run.waiting.length },
    { ...DEFAULT_CADENCE, maxSeconds: deps.env.maxPollSeconds ?? DEFAULT_CADENCE.maxSeconds },
  );
  const untilDeadline = Math.ceil((Date.parse(run.deadline) - nowMs) / 1000);
  return Number.isFinite(untilDeadline) ? Math.max(1, Math.min(cadence, untilDeadline)) : cadence;
}

/** Sets (or, once the run is done, clears) `waitSeconds` on a run about to be returned. */
export function scheduleNextPoll(run: RecoveryRun, seen: ReadonlyMap<string, Job>, deps: TaskDeps): void {
  if (run.done) delete run.waitSeconds;
  else run.waitSeconds = secondsUntilNextPoll(run, seen, deps);
}
