/**
 * Readiness that fits the action (failover and drill): which servers launch now, which wait for
 * their recovery point to get within the RPO budget, which fail at once. Facts behind the rules
 * (DRS API reference): StopReplication deletes a server's snapshots, DisconnectSourceServer deletes
 * its replication resources, INITIATING/INITIAL_SYNC precede the first snapshot; every other state
 * keeps point-in-time snapshots, and a recovery of a server whose agent is gone (a lost site:
 * STALLED, AGENT_NOT_SEEN) falls back to the newest one (job log SNAPSHOT_FAIL,
 * USING_PREVIOUS_SNAPSHOT).
 */
import { ErrorNames } from '../contract/errors.js';

/** Replication states in which a server has no recovery point: it can never be launched as it is. */
export const NO_RECOVERY_POINT_STATES: ReadonlySet<string> = new Set([
  'INITIATING',
  'INITIAL_SYNC',
  'STOPPED',
  'DISCONNECTED',
]);

/**
 * States in which the agent still replicates (RESCAN included: a rescan re-reads the source disks
 * after an agent restart or a disk change, but the server finished its initial sync, keeps its
 * point-in-time snapshots and DRS launches it, from a snapshot as old as the lag): a launch takes a fresh snapshot whose age is the lag,
 * and the lag can shrink on its own (so a server over the RPO budget may wait).
 */
export const REPLICATING_STATES: ReadonlySet<string> = new Set([
  'CONTINUOUS',
  'BACKLOG',
  'CREATING_SNAPSHOT',
  'RESCAN',
]);

/** What the readiness rule needs to know about one server. */
export interface ReadinessFacts {
  id: string;
  /** `dataReplicationInfo.dataReplicationState`; absent when DRS does not say. */
  state?: string;
  /** Lag in seconds (`dataReplicationInfo.lagDuration`), when known. */
  lagSeconds?: number;
  /** Age in seconds of the newest point-in-time snapshot (asked only when a budget needs it). */
  newestSnapshotAgeSeconds?: number;
}

/** The decision for one server. */
export type Readiness =
  | { kind: 'launch'; warning?: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'fail'; code: string; message: string };

/** True when the readiness rule needs the newest snapshot's age of a server in `state`. */
export function needsSnapshotAge(state: string | undefined, maxDataLossMinutes?: number): boolean {
  return (
    maxDataLossMinutes !== undefined &&
    state !== undefined &&
    !NO_RECOVERY_POINT_STATES.has(state) &&
    !REPLICATING_STATES.has(state)
  );
}

function minutes(seconds: number): string {
  return `${Math.round((seconds / 60) * 10) / 10} minutes`;
}

/**
 * Decides one server: without `maxDataLossMinutes` every server with a recovery point launches at
 * once, whatever its state (nothing waits); with it, a server whose recovery point is too old
 * waits while it still replicates and fails with `RecoveryPointTooOld` when it cannot improve.
 * A drill of a server that is not CONTINUOUS launches with a warning.
 *
 * @example
 * ```ts
 * readiness({ id: 's-1', state: 'STALLED', lagSeconds: 1200 }, { isDrill: false }); // { kind: 'launch' }
 * readiness({ id: 's-2', state: 'INITIAL_SYNC' }, { isDrill: false }).kind; // 'fail'
 * ```
 */
export function readiness(
  facts: ReadinessFacts,
  options: { isDrill: boolean; maxDataLossMinutes?: number },
): Readiness {
  const { id, state } = facts;
  if (state !== undefined && NO_RECOVERY_POINT_STATES.has(state)) {
    return {
      kind: 'fail',
      code: ErrorNames.ServerNotReady,
      message: `source server ${id} replication is ${state}: it has no recovery point to launch from`,
    };
  }
  const budget = options.maxDataLossMinutes;
  if (budget !== undefined && state !== undefined) {
    const replicating = REPLICATING_STATES.has(state);
    const age = replicating ? facts.lagSeconds : facts.newestSnapshotAgeSeconds;
    if (age === undefined && !replicating) {
      return {
        kind: 'fail',
        code: ErrorNames.RecoveryPointTooOld,
        message: `source server ${id} replication is ${state} and it has no recovery snapshot within maxDataLossMinutes (${budget})`,
      };
    }
    if (age !== undefined && age > budget * 60) {
      const what = `source server ${id} recovery point is ${minutes(age)} old, over maxDataLossMinutes (${budget})`;
      if (replicating)
        return { kind: 'wait', reason: `${what}; waiting while replication (${state}) catches up` };
      return {
        kind: 'fail',
        code: ErrorNames.RecoveryPointTooOld,
        message: `${what}; replication is ${state}, so it cannot get newer`,
      };
    }
  }
  if (options.isDrill && state !== undefined && state !== 'CONTINUOUS') {
    return {
      kind: 'launch',
      warning: `drill of source server ${id} whose replication is ${state}, not CONTINUOUS`,
    };
  }
  return { kind: 'launch' };
}

/**
 * Whether a failover started now would recover the server: the one rule `plan` (through
 * {@link readiness}, the tasks' eligibility) and `status` (its `ready` count and each server's
 * `failoverRecoverable`) share, so the two never disagree. A replicating server (RESCAN too) takes a
 * fresh snapshot at launch; a server that stopped replicating (a lost site: STALLED, PAUSED) recovers
 * from a snapshot it already has, so it needs one; INITIATING, INITIAL_SYNC, STOPPED and
 * DISCONNECTED have none.
 *
 * @param hasRecoveryPoint whether the server has a point-in-time snapshot (undefined: not asked)
 * @returns undefined when DRS does not say the replication state
 * @example recoverableNow({ id: 's-1', state: 'RESCAN' }); // true
 */
export function recoverableNow(facts: {
  readonly id: string;
  readonly state?: string | undefined;
  readonly hasRecoveryPoint?: boolean;
}): boolean | undefined {
  const { id, state } = facts;
  if (state === undefined) return undefined;
  if (readiness({ id, state }, { isDrill: false }).kind === 'fail') return false;
  return REPLICATING_STATES.has(state) || facts.hasRecoveryPoint !== false;
}
