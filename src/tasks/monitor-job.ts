/**
 * monitor-job: one poll of an account's DRS jobs (recovery or terminate run).
 */

import type { Job } from '@aws-sdk/client-drs';
import { POLL_INTERVAL_SECONDS } from '../core/launch-times.js';
import type { RecoveryRun, TerminateRun } from '../core/model.js';
import type { TaskDeps } from './deps.js';
import { checkHealth, expireHealth, registerLaunched, watchingCount } from './health-check.js';
import { scheduleNextPoll, secondsUntilNextPoll } from './poll-schedule.js';
import {
  classifyReadiness,
  expire,
  inFlight,
  launchReady,
  observeJobs,
  readJobLogs,
  recoveryContext,
  reportProgress,
  settleDone,
} from './recovery.js';
import { describeJobs, describeSourceServers } from './shared.js';
import { pollTerminate } from './terminate-instances.js';
import type { MonitorJobEvent } from './types.js';
import { StillRunning, watchRun } from './watch.js';

/** Shortest wait worth a Wait state: 3 transitions must not cost more than 3 Retry polls. */
export const LONG_WAIT_SECONDS = 3 * POLL_INTERVAL_SECONDS;

/**
 * Polls once. All of the account's jobs are read with ONE DescribeJobs call (jobIDs filter,
 * up to 1000 ids), never one call per server. Returns the updated run when something must be kept
 * (a batch was started, a server finished waiting for replication), when the work is done, or
 * when the poll cadence says to wait longer than 30 s (`waitSeconds`, the executor's Wait state);
 * otherwise throws `JobInProgress` so the state machine's Retry polls again in 30 s (1 transition
 * per poll).
 * At the run's deadline whatever is still pending is marked timed out.
 *
 * @throws {JobInProgress} while jobs are running and nothing needs recording.
 */
export async function monitorJob(
  event: MonitorJobEvent,
  deps: TaskDeps,
): Promise<RecoveryRun | TerminateRun> {
  if (event.run.kind === 'terminate') {
    const terminate = { ...event, run: event.run };
    return watchRun(terminate, deps, (run, { expired }) => pollTerminate(terminate, run, expired, deps));
  }
  return watchRun({ ...event, run: event.run }, deps, (run, { expired }) =>
    pollRecovery(event, run, expired, deps),
  );
}

/** One poll of a recovery run (`run`: the copy being advanced). */
async function pollRecovery(
  event: MonitorJobEvent,
  run: RecoveryRun,
  expired: () => boolean,
  deps: TaskDeps,
): Promise<RecoveryRun | StillRunning> {
  const ctx = recoveryContext(event, deps);
  const open = run.jobs.filter((j) => !j.finished).map((j) => j.jobId);
  const jobs: Map<string, Job> = open.length ? await describeJobs(ctx.drs, open) : new Map();
  const launched = observeJobs(ctx, run, jobs);
  // A job that ended in this poll: its log is read now and kept with the run (so never re-read).
  const logged = await readJobLogs(ctx, run, open);
  const watching = registerLaunched(ctx, run, jobs);
  let changed = (await checkHealth(ctx, run)) || watching || logged;

  if (run.waiting.length > 0 && !run.stopped) {
    const before = run.waiting.length;
    const servers = await describeSourceServers(ctx.drs, run.waiting);
    const { nowReady } = await classifyReadiness(ctx, run, run.waiting, servers);
    if (nowReady.length || run.waiting.length !== before) {
      run.pending.push(...nowReady);
      changed = true;
    }
  }

  if (expired()) {
    expireHealth(run, event.request.options.maxWaitMinutes);
    expire(run, jobs, event.request.options.maxWaitMinutes);
    delete run.waitSeconds;
    reportProgress(ctx, run, launched);
    return run;
  }

  // Launches after the execution started that we have no record of can only be ours (a crash
  // between StartRecovery and the end of a task): check them before launching again.
  if (await launchReady(ctx, run, event.execution.startTime)) changed = true;
  settleDone(run);
  reportProgress(ctx, run, launched);
  if (changed || run.done) {
    scheduleNextPoll(run, jobs, deps);
    return run;
  }
  // Nothing to record: poll again in 30 s (the Retry, 1 transition), or, when no job can be
  // complete for 90 s or more, return so that the executor's Wait state holds off longer (3
  // transitions: Task, Choice, Wait; at most 2 per minute).
  const wait = secondsUntilNextPoll(run, jobs, deps);
  if (wait >= LONG_WAIT_SECONDS) {
    run.waitSeconds = wait;
    return run;
  }
  const flying = inFlight(run);
  return new StillRunning(
    `${flying.servers} servers in ${flying.jobs} jobs still running in account ${event.account.accountId}` +
      (run.waiting.length
        ? `, ${run.waiting.length} waiting for their recovery point to get within maxDataLossMinutes`
        : '') +
      (watchingCount(run) ? `, ${watchingCount(run)} launched instances waiting for EC2 status checks` : ''),
    'drs:DescribeJobs',
  );
}
