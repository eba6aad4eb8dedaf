/**
 * Which matched servers an action would act on, decided once: the tasks that act (start-recovery,
 * start-failback, terminate-instances) and the dry run (`drs-orch plan`) call these same
 * functions, so a plan never promises what the run would skip.
 */
import type { RecoveryInstance, SourceServer } from '@aws-sdk/client-drs';
import type { DrsPort } from '../aws/index.js';
import { parseIsoDurationSeconds } from '../core/duration.js';
import { needsSnapshotAge, type Readiness, readiness } from '../core/readiness.js';
import { describeRecoveryInstances, describeSourceServers, launchTimeOf } from './shared.js';

/** Why a server is skipped (stable codes, shown in the output's per-server records). */
export const SkipCodes = {
  NoRecoveryInstance: 'NoRecoveryInstance',
  NotDrillInstance: 'NotDrillInstance',
  TooRecent: 'TooRecent',
  FailbackNotReady: 'FailbackNotReady',
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
 * Why a recovery instance can never fail back through StartFailbackLaunch, or undefined when it can.
 * Drill instances: DRS fails back only the recovery instances of a real recovery (a drill leaves
 * the source running). AWS-origin instances: DRS returns them to their origin Region with
 * ReverseReplication and a recovery there, which this orchestrator does not run yet.
 */
export function neverFailsBack(ri: RecoveryInstance): { code: string; message: string } | undefined {
  if (ri.isDrill) {
    return {
      code: 'DrillInstance',
      message: `recovery instance ${ri.recoveryInstanceID} was launched by a drill: drill instances can never fail back (only a real failover's can); terminate it instead`,
    };
  }
  if (ri.originEnvironment === 'AWS') {
    return {
      code: 'CrossRegionFailbackNotSupported',
      message: `recovery instance ${ri.recoveryInstanceID} originates in AWS: its failback is ReverseReplication then a recovery in the origin Region, which drs-orch does not run; use the DRS console or API`,
    };
  }
  return undefined;
}

/** The decision of failback for one matched server. */
export type FailbackDecision =
  | { kind: 'launch'; recoveryInstanceId: string }
  | { kind: 'watch'; recoveryInstanceId: string; jobId: string }
  | { kind: 'wait'; recoveryInstanceId: string; state: string }
  | { kind: 'skip'; code: string; message: string };

/**
 * failback, as start-failback decides: no recovery instance, or one that can never fail back
 * ({@link neverFailsBack}), is skipped; FAILBACK_READY_FOR_LAUNCH launches; one already failing
 * back is watched; any other state waits (re-checked while the run lasts).
 */
export function failbackDecision(id: string, ri: RecoveryInstance | undefined): FailbackDecision {
  if (!ri?.recoveryInstanceID) {
    return {
      kind: 'skip',
      code: SkipCodes.NoRecoveryInstance,
      message: `source server ${id} has no recovery instance: nothing to fail back`,
    };
  }
  const never = neverFailsBack(ri);
  if (never) return { kind: 'skip', ...never };
  const state = ri.failback?.state;
  if (state === 'FAILBACK_READY_FOR_LAUNCH')
    return { kind: 'launch', recoveryInstanceId: ri.recoveryInstanceID };
  if (state && FAILBACK_STARTED_STATES.has(state) && ri.failback?.failbackJobID) {
    return { kind: 'watch', recoveryInstanceId: ri.recoveryInstanceID, jobId: ri.failback.failbackJobID };
  }
  return { kind: 'wait', recoveryInstanceId: ri.recoveryInstanceID, state: state ?? 'unknown' };
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
          ? failbackDecision(id, byServer.get(id))
          : terminateDecision(id, byServer.get(id), options, nowMs);
      if (d.kind === 'skip') {
        return { sourceServerId: id, eligible: false, code: d.code, reason: d.message, ...stateOf(id) };
      }
      if (d.kind === 'wait') {
        return {
          sourceServerId: id,
          eligible: true,
          reason: `recovery instance ${d.recoveryInstanceId} failback state is ${d.state}: launched once FAILBACK_READY_FOR_LAUNCH`,
          ...stateOf(id),
        };
      }
      return { sourceServerId: id, eligible: true, ...stateOf(id) };
    });
  }
  // status reads every matched server.
  return serverIds.map((id) => ({ sourceServerId: id, eligible: true, ...stateOf(id) }));
}
