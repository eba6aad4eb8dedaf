/**
 * get-recovery-instances: the per-server report of a failover/drill.
 */
import type { RecoveryInstance, SourceServer } from '@aws-sdk/client-drs';
import { ErrorNames } from '../contract/errors.js';
import { compact } from '../core/aggregate.js';
import type { AccountReport, ServerRecord } from '../core/model.js';
import type { TaskDeps } from './deps.js';
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

/**
 * The recovery point an instance was launched from (`pointInTimeSnapshotDateTime`) and the data
 * lost: from the recovery point to the launch request (the server's last launch API call).
 */
export function recoveryPointOf(
  ri: RecoveryInstance,
  server: SourceServer | undefined,
): { recoveryPointTime?: string; dataLossSeconds?: number } {
  const point = Date.parse(ri.pointInTimeSnapshotDateTime ?? '');
  if (!Number.isFinite(point)) return {};
  const launch = server?.lifeCycle?.lastLaunch?.initiated;
  const requested = launch?.jobID === ri.jobID ? Date.parse(launch?.apiCallDateTime ?? '') : Number.NaN;
  return {
    recoveryPointTime: new Date(point).toISOString(),
    ...(Number.isFinite(requested)
      ? { dataLossSeconds: Math.max(0, Math.round((requested - point) / 1000)) }
      : {}),
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
        ...recoveryPointOf(ri, server),
        readyTime: run.health?.ready[id] ?? launchTime,
        postLaunchActions: run.health?.postLaunch?.[id],
        warning: warnings.get(id),
      });
    }
    return {
      ...baseRecord(id, server, account.accountId, 'skipped'),
      errorMessage: run.stopped
        ? 'not launched: an earlier failure stopped the run (continueOnFailure is false)'
        : 'not launched',
    };
  });
  return publishReport(records, { ...event, jobs: jobTimings(run.jobs) }, deps);
}
