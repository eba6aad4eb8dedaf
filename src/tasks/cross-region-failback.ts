/**
 * Region-to-Region failback of AWS-origin recovery instances, the path the DRS user guide gives
 * ("Performing a cross-Region failback"): ReverseReplication of the recovery instance (in this,
 * the recovery account) creates a FAILBACK-direction source server in the origin account and
 * Region; once its replication is CONTINUOUS, a recovery there (StartRecovery) launches the
 * failed-back instance. StartFailbackLaunch does not apply: it serves on-premises Failback Clients.
 *
 * Every step is re-derived from DRS on each poll (the original server's
 * `reversedDirectionSourceServerArn`, the reversed server's replication and last launch), so a
 * retried task or a re-run adopts what an earlier one started instead of starting it twice.
 */
import type { SourceServer } from '@aws-sdk/client-drs';
import { isTransientAwsError } from '../aws/index.js';
import { ErrorNames } from '../contract/errors.js';
import type {
  AccountRef,
  ExecutionRef,
  FailbackRun,
  OrchestrationRequest,
  ReverseFailback,
} from '../core/model.js';
import { chunk, MAX_IDS_PER_CALL } from '../core/partition.js';
import type { TaskDeps } from './deps.js';
import { describeJobs, describeSourceServers, jobTags } from './shared.js';

/**
 * Servers per origin StartRecovery call: the default DRS quota of servers per job (L-B827C881).
 * The origin account's own quotas are not read; a refusal there is retried on the next poll.
 */
const ORIGIN_BATCH = 100;

/** The source server id at the end of a DRS source-server ARN. */
export function serverIdOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

function originKey(o: Pick<AccountRef, 'accountId' | 'region'>): string {
  return `${o.accountId}|${o.region}`;
}

/** Groups entries by origin account and Region (one DRS client, one batched call each). */
function byOrigin(entries: readonly ReverseFailback[]): ReverseFailback[][] {
  const groups = new Map<string, ReverseFailback[]>();
  for (const e of entries) {
    const key = originKey(e.origin);
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return [...groups.values()];
}

function fail(run: FailbackRun, entry: ReverseFailback, code: string, message: string): void {
  run.failed.push({ id: entry.recoveryInstanceId, code, message });
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * ReverseReplication for each entry that has no reversed server yet (one call per instance: the
 * API takes one). A refusal fails that instance with DRS's message; a transient error is thrown
 * (the task is retried, and the retry sees any reversed server DRS already created).
 */
export async function startReverseReplication(
  deps: TaskDeps,
  account: AccountRef,
  run: FailbackRun,
): Promise<void> {
  const drs = deps.aws.account(account).drs;
  for (const entry of run.reverse ?? []) {
    if (entry.reversedServerArn !== undefined) continue;
    try {
      const out = await drs.reverseReplication({ recoveryInstanceID: entry.recoveryInstanceId });
      if (out.reversedDirectionSourceServerArn)
        entry.reversedServerArn = out.reversedDirectionSourceServerArn;
      else
        fail(
          run,
          entry,
          ErrorNames.DRSServiceError,
          `ReverseReplication of ${entry.recoveryInstanceId} returned no source server`,
        );
    } catch (err) {
      if (isTransientAwsError(err)) throw err;
      fail(
        run,
        entry,
        ErrorNames.DRSServiceError,
        `ReverseReplication of recovery instance ${entry.recoveryInstanceId} (back to ${entry.origin.region}, account ${entry.origin.accountId}) failed: ${errorMessage(err)}`,
      );
    }
  }
}

/** What the reversed server says about an entry's progress. */
function follow(entry: ReverseFailback, rs: SourceServer): 'launch' | 'stay' | string {
  const replicates = rs.sourceProperties?.identificationHints?.awsInstanceID;
  const ec2InstanceId = entry.ec2InstanceId ?? entry.recoveryInstanceId;
  if (replicates !== undefined && replicates !== ec2InstanceId) {
    return `source server ${entry.reversedServerArn} replicates instance ${replicates}, not recovery instance ${entry.recoveryInstanceId}: an earlier failback's reversed server; fail it back from the DRS console`;
  }
  const state = rs.dataReplicationInfo?.dataReplicationState;
  if (state !== undefined) entry.replicationState = state;
  const last = rs.lifeCycle?.lastLaunch;
  // A recovery of the reversed server is the failback itself (a drill of it is not): adopt it.
  if (last?.initiated?.type === 'RECOVERY' && last.initiated.jobID) {
    if (last.status === 'LAUNCHED' && rs.recoveryInstanceId) {
      entry.phase = 'completed';
      entry.jobId = last.initiated.jobID;
      entry.originRecoveryInstanceId = rs.recoveryInstanceId;
      return 'stay';
    }
    if (last.status === 'PENDING' || last.status === 'IN_PROGRESS') {
      entry.phase = 'launching';
      entry.jobId = last.initiated.jobID;
      return 'stay';
    }
  }
  // "Once replication has reached a healthy state, failing back to the source region is possible."
  return entry.replicationState === 'CONTINUOUS' ? 'launch' : 'stay';
}

/**
 * One poll of the Region-to-Region failbacks: per origin, one DescribeSourceServers for the
 * reversed servers still replicating (≤ 200 ids a call), StartRecovery for those now CONTINUOUS
 * (≤ 100 a call, tagged like every job of ours), one DescribeJobs for the origin recovery jobs.
 *
 * @param origins the registered origin accounts with their roles ({@link AccountWork.origins})
 * @param launch false once maxWaitMinutes has passed: read how far each got, start nothing
 * @returns true when a recovery was started in an origin Region (the run must be kept at once)
 */
export async function advanceReverse(
  deps: TaskDeps,
  request: OrchestrationRequest,
  execution: ExecutionRef,
  run: FailbackRun,
  origins: readonly AccountRef[],
  launch = true,
): Promise<boolean> {
  const failed = new Set(run.failed.map((f) => f.id));
  const open = (run.reverse ?? []).filter(
    (e) => !failed.has(e.recoveryInstanceId) && e.phase !== 'completed',
  );
  let started = false;
  for (const group of byOrigin(open)) {
    const key = originKey(group[0]?.origin ?? { accountId: '', region: '' });
    const origin = origins.find((o) => originKey(o) === key);
    if (!origin) {
      for (const e of group)
        fail(
          run,
          e,
          ErrorNames.OriginNotRegistered,
          `account ${e.origin.accountId} in ${e.origin.region} is no longer a registered staging account`,
        );
      continue;
    }
    const drs = deps.aws.account(origin).drs;
    const replicating = group.filter((e) => e.phase === 'replicating' && e.reversedServerArn !== undefined);
    const servers = await describeSourceServers(
      drs,
      replicating.map((e) => serverIdOfArn(e.reversedServerArn as string)),
    );
    const ready: ReverseFailback[] = [];
    for (const entry of replicating) {
      const rs = servers.get(serverIdOfArn(entry.reversedServerArn as string));
      if (!rs) {
        fail(
          run,
          entry,
          ErrorNames.DRSServiceError,
          `reversed source server ${entry.reversedServerArn} of recovery instance ${entry.recoveryInstanceId} no longer exists`,
        );
        continue;
      }
      const next = follow(entry, rs);
      if (next === 'launch') ready.push(entry);
      else if (next !== 'stay') fail(run, entry, ErrorNames.DRSServiceError, next);
    }
    if (launch) started = (await recoverInOrigin(deps, origin, request, execution, run, ready)) || started;
    await watchOriginJobs(
      deps,
      origin,
      run,
      group.filter((e) => e.phase === 'launching' && !ready.includes(e)),
    );
  }
  return started;
}

/** StartRecovery in the origin Region for reversed servers that are CONTINUOUS. */
async function recoverInOrigin(
  deps: TaskDeps,
  origin: AccountRef,
  request: OrchestrationRequest,
  execution: ExecutionRef,
  run: FailbackRun,
  ready: readonly ReverseFailback[],
): Promise<boolean> {
  const drs = deps.aws.account(origin).drs;
  const tags = jobTags(request, execution);
  let started = false;
  for (const part of chunk(ready, Math.min(ORIGIN_BATCH, MAX_IDS_PER_CALL))) {
    try {
      const out = await drs.startRecovery({
        sourceServers: part.map((e) => ({ sourceServerID: serverIdOfArn(e.reversedServerArn as string) })),
        isDrill: false,
        tags,
      });
      for (const e of part) {
        e.phase = 'launching';
        if (out.job?.jobID) e.jobId = out.job.jobID;
      }
      started = true;
    } catch (err) {
      if (isTransientAwsError(err)) throw err;
      const name = (err as { name?: string }).name;
      // Over the origin's quotas, or a server busy in another job: try again next poll.
      if (name === 'ServiceQuotaExceededException' || name === 'ConflictException') continue;
      for (const e of part)
        fail(
          run,
          e,
          ErrorNames.DRSServiceError,
          `recovery of ${e.reversedServerArn} in ${origin.region} failed: ${errorMessage(err)}`,
        );
    }
  }
  return started;
}

/** One DescribeJobs per origin for the recovery jobs there: LAUNCHED completes, FAILED fails. */
async function watchOriginJobs(
  deps: TaskDeps,
  origin: AccountRef,
  run: FailbackRun,
  launching: readonly ReverseFailback[],
): Promise<void> {
  const jobIds = [...new Set(launching.flatMap((e) => (e.jobId ? [e.jobId] : [])))];
  if (jobIds.length === 0) return;
  const jobs = await describeJobs(deps.aws.account(origin).drs, jobIds);
  for (const entry of launching) {
    const reversedId = serverIdOfArn(entry.reversedServerArn ?? '');
    const job = jobs.get(entry.jobId ?? '');
    const server = job?.participatingServers?.find((p) => p.sourceServerID === reversedId);
    if (server?.launchStatus === 'LAUNCHED') {
      entry.phase = 'completed';
      if (server.recoveryInstanceID) entry.originRecoveryInstanceId = server.recoveryInstanceID;
    } else if (server?.launchStatus === 'FAILED' || (job?.status === 'COMPLETED' && !server)) {
      fail(
        run,
        entry,
        ErrorNames.LaunchFailed,
        `recovery of ${entry.reversedServerArn} in ${origin.region} (job ${entry.jobId}) failed: DRS reported the launch FAILED`,
      );
    }
  }
}

/** Entries still under way (not completed, not failed). */
export function pendingReverse(run: FailbackRun): ReverseFailback[] {
  const failed = new Set(run.failed.map((f) => f.id));
  return (run.reverse ?? []).filter((e) => e.phase !== 'completed' && !failed.has(e.recoveryInstanceId));
}

/** Fails every entry still under way at maxWaitMinutes, saying how far it got and how to go on. */
export function timeOutReverse(run: FailbackRun, maxWaitMinutes: number): number {
  const pending = pendingReverse(run);
  for (const e of pending) {
    const where =
      e.phase === 'launching'
        ? `its recovery in ${e.origin.region} (job ${e.jobId}) had not finished`
        : `its reversed source server ${serverIdOfArn(e.reversedServerArn ?? '')} was ${e.replicationState ?? 'not yet read'}, not yet CONTINUOUS`;
    fail(
      run,
      e,
      ErrorNames.JobTimeout,
      `failback of ${e.recoveryInstanceId} to ${e.origin.region} not finished within maxWaitMinutes (${maxWaitMinutes}): ${where}; run failback again to continue`,
    );
  }
  return pending.length;
}
