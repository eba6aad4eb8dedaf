import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file.js';

export { writeFileAtomic };

import {
  CredentialStore,
  type CredentialStoreSnapshot,
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_SECRET_ACCESS_KEY,
} from './auth/credentials.js';
import { organizationPathOf } from './auth/organization.js';
import { VirtualClock } from './clock.js';
import { FaultEngine, type FaultPlan } from './faults.js';
import { DEFAULT_QUOTAS, drsStateOf, quotasOf } from './fleet/load.js';
import type { Fleet, FleetAccount, FleetRole } from './fleet/types.js';
import { DrsAccount } from './services/drs/account.js';
import type { DrsAccountState, JobRecord, RecoveryInstanceRecord } from './services/drs/records.js';
import type { DrsQuotas } from './services/drs/service.js';
import { applyS3Changes, type S3Changes, type S3StateSnapshot } from './services/s3/s3.js';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

/** Format version of saved state files. */
export const STATE_VERSION = 1;

/** One account of the world. */
export interface AccountWorld {
  readonly accountId: string;
  readonly region: string;
  readonly name?: string;
  readonly quotas: DrsQuotas;
  readonly roles: readonly FleetRole[];
  readonly fleet: FleetAccount;
  readonly drs: DrsAccount;
}

/** Something whose state is saved with the world (a neighbour service's slice). */
export interface Persistent {
  toJSON(): unknown;
  /**
   * What changed since the last call, when the slice can say it (S3): the journal records that
   * instead of the whole slice, so a call's record is the size of its change.
   */
  takeChanges?(): unknown;
  /** Writes what the snapshot refers to but does not hold (S3 object bodies) beside a saved file. */
  saveBeside?(path: string): void;
  /** A snapshot of the world was made durable: files nothing refers to any more can go. */
  compacted?(): void;
}

/** One row of the call counters. */
export interface CallCount {
  readonly service: string;
  readonly operation: string;
  readonly accountId: string;
  readonly count: number;
}

/** The saved form of the world. */
export interface StateSnapshot {
  readonly version: number;
  readonly savedAt: string;
  readonly clock: { readonly nowMs: number; readonly timeScale: number };
  readonly fleet: Fleet;
  readonly faults: FaultPlan;
  readonly credentials: CredentialStoreSnapshot;
  readonly drs: readonly DrsAccountState[];
  readonly services: Readonly<Record<string, unknown>>;
  readonly calls: readonly CallCount[];
}

/** Thrown when a saved state cannot be used. */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

/**
 * What one mutating call left behind, written to the journal before the call's answer leaves the
 * emulator: the whole state of what the call can change (the caller's DRS account, the called
 * service's slice, the credential store for STS), so replaying records in order is idempotent.
 */
export interface JournalRecord {
  readonly nowMs: number;
  readonly drs?: DrsAccountState;
  /** Other DRS accounts the call changed (ReverseReplication's origin account). */
  readonly drsAlso?: readonly DrsAccountState[];
  readonly services?: Readonly<Record<string, unknown>>;
  readonly credentials?: CredentialStoreSnapshot;
  /** The fault plan, after a control call changed it. */
  readonly faults?: FaultPlan;
  /** Changes to a service's slice (S3: buckets created, objects stored), folded by {@link applyJournal}. */
  readonly serviceChanges?: Readonly<Record<string, unknown>>;
}

/** How each service's recorded changes fold into its saved slice. */
const SERVICE_CHANGES: Readonly<Record<string, (slice: unknown, changes: unknown) => unknown>> = {
  s3: (slice, changes) => applyS3Changes(slice as S3StateSnapshot | undefined, changes as S3Changes),
};

/** Receives each journal record; must make it durable before returning (the call answers after). */
export type JournalSink = (record: JournalRecord) => void;

/** Operations that only read: every other operation of every service is journaled. */
const READ_ONLY = /^(Describe|Get|List|Head|Query|Scan|Batch(Get|Describe))/;

/** True when an operation can change the world (anything not named as a read). */
export function isMutatingOperation(operation: string): boolean {
  return !READ_ONLY.test(operation) || operation === 'GetSessionToken';
}

/**
 * Folds journal records into a snapshot (pure): each record replaces the DRS account, service
 * slices and credential store it carries; the clock never goes backwards.
 */
export function applyJournal(snapshot: StateSnapshot, records: readonly JournalRecord[]): StateSnapshot {
  let drs = [...snapshot.drs];
  let services = { ...snapshot.services };
  let credentials = snapshot.credentials;
  let faults = snapshot.faults;
  let nowMs = snapshot.clock.nowMs;
  for (const r of records) {
    for (const changed of [...(r.drs === undefined ? [] : [r.drs]), ...(r.drsAlso ?? [])]) {
      drs = drs.some((d) => d.accountId === changed.accountId)
        ? drs.map((d) => (d.accountId === changed.accountId ? changed : d))
        : [...drs, changed];
    }
    if (r.services !== undefined) services = { ...services, ...r.services };
    for (const [name, changes] of Object.entries(r.serviceChanges ?? {})) {
      const fold = SERVICE_CHANGES[name];
      if (fold !== undefined) services = { ...services, [name]: fold(services[name], changes) };
    }
    if (r.credentials !== undefined) credentials = r.credentials;
    if (r.faults !== undefined) faults = r.faults;
    nowMs = Math.max(nowMs, r.nowMs);
  }
  return { ...snapshot, drs, services, credentials, faults, clock: { ...snapshot.clock, nowMs } };
}

/** How much history a compacted world keeps (the file stays bounded however many runs). */
export interface PruneLimits {
  /**
   * Newest objects kept per S3 bucket (a stand-in for the results bucket's lifecycle rule). The
   * snapshot holds an object's metadata only (its body is a file beside it), so this bounds the
   * snapshot at a few MB per bucket.
   */
  readonly objectsPerBucket: number;
  /** Newest finished DRS jobs kept per account beyond those a server or instance still points to. */
  readonly finishedJobsPerAccount: number;
}

/** The defaults of {@link pruneSnapshot}. */
export const DEFAULT_PRUNE_LIMITS: PruneLimits = { objectsPerBucket: 10_000, finishedJobsPerAccount: 50 };

/**
 * Drops old history from a snapshot (pure): S3 objects beyond the newest `objectsPerBucket` per
 * bucket, and finished DRS jobs that no source server's last launch and no recovery instance
 * refers to, beyond the newest `finishedJobsPerAccount`. Everything an orchestration reads to
 * decide (last launches, their jobs, live instances, running jobs) is kept.
 */
export function pruneSnapshot(
  snapshot: StateSnapshot,
  limits: PruneLimits = DEFAULT_PRUNE_LIMITS,
): StateSnapshot {
  const drs = snapshot.drs.map((account) => {
    const referenced = new Set<string>();
    for (const s of account.servers) if (s.lastLaunch) referenced.add(s.lastLaunch.jobID);
    for (const i of account.instances) {
      referenced.add(i.jobID);
      if (i.failbackJobID) referenced.add(i.failbackJobID);
    }
    const optional = account.jobs
      .filter((j) => j.endMs !== null && !referenced.has(j.jobID))
      .sort((a, b) => b.createdMs - a.createdMs);
    const dropped = new Set(optional.slice(limits.finishedJobsPerAccount).map((j) => j.jobID));
    return dropped.size === 0
      ? account
      : { ...account, jobs: account.jobs.filter((j) => !dropped.has(j.jobID)) };
  });
  const s3 = snapshot.services.s3 as
    | { buckets?: { objects?: { lastModified?: string; key: string }[] }[] }
    | undefined;
  const services =
    s3?.buckets === undefined
      ? snapshot.services
      : {
          ...snapshot.services,
          s3: {
            ...s3,
            buckets: s3.buckets.map((b) => ({
              ...b,
              objects: [...(b.objects ?? [])]
                .sort((x, y) => Date.parse(y.lastModified ?? '') - Date.parse(x.lastModified ?? ''))
                .slice(0, limits.objectsPerBucket),
            })),
          },
        };
  return { ...snapshot, drs, services };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Checks that a parsed state file has the shape this version writes, and that it is whole: every
 * fleet account has its DRS state, and every recovery instance a server points to exists. Says
 * what is wrong instead of failing later with a TypeError or silently dropping instances.
 *
 * @throws {StateFileError} naming the first problem found.
 */
export function checkSnapshot(raw: unknown): StateSnapshot {
  const bad = (what: string): never => {
    throw new StateFileError(what);
  };
  if (!isObject(raw)) return bad('it is not a JSON object');
  if (raw.version !== STATE_VERSION) {
    return bad(
      `its format version is ${JSON.stringify(raw.version)}; this drs-orch reads version ${STATE_VERSION}`,
    );
  }
  const clock = raw.clock;
  if (!isObject(clock) || typeof clock.nowMs !== 'number' || !Number.isFinite(clock.nowMs)) {
    return bad('clock.nowMs is missing or not a number');
  }
  if (typeof clock.timeScale !== 'number') return bad('clock.timeScale is missing or not a number');
  const fleet = raw.fleet;
  if (!isObject(fleet) || !Array.isArray(fleet.accounts)) return bad('fleet.accounts is missing');
  if (!isObject(raw.faults)) return bad('faults is missing');
  if (!isObject(raw.credentials)) return bad('credentials is missing');
  if (!isObject(raw.services)) return bad('services is missing');
  if (!Array.isArray(raw.calls)) return bad('calls is missing');
  if (!Array.isArray(raw.drs)) return bad('drs is missing');
  const saved = new Map<string, Record<string, unknown>>();
  for (const [i, d] of raw.drs.entries()) {
    if (!isObject(d) || typeof d.accountId !== 'string') return bad(`drs[${i}] has no accountId`);
    for (const list of ['servers', 'jobs', 'instances'] as const) {
      if (!Array.isArray(d[list])) return bad(`drs[${i}] (account ${d.accountId}) has no ${list} list`);
    }
    if (typeof d.rngState !== 'number') return bad(`drs[${i}] (account ${d.accountId}) has no rngState`);
    saved.set(d.accountId, d);
  }
  for (const account of fleet.accounts as unknown[]) {
    const id = isObject(account) ? account.accountId : undefined;
    if (typeof id !== 'string') return bad('a fleet account has no accountId');
    const drs = saved.get(id);
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
  return raw as unknown as StateSnapshot;
}

/** The world. */
export class EmulatorState {
  readonly fleet: Fleet;
  readonly clock: VirtualClock;
  readonly faults: FaultEngine;
  readonly credentials: CredentialStore;
  readonly orchestratorAccountId: string;
  readonly seed: number;
  readonly #accounts = new Map<string, AccountWorld>();
  readonly #calls = new Map<string, CallCount>();
  /** Neighbour services register their state here so it is saved and restored with the world. */
  readonly services = new Map<string, Persistent>();
  /** Saved service slices waiting for their service to be created (after a load). */
  readonly restoredServices: Readonly<Record<string, unknown>>;

  private constructor(
    fleet: Fleet,
    clock: VirtualClock,
    faults: FaultEngine,
    credentials: CredentialStore,
    drs: readonly DrsAccountState[] | undefined,
    restoredServices: Readonly<Record<string, unknown>>,
  ) {
    this.fleet = fleet;
    this.clock = clock;
    this.faults = faults;
    this.credentials = credentials;
    this.seed = fleet.seed ?? 1;
    this.orchestratorAccountId = fleet.orchestratorAccountId ?? '123456789012';
    this.restoredServices = restoredServices;
    const saved = new Map((drs ?? []).map((d) => [d.accountId, d]));
    for (const account of fleet.accounts) {
      const drsState = saved.get(account.accountId) ?? drsStateOf(account, this.seed, clock.nowMs());
      this.#accounts.set(account.accountId, {
        accountId: account.accountId,
        region: account.region,
        ...(account.name === undefined ? {} : { name: account.name }),
        quotas: quotasOf(account),
        roles: account.roles ?? [],
        fleet: account,
        drs: new DrsAccount(drsState, faults),
      });
    }
  }

  /**
   * A fresh world from a validated fleet.
   * @param timeScale virtual seconds per wall second
   */
  static create(
    fleet: Fleet,
    opts: { timeScale?: number; faults?: FaultPlan; startTime?: number } = {},
  ): EmulatorState {
    const start = opts.startTime ?? (fleet.startTime ? Date.parse(fleet.startTime) : Date.now());
    const clock = new VirtualClock(start, opts.timeScale ?? 1);
    const faults = new FaultEngine(opts.faults ?? {}, () => clock.nowMs(), fleet.siteOutages);
    // `test`/`test` is the root of the fleet's orchestrator account (123456789012 unless it says otherwise).
    const credentials = new CredentialStore([
      {
        accessKeyId: DEFAULT_ACCESS_KEY_ID,
        secretAccessKey: DEFAULT_SECRET_ACCESS_KEY,
        accountId: fleet.orchestratorAccountId ?? DEFAULT_ACCOUNT_ID,
      },
    ]);
    return new EmulatorState(fleet, clock, faults, credentials, undefined, {});
  }

  /** A world restored from a snapshot; the clock resumes at the saved virtual time. */
  static fromSnapshot(raw: StateSnapshot, opts: { timeScale?: number } = {}): EmulatorState {
    const snapshot = checkSnapshot(raw);
    const clock = new VirtualClock(snapshot.clock.nowMs, opts.timeScale ?? snapshot.clock.timeScale);
    // Fleet outages without `at` began at the fleet's start, not when the state was loaded.
    const fleetStart = snapshot.fleet.startTime;
    const outages = snapshot.fleet.siteOutages?.map((o) =>
      o.at === undefined && fleetStart !== undefined ? { ...o, at: fleetStart } : o,
    );
    const faults = new FaultEngine(snapshot.faults, () => clock.nowMs(), outages);
    const state = new EmulatorState(
      snapshot.fleet,
      clock,
      faults,
      CredentialStore.fromJSON(snapshot.credentials),
      structuredClone(snapshot.drs) as DrsAccountState[],
      snapshot.services,
    );
    for (const c of snapshot.calls)
      state.#calls.set(`${c.service}\u0000${c.operation}\u0000${c.accountId}`, { ...c });
    return state;
  }

  /** Reads a state file written by {@link EmulatorState.save} (its S3 bodies from `<path>.objects/`). */
  static async load(path: string, opts: { timeScale?: number } = {}): Promise<EmulatorState> {
    let snapshot: StateSnapshot;
    try {
      snapshot = JSON.parse(await readFile(path, 'utf8')) as StateSnapshot;
    } catch (err) {
      throw new StateFileError(`cannot read state file ${path}: ${(err as Error).message}`);
    }
    const state = EmulatorState.fromSnapshot(snapshot, opts);
    state.savedFrom = path;
    return state;
  }

  /** The file this world was loaded from, if any: the S3 bodies it refers to are beside it. */
  savedFrom: string | undefined;

  /** The account, if the fleet has it. */
  account(accountId: string): AccountWorld | undefined {
    return this.#accounts.get(accountId);
  }

  /** Every account. */
  accounts(): AccountWorld[] {
    return [...this.#accounts.values()];
  }

  /** The DRS quotas in force for an account (the defaults for an account outside the fleet). */
  quotas(accountId: string): DrsQuotas {
    return this.#accounts.get(accountId)?.quotas ?? DEFAULT_QUOTAS;
  }

  /** The fleet role an IAM role ARN names, with its account. */
  role(arn: string): { readonly accountId: string; readonly role: FleetRole } | undefined {
    const m = ROLE_ARN.exec(arn);
    if (!m) return undefined;
    const account = this.#accounts.get(m[1] ?? '');
    const role = account?.roles.find((r) => r.name === m[2]);
    return account && role ? { accountId: account.accountId, role } : undefined;
  }

  /** An account's place in the fleet's organization (`aws:PrincipalOrgPaths`, `aws:ResourceOrgPaths`). */
  organizationPathOf(accountId: string): string | undefined {
    const account = this.#accounts.get(accountId);
    return account
      ? organizationPathOf(accountId, account.fleet.organizationPath, this.orchestratorAccountId)
      : undefined;
  }

  #journal: JournalSink | undefined;
  /** DRS accounts a call changed besides the caller's, journaled with it at commit. */
  readonly #drsChanged = new Set<string>();

  /** Notes that the current call changed `accountId`'s DRS too (see {@link commit}). */
  drsChanged(accountId: string): void {
    this.#drsChanged.add(accountId);
  }

  /** Sends every later mutating call's changes to `sink` (the CLI's write-ahead journal). */
  journalTo(sink: JournalSink | undefined): void {
    this.#journal = sink;
  }

  /**
   * Called by the server after a call was handled and before it answers: a mutating call's
   * changes go to the journal sink, so they survive any kill once the caller has the answer.
   */
  commit(service: string, operation: string, accountId: string): void {
    const also = [...this.#drsChanged].filter((id) => id !== accountId);
    this.#drsChanged.clear();
    const slice = this.services.get(service);
    // Taken even when nothing journals, so changes never pile up in memory.
    const changes = slice?.takeChanges?.();
    if (this.#journal === undefined || !isMutatingOperation(operation)) return;
    const now = this.clock.nowMs();
    const drsAlso = also.flatMap((id) => {
      const other = this.#accounts.get(id)?.drs;
      if (!other) return [];
      other.settle(now);
      other.syncRng();
      return [other.state];
    });
    const account = service === 'drs' ? this.#accounts.get(accountId) : undefined;
    let drs: DrsAccountState | undefined;
    if (account) {
      account.drs.settle(now);
      account.drs.syncRng();
      drs = account.drs.state;
    }
    this.#journal({
      nowMs: now,
      ...(drs !== undefined && { drs }),
      ...(drsAlso.length > 0 && { drsAlso }),
      ...(slice?.takeChanges !== undefined
        ? changes !== undefined && { serviceChanges: { [service]: changes } }
        : slice !== undefined && { services: { [service]: slice.toJSON() } }),
      ...(service === 'sts' && { credentials: this.credentials.toJSON() }),
    });
  }

  /**
   * Called by the inspection API after a control call changed the world (clock, fault plan, a
   * failback state): like {@link commit}, so a test's set-up survives a kill as a call's does.
   */
  commitControl(accountId?: string): void {
    if (this.#journal === undefined) return;
    const now = this.clock.nowMs();
    const account = accountId === undefined ? undefined : this.#accounts.get(accountId);
    if (account) {
      account.drs.settle(now);
      account.drs.syncRng();
    }
    this.#journal({
      nowMs: now,
      faults: this.faults.plan,
      ...(account !== undefined && { drs: account.drs.state }),
    });
  }

  /** Counts one API call. */
  countCall(service: string, operation: string, accountId: string): void {
    const key = `${service}\u0000${operation}\u0000${accountId}`;
    const hit = this.#calls.get(key);
    this.#calls.set(key, { service, operation, accountId, count: (hit?.count ?? 0) + 1 });
  }

  /** Call counters, optionally filtered. */
  calls(filter: { service?: string; operation?: string; accountId?: string } = {}): CallCount[] {
    return [...this.#calls.values()].filter(
      (c) =>
        (filter.service === undefined || c.service === filter.service) &&
        (filter.operation === undefined || c.operation === filter.operation) &&
        (filter.accountId === undefined || c.accountId === filter.accountId),
    );
  }

  /** Sum of matching call counters. */
  callTotal(filter: { service?: string; operation?: string; accountId?: string } = {}): number {
    return this.calls(filter).reduce((n, c) => n + c.count, 0);
  }

  /** DRS jobs of one account (or all), with side effects settled at the current virtual time. */
  jobs(accountId?: string): { accountId: string; job: JobRecord }[] {
    const now = this.clock.nowMs();
    return this.#select(accountId).flatMap((a) => {
      a.drs.settle(now);
      return a.drs.jobs().map((job) => ({ accountId: a.accountId, job }));
    });
  }

  /** Recovery instances of one account (or all) at the current virtual time. */
  instances(accountId?: string): { accountId: string; instance: RecoveryInstanceRecord }[] {
    const now = this.clock.nowMs();
    return this.#select(accountId).flatMap((a) => {
      a.drs.settle(now);
      return a.drs.instances().map((instance) => ({ accountId: a.accountId, instance }));
    });
  }

  #select(accountId: string | undefined): AccountWorld[] {
    if (accountId === undefined) return this.accounts();
    const a = this.#accounts.get(accountId);
    return a ? [a] : [];
  }

  /** The whole world as a JSON-serializable snapshot. */
  toJSON(): StateSnapshot {
    const now = this.clock.nowMs();
    const services: Record<string, unknown> = { ...this.restoredServices };
    for (const [name, s] of this.services) services[name] = s.toJSON();
    return {
      version: STATE_VERSION,
      savedAt: new Date(now).toISOString(),
      clock: { nowMs: now, timeScale: this.clock.timeScale },
      fleet: this.fleet,
      faults: this.faults.plan,
      credentials: this.credentials.toJSON(),
      drs: this.accounts().map((a) => {
        a.drs.settle(now);
        a.drs.syncRng();
        return a.drs.state;
      }),
      services,
      calls: [...this.#calls.values()],
    };
  }

  /**
   * Writes the snapshot to a JSON file atomically (see {@link writeFileAtomic}), the S3 object
   * bodies it refers to first, as files in `<path>.objects/` ({@link EmulatorState.load} reads
   * them from there).
   */
  async save(path: string): Promise<void> {
    for (const slice of this.services.values()) slice.saveBeside?.(path);
    writeFileAtomic(path, JSON.stringify(this.toJSON()));
  }

  /** Tells every slice that a snapshot of the world is durable (the state file's compaction). */
  compacted(): void {
    for (const slice of this.services.values()) slice.compacted?.();
  }
}
