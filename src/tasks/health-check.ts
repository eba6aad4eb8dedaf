/**
 * Up, not just launched: after DRS reports a server LAUNCHED, its EC2 instance is watched until it
 * is running with both status checks ok (ec2:DescribeInstanceStatus, up to 100 ids per call, one
 * batched call per account per poll), within `healthCheckMinutes`. Also collects the outcome of
 * DRS post-launch actions from the job's `launchActionsStatus` (a job stays open until its
 * actions have run, so the poll loop sees their end) and judges them: a failed action that is not
 * `optional` fails its server with `PostLaunchActionFailed`. Kept apart from the poll loop so
 * the monitor only calls two functions.
 */
import type { Job, LaunchActionsStatus } from '@aws-sdk/client-drs';
import { ErrorNames } from '../contract/errors.js';
import type { HealthWatch, PostLaunchOutcome, RecoveryRun } from '../core/model.js';
import { fail, type RecoveryContext } from './recovery.js';

function watchOf(run: RecoveryRun): HealthWatch {
  run.health ??= { watching: {}, since: {}, ready: {}, calls: 0 };
  return run.health;
}

/** The failed runs of a status, split by whether DRS lets the launch stand (`optional`). */
function failedRuns(status: LaunchActionsStatus | undefined): { required: string[]; optional: string[] } {
  const out = { required: [] as string[], optional: [] as string[] };
  for (const r of status?.runs ?? []) {
    if (r.status !== 'FAILED') continue;
    const name = r.action?.name ?? r.action?.actionId ?? r.runId ?? 'action';
    (r.action?.optional === true ? out.optional : out.required).push(
      r.failureReason ? `${name}: ${r.failureReason}` : name,
    );
  }
  return out;
}

/** Records a warning on a server that is launched (one per server). */
function warn(run: RecoveryRun, id: string, code: string, message: string): void {
  if (!(run.warnings ?? []).some((w) => w.id === id))
    run.warnings = [...(run.warnings ?? []), { id, code, message }];
}

/**
 * What a failed post-launch action does to its server: one that is not `optional` fails the
 * server with `PostLaunchActionFailed` as soon as DRS reports it (DRS marks such a launch failed;
 * the instance is left running, nothing is terminated); an optional one leaves the server
 * launched, with a warning naming the action and DRS's reason.
 */
function judgePostLaunch(
  ctx: RecoveryContext,
  run: RecoveryRun,
  id: string,
  status: LaunchActionsStatus | undefined,
): void {
  const { required, optional } = failedRuns(status);
  if (required.length > 0) {
    fail(
      ctx,
      run,
      id,
      ErrorNames.PostLaunchActionFailed,
      `post-launch action of ${id} failed (not optional, so DRS marks the launch failed; the instance is left as it is): ${required.join('; ')}`,
    );
    if (run.health) delete run.health.watching[id];
  } else if (optional.length > 0) {
    warn(
      run,
      id,
      ErrorNames.PostLaunchActionFailed,
      `optional post-launch action failed, the launch stands: ${optional.join('; ')}`,
    );
  }
}

/** Folds DRS post-launch action runs into one outcome: any failed -> FAILED, any running -> IN_PROGRESS. */
export function postLaunchOutcome(status: LaunchActionsStatus | undefined): PostLaunchOutcome | undefined {
  const runs = status?.runs ?? [];
  if (runs.length === 0) return undefined;
  const { required, optional } = failedRuns(status);
  const failed = [...required, ...optional];
  if (failed.length) return { status: 'FAILED', failed };
  return { status: runs.some((r) => r.status === 'IN_PROGRESS') ? 'IN_PROGRESS' : 'SUCCEEDED' };
}

/**
 * Starts watching the servers the jobs report LAUNCHED (their recovery instance id is the EC2
 * instance id) and records post-launch action outcomes. Nothing when `healthCheckMinutes` is 0,
 * except the post-launch outcomes. Returns true when a server started being watched: the run must
 * then be kept, or its check window would restart at every poll.
 */
export function registerLaunched(
  ctx: RecoveryContext,
  run: RecoveryRun,
  jobs: ReadonlyMap<string, Job>,
): boolean {
  let added = false;
  const checking = ctx.request.options.healthCheckMinutes > 0;
  const failed = new Set(run.failed.map((f) => f.id));
  const now = ctx.deps.now().toISOString();
  for (const entry of run.jobs) {
    const job = jobs.get(entry.jobId);
    if (!job) continue;
    const mine = new Set(entry.serverIds);
    for (const p of job.participatingServers ?? []) {
      const id = p.sourceServerID;
      if (!id || !mine.has(id)) continue;
      const actions = postLaunchOutcome(p.launchActionsStatus);
      if (actions) {
        const health = watchOf(run);
        health.postLaunch = { ...(health.postLaunch ?? {}), [id]: actions };
        if (actions.status === 'FAILED' && !failed.has(id)) {
          judgePostLaunch(ctx, run, id, p.launchActionsStatus);
          if (run.failed.some((f) => f.id === id)) failed.add(id);
        }
      }
      if (!checking || p.launchStatus !== 'LAUNCHED' || !p.recoveryInstanceID || failed.has(id)) continue;
      const health = watchOf(run);
      if (health.watching[id] !== undefined || health.ready[id] !== undefined) continue;
      health.watching[id] = p.recoveryInstanceID;
      health.since[id] = now;
      added = true;
    }
  }
  return added;
}

/**
 * One health poll: DescribeInstanceStatus for every watched instance (ceil(n/100) calls), filtered
 * to the instances that are up (plus one unfiltered call for those that ran out of time). An
 * instance running with system and instance checks `ok` is up; one launched stopped by its launch
 * configuration (state `stopped`) is ready at once with a `LaunchedStopped` warning; one that is not within
 * `healthCheckMinutes` of being seen launched fails with `InstanceUnhealthy`. Returns true when a
 * server became up or failed.
 */
export async function checkHealth(ctx: RecoveryContext, run: RecoveryRun): Promise<boolean> {
  const health = run.health;
  const watched = Object.entries(health?.watching ?? {});
  if (!health || watched.length === 0) return false;
  const ec2 = ctx.deps.aws.account(ctx.account).ec2;
  // Ask only for the instances that are up: each instance is then read once when it is up, not on
  // every poll while it initializes (a 300-server account would parse 300 statuses per poll).
  const up = await ec2.describeInstanceStatus(
    watched.map(([, instanceId]) => instanceId),
    { upOnly: true },
  );
  health.calls += Math.ceil(watched.length / 100);
  const upIds = new Set(
    up
      .filter((s) => s.state === 'running' && s.system === 'ok' && s.instance === 'ok')
      .map((s) => s.instanceId),
  );
  // Launched stopped (launch configuration `launchDisposition: STOPPED`): EC2 runs no status checks
  // on a stopped instance, and waiting for them would only end in InstanceUnhealthy. It is as up
  // as it was configured to be: ready now, with a warning that it must be started to serve.
  const stoppedIds = new Set(up.filter((s) => s.state === 'stopped').map((s) => s.instanceId));
  const now = ctx.deps.now();
  const minutes = ctx.request.options.healthCheckMinutes;
  let changed = false;
  const overdue: [string, string][] = [];
  for (const [id, instanceId] of watched) {
    if (upIds.has(instanceId) || stoppedIds.has(instanceId)) {
      health.ready[id] = now.toISOString();
      delete health.watching[id];
      changed = true;
      if (stoppedIds.has(instanceId))
        warn(
          run,
          id,
          'LaunchedStopped',
          `${instanceId} was launched stopped (launchDisposition STOPPED): no EC2 status checks; start it to serve`,
        );
    } else if (now.getTime() - Date.parse(health.since[id] ?? '') >= minutes * 60_000) {
      overdue.push([id, instanceId]);
    }
  }
  if (overdue.length) {
    // Rare: one more call, unfiltered, so the failure says what EC2 reports.
    const seen = await ec2.describeInstanceStatus(overdue.map(([, instanceId]) => instanceId));
    health.calls += Math.ceil(overdue.length / 100);
    const byId = new Map(seen.map((s) => [s.instanceId, s]));
    for (const [id, instanceId] of overdue) {
      const s = byId.get(instanceId);
      fail(
        ctx,
        run,
        id,
        ErrorNames.InstanceUnhealthy,
        `recovery instance ${instanceId} of source server ${id} was not up within healthCheckMinutes (${minutes}): ` +
          (s
            ? `state ${s.state ?? 'unknown'}, system status ${s.system ?? 'unknown'}, instance status ${s.instance ?? 'unknown'}`
            : 'EC2 reports no status for it'),
      );
      delete health.watching[id];
      changed = true;
    }
  }
  return changed;
}

/** At the deadline: instances still watched fail with `InstanceUnhealthy`. */
export function expireHealth(run: RecoveryRun, maxWaitMinutes: number): void {
  for (const [id, instanceId] of Object.entries(run.health?.watching ?? {})) {
    if (run.failed.some((f) => f.id === id)) continue;
    run.failed.push({
      id,
      code: ErrorNames.InstanceUnhealthy,
      message: `recovery instance ${instanceId} of source server ${id} was not up within maxWaitMinutes (${maxWaitMinutes})`,
    });
  }
  if (run.health) run.health.watching = {};
}

/** How many launched instances are still being watched. */
export function watchingCount(run: RecoveryRun): number {
  return Object.keys(run.health?.watching ?? {}).length;
}
