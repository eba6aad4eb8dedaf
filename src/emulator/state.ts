/**
 * The emulator's world: the clock, the fault plan, the credential store, every account with its
 * per-service state, and the call counters. It can be saved to and loaded from a JSON file so a
 * test can restart the emulator mid-drill and carry on.
 */
import { readFile, writeFile } from 'node:fs/promises';
import {
  CredentialStore,
  type CredentialStoreSnapshot,
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_SECRET_ACCESS_KEY,
} from './auth/credentials.js';
import { VirtualClock } from './clock.js';
import { DrsAccount } from './drs/account.js';
import type { DrsAccountState, JobRecord, RecoveryInstanceRecord } from './drs/records.js';
import type { DrsQuotas } from './drs/service.js';
import { FaultEngine, type FaultPlan } from './faults.js';
import { drsStateOf, quotasOf } from './fleet/load.js';
import type { Fleet, FleetAccount, FleetRole } from './fleet/types.js';

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
  static fromSnapshot(snapshot: StateSnapshot, opts: { timeScale?: number } = {}): EmulatorState {
    if (snapshot.version !== STATE_VERSION) {
      throw new StateFileError(
        `state file version ${String(snapshot.version)} is not supported; expected ${STATE_VERSION}`,
      );
    }
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

  /** Reads a state file written by {@link EmulatorState.save}. */
  static async load(path: string, opts: { timeScale?: number } = {}): Promise<EmulatorState> {
    let snapshot: StateSnapshot;
    try {
      snapshot = JSON.parse(await readFile(path, 'utf8')) as StateSnapshot;
    } catch (err) {
      throw new StateFileError(`cannot read state file ${path}: ${(err as Error).message}`);
    }
    return EmulatorState.fromSnapshot(snapshot, opts);
  }

  /** The account, if the fleet has it. */
  account(accountId: string): AccountWorld | undefined {
    return this.#accounts.get(accountId);
  }

  /** Every account. */
  accounts(): AccountWorld[] {
    return [...this.#accounts.values()];
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

  /** Writes the snapshot to a JSON file. */
  async save(path: string): Promise<void> {
    await writeFile(path, JSON.stringify(this.toJSON()));
  }
}
