/**
 * The failover/drill engine shared by start-recovery and monitor-job: readiness, idempotent
 * adoption of our own jobs, batch launching under the plan, job observation, deadline.
 */
import type { Job, SourceServer } from '@aws-sdk/client-drs';
import { awsErrorCode, type DrsPort, isTransientAwsError } from '../aws/index.js';
import { ErrorNames } from '../contract/errors.js';
import type {
  AccountWork,
  ExecutionRef,
  LaunchPlan,
  OrchestrationRequest,
  RecoveryRun,
} from '../core/model.js';
import { DEFAULT_LAUNCH_QUOTAS, nextBatches, planLaunch } from '../core/partition.js';

import type { TaskDeps } from './deps.js';
import { recoveryDecision } from './eligibility.js';
import {
  correlationIdOf,
  describeJobLog,
  describeJobs,
  describeSourceServers,
  isOurJob,
  jobLaunchKind,
  jobTags,
  type LaunchKind,
  launchKindOf,
} from './shared.js';

/** Everything the engine needs for one account. */
export interface RecoveryContext {
  request: OrchestrationRequest;
  execution: ExecutionRef;
  account: AccountWork;
  deps: TaskDeps;
  drs: DrsPort;
  plan: LaunchPlan;
  correlationId: string;
  /** Drill or recovery: only launches of this kind are ever adopted. */
  kind: LaunchKind;
  tags: Record<string, string>;
}

/** Builds the context of an executor event. */
export function recoveryContext(
  event: { request: OrchestrationRequest; execution: ExecutionRef; account: AccountWork },
  deps: TaskDeps,
): RecoveryContext {
  const { request, execution, account } = event;
  return {
    request,
    execution,
    account,
    deps,
    drs: deps.aws.account(account).drs,
    plan: account.plan ?? planLaunch(request.options.parallelism, DEFAULT_LAUNCH_QUOTAS),
    correlationId: correlationIdOf(request, execution),
    kind: launchKindOf(request),
    tags: jobTags(request, execution),
  };
}

/** Records a server failure; without continueOnFailure it stops further batches. */
export function fail(
  ctx: RecoveryContext,
  run: RecoveryRun,
  id: string,
  code: string,
  message: string,
): void {
  if (run.failed.some((f) => f.id === id)) return;
  run.failed.push({ id, code, message });
  if (!ctx.request.options.continueOnFailure) run.stopped = true;
}

/** Servers and jobs that have not finished (what counts against the plan). */
export function inFlight(run: RecoveryRun): { servers: number; jobs: number } {
  const open = run.jobs.filter((j) => !j.finished);
  return { servers: open.reduce((n, j) => n + j.serverIds.length, 0), jobs: open.length };
}

function tracked(run: RecoveryRun): Set<string> {
  return new Set(run.jobs.flatMap((j) => j.serverIds));
}

/**
 * Adopts servers whose last launch is one of our jobs (same correlation id and same kind of
 * launch), or, with `activeToo`, any job of the same kind still running (the ConflictException
 * case). Only requested servers (`ids`) are ever adopted. Jobs are looked up in one
 * DescribeJobs call. `since`: only last launches at or after this time are candidates (the monitor's
 * cheap check for launches whose record was lost). Returns the adopted server ids.
 */
export async function adoptLaunched(
  ctx: RecoveryContext,
  run: RecoveryRun,
  servers: ReadonlyMap<string, SourceServer>,
  ids: readonly string[],
  options: { since?: string; activeToo?: boolean; known?: Map<string, Job> } = {},
): Promise<Set<string>> {
  const sinceMs = options.since ? Date.parse(options.since) : undefined;
  const known = options.known ?? new Map<string, Job>();
  const already = new Set(run.jobs.map((j) => j.jobId));
  const lastJob = new Map<string, string>();
  for (const id of ids) {
    const launch = servers.get(id)?.lifeCycle?.lastLaunch?.initiated;
    if (!launch?.jobID) continue;
    if (sinceMs !== undefined && !(Date.parse(launch.apiCallDateTime ?? '') >= sinceMs)) continue;
    lastJob.set(id, launch.jobID);
  }
  const unknown = [...new Set(lastJob.values())].filter((j) => !known.has(j) && !already.has(j));
  if (unknown.length) for (const [id, job] of await describeJobs(ctx.drs, unknown)) known.set(id, job);

  const adopted = new Set<string>();
  const taken = tracked(run);
  for (const [serverId, jobId] of lastJob) {
    if (taken.has(serverId)) continue;
    const ownJob = run.jobs.find((j) => j.jobId === jobId);
    const job = known.get(jobId);
    const ours = ownJob !== undefined || isOurJob(job, ctx.correlationId, ctx.kind);
    // A running job of the other kind (a drill while a failover starts) is never taken for ours.
    const active = job !== undefined && job.status !== 'COMPLETED' && jobLaunchKind(job) === ctx.kind;
    if (!ours && !(options.activeToo && active)) continue;
    const entry = ownJob ?? run.jobs.find((j) => j.jobId === jobId && j.adopted);
    if (entry) entry.serverIds.push(serverId);
    else {
      const startedAt = job?.creationDateTime;
      // Whose job it was: the result lists taken-over jobs with the run that started them.
      const adoptedFrom = job?.tags?.['DR-CorrelationId'] ?? '';
      run.jobs.push({
        jobId,
        serverIds: [serverId],
        adopted: true,
        adoptedFrom,
        ...(startedAt ? { startedAt } : {}),
      });
    }
    adopted.add(serverId);
  }
  if (adopted.size) {
    run.pending = run.pending.filter((id) => !adopted.has(id));
    run.waiting = run.waiting.filter((id) => !adopted.has(id));
    ctx.deps.log?.info('adopted servers launched earlier', {
      accountId: ctx.account.accountId,
      count: adopted.size,
    });
  }
  return adopted;
}

/** Outcome of trying to start one batch. */
type BatchOutcome = 'started' | 'blocked' | 'failed';

async function startBatch(ctx: RecoveryContext, run: RecoveryRun, batch: string[]): Promise<BatchOutcome> {
  let remaining = batch;
  // A conflict names one busy server at a time; each round adopts what is busy and retries the rest.
  for (let round = 0; round < 5 && remaining.length > 0; round += 1) {
    try {
      const out = await ctx.drs.startRecovery({
        sourceServers: remaining.map((id) => ({
          sourceServerID: id,
          ...(run.snapshotIds?.[id] ? { recoverySnapshotID: run.snapshotIds[id] } : {}),
        })),
        isDrill: ctx.request.options.isDrill,
        tags: ctx.tags,
      });
      const jobId = out.job?.jobID;
      if (!jobId) throw new Error('drs:StartRecovery returned no job');
      run.jobs.push({
        jobId,
        serverIds: [...remaining],
        startedAt: out.job?.creationDateTime ?? ctx.deps.now().toISOString(),
      });
      run.pending = run.pending.filter((id) => !remaining.includes(id));
      return 'started';
    } catch (err) {
      if (isTransientAwsError(err)) throw err;
      const code = awsErrorCode(err);
      if (code === 'ServiceQuotaExceededException') return 'blocked';
      if (code === 'ConflictException') {
        const servers = await describeSourceServers(ctx.drs, remaining);
        const adopted = await adoptLaunched(ctx, run, servers, remaining, { activeToo: true });
        if (adopted.size > 0) {
          remaining = remaining.filter((id) => !adopted.has(id));
          continue;
        }
      }
      const message = err instanceof Error ? err.message : String(err);
      for (const id of remaining) fail(ctx, run, id, ErrorNames.DRSServiceError, message);
      run.pending = run.pending.filter((id) => !remaining.includes(id));
      return 'failed';
    }
  }
  return remaining.length === 0 ? 'started' : 'blocked';
}

/**
 * Starts every batch the plan allows now. Before launching, servers whose last launch happened
 * at or after `since` are checked for a job of ours (a launch whose record was lost in a crash).
 * Returns true when a job was started or adopted.
 */
export async function launchReady(ctx: RecoveryContext, run: RecoveryRun, since?: string): Promise<boolean> {
  let changed = false;
  for (let guard = 0; guard < 100 && !run.stopped && run.pending.length > 0; guard += 1) {
    const batches = nextBatches(run.pending, inFlight(run), ctx.plan);
    const candidates = batches.flat();
    if (candidates.length === 0) break;
    if (since !== undefined) {
      const servers = await describeSourceServers(ctx.drs, candidates);
      const adopted = await adoptLaunched(ctx, run, servers, candidates, { since });
      if (adopted.size > 0) {
        changed = true;
        continue; // capacity changed: cut the batches again
      }
    }
    let blocked = false;
    for (const batch of batches) {
      if (run.stopped) break;
      const outcome = await startBatch(ctx, run, batch);
      changed = changed || outcome !== 'blocked';
      if (outcome === 'blocked') {
        blocked = true;
        break;
      }
    }
    if (blocked) break;
    since = undefined; // the servers just checked are launched now; no re-check needed
  }
  return changed;
}

/**
 * Folds one DescribeJobs answer into the run: finished jobs are marked, their failed servers
 * recorded (`LaunchFailed`). Returns how many of the run's servers have launched so far.
 */
export function observeJobs(ctx: RecoveryContext, run: RecoveryRun, jobs: ReadonlyMap<string, Job>): number {
  let launched = 0;
  for (const entry of run.jobs) {
    const job = jobs.get(entry.jobId);
    // A finished job is not polled again: count what it launched when it finished, so the
    // progress of a multi-batch run never goes backwards.
    if (!job) {
      launched += entry.launched ?? 0;
      continue;
    }
    const byServer = new Map((job.participatingServers ?? []).map((p) => [p.sourceServerID, p.launchStatus]));
    const now = entry.serverIds.filter((id) => byServer.get(id) === 'LAUNCHED').length;
    launched += now;
    if (entry.finished || job.status !== 'COMPLETED') continue;
    entry.finished = true;
    entry.launched = now;
    if (job.endDateTime) entry.endedAt = job.endDateTime;
    for (const id of entry.serverIds) {
      const status = byServer.get(id);
      if (status === 'LAUNCHED') continue;
      fail(
        ctx,
        run,
        id,
        ErrorNames.LaunchFailed,
        status
          ? `launch of ${id} ended as ${status} in job ${entry.jobId}`
          : `server ${id} was not part of job ${entry.jobId} when it completed`,
      );
    }
  }
  return launched;
}

/**
 * Reads the log of each job in `jobIds` that has finished and has no log yet (once per job: the
 * record is kept with the run) and keeps its notable items on the job (`logEvents`), so the
 * evidence report shows what DRS logged (USING_PREVIOUS_SNAPSHOT, LAUNCH_FAILED, ...) instead of
 * guessing it. A log DRS refuses (a role without drs:DescribeJobLogItems) is evidence lost, not a
 * failed recovery: it is logged and left out; transient errors are thrown for the task's Retry.
 * Returns whether any log was read.
 */
export async function readJobLogs(
  ctx: RecoveryContext,
  run: RecoveryRun,
  jobIds: readonly string[],
): Promise<boolean> {
  let read = false;
  for (const entry of run.jobs) {
    if (!entry.finished || entry.logEvents !== undefined || !jobIds.includes(entry.jobId)) continue;
    try {
      const { logEvents, omitted } = await describeJobLog(ctx.drs, entry.jobId);
      entry.logEvents = logEvents;
      if (omitted > 0) entry.logEventsOmitted = omitted;
      read = true;
    } catch (err) {
      if (isTransientAwsError(err)) throw err;
      ctx.deps.log?.warn('job log not read', {
        jobId: entry.jobId,
        errorCode: awsErrorCode(err) ?? (err as Error).name,
      });
      // A refusal does not change with the next poll: record the job as read (no items, as the
      // output shows it either way) and save it, or every poll of the run would ask DRS again.
      entry.logEvents = [];
      read = true;
    }
  }
  return read;
}

/**
 * Sorts servers into pending (launch now) / waiting (recovery point over the RPO budget while
 * still replicating) / failed (no recovery point: `ServerNotReady`; over the budget for good:
 * `RecoveryPointTooOld`), by the rule of `readiness` (core/readiness.ts). Drills of servers that are not
 * CONTINUOUS are recorded as warnings. Only servers that are STALLED or PAUSED under a budget cost
 * a DescribeRecoverySnapshots call each.
 */
export async function classifyReadiness(
  ctx: RecoveryContext,
  run: RecoveryRun,
  ids: readonly string[],
  servers: ReadonlyMap<string, SourceServer>,
): Promise<{ nowReady: string[] }> {
  const nowReady: string[] = [];
  const waiting: string[] = [];
  const { isDrill, maxDataLossMinutes } = ctx.request.options;
  const now = ctx.deps.now().getTime();
  for (const id of ids) {
    const server = servers.get(id);
    if (!server) {
      fail(
        ctx,
        run,
        id,
        ErrorNames.DRSServiceError,
        `source server ${id} no longer exists in account ${ctx.account.accountId}`,
      );
      continue;
    }
    const decision = await recoveryDecision(ctx.drs, id, server, { isDrill, maxDataLossMinutes }, now);
    if (decision.kind === 'fail') fail(ctx, run, id, decision.code, decision.message);
    else if (decision.kind === 'wait') waiting.push(id);
    else {
      nowReady.push(id);
      if (decision.warning && !(run.warnings ?? []).some((w) => w.id === id)) {
        run.warnings = [
          ...(run.warnings ?? []),
          { id, code: 'ReplicationNotContinuous', message: decision.warning },
        ];
      }
    }
  }
  run.waiting = waiting;
  return { nowReady };
}

/** Marks the run done when nothing can happen any more. */
export function settleDone(run: RecoveryRun): void {
  // Launched instances still waiting for their status checks keep the run open.
  const open = run.jobs.some((j) => !j.finished) || Object.keys(run.health?.watching ?? {}).length > 0;
  const moreToLaunch = !run.stopped && (run.pending.length > 0 || run.waiting.length > 0);
  run.done = !open && !moreToLaunch;
}

/**
 * At the deadline: whatever has not launched is timed out; servers still waiting for their
 * recovery point to get within `maxDataLossMinutes` fail with `RecoveryPointTooOld`.
 */
export function expire(run: RecoveryRun, jobs: ReadonlyMap<string, Job>, minutes: number): void {
  const note = `not finished within maxWaitMinutes (${minutes})`;
  for (const entry of run.jobs) {
    if (entry.finished) continue;
    const statuses = new Map(
      (jobs.get(entry.jobId)?.participatingServers ?? []).map((p) => [p.sourceServerID, p.launchStatus]),
    );
    for (const id of entry.serverIds) {
      const status = statuses.get(id);
      if (status === 'LAUNCHED' || run.failed.some((f) => f.id === id)) continue;
      if (status === 'FAILED')
        run.failed.push({
          id,
          code: ErrorNames.LaunchFailed,
          message: `launch of ${id} failed in job ${entry.jobId}`,
        });
      else
        run.failed.push({
          id,
          code: ErrorNames.JobTimeout,
          message: `launch of ${id} in job ${entry.jobId} ${note}`,
        });
    }
    entry.finished = true;
  }
  if (!run.stopped) {
    for (const id of run.waiting) {
      run.failed.push({
        id,
        code: ErrorNames.RecoveryPointTooOld,
        message: `source server ${id} recovery point did not get within maxDataLossMinutes before maxWaitMinutes (${minutes}) ended`,
      });
    }
    for (const id of run.pending) {
      run.failed.push({
        id,
        code: ErrorNames.JobTimeout,
        message: `source server ${id} was not launched: ${note}`,
      });
    }
    run.waiting = [];
    run.pending = [];
  }
  run.timedOut = true;
  run.done = true;
}

/** Emits per-account progress. */
export function reportProgress(ctx: RecoveryContext, run: RecoveryRun, launched: number): void {
  ctx.deps.progress?.({
    accountId: ctx.account.accountId,
    discovered: ctx.account.serverIds.length,
    launching: inFlight(run).servers,
    launched,
    failed: run.failed.length,
  });
}
