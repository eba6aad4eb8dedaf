/**
 * terminate-instances (and the terminate branch of monitor-job): drill cleanup and failback
 * completion, touching only what matched.
 */
import type { Job } from '@aws-sdk/client-drs';
import { awsErrorCode, type DrsPort, isTransientAwsError } from '../aws/index.js';
import { ErrorNames } from '../contract/errors.js';
import { compact } from '../core/aggregate.js';
import { addMinutes } from '../core/duration.js';
import type { AccountReport, RunFailure, ServerRecord, TerminateRun } from '../core/model.js';
import { chunk, MAX_IDS_PER_CALL } from '../core/partition.js';
import type { TaskDeps } from './deps.js';
import { SkipCodes, terminateDecision } from './eligibility.js';
import { jobTimings, publishReport } from './results.js';
import {
  baseRecord,
  describeJobs,
  describeRecoveryInstances,
  describeSourceServers,
  failureStatus,
} from './shared.js';
import type { AccountEvent } from './types.js';
import { StillRunning } from './watch.js';

/** Codes of servers a terminate leaves alone (record `errorCode` of `skipped` records). */
export { SkipCodes } from './eligibility.js';

interface ConflictLike {
  resourceId?: unknown;
}

/** Submits TerminateRecoveryInstances calls (≤ 200 ids each); returns ids DRS would not take now. */
async function submit(drs: DrsPort, run: TerminateRun, ids: readonly string[]): Promise<string[]> {
  const deferred: string[] = [];
  for (const part of chunk(ids, MAX_IDS_PER_CALL)) {
    let remaining = [...part];
    for (let round = 0; round < 25 && remaining.length > 0; round += 1) {
      try {
        const out = await drs.terminateRecoveryInstances({ recoveryInstanceIDs: remaining });
        if (out.job?.jobID) {
          run.jobs.push({
            jobId: out.job.jobID,
            recoveryInstanceIds: remaining,
            ...(out.job.creationDateTime ? { startedAt: out.job.creationDateTime } : {}),
          });
        }
        remaining = [];
      } catch (err) {
        if (isTransientAwsError(err)) throw err;
        const code = awsErrorCode(err);
        if (code === 'ServiceQuotaExceededException') {
          deferred.push(...remaining);
          remaining = [];
        } else if (code === 'ConflictException') {
          // The named instance is already in an active job (e.g. a terminate of an earlier attempt):
          // watch it disappear instead of submitting it again.
          const busy = (err as { cause?: ConflictLike }).cause?.resourceId;
          if (typeof busy !== 'string' || !remaining.includes(busy)) {
            deferred.push(...remaining);
            remaining = [];
          } else {
            remaining = remaining.filter((id) => id !== busy);
          }
        } else {
          const message = err instanceof Error ? err.message : String(err);
          for (const id of remaining) run.failed.push({ id, code: ErrorNames.DRSServiceError, message });
          remaining = [];
        }
      }
    }
    deferred.push(...remaining);
  }
  return deferred;
}

/**
 * Terminates the recovery instances of the matched servers: by default only drill instances
 * (others are skipped and reported unless `options.terminateNonDrill`), only those launched at
 * least `options.olderThanMinutes` ago when given. Never an instance that did not match.
 */
export async function terminateInstances(event: AccountEvent, deps: TaskDeps): Promise<TerminateRun> {
  const { request, execution, account } = event;
  const drs = deps.aws.account(account).drs;
  const { terminateNonDrill, olderThanMinutes } = request.options;
  const now = deps.now().getTime();
  const run: TerminateRun = {
    kind: 'terminate',
    deadline: addMinutes(execution.startTime, request.options.maxWaitMinutes),
    targets: [],
    jobs: [],
    skipped: [],
    failed: [],
    done: false,
    polls: 0,
  };
  const instances = await describeRecoveryInstances(drs, { sourceServerIDs: account.serverIds });
  const matched = new Set(account.serverIds);
  const byServer = new Map(
    instances.filter((ri) => matched.has(ri.sourceServerID ?? '')).map((ri) => [ri.sourceServerID, ri]),
  );
  for (const id of account.serverIds) {
    const decision = terminateDecision(id, byServer.get(id), { terminateNonDrill, olderThanMinutes }, now);
    if (decision.kind === 'skip') run.skipped.push({ id, code: decision.code, message: decision.message });
    else run.targets.push({ recoveryInstanceId: decision.recoveryInstanceId, sourceServerId: id });
  }
  const deferred = await submit(
    drs,
    run,
    run.targets.map((t) => t.recoveryInstanceId),
  );
  if (deferred.length) run.pending = deferred;
  if (run.targets.length === 0) {
    run.done = true;
    run.report = await terminateReport(drs, event, run, new Set(), deps);
  }
  deps.log?.info('termination started', {
    accountId: account.accountId,
    targets: run.targets.length,
    skipped: run.skipped.length,
    jobs: run.jobs.length,
  });
  return run;
}

async function terminateReport(
  drs: DrsPort,
  event: AccountEvent,
  run: TerminateRun,
  stillThere: ReadonlySet<string>,
  deps: TaskDeps,
): Promise<AccountReport> {
  const { account } = event;
  const servers = await describeSourceServers(drs, account.serverIds);
  const skipped = new Map(run.skipped.map((s) => [s.id, s]));
  const failedByInstance = new Map(run.failed.map((f) => [f.id, f]));
  const targets = new Map(run.targets.map((t) => [t.sourceServerId, t]));
  const jobOf = new Map<string, string>();
  for (const job of run.jobs) for (const id of job.recoveryInstanceIds) jobOf.set(id, job.jobId);
  const records = account.serverIds.map((id): ServerRecord => {
    const server = servers.get(id);
    const skip = skipped.get(id);
    if (skip)
      return {
        ...baseRecord(id, server, account.accountId, 'skipped'),
        errorCode: skip.code,
        errorMessage: skip.message,
      };
    const target = targets.get(id);
    if (!target)
      return {
        ...baseRecord(id, server, account.accountId, 'skipped'),
        errorCode: SkipCodes.NotActedOn,
        errorMessage: `source server ${id} matched but was not terminated by this run (no target for it)`,
      };
    const riId = target.recoveryInstanceId;
    const base = { recoveryInstanceId: riId, ec2InstanceId: riId, jobId: jobOf.get(riId) };
    const failure: RunFailure | undefined = failedByInstance.get(riId);
    if (failure) {
      const status = failureStatus(failure);
      return compact<ServerRecord>({
        ...baseRecord(id, server, account.accountId, status),
        ...base,
        errorCode: failure.code,
        errorMessage: failure.message,
      });
    }
    if (stillThere.has(riId)) {
      return compact<ServerRecord>({
        ...baseRecord(id, server, account.accountId, 'failed'),
        ...base,
        errorCode: ErrorNames.DRSServiceError,
        errorMessage: `recovery instance ${riId} still exists after its TERMINATE job`,
      });
    }
    return compact<ServerRecord>({ ...baseRecord(id, server, account.accountId, 'terminated'), ...base });
  });
  return publishReport(records, { ...event, jobs: jobTimings(run.jobs) }, deps);
}

/**
 * One poll of a terminate run (`run`: the copy being advanced, see watch.ts): one DescribeJobs
 * call for its TERMINATE jobs; when they have all completed, DescribeRecoveryInstances confirms
 * the instances are gone. {@link StillRunning} while instances are still being terminated.
 */
export async function pollTerminate(
  event: AccountEvent,
  run: TerminateRun,
  isExpired: () => boolean,
  deps: TaskDeps,
): Promise<TerminateRun | StillRunning> {
  const { account } = event;
  const drs = deps.aws.account(account).drs;
  const open = run.jobs.filter((j) => !j.finished).map((j) => j.jobId);
  const jobs: Map<string, Job> = open.length ? await describeJobs(drs, open) : new Map();
  for (const entry of run.jobs) {
    const job = jobs.get(entry.jobId);
    if (job?.status !== 'COMPLETED') continue;
    entry.finished = true;
    if (job.endDateTime) entry.endedAt = job.endDateTime;
  }

  let changed = false;
  if (run.pending?.length) {
    const before = run.jobs.length;
    const deferred = await submit(drs, run, run.pending);
    changed = run.jobs.length !== before;
    if (deferred.length) run.pending = deferred;
    else delete run.pending;
  }

  const expired = isExpired();
  const allFinished = run.jobs.every((j) => j.finished) && !run.pending?.length;
  if (allFinished || expired) {
    const targetIds = run.targets.map((t) => t.recoveryInstanceId);
    const present = new Set(
      (targetIds.length
        ? await describeRecoveryInstances(drs, { recoveryInstanceIDs: targetIds })
        : []
      ).flatMap((ri) => (ri.recoveryInstanceID ? [ri.recoveryInstanceID] : [])),
    );
    const inJob = new Set(run.jobs.flatMap((j) => j.recoveryInstanceIds));
    // Instances without a job of ours (another job held them) are waited for until they vanish.
    const waitingOnOthers = [...present].filter((id) => !inJob.has(id));
    if (!expired && waitingOnOthers.length > 0) {
      return new StillRunning(
        `${waitingOnOthers.length} recovery instances still terminating in account ${account.accountId}`,
        'drs:DescribeRecoveryInstances',
      );
    }
    if (expired) {
      run.timedOut = present.size > 0;
      for (const id of present) {
        if (!run.failed.some((f) => f.id === id)) {
          run.failed.push({
            id,
            code: ErrorNames.JobTimeout,
            message: `recovery instance ${id} not terminated within maxWaitMinutes (${event.request.options.maxWaitMinutes})`,
          });
        }
      }
    }
    run.done = true;
    run.report = await terminateReport(drs, event, run, present, deps);
    const terminated = run.report.counts.succeeded;
    deps.progress?.({
      accountId: account.accountId,
      discovered: account.serverIds.length,
      launching: 0,
      launched: terminated,
      failed: run.failed.length,
    });
    return run;
  }
  deps.progress?.({
    accountId: account.accountId,
    discovered: account.serverIds.length,
    launching: run.jobs.filter((j) => !j.finished).reduce((n, j) => n + j.recoveryInstanceIds.length, 0),
    launched: 0,
    failed: run.failed.length,
  });
  if (changed) return run;
  return new StillRunning(
    `${open.length} terminate jobs still running in account ${account.accountId}`,
    'drs:DescribeJobs',
  );
}
