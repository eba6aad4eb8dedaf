/**
 * Which matched servers an action would act on, decided once: the tasks that act (start-recovery,
 * start-failback, terminate-instances) and the dry run (`drs-orch plan`) call these same
 * functions, so a plan never promises what the run would skip.
 */
import type { RecoveryInstance, SourceServer } from '@aws-sdk/client-drs';
import type { DrsPort } from '../aws/index.js';
import { ErrorNames } from '../contract/errors.js';
import { parseIsoDurationSeconds } from '../core/duration.js';
import type { AccountRef, AccountWork } from '../core/model.js';
import { needsSnapshotAge, type Readiness, readiness } from '../core/readiness.js';
import { describeRecoveryInstances, describeSourceServers, launchTimeOf } from './shared.js';

/** Why a server is skipped (stable codes, shown in the output's per-server records). */
export const SkipCodes = {
  NoRecoveryInstance: 'NoRecoveryInstance',
  NotDrillInstance: 'NotDrillInstance',
  TooRecent: 'TooRecent',
  FailbackNotReady: 'FailbackNotReady',
  /** failover/drill: never launched (an earlier failure stopped the run, or it was never reached). */
  NotLaunched: 'NotLaunched',
  /** Matched, but neither acted on nor skipped for a known reason (listed so no server goes unaccounted). */
  NotActedOn: 'NotActedOn',
} as const;

/** Failback states in which a failback was started already (watched, never started again). */
export const FAILBACK_STARTED_STATES: ReadonlySet<string> = new Set([
  'FAILBACK_IN_PROGRESS',
  'FAILBACK_COMPLETED',
  'FAILBACK_ERROR',
]);

/** The decision of terminate for one matched server. */
export type TerminateDecision =
  | { kind: 'target'; recoveryInstanceId: string }
  | { kind: 'skip'; code: string; message: string };

/**
 * terminate: a server's recovery instance is terminated when it has one, it is a drill instance
 * (or `terminateNonDrill`), and it is at least `olderThanMinutes` old.
 */
export function terminateDecision(
  id: string,
  ri: RecoveryInstance | undefined,
  options: { terminateNonDrill: boolean; olderThanMinutes?: number | undefined },
  nowMs: number,
): TerminateDecision {
  if (!ri?.recoveryInstanceID) {
    return {
      kind: 'skip',
      code: SkipCodes.NoRecoveryInstance,
      message: `source server ${id} has no recovery instance`,
    };
  }
  if (!ri.isDrill && !options.terminateNonDrill) {
    return {
      kind: 'skip',
      code: SkipCodes.NotDrillInstance,
      message: `recovery instance ${ri.recoveryInstanceID} is not a drill instance; set options.terminateNonDrill to terminate it`,
    };
  }
  if (options.olderThanMinutes !== undefined) {
    const launched = Date.parse(launchTimeOf(ri) ?? '');
    const ageMinutes = Number.isFinite(launched) ? (nowMs - launched) / 60_000 : Number.POSITIVE_INFINITY;
    if (ageMinutes < options.olderThanMinutes) {
      return {
        kind: 'skip',
        code: SkipCodes.TooRecent,
        message: `recovery instance ${ri.recoveryInstanceID} was launched ${Math.floor(ageMinutes)} minutes ago, less than olderThanMinutes ${options.olderThanMinutes}`,
      };
    }
  }
  return { kind: 'target', recoveryInstanceId: ri.recoveryInstanceID };
}

/**
 * Why a recovery instance can never fail back, or undefined when it can. DRS fails back only the
 * recovery instances of a real recovery: a drill leaves the source running.
 */
export function neverFailsBack(ri: RecoveryInstance): { code: string; message: string } | undefined {
  if (ri.isDrill) {
    return {
      code: 'DrillInstance',
      message: `recovery instance ${ri.recoveryInstanceID} was launched by a drill: drill instances can never fail back (only a real failover's can); terminate it instead`,
    };
  }
  return undefined;
}

/** The decision of failback for one matched server. */
export type FailbackDecision =
  /** On premises, FAILBACK_READY_FOR_LAUNCH: StartFailbackLaunch now. */
  | { kind: 'launch'; recoveryInstanceId: string }
  /** On premises, a failback already under way or over: watched, never started again. */
  | { kind: 'watch'; recoveryInstanceId: string; jobId: string }
  /** On premises, not ready yet: re-checked while the run lasts. */
  | { kind: 'wait'; recoveryInstanceId: string; state: string }
  /**
   * AWS origin: Region-to-Region failback into `origin` (ReverseReplication unless
   * `reversedServerArn` says it was started already, then a recovery there once CONTINUOUS).
   */
  | { kind: 'reverse'; recoveryInstanceId: string; origin: AccountRef; reversedServerArn?: string }
  /** Asked for but impossible as configured: fails at once with the reason. */
  | { kind: 'fail'; recoveryInstanceId: string; code: string; message: string }
  /** Nothing to fail back, or never can be. */
  | { kind: 'skip'; code: string; message: string };

/** What the failback decision needs besides the recovery instance. */
export interface FailbackContext {
  /** The source server (its `sourceCloudProperties` and `reversedDirectionSourceServerArn`). */
  readonly server?: SourceServer | undefined;
  /** Registered accounts AWS-origin servers can fail back into ({@link AccountWork.origins}). */
  readonly origins?: readonly AccountRef[] | undefined;
}

/**
 * failback, decided once for the failback action (start-failback, monitor-failback) and
 * `drs-orch plan`: no recovery instance, or one that can never fail back ({@link neverFailsBack}),
 * is skipped. An AWS-origin instance fails back Region to Region into its origin account and
 * Region, which must be a registered account (else it fails with `OriginNotRegistered`). An
 * on-premises one launches when FAILBACK_READY_FOR_LAUNCH, is watched when already failing back,
 * and is waited for in any other state.
 */
export function failbackDecision(
  id: string,
  ri: RecoveryInstance | undefined,
  context: FailbackContext = {},
): FailbackDecision {
  if (!ri?.recoveryInstanceID) {
    return {
      kind: 'skip',
      code: SkipCodes.NoRecoveryInstance,
      message: `source server ${id} has no recovery instance: nothing to fail back`,
    };
  }
  const never = neverFailsBack(ri);
  if (never) return { kind: 'skip', ...never };
  const recoveryInstanceId = ri.recoveryInstanceID;
  if (ri.originEnvironment === 'AWS') return crossRegionDecision(recoveryInstanceId, context);
  const state = ri.failback?.state;
  if (state === 'FAILBACK_READY_FOR_LAUNCH') return { kind: 'launch', recoveryInstanceId };
  if (state && FAILBACK_STARTED_STATES.has(state) && ri.failback?.failbackJobID) {
    return { kind: 'watch', recoveryInstanceId, jobId: ri.failback.failbackJobID };
  }
  return { kind: 'wait', recoveryInstanceId, state: state ?? 'unknown' };
}

function crossRegionDecision(recoveryInstanceId: string, context: FailbackContext): FailbackDecision {
  const cloud = context.server?.sourceCloudProperties;
  const accountId = cloud?.originAccountID;
  const region = cloud?.originRegion;
  if (!accountId || !region) {
    return {
      kind: 'fail',
      recoveryInstanceId,
      code: ErrorNames.OriginNotRegistered,
      message: `recovery instance ${recoveryInstanceId} originates in AWS but its source server names no origin account and Region (sourceCloudProperties): nowhere to fail it back to`,
    };
  }
  const origin = context.origins?.find((o) => o.accountId === accountId && o.region === region);
  if (!origin) {
    return {
      kind: 'fail',
      recoveryInstanceId,
      code: ErrorNames.OriginNotRegistered,
      message: `recovery instance ${recoveryInstanceId} fails back to account ${accountId} in ${region}, which is not a registered staging account: register it (with its DRS-Orchestration-Role, in ${region}) to fail back there`,
    };
  }
  const reversed = context.server?.reversedDirectionSourceServerArn;
  return { kind: 'reverse', recoveryInstanceId, origin, ...(reversed && { reversedServerArn: reversed }) };
}

/** What `plan` says of a failback decision the run acts on. */
function failbackPlanReason(d: FailbackDecision): string | undefined {
  if (d.kind === 'wait')
    return `recovery instance ${d.recoveryInstanceId} failback state is ${d.state}: launched once FAILBACK_READY_FOR_LAUNCH`;
  if (d.kind === 'reverse') {
    const first = d.reversedServerArn
      ? `reverse replication already started (${d.reversedServerArn})`
      : 'ReverseReplication';
    return `recovery instance ${d.recoveryInstanceId} originates in AWS: fails back to account ${d.origin.accountId} in ${d.origin.region} by ${first}, then a recovery there once the reversed server is CONTINUOUS`;
  }
  return undefined;
}

/** Age in seconds of a server's newest recovery snapshot at `now` (one DescribeRecoverySnapshots call). */
export async function newestSnapshotAge(
  drs: DrsPort,
  id: string,
  nowMs: number,
): Promise<number | undefined> {
  const page = await drs.describeRecoverySnapshots({ sourceServerID: id, order: 'DESC', maxResults: 1 });
  const newest = page.items?.[0];
  const at = Date.parse(newest?.timestamp ?? newest?.expectedTimestamp ?? '');
  return Number.isFinite(at) ? Math.max(0, (nowMs - at) / 1000) : undefined;
}

/**
 * failover/drill: the readiness decision of one server (see {@link readiness}); reads the newest
 * snapshot's age only when the rule needs it.
 */
export async function recoveryDecision(
  drs: DrsPort,
  id: string,
  server: SourceServer,
  options: { isDrill: boolean; maxDataLossMinutes?: number | undefined },
  nowMs: number,
): Promise<Readiness> {
  const info = server.dataReplicationInfo;
  const state = info?.dataReplicationState;
  const lagSeconds = parseIsoDurationSeconds(info?.lagDuration);
  const { maxDataLossMinutes } = options;
  const age = needsSnapshotAge(state, maxDataLossMinutes)
    ? await newestSnapshotAge(drs, id, nowMs)
    : undefined;
  return readiness(
    {
      id,
      ...(state === undefined ? {} : { state }),
      ...(lagSeconds === undefined ? {} : { lagSeconds }),
      ...(age === undefined ? {} : { newestSnapshotAgeSeconds: age }),
    },
    { isDrill: options.isDrill, ...(maxDataLossMinutes === undefined ? {} : { maxDataLossMinutes }) },
  );
}

/** What an action would do with one matched server. */
export interface Eligibility {
  readonly sourceServerId: string;
  /** Would be acted on (now, or once replication catches up). */
  readonly eligible: boolean;
  /** Why not, or why later: the message the run would record. */
  readonly reason?: string;
  readonly code?: string;
  readonly replicationState?: string;
}

/**
 * The eligibility of every matched server for an action, with read-only calls only: the same
 * decisions the acting tasks make.
 */
export async function eligibilityOf(
  action: string,
  drs: DrsPort,
  serverIds: readonly string[],
  options: {
    isDrill: boolean;
    maxDataLossMinutes?: number | undefined;
    terminateNonDrill: boolean;
    olderThanMinutes?: number | undefined;
    /** failback: the registered accounts AWS-origin servers fail back into. */
    origins?: readonly AccountRef[] | undefined;
  },
  nowMs: number,
): Promise<Eligibility[]> {
  const servers = await describeSourceServers(drs, serverIds);
  const stateOf = (id: string) => {
    const state = servers.get(id)?.dataReplicationInfo?.dataReplicationState;
    return state === undefined ? {} : { replicationState: state };
  };
  if (action === 'failover' || action === 'drill') {
    const out: Eligibility[] = [];
    for (const id of serverIds) {
      const server = servers.get(id);
      if (!server) {
        out.push({ sourceServerId: id, eligible: false, reason: `source server ${id} no longer exists` });
        continue;
      }
      const d = await recoveryDecision(drs, id, server, options, nowMs);
      out.push(
        d.kind === 'fail'
          ? { sourceServerId: id, eligible: false, code: d.code, reason: d.message, ...stateOf(id) }
          : d.kind === 'wait'
            ? { sourceServerId: id, eligible: true, reason: d.reason, ...stateOf(id) }
            : { sourceServerId: id, eligible: true, ...(d.warning && { reason: d.warning }), ...stateOf(id) },
      );
    }
    return out;
  }
  if (action === 'failback' || action === 'terminate') {
    const instances = await describeRecoveryInstances(drs, { sourceServerIDs: serverIds });
    const byServer = new Map(instances.map((ri) => [ri.sourceServerID, ri]));
    return serverIds.map((id): Eligibility => {
      const d =
        action === 'failback'
          ? failbackDecision(id, byServer.get(id), { server: servers.get(id), origins: options.origins })
          : terminateDecision(id, byServer.get(id), options, nowMs);
      if (d.kind === 'skip' || d.kind === 'fail') {
        return { sourceServerId: id, eligible: false, code: d.code, reason: d.message, ...stateOf(id) };
      }
      const reason = d.kind === 'target' ? undefined : failbackPlanReason(d);
      return { sourceServerId: id, eligible: true, ...(reason && { reason }), ...stateOf(id) };
    });
  }
  // status reads every matched server.
  return serverIds.map((id) => ({ sourceServerId: id, eligible: true, ...stateOf(id) }));
}
