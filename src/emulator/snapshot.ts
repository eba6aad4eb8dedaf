/**
 * The saved form of the world and its journal: what `serve --state-file` writes, how a journal's
 * records fold back into it, how it is pruned, and how a file is checked before it is used. Each
 * service's slice is folded, pruned and checked by its descriptor, so this module knows none.
 *
 * Format version 2 keeps every service's slice under `services`, DRS's included; a version 1
 * file (DRS accounts at the top, as `drs`) and version 1 journal records (`drs`, `drsAlso`) are
 * migrated when read.
 */
import type { CredentialStoreSnapshot } from './auth/credentials.js';
import type { FaultPlan } from './faults.js';
import type { Fleet } from './fleet/types.js';
import type { PruneLimits } from './registry.js';
import { SERVICES } from './services/index.js';

export type { PruneLimits } from './registry.js';

/** Format version of saved state files. */
export const STATE_VERSION = 2;

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
  /** Each service's slice, by signing name. */
  readonly services: Readonly<Record<string, unknown>>;
  readonly calls: readonly CallCount[];
}

/** Thrown when a saved state cannot be used. */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

/**
 * What one mutating call left behind, written to the journal before the call's answer leaves the
 * emulator: the called service's slice or its changes, the credential store when the call issued
 * a session, so replaying records in order is idempotent.
 */
export interface JournalRecord {
  readonly nowMs: number;
  /** Whole slices (a service whose state cannot say what changed). */
  readonly services?: Readonly<Record<string, unknown>>;
  readonly credentials?: CredentialStoreSnapshot;
  /** The fault plan, after a control call changed it. */
  readonly faults?: FaultPlan;
  /** Changes to a service's slice (its objects, its accounts), folded by {@link applyJournal}. */
  readonly serviceChanges?: Readonly<Record<string, unknown>>;
  /** Version 1 records: a DRS account the call changed (migrated as the DRS slice's changes). */
  readonly drs?: unknown;
  /** Version 1 records: other DRS accounts the call changed. */
  readonly drsAlso?: readonly unknown[];
}

/** Receives each journal record; must make it durable before returning (the call answers after). */
export type JournalSink = (record: JournalRecord) => void;

/** Operations that only read: every other operation of every service is journaled. */
const READ_ONLY = /^(Describe|Get|List|Head|Query|Scan|Batch(Get|Describe))/;

/** True when an operation can change the world (anything not named as a read). */
export function isMutatingOperation(operation: string): boolean {
  return !READ_ONLY.test(operation) || operation === 'GetSessionToken';
}

/** The service that kept its slice at the top of a version 1 file (`drs`), and the name of that field. */
const LEGACY_TOP_LEVEL = 'drs';

/** A version 1 journal record's DRS accounts, as the DRS slice's changes. */
function legacyChanges(r: JournalRecord): unknown[] {
  return [...(r.drs === undefined ? [] : [r.drs]), ...(r.drsAlso ?? [])];
}

/**
 * Folds journal records into a snapshot (pure): each record replaces the slices and credential
 * store it carries and folds the changes it carries through their service's descriptor; the clock
 * never goes backwards.
 */
export function applyJournal(snapshot: StateSnapshot, records: readonly JournalRecord[]): StateSnapshot {
  let services = { ...snapshot.services };
  let credentials = snapshot.credentials;
  let faults = snapshot.faults;
  let nowMs = snapshot.clock.nowMs;
  const fold = (name: string, changes: unknown) => {
    const apply = SERVICES.get(name)?.applyChanges;
    if (apply !== undefined) services = { ...services, [name]: apply(services[name], changes) };
  };
  for (const r of records) {
    const legacy = legacyChanges(r);
    if (legacy.length > 0) fold(LEGACY_TOP_LEVEL, legacy);
    if (r.services !== undefined) services = { ...services, ...r.services };
    for (const [name, changes] of Object.entries(r.serviceChanges ?? {})) fold(name, changes);
    if (r.credentials !== undefined) credentials = r.credentials;
    if (r.faults !== undefined) faults = r.faults;
    nowMs = Math.max(nowMs, r.nowMs);
  }
  return { ...snapshot, services, credentials, faults, clock: { ...snapshot.clock, nowMs } };
}

/** The defaults of {@link pruneSnapshot}. */
export const DEFAULT_PRUNE_LIMITS: PruneLimits = { objectsPerBucket: 10_000, finishedJobsPerAccount: 50 };

/**
 * Drops old history from a snapshot (pure): each service prunes its own slice by the limits
 * (old S3 objects beyond the newest per bucket, unreferenced finished DRS jobs beyond the newest
 * per account); everything an orchestration reads to decide is kept.
 */
export function pruneSnapshot(
  snapshot: StateSnapshot,
  limits: PruneLimits = DEFAULT_PRUNE_LIMITS,
): StateSnapshot {
  const services = { ...snapshot.services };
  for (const descriptor of SERVICES.descriptors) {
    if (descriptor.prune !== undefined && services[descriptor.name] !== undefined)
      services[descriptor.name] = descriptor.prune(services[descriptor.name], limits);
  }
  return { ...snapshot, services };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A version 1 snapshot as version 2: the DRS accounts it kept at the top become the DRS slice. */
function migrate(raw: Record<string, unknown>): Record<string, unknown> {
  if (raw.version !== 1) return raw;
  const { [LEGACY_TOP_LEVEL]: legacy, ...rest } = raw;
  const services = isObject(raw.services) ? raw.services : {};
  return {
    ...rest,
    version: STATE_VERSION,
    services: legacy === undefined ? services : { ...services, [LEGACY_TOP_LEVEL]: { accounts: legacy } },
  };
}

/**
 * Checks that a parsed state file has the shape this version writes (a version 1 file is
 * migrated first), and that it is whole: each service's descriptor checks its slice against the
 * fleet (every fleet account has its DRS state, every recovery instance a server points to
 * exists). Says what is wrong instead of failing later with a TypeError or silently dropping data.
 *
 * @throws {StateFileError} naming the first problem found.
 */
export function checkSnapshot(input: unknown): StateSnapshot {
  const bad = (what: string): never => {
    throw new StateFileError(what);
  };
  if (!isObject(input)) return bad('it is not a JSON object');
  const raw = migrate(input);
  if (raw.version !== STATE_VERSION) {
    return bad(
      `its format version is ${JSON.stringify(raw.version)}; this drs-orch reads versions 1 and ${STATE_VERSION}`,
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
  for (const descriptor of SERVICES.descriptors) {
    if (descriptor.checkSaved === undefined) continue;
    try {
      descriptor.checkSaved(raw.services[descriptor.name], fleet as unknown as Fleet);
    } catch (err) {
      return bad((err as Error).message);
    }
  }
  return raw as unknown as StateSnapshot;
}
