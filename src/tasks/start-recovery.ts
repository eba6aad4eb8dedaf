/**
 * start-recovery: failover/drill in one staging account — readiness, idempotent adoption,
 * point-in-time snapshots, first launch batches.
 */
import type { Job, RecoverySnapshot } from '@aws-sdk/client-drs';
import { ErrorNames } from '../contract/errors.js';
import { addMinutes } from '../core/duration.js';
import type { RecoveryRun } from '../core/model.js';
import type { TaskDeps } from './deps.js';
import { registerLaunched } from './health-check.js';
import { scheduleNextPoll } from './poll-schedule.js';
import {
  adoptLaunched,
  classifyReadiness,
  fail,
  launchReady,
  observeJobs,
  type RecoveryContext,
  readJobLogs,
  recoveryContext,
  reportProgress,
  settleDone,
} from './recovery.js';
import { describeSourceServers } from './shared.js';
import type { AccountEvent } from './types.js';

async function snapshotsOf(ctx: RecoveryContext, id: string): Promise<RecoverySnapshot[]> {
  const out: RecoverySnapshot[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.drs.describeRecoverySnapshots({
      sourceServerID: id,
      order: 'DESC',
      ...(nextToken ? { nextToken } : {}),
    });
    out.push(...(page.items ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

function timeOf(s: RecoverySnapshot): number {
  return Date.parse(s.timestamp ?? s.expectedTimestamp ?? '');
}

/**
 * Resolves `pointInTimeSnapshot` for every server: the server owning that snapshot uses it; the
 * others use their latest snapshot taken at or before its time (one consistent point in time).
 */
async function resolveSnapshots(
  ctx: RecoveryContext,
  run: RecoveryRun,
  ids: readonly string[],
): Promise<void> {
  const wanted = ctx.request.options.pointInTimeSnapshot;
  if (!wanted || ids.length === 0) return;
  const lists = new Map<string, RecoverySnapshot[]>();
  for (const id of ids) lists.set(id, await snapshotsOf(ctx, id));
  const owner = [...lists.values()].flat().find((s) => s.snapshotID === wanted);
  if (!owner) {
    for (const id of ids) {
      fail(
        ctx,
        run,
        id,
        ErrorNames.ValidationError,
        `recovery snapshot ${wanted} belongs to none of the matching servers`,
      );
    }
    return;
  }
  const at = timeOf(owner);
  const snapshotIds: Record<string, string> = {};
  for (const [id, snaps] of lists) {
    const exact = snaps.find((s) => s.snapshotID === wanted);
    const best = exact ?? snaps.filter((s) => timeOf(s) <= at).sort((a, b) => timeOf(b) - timeOf(a))[0];
    const budget = ctx.request.options.maxDataLossMinutes;
    const ageSeconds = best ? (ctx.deps.now().getTime() - timeOf(best)) / 1000 : 0;
    if (best?.snapshotID && budget !== undefined && ageSeconds > budget * 60) {
      fail(
        ctx,
        run,
        id,
        ErrorNames.RecoveryPointTooOld,
        `recovery snapshot ${best.snapshotID} of source server ${id} is ${Math.round(ageSeconds / 60)} minutes old, over maxDataLossMinutes (${budget})`,
      );
    } else if (best?.snapshotID) snapshotIds[id] = best.snapshotID;
    else
      fail(
        ctx,
        run,
        id,
        ErrorNames.ValidationError,
        `source server ${id} has no recovery snapshot at or before ${owner.timestamp ?? wanted}`,
      );
  }
  run.snapshotIds = snapshotIds;
}

/**
 * Starts a failover or drill in one account and returns the run for monitor-job.
 * Servers already launched by a job carrying our correlation id are adopted, never launched again.
 *
 * @throws {ThrottlingException | DRSServiceError} when DRS keeps failing (the state machine retries the task).
 */
export async function startRecovery(event: AccountEvent, deps: TaskDeps): Promise<RecoveryRun> {
  const ctx = recoveryContext(event, deps);
  const { request, execution, account } = event;
  const run: RecoveryRun = {
    kind: 'recovery',
    deadline: addMinutes(execution.startTime, request.options.maxWaitMinutes),
    pending: [],
    waiting: [],
    jobs: [],
    failed: [],
    done: false,
    polls: 0,
  };
  const ids = [...account.serverIds];
  const servers = await describeSourceServers(ctx.drs, ids);

  // Idempotency: a server whose last launch is a job of ours is adopted (re-run after a crash).
  const known = new Map<string, Job>();
  await adoptLaunched(ctx, run, servers, ids, { known });
  const adopted = new Set(run.jobs.flatMap((j) => j.serverIds));
  const launched = observeJobs(ctx, run, known);
  await readJobLogs(ctx, run, [...known.keys()]);
  registerLaunched(ctx, run, known);

  const rest = ids.filter((id) => !adopted.has(id));
  const { nowReady } = await classifyReadiness(ctx, run, rest, servers);
  run.pending = nowReady;
  await resolveSnapshots(ctx, run, [...run.pending, ...run.waiting]);
  const failedIds = new Set(run.failed.map((f) => f.id));
  run.pending = run.pending.filter((id) => !failedIds.has(id));
  run.waiting = run.waiting.filter((id) => !failedIds.has(id));

  await launchReady(ctx, run);
  settleDone(run);
  scheduleNextPoll(run, known, deps);
  reportProgress(ctx, run, launched);
  deps.log?.info('recovery started', {
    accountId: account.accountId,
    jobs: run.jobs.length,
    pending: run.pending.length,
    waiting: run.waiting.length,
    failed: run.failed.length,
  });
  return run;
}
