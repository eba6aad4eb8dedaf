/**
 * get-recovery-instances: the per-server report of a failover/drill.
 */
import type { RecoveryInstance, SourceServer } from '@aws-sdk/client-drs';
import { ErrorNames } from '../contract/errors.js';
import { compact } from '../core/aggregate.js';
import type { AccountReport, ServerRecord } from '../core/model.js';
import type { TaskDeps } from './deps.js';
import { SkipCodes } from './eligibility.js';
import { jobTimings, publishReport } from './results.js';
import {
  baseRecord,
  describeRecoveryInstances,
  describeSourceServers,
  failureStatus,
  instancesByServer,
  launchTimeOf,
  primaryIpOf,
} from './shared.js';
import type { GetRecoveryInstancesEvent } from './types.js';

/** What a recovery instance says about the data it recovered and the time it took. */
export interface RecoveryPointFacts {
  recoveryPointTime?: string;
  replicatedUntil?: string;
  dataLossSeconds?: number;
  usedPreviousSnapshot?: boolean;
  recoveryTimeSeconds?: number;
}

/**
 * Data loss as DR engineers mean it: from the recovery point the instance was launched from
 * (`RecoveryInstance.pointInTimeSnapshotDateTime`) to the last moment replicated data reached DRS.
 * That moment is the launch request (`SourceServer.lifeCycle.lastLaunch.initiated.apiCallDateTime`)
 * or, when the source went dark before it, when the agent was last seen
 * (`SourceServer.lifeCycle.lastSeenByServiceDateTime`: a lost site's agent stops being seen when
 * the outage begins, so nothing it wrote after that reached DRS). The downtime between the outage
 * and the failover is recovery time (`recoveryTimeSeconds`, to the instance being ready), not data
 * loss. `usedPreviousSnapshot` flags a launch whose source had stopped replicating before the
 * request: DRS could take no fresh snapshot and launched from one it had (job log
 * `USING_PREVIOUS_SNAPSHOT`).
 *
 * @param readyTime when the instance was up (health check), else its launch time
 */
export function recoveryPointOf(
  ri: RecoveryInstance,
  server: SourceServer | undefined,
  readyTime?: string,
): RecoveryPointFacts {
  const point = Date.parse(ri.pointInTimeSnapshotDateTime ?? '');
  if (!Number.isFinite(point)) return {};
  const launch = server?.lifeCycle?.lastLaunch?.initiated;
  const requested = launch?.jobID === ri.jobID ? Date.parse(launch?.apiCallDateTime ?? '') : Number.NaN;
  if (!Number.isFinite(requested)) return { recoveryPointTime: new Date(point).toISOString() };
  const seen = Date.parse(server?.lifeCycle?.lastSeenByServiceDateTime ?? '');
  const stalled = Number.isFinite(seen) && seen < requested;
  const until = stalled ? Math.max(seen, point) : requested;
  const ready = Date.parse(readyTime ?? '');
  return {
    recoveryPointTime: new Date(point).toISOString(),
    replicatedUntil: new Date(until).toISOString(),
    dataLossSeconds: Math.max(0, Math.round((until - point) / 1000)),
    ...(stalled && { usedPreviousSnapshot: true }),
    ...(Number.isFinite(ready) && { recoveryTimeSeconds: Math.max(0, Math.round((ready - until) / 1000)) }),
  };
}

/**
 * Maps the finished run to one record per server: launched servers with their recovery instance
 * (recoveryInstanceId, ec2InstanceId, primary private IP, launch time, drill flag), failed and
 * timed-out servers with their error, and servers never launched because an earlier failure
 * stopped the run as skipped. DescribeRecoveryInstances is called by server, 200 ids per call.
 */
export async function getRecoveryInstances(
  event: GetRecoveryInstancesEvent,
  deps: TaskDeps,
): Promise<AccountReport> {
  const { account, run } = event;
  const drs = deps.aws.account(account).drs;
  const jobOf = new Map<string, string>();
  for (const job of run.jobs) for (const id of job.serverIds) jobOf.set(id, job.jobId);
  const failures = new Map(run.failed.map((f) => [f.id, f]));
  const warnings = new Map((run.warnings ?? []).map((w) => [w.id, w.message]));
  const launchedIds = account.serverIds.filter((id) => jobOf.has(id) && !failures.has(id));

  const servers = await describeSourceServers(drs, account.serverIds);
  const instances = instancesByServer(
    launchedIds.length ? await describeRecoveryInstances(drs, { sourceServerIDs: launchedIds }) : [],
    jobOf,
  );

  const records = account.serverIds.map((id): ServerRecord => {
    const server = servers.get(id);
    const jobId = jobOf.get(id);
    const failure = failures.get(id);
    if (failure) {
      return compact<ServerRecord>({
        ...baseRecord(id, server, account.accountId, failureStatus(failure)),
        jobId,
        errorCode: failure.code,
        errorMessage: failure.message,
        postLaunchActions: run.health?.postLaunch?.[id],
      });
    }
    if (jobId) {
      const ri = instances.get(id);
      if (!ri) {
        return compact<ServerRecord>({
          ...baseRecord(id, server, account.accountId, 'failed'),
          jobId,
          errorCode: ErrorNames.LaunchFailed,
          errorMessage: `job ${jobId} completed but source server ${id} has no recovery instance`,
        });
      }
      const launchTime = launchTimeOf(ri);
      return compact<ServerRecord>({
        ...baseRecord(id, server, account.accountId, 'launched'),
        jobId,
        recoveryInstanceId: ri.recoveryInstanceID,
        ec2InstanceId: ri.ec2InstanceID,
        privateIp: primaryIpOf(ri),
        launchTime,
        isDrill: ri.isDrill,
        ...recoveryPointOf(ri, server, run.health?.ready[id] ?? launchTime),
        readyTime: run.health?.ready[id] ?? launchTime,
        postLaunchActions: run.health?.postLaunch?.[id],
        warning: warnings.get(id),
      });
    }
    return {
      ...baseRecord(id, server, account.accountId, 'skipped'),
      errorCode: SkipCodes.NotLaunched,
      errorMessage: run.stopped
        ? 'not launched: an earlier failure stopped the run (continueOnFailure is false)'
        : 'not launched',
    };
  });
  return publishReport(records, { ...event, jobs: jobTimings(run.jobs) }, deps);
}
