/**
 * DRS's slice of the world: one {@link DrsAccount} per fleet account (in the account's Region),
 * saved and journaled as every service's slice is. A call's journal record holds the accounts it
 * touched (the caller's, and another one a call changes, as ReverseReplication does), so
 * replaying records in order is idempotent.
 */
import type { FaultEngine } from '../../faults.js';
import type { Fleet } from '../../fleet/types.js';
import { InspectionError } from '../../registry.js';
import type { Persistent } from '../../types.js';
import { DrsAccount } from './account.js';
import { createExtendedServer, extensibleServers } from './extended.js';
import { launchTemplateIdOf } from './launch-settings.js';
import type {
  DrsAccountState,
  FailbackState,
  JobRecord,
  LaunchTemplateUse,
  RecoveryInstanceRecord,
} from './records.js';
import { drsStateOf } from './seed.js';
import { macFor, volumeIdOf } from './serialize.js';
import type { StagingLinks } from './staging-access.js';

/** An EC2 instance DRS launched (a recovery instance), as EC2 describes it. */
export interface LaunchedInstance {
  readonly instanceId: string;
  readonly sourceServerID: string;
  readonly stopped: boolean;
  readonly launchedMs: number;
  readonly privateIp: string;
  readonly macAddress: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly instanceType: string;
  readonly network?: LaunchTemplateUse;
  /** Its EBS volumes, one per source disk, in the source's disk order. */
  readonly volumes: readonly { readonly volumeId: string; readonly bytes: number }[];
}

/** The EC2 launch template DRS created for one source server (its version 1). */
export interface CreatedLaunchTemplate {
  readonly launchTemplateId: string;
  readonly sourceServerID: string;
  readonly createdMs: number;
  /** The instance type DRS put in it: the server's right-sized type. */
  readonly instanceType: string;
}

/** An EC2 instance a source server replicates from (EC2-origin servers). */
export interface ReplicatedInstance {
  readonly instanceId: string;
  readonly sourceServerID: string;
  readonly hostname: string;
  readonly privateIp?: string;
  readonly macAddress: string;
  readonly instanceType: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly launchedMs: number;
}

/** Failback states the inspection control accepts. */
const FAILBACK_STATES: readonly FailbackState[] = [
  'FAILBACK_NOT_STARTED',
  'FAILBACK_IN_PROGRESS',
  'FAILBACK_READY_FOR_LAUNCH',
  'FAILBACK_COMPLETED',
  'FAILBACK_ERROR',
  'FAILBACK_NOT_READY_FOR_LAUNCH',
  'FAILBACK_LAUNCH_STATE_NOT_AVAILABLE',
];

/** The saved form of the slice. */
export interface DrsSliceSnapshot {
  readonly accounts: readonly DrsAccountState[];
}

/** What the journal records of a call: the whole state of each account it touched. */
export type DrsChanges = readonly DrsAccountState[];

/** Every account's DRS. */
export class DrsWorld implements Persistent {
  readonly #accounts = new Map<string, DrsAccount>();
  readonly #touched = new Set<string>();

  constructor(
    states: readonly DrsAccountState[],
    faults: FaultEngine,
    private readonly nowMs: () => number,
    fleet?: Fleet,
  ) {
    for (const s of states) this.#accounts.set(s.accountId, new DrsAccount(s, faults));
    // Extended source servers read their staging accounts through the staging role those grant.
    const roles = new Map(
      (fleet?.accounts ?? []).map((a) => [a.accountId, new Set((a.roles ?? []).map((r) => r.name))]),
    );
    const links: StagingLinks<DrsAccount> = {
      account: (id) => this.#accounts.get(id),
      hasRole: (id, name) => roles.get(id)?.has(name) ?? false,
      unreachable: (id) => faults.isStagingUnreachable(id),
    };
    for (const account of this.#accounts.values()) account.links = links;
  }

  /**
   * A fresh slice for a fleet: each account's servers as the fleet gives them, and the extended
   * source servers of a target account's `extendedFrom` staging accounts.
   */
  static seed(fleet: Fleet, faults: FaultEngine, nowMs: () => number): DrsWorld {
    const seed = fleet.seed ?? 1;
    const world = new DrsWorld(
      fleet.accounts.map((a) => drsStateOf(a, seed, nowMs())),
      faults,
      nowMs,
      fleet,
    );
    for (const account of fleet.accounts) {
      const target = world.account(account.accountId);
      for (const stagingId of account.extendedFrom ?? []) {
        const staging = world.account(stagingId);
        if (target === undefined || staging === undefined) continue;
        for (const server of extensibleServers(target, staging)) {
          createExtendedServer(target, server, stagingId, server.tags, nowMs());
        }
      }
    }
    return world;
  }

  /**
   * A saved slice, checked whole: every fleet account has its DRS state, every recovery instance
   * a server points to exists.
   * @throws Error naming the first problem
   */
  static restore(saved: unknown, fleet: Fleet, faults: FaultEngine, nowMs: () => number): DrsWorld {
    const accounts = checkSlice(saved, fleet);
    return new DrsWorld(structuredClone(accounts) as DrsAccountState[], faults, nowMs, fleet);
  }

  /** The DRS of an account, or undefined outside the fleet. */
  account(accountId: string): DrsAccount | undefined {
    return this.#accounts.get(accountId);
  }

  /** Notes that the current call (or control) changes an account's DRS: it is journaled with it. */
  changed(accountId: string): void {
    if (this.#accounts.has(accountId)) this.#touched.add(accountId);
  }

  /** Every account's DRS, settled at the current virtual time. */
  all(): DrsAccount[] {
    const now = this.nowMs();
    return [...this.#accounts.values()].map((a) => {
      a.settle(now);
      return a;
    });
  }

  /** DRS jobs of one account (or all), settled at the current virtual time. */
  jobs(accountId?: string): { accountId: string; job: JobRecord }[] {
    return this.#select(accountId).flatMap((a) =>
      a.jobs().map((job) => ({ accountId: a.state.accountId, job })),
    );
  }

  /** Recovery instances of one account (or all), settled at the current virtual time. */
  instances(accountId?: string): { accountId: string; instance: RecoveryInstanceRecord }[] {
    return this.#select(accountId).flatMap((a) =>
      a.instances().map((instance) => ({ accountId: a.state.accountId, instance })),
    );
  }

  /** The EC2 instances DRS launched in an account (its recovery instances), settled now. */
  launchedInstances(accountId: string): LaunchedInstance[] {
    return this.#select(accountId).flatMap((a) =>
      a.instances().map((r) => ({
        instanceId: r.recoveryInstanceID,
        sourceServerID: r.sourceServerID,
        stopped: r.stopped === true,
        launchedMs: r.launchedMs,
        privateIp: r.privateIp,
        macAddress: macFor(r.recoveryInstanceID),
        tags: r.tags,
        instanceType: r.instanceType,
        ...(r.network === undefined ? {} : { network: r.network }),
        volumes: (a.server(r.sourceServerID)?.disks ?? []).map((d, i) => ({
          volumeId: volumeIdOf(r.recoveryInstanceID, i),
          bytes: d.bytes,
        })),
      })),
    );
  }

  /** The EC2 launch templates DRS created for an account's source servers. */
  launchTemplates(accountId: string): CreatedLaunchTemplate[] {
    const account = this.#accounts.get(accountId);
    if (!account) return [];
    return account.servers().map((s) => ({
      launchTemplateId: launchTemplateIdOf(s.sourceServerID),
      sourceServerID: s.sourceServerID,
      createdMs: s.addedMs,
      instanceType: s.recommendedInstanceType,
    }));
  }

  /**
   * The EC2 instances that EC2-origin source servers replicate, running in `accountId` and
   * `region` (the server's origin account and Region; its DRS account's when it names none).
   */
  replicatedInstances(accountId: string, region: string): ReplicatedInstance[] {
    return [...this.#accounts.values()].flatMap((a) =>
      a
        .servers()
        .filter(
          (s) =>
            s.originEnvironment === 'AWS' &&
            s.awsInstanceID !== undefined &&
            s.replicationDirection !== 'FAILBACK' &&
            (s.originAccountID ?? a.accountId) === accountId &&
            (s.originRegion ?? a.region) === region,
        )
        .map((s) => ({
          instanceId: s.awsInstanceID as string,
          sourceServerID: s.sourceServerID,
          hostname: s.hostname,
          ...(s.ips[0] === undefined ? {} : { privateIp: s.ips[0] }),
          macAddress: s.macAddress,
          instanceType: s.sourceInstanceType ?? s.recommendedInstanceType,
          tags: s.tags,
          launchedMs: s.addedMs,
        })),
    );
  }

  /**
   * Forces the failback state of a recovery instance (until the next StartFailbackLaunch); the
   * account is journaled with the control.
   * @throws InspectionError for an unknown account, instance or state
   */
  setFailbackState(accountId: string, recoveryInstanceID: string, failback: string): void {
    if (!(FAILBACK_STATES as readonly string[]).includes(failback)) {
      throw new InspectionError(
        `failback state '${failback}' is invalid; expected one of ${FAILBACK_STATES.join(', ')}`,
      );
    }
    const account = this.#accounts.get(accountId);
    if (!account) throw new InspectionError(`account '${accountId}' is not in the fleet`);
    account.settle(this.nowMs());
    this.changed(accountId);
    const instance = account.instance(recoveryInstanceID);
    if (!instance)
      throw new InspectionError(
        `recovery instance '${recoveryInstanceID}' does not exist in account ${accountId}`,
      );
    instance.failbackOverride = failback as FailbackState;
  }

  #select(accountId: string | undefined): DrsAccount[] {
    if (accountId === undefined) return this.all();
    const a = this.#accounts.get(accountId);
    if (!a) return [];
    a.settle(this.nowMs());
    return [a];
  }

  #stateOf(account: DrsAccount): DrsAccountState {
    account.settle(this.nowMs());
    account.syncRng();
    return account.state;
  }

  takeChanges(): DrsChanges | undefined {
    if (this.#touched.size === 0) return undefined;
    const changed = [...this.#touched].flatMap((id) => {
      const a = this.#accounts.get(id);
      return a ? [this.#stateOf(a)] : [];
    });
    this.#touched.clear();
    return changed;
  }

  toJSON(): DrsSliceSnapshot {
    return { accounts: [...this.#accounts.values()].map((a) => this.#stateOf(a)) };
  }
}

/** Folds a call's changes into the saved slice (pure): each account replaces its earlier state. */
export function applyDrsChanges(slice: unknown, changes: unknown): DrsSliceSnapshot {
  let accounts = [...((slice as DrsSliceSnapshot | undefined)?.accounts ?? [])];
  for (const changed of changes as DrsChanges) {
    accounts = accounts.some((d) => d.accountId === changed.accountId)
      ? accounts.map((d) => (d.accountId === changed.accountId ? changed : d))
      : [...accounts, changed];
  }
  return { accounts };
}

/**
 * Drops old history from the saved slice (pure): finished jobs no source server's last launch
 * and no recovery instance refers to, beyond the newest `finishedJobsPerAccount`. Everything an
 * orchestration reads to decide (last launches, their jobs, live instances, running jobs) is kept.
 */
export function pruneDrsSlice(slice: unknown, finishedJobsPerAccount: number): DrsSliceSnapshot | undefined {
  const saved = slice as DrsSliceSnapshot | undefined;
  if (saved?.accounts === undefined) return saved;
  return {
    ...saved,
    accounts: saved.accounts.map((account) => {
      const referenced = new Set<string>();
      for (const s of account.servers) if (s.lastLaunch) referenced.add(s.lastLaunch.jobID);
      for (const i of account.instances) {
        referenced.add(i.jobID);
        if (i.failbackJobID) referenced.add(i.failbackJobID);
      }
      const optional = account.jobs
        .filter((j) => j.endMs !== null && !referenced.has(j.jobID))
        .sort((a, b) => b.createdMs - a.createdMs);
      const dropped = new Set(optional.slice(finishedJobsPerAccount).map((j) => j.jobID));
      return dropped.size === 0
        ? account
        : { ...account, jobs: account.jobs.filter((j) => !dropped.has(j.jobID)) };
    }),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Checks a saved slice is whole for the fleet: every fleet account has its DRS state, and every
 * recovery instance a server points to exists. Says what is wrong instead of failing later with
 * a TypeError or silently dropping instances.
 * @throws Error naming the first problem
 */
export function checkSlice(saved: unknown, fleet: Fleet): readonly DrsAccountState[] {
  const bad = (what: string): never => {
    throw new Error(what);
  };
  const list = isObject(saved) ? saved.accounts : undefined;
  if (!Array.isArray(list)) return bad('drs is missing');
  const byId = new Map<string, Record<string, unknown>>();
  for (const [i, d] of list.entries()) {
    if (!isObject(d) || typeof d.accountId !== 'string') return bad(`drs[${i}] has no accountId`);
    for (const field of ['servers', 'jobs', 'instances'] as const) {
      if (!Array.isArray(d[field])) return bad(`drs[${i}] (account ${d.accountId}) has no ${field} list`);
    }
    if (typeof d.rngState !== 'number') return bad(`drs[${i}] (account ${d.accountId}) has no rngState`);
    byId.set(d.accountId, d);
  }
  for (const account of fleet.accounts as unknown[]) {
    const id = isObject(account) ? account.accountId : undefined;
    if (typeof id !== 'string') return bad('a fleet account has no accountId');
    const drs = byId.get(id);
    if (!drs) return bad(`account ${id} of the fleet has no saved DRS state`);
    const instances = new Set(
      (drs.instances as unknown[]).map((x) => (isObject(x) ? x.recoveryInstanceID : undefined)),
    );
    for (const server of drs.servers as unknown[]) {
      if (!isObject(server) || typeof server.sourceServerID !== 'string') {
        return bad(`a source server of account ${id} has no sourceServerID`);
      }
      const ri = server.recoveryInstanceID;
      if (typeof ri === 'string' && !instances.has(ri)) {
        return bad(
          `source server ${server.sourceServerID} of account ${id} points to recovery instance ${ri}, which is missing`,
        );
      }
    }
  }
  return list as DrsAccountState[];
}

/** The DRS accounts a saved world holds (its DRS slice), for readers of state files. */
export function drsAccountsOf(
  snapshot: { readonly services: Readonly<Record<string, unknown>> } | undefined,
): readonly DrsAccountState[] {
  return (snapshot?.services.drs as DrsSliceSnapshot | undefined)?.accounts ?? [];
}
