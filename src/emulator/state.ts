/**
 * The world: the fleet's accounts, the virtual clock, the fault plan, the credential store, the
 * call counters and every service's state slice (registered by the services as they are built),
 * saved and journaled alike. The saved form and its journal are snapshot.ts.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file.js';
import {
  CredentialStore,
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_SECRET_ACCESS_KEY,
} from './auth/credentials.js';
import { organizationPathOf } from './auth/organization.js';
import { VirtualClock } from './clock.js';
import { FaultEngine, type FaultPlan } from './faults.js';
import { DEFAULT_QUOTAS, quotasOf } from './fleet/load.js';
import type { Fleet, FleetQuotas, FleetRole } from './fleet/types.js';
import type { AccountWorld, WorldState } from './registry.js';
import {
  type CallCount,
  checkSnapshot,
  isMutatingOperation,
  type JournalSink,
  STATE_VERSION,
  StateFileError,
  type StateSnapshot,
} from './snapshot.js';
import type { Persistent } from './types.js';

export {
  applyJournal,
  type CallCount,
  checkSnapshot,
  DEFAULT_PRUNE_LIMITS,
  isMutatingOperation,
  type JournalRecord,
  type JournalSink,
  type PruneLimits,
  pruneSnapshot,
  STATE_VERSION,
  StateFileError,
  type StateSnapshot,
} from './snapshot.js';
export type { AccountWorld, Persistent };
export { writeFileAtomic };

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

/** The world. */
export class EmulatorState implements WorldState {
  readonly fleet: Fleet;
  readonly clock: VirtualClock;
  readonly faults: FaultEngine;
  readonly credentials: CredentialStore;
  readonly orchestratorAccountId: string;
  readonly seed: number;
  readonly #accounts = new Map<string, AccountWorld>();
  readonly #calls = new Map<string, CallCount>();
  /** Each service registers its state slice here, so it is saved and journaled with the world. */
  readonly services = new Map<string, Persistent>();
  /** Saved service slices waiting for their service to be created (after a load). */
  readonly restoredServices: Readonly<Record<string, unknown>>;

  private constructor(
    fleet: Fleet,
    clock: VirtualClock,
    faults: FaultEngine,
    credentials: CredentialStore,
    restoredServices: Readonly<Record<string, unknown>>,
  ) {
    this.fleet = fleet;
    this.clock = clock;
    this.faults = faults;
    this.credentials = credentials;
    this.seed = fleet.seed ?? 1;
    this.orchestratorAccountId = fleet.orchestratorAccountId ?? '123456789012';
    this.restoredServices = restoredServices;
    for (const account of fleet.accounts) {
      this.#accounts.set(account.accountId, {
        accountId: account.accountId,
        region: account.region,
        ...(account.name === undefined ? {} : { name: account.name }),
        quotas: quotasOf(account),
        roles: account.roles ?? [],
        fleet: account,
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
    return new EmulatorState(fleet, clock, faults, credentials, {});
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

  /** The quotas in force for an account (the defaults for an account outside the fleet). */
  quotas(accountId: string): Required<FleetQuotas> {
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
  /** The credential store's version when the journal last recorded it. */
  #credentialsJournaled = 0;

  /** Sends every later mutating call's changes to `sink` (the CLI's write-ahead journal). */
  journalTo(sink: JournalSink | undefined): void {
    this.#journal = sink;
    this.#credentialsJournaled = this.credentials.version;
  }

  /** The credential store, when it changed since the journal last recorded it. */
  #credentialsChange(): { credentials: ReturnType<CredentialStore['toJSON']> } | undefined {
    if (this.credentials.version === this.#credentialsJournaled) return undefined;
    this.#credentialsJournaled = this.credentials.version;
    return { credentials: this.credentials.toJSON() };
  }

  /**
   * Called by the server after a call was handled and before it answers: a mutating call's
   * changes go to the journal sink, so they survive any kill once the caller has the answer. The
   * record holds the called service's changes (or its whole slice when it cannot say what
   * changed) and the credential store when the call issued a session.
   */
  commit(service: string, operation: string, _accountId: string): void {
    const slice = this.services.get(service);
    // Taken even when nothing journals, so changes never pile up in memory.
    const changes = slice?.takeChanges?.();
    if (this.#journal === undefined || !isMutatingOperation(operation)) return;
    this.#journal({
      nowMs: this.clock.nowMs(),
      ...(slice?.takeChanges !== undefined
        ? changes !== undefined && { serviceChanges: { [service]: changes } }
        : slice !== undefined && { services: { [service]: slice.toJSON() } }),
      ...this.#credentialsChange(),
    });
  }

  /**
   * Called by the inspection API after a control call changed the world (clock, fault plan, a
   * service's state): like {@link commit}, so a test's set-up survives a kill as a call's does.
   */
  commitControl(): void {
    const serviceChanges: Record<string, unknown> = {};
    for (const [name, slice] of this.services) {
      const changes = slice.takeChanges?.();
      if (changes !== undefined) serviceChanges[name] = changes;
    }
    if (this.#journal === undefined) return;
    this.#journal({
      nowMs: this.clock.nowMs(),
      faults: this.faults.plan,
      ...(Object.keys(serviceChanges).length > 0 && { serviceChanges }),
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
