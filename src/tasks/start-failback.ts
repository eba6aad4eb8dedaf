/**
 * start-failback / monitor-failback: fail recovery instances back to their origin.
 */
import type { RecoveryInstance, SourceServer } from '@aws-sdk/client-drs';
import { isTransientAwsError } from '../aws/index.js';
import { ErrorNames } from '../contract/errors.js';
import { compact } from '../core/aggregate.js';
import { addMinutes } from '../core/duration.js';
import type {
  AccountReport,
  CrossRegionFailback,
  FailbackRun,
  ReverseFailback,
  ServerRecord,
} from '../core/model.js';
import { chunk, MAX_IDS_PER_CALL } from '../core/partition.js';
import {
  advanceReverse,
  pendingReverse,
  startReverseReplication,
  timeOutReverse,
} from './cross-region-failback.js';
import type { TaskDeps } from './deps.js';
import { type FailbackDecision, failbackDecision, SkipCodes } from './eligibility.js';
import { publishReport } from './results.js';
import {
  baseRecord,
  describeRecoveryInstances,
  describeSourceServers,
  failureStatus,
  jobTags,
} from './shared.js';
import type { AccountEvent, MonitorFailbackEvent } from './types.js';
import { StillRunning, watchRun } from './watch.js';

/**
 * Starts failback for the matched servers' recovery instances, each as {@link failbackDecision}
 * decides. On premises: StartFailbackLaunch for those FAILBACK_READY_FOR_LAUNCH (≤ 200 per call,
 * tagged like every job of ours); instances not ready yet are waited for (monitor-failback
 * re-checks them within maxWaitMinutes); those already failing back are watched, not relaunched.
 * AWS origin: ReverseReplication (unless started already), then monitor-failback recovers them in
 * their origin Region once replicated (see cross-region-failback.ts). Drill instances and servers
 * without a recovery instance are skipped with the reason.
 */
export async function startFailback(event: AccountEvent, deps: TaskDeps): Promise<FailbackRun> {
  const { request, execution, account } = event;
  const drs = deps.aws.account(account).drs;
  const run: FailbackRun = {
    kind: 'failback',
    deadline: addMinutes(execution.startTime, request.options.maxWaitMinutes),
    targets: [],
    jobIds: [],
    skipped: [],
    failed: [],
    done: false,
    polls: 0,
  };
  const instances = await describeRecoveryInstances(drs, { sourceServerIDs: account.serverIds });
  const byServer = new Map(instances.map((ri) => [ri.sourceServerID, ri]));
  // Only an AWS-origin failback needs the source server (its origin and reversed server).
  const awsOrigin = instances.filter((ri) => ri.originEnvironment === 'AWS' && !ri.isDrill);
  const servers = awsOrigin.length
    ? await describeSourceServers(
        drs,
        awsOrigin.map((ri) => ri.sourceServerID as string),
      )
    : new Map<string, SourceServer>();
  const ready: string[] = [];
  for (const id of account.serverIds) {
    const ri = byServer.get(id);
    const d = failbackDecision(id, ri, { server: servers.get(id), origins: account.origins });
    fileDecision(run, id, d, ready, ri?.ec2InstanceID);
  }
  await launchFailbacks(event, deps, run, ready);
  await startReverseReplication(deps, account, run);
  if (run.targets.length === 0 && (run.waiting ?? []).length === 0 && pendingReverse(run).length === 0) {
    return closed(run, await failbackReport(deps, event, run, new Map()));
  }
  return run;
}

/**
 * Files one server by its {@link failbackDecision} (the one decision `drs-orch plan` shows too):
 * skipped with the reason, failed at once, Region-to-Region (followed in `run.reverse`), ready
 * (its instance joins `ready` to be launched), already failing back (watched, never relaunched),
 * or not ready yet (waiting, re-checked each poll).
 */
function fileDecision(
  run: FailbackRun,
  id: string,
  d: FailbackDecision,
  ready: string[],
  ec2InstanceId?: string,
): void {
  if (d.kind === 'skip') {
    run.skipped.push({ id, code: d.code, message: d.message });
    return;
  }
  if (d.kind === 'reverse') {
    const entry: ReverseFailback = {
      sourceServerId: id,
      recoveryInstanceId: d.recoveryInstanceId,
      origin: { accountId: d.origin.accountId, region: d.origin.region },
      phase: 'replicating',
      ...(ec2InstanceId !== undefined && ec2InstanceId !== d.recoveryInstanceId && { ec2InstanceId }),
      ...(d.reversedServerArn !== undefined && { reversedServerArn: d.reversedServerArn }),
    };
    run.reverse = [...(run.reverse ?? []), entry];
    return;
  }
  const target = { recoveryInstanceId: d.recoveryInstanceId, sourceServerId: id };
  if (d.kind === 'fail') {
    run.targets.push(target);
    run.failed.push({ id: d.recoveryInstanceId, code: d.code, message: d.message });
    return;
  }
  if (d.kind === 'wait') {
    run.waiting = [...(run.waiting ?? []), target];
    return;
  }
  run.targets.push(target);
  if (d.kind === 'launch') ready.push(d.recoveryInstanceId);
  else if (!run.jobIds.includes(d.jobId)) run.jobIds.push(d.jobId);
}

/** StartFailbackLaunch for ready instances, <= 200 per call, tagged like every job of ours. */
async function launchFailbacks(
  event: AccountEvent,
  deps: TaskDeps,
  run: FailbackRun,
  ready: readonly string[],
): Promise<void> {
  const drs = deps.aws.account(event.account).drs;
  const tags = jobTags(event.request, event.execution);
  for (const part of chunk(ready, MAX_IDS_PER_CALL)) {
    try {
      const out = await drs.startFailbackLaunch({ recoveryInstanceIDs: part, tags });
      if (out.job?.jobID) run.jobIds.push(out.job.jobID);
    } catch (err) {
      if (isTransientAwsError(err)) throw err;
      const message = err instanceof Error ? err.message : String(err);
      const code = ErrorNames.DRSServiceError;
      for (const id of part) run.failed.push({ id, code, message });
      if (!event.request.options.continueOnFailure) break;
    }
  }
}

/**
 * Re-checks the instances waiting for FAILBACK_READY_FOR_LAUNCH (one DescribeRecoveryInstances
 * call per 200) and launches those that became ready. Returns true when one moved on.
 */
async function recheckWaiting(
  event: MonitorFailbackEvent,
  deps: TaskDeps,
  run: FailbackRun,
): Promise<boolean> {
  const waiting = run.waiting ?? [];
  if (waiting.length === 0) return false;
  const drs = deps.aws.account(event.account).drs;
  const found = await describeRecoveryInstances(drs, {
    recoveryInstanceIDs: waiting.map((w) => w.recoveryInstanceId),
  });
  const byId = new Map(found.map((ri) => [ri.recoveryInstanceID, ri]));
  run.waiting = [];
  const ready: string[] = [];
  for (const w of waiting) {
    const ri = byId.get(w.recoveryInstanceId);
    if (!ri) {
      run.failed.push({
        id: w.recoveryInstanceId,
        code: ErrorNames.DRSServiceError,
        message: `recovery instance ${w.recoveryInstanceId} disappeared while waiting for FAILBACK_READY_FOR_LAUNCH`,
      });
      run.targets.push(w);
    } else fileDecision(run, w.sourceServerId, failbackDecision(w.sourceServerId, ri), ready);
  }
  await launchFailbacks(event, deps, run, ready);
  return (run.waiting ?? []).length !== waiting.length;
}

async function failbackReport(
  deps: TaskDeps,
  event: AccountEvent,
  run: FailbackRun,
  instances: ReadonlyMap<string, RecoveryInstance>,
): Promise<AccountReport> {
  const { account } = event;
  const servers = await describeSourceServers(deps.aws.account(account).drs, account.serverIds);
  const skipped = new Map(run.skipped.map((s) => [s.id, s]));
  const failed = new Map(run.failed.map((f) => [f.id, f]));
  const targets = new Map(run.targets.map((t) => [t.sourceServerId, t]));
  const reverse = new Map((run.reverse ?? []).map((e) => [e.sourceServerId, e]));
  const records = account.serverIds.map((id): ServerRecord => {
    const server = servers.get(id);
    const skip = skipped.get(id);
    if (skip)
      return {
        ...baseRecord(id, server, account.accountId, 'skipped'),
        errorCode: skip.code,
        errorMessage: skip.message,
      };
    const entry = reverse.get(id);
    if (entry)
      return reverseRecord(baseRecord(id, server, account.accountId, 'failback-completed'), entry, failed);
    const target = targets.get(id);
    if (!target)
      return {
        ...baseRecord(id, server, account.accountId, 'skipped'),
        errorCode: SkipCodes.NotActedOn,
        errorMessage: `source server ${id} matched but was not failed back by this run (no target for it)`,
      };
    const ri = instances.get(target.recoveryInstanceId);
    const extra = {
      recoveryInstanceId: target.recoveryInstanceId,
      ec2InstanceId: ri?.ec2InstanceID,
      failbackState: ri?.failback?.state,
      jobId: ri?.failback?.failbackJobID,
    };
    const failure = failed.get(target.recoveryInstanceId);
    if (failure) {
      const status = failureStatus(failure);
      return compact<ServerRecord>({
        ...baseRecord(id, server, account.accountId, status),
        ...extra,
        errorCode: failure.code,
        errorMessage: failure.message,
      });
    }
    return compact<ServerRecord>({
      ...baseRecord(id, server, account.accountId, 'failback-completed'),
      ...extra,
    });
  });
  return publishReport(records, event, deps);
}

/**
 * The run once its report is made: done, with the working lists emptied. Nothing reads them after
 * the report (which holds every server's outcome and reason), and 300 Region-to-Region entries
 * with their reasons would crowd Step Functions' 256 KiB per state.
 */
function closed(run: FailbackRun, report: AccountReport): FailbackRun {
  return { ...run, done: true, report, targets: [], skipped: [], failed: [], waiting: [], reverse: [] };
}

/** The record of a Region-to-Region failback: completed, or failed/timed out with the reason. */
function reverseRecord(
  base: ServerRecord,
  entry: ReverseFailback,
  failed: ReadonlyMap<string, { id: string; code: string; message: string }>,
): ServerRecord {
  const failure = failed.get(entry.recoveryInstanceId);
  return compact<ServerRecord>({
    ...base,
    ...(failure && {
      status: failureStatus(failure),
      errorCode: failure.code,
      errorMessage: failure.message,
    }),
    recoveryInstanceId: entry.recoveryInstanceId,
    ec2InstanceId: entry.ec2InstanceId ?? entry.recoveryInstanceId,
    jobId: entry.jobId,
    crossRegionFailback: compact<CrossRegionFailback>({
      accountId: entry.origin.accountId,
      region: entry.origin.region,
      reversedSourceServerArn: entry.reversedServerArn,
      replicationState: entry.replicationState,
      jobId: entry.jobId,
      recoveryInstanceId: entry.originRecoveryInstanceId,
    }),
  });
}

/**
 * One poll of a failback: DescribeRecoveryInstances for the targets (≤ 200 ids per call) until each
 * is FAILBACK_COMPLETED or FAILBACK_ERROR, or the time limit; then the report is set on the run.
 *
 * @throws {JobInProgress} while failbacks are in progress.
 */
export async function monitorFailback(event: MonitorFailbackEvent, deps: TaskDeps): Promise<FailbackRun> {
  return watchRun(event, deps, (run, { expired }) => pollFailback(event, run, expired, deps));
}

/** One poll of a failback run (`run`: the copy being advanced, see watch.ts). */
async function pollFailback(
  event: MonitorFailbackEvent,
  run: FailbackRun,
  isExpired: () => boolean,
  deps: TaskDeps,
): Promise<FailbackRun | StillRunning> {
  const expiredAtStart = isExpired();
  const launchedNow = expiredAtStart ? false : await recheckWaiting(event, deps, run);
  // Past the deadline the Region-to-Region failbacks are still read (how far each got), not advanced.
  const recoveredNow = launchedNow
    ? false
    : await advanceReverse(
        deps,
        event.request,
        event.execution,
        run,
        event.account.origins ?? [],
        !expiredAtStart,
      );
  // A failback was started: keep the run before anything else can fail.
  if (launchedNow || recoveredNow) return run;
  const drs = deps.aws.account(event.account).drs;
  const failedIds = new Set(run.failed.map((f) => f.id));
  const watched = run.targets.map((t) => t.recoveryInstanceId).filter((id) => !failedIds.has(id));
  const found = watched.length ? await describeRecoveryInstances(drs, { recoveryInstanceIDs: watched }) : [];
  const byId = new Map(found.map((ri) => [ri.recoveryInstanceID ?? '', ri]));
  const inProgress: string[] = [];
  for (const id of watched) {
    const state = byId.get(id)?.failback?.state;
    if (state === 'FAILBACK_COMPLETED') continue;
    if (state === 'FAILBACK_ERROR')
      run.failed.push({
        id,
        code: ErrorNames.DRSServiceError,
        message: `failback of recovery instance ${id} ended in FAILBACK_ERROR`,
      });
    else if (!byId.has(id))
      run.failed.push({
        id,
        code: ErrorNames.DRSServiceError,
        message: `recovery instance ${id} disappeared during failback`,
      });
    else inProgress.push(id);
  }
  const expired = isExpired();
  const reversing = pendingReverse(run).length;
  const reversed = (run.reverse ?? []).filter((e) => e.phase === 'completed').length;
  deps.progress?.({
    accountId: event.account.accountId,
    discovered: event.account.serverIds.length,
    launching: inProgress.length + reversing,
    launched: watched.length - inProgress.length - (run.failed.length - failedIds.size) + reversed,
    failed: run.failed.length,
  });
  const stillWaiting = run.waiting ?? [];
  if ((inProgress.length > 0 || stillWaiting.length > 0 || reversing > 0) && !expired) {
    return new StillRunning(
      `${inProgress.length} failbacks still in progress, ${stillWaiting.length} instances not yet FAILBACK_READY_FOR_LAUNCH, ${reversing} Region-to-Region failbacks under way in account ${event.account.accountId}`,
      'drs:DescribeRecoveryInstances',
    );
  }
  for (const id of inProgress) {
    run.failed.push({
      id,
      code: ErrorNames.JobTimeout,
      message: `failback of recovery instance ${id} not finished within maxWaitMinutes (${event.request.options.maxWaitMinutes})`,
    });
  }
  for (const w of stillWaiting) {
    run.targets.push(w);
    run.failed.push({
      id: w.recoveryInstanceId,
      code: ErrorNames.JobTimeout,
      message: `recovery instance ${w.recoveryInstanceId} did not become FAILBACK_READY_FOR_LAUNCH within maxWaitMinutes (${event.request.options.maxWaitMinutes})`,
    });
  }
  run.waiting = [];
  const reverseTimedOut = timeOutReverse(run, event.request.options.maxWaitMinutes);
  if (inProgress.length || stillWaiting.length || reverseTimedOut) run.timedOut = true;
  return closed(run, await failbackReport(deps, event, run, byId));
}
