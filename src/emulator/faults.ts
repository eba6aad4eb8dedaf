/**
 * Seeded, deterministic fault injection. A fault plan is given at start and can be replaced while
 * running (in-process or through `/_emulator/faults`). Wire faults (throttling, 5xx bursts,
 * latency) are applied by the server before a request reaches its service; model faults (denied
 * AssumeRole, failing launches, stuck jobs, stalled replication) are consumed by the models.
 *
 * Determinism: a probabilistic decision depends only on the seed, the rule and how many calls
 * that rule has matched so far, never on wall time or on other rules.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import faultPlanSchema from '../../schemas/fault-plan.schema.json' with { type: 'json' };
import { uniformFor } from './random.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Selects calls: service is the SigV4 service name (`drs`, `sts`, ...). */
export interface FaultMatch {
  readonly service: string;
  /** Operation name, e.g. `DescribeJobs`; absent = every operation of the service. */
  readonly operation?: string;
  /** Calling account; absent = every account. */
  readonly accountId?: string;
}

/** Answer matching calls with the service's throttling error (DRS: 429 + `Retry-After`). */
export interface ThrottleFault extends FaultMatch {
  /** Chance in [0, 1] that a matching call is throttled. */
  readonly probability: number;
  /** Value of `Retry-After`. @default 1 */
  readonly retryAfterSeconds?: number;
}

/** Answer matching calls with a 5xx: every call with `probability`, or a burst of `count` calls. */
export interface ErrorFault extends FaultMatch {
  /** @default 500 */
  readonly status?: 500 | 502 | 503 | 504;
  /** Chance per matching call; used when `count` is absent. @default 1 */
  readonly probability?: number;
  /** Burst: skip this many matching calls first. @default 0 */
  readonly afterCalls?: number;
  /** Burst: then fail this many matching calls in a row. */
  readonly count?: number;
}

/** Delay matching calls by `ms` wall-clock milliseconds. */
export interface LatencyFault extends FaultMatch {
  readonly ms: number;
}

/** Replication of a server stalls from a virtual time on. */
export interface StallFault {
  readonly sourceServerID: string;
  /** ISO-8601 virtual time; absent = when the plan is applied. */
  readonly at?: string;
}

/**
 * The source site of some servers goes down at a virtual time (a disaster): their DRS agents stop
 * reporting, so replication is `STALLED` with `AGENT_NOT_SEEN`, lag grows and no new recovery
 * snapshots appear. A server is chosen when it matches every selector given (ids, tags, account);
 * at least one selector is required, so an empty rule never takes the whole estate down.
 */
export interface SiteOutage {
  /** ISO-8601 virtual time the site goes down; absent = when the plan (or fleet) is applied. */
  readonly at?: string;
  /** Only these source servers. */
  readonly sourceServerIDs?: readonly string[];
  /** Only servers carrying every one of these tags. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Only servers of this account. */
  readonly accountId?: string;
}

/** Why a server's replication is broken by a fault, and since when. */
export interface ReplicationFault {
  /** Virtual ms from which the server is STALLED. */
  readonly since: number;
  /** `dataReplicationError.error` (model enum `DataReplicationErrorString`). */
  readonly error: 'AGENT_NOT_SEEN' | 'UNSTABLE_NETWORK';
}

/** A complete fault plan. Every part is optional. */
export interface FaultPlan {
  /** Seed of the probabilistic decisions. @default 1 */
  readonly seed?: number;
  readonly throttle?: readonly ThrottleFault[];
  readonly errors?: readonly ErrorFault[];
  readonly latency?: readonly LatencyFault[];
  /** STS AssumeRole into these accounts answers AccessDenied. */
  readonly assumeRoleDenied?: readonly string[];
  /**
   * Staging accounts DRS in a target account can no longer read (the link is broken): their
   * extended source servers are EXTENSION_ERROR and fail to launch.
   */
  readonly stagingUnreachable?: readonly string[];
  /** These source servers fail to launch (LAUNCH_FAILED after conversion). */
  readonly launchFailures?: readonly string[];
  /** Jobs that include these source servers never finish (the servers stay IN_PROGRESS). */
  readonly stuckJobs?: readonly string[];
  /**
   * Replication of these servers stalls (state STALLED with UNSTABLE_NETWORK, lag growing, no new
   * snapshots; a launch uses the newest snapshot, as for a site outage).
   */
  readonly stalledReplication?: readonly StallFault[];
  /** Source sites that go down (STALLED with AGENT_NOT_SEEN). */
  readonly siteOutages?: readonly SiteOutage[];
  /**
   * Recovery instances (by instance id, or by the id of their source server) whose EC2 instance
   * status check stays `impaired` after it initializes.
   */
  readonly impairedInstances?: readonly string[];
  /** Post-launch action runs that end FAILED (every action of the server, or the one named). */
  readonly launchActionFailures?: readonly LaunchActionFault[];
  /** Runbook step targets that fail: a document, a function, a hosted zone, a health check. */
  readonly stepFailures?: readonly StepFault[];
}

/** What a runbook step acts on, made to fail. */
export interface StepFault {
  readonly target: 'ssm-command' | 'ssm-automation' | 'lambda' | 'hosted-zone' | 'health-check';
  /** The document name, function name, hosted zone id or health check id. */
  readonly name: string;
  /** ssm-command: only this instance fails. */
  readonly instanceId?: string;
  readonly reason?: string;
}

/** A post-launch action run that fails. */
export interface LaunchActionFault {
  readonly sourceServerID: string;
  /** Only this action (its PutLaunchAction `actionId`); absent = every action of the server. */
  readonly actionId?: string;
  /** The run's `failureReason`. @default 'SSM document execution failed (emulated fault)' */
  readonly reason?: string;
}

/** The failureReason of a failed run when the plan names none. */
export const DEFAULT_LAUNCH_ACTION_FAILURE = 'SSM document execution failed (emulated fault)';

/** What the server must do with one call. */
export type WireFault =
  | { readonly kind: 'throttle'; readonly retryAfterSeconds: number }
  | { readonly kind: 'error'; readonly status: 500 | 502 | 503 | 504 };

/** Thrown when a fault plan is malformed; the plan in force stays. */
export class FaultPlanError extends Error {
  override readonly name = 'FaultPlanError';
  /** Every problem found, each naming the field, the bad value and what is expected. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      `fault plan is invalid: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
    );
    this.problems = problems;
  }
}

function matches(rule: FaultMatch, service: string, operation: string, accountId: string): boolean {
  return (
    rule.service === service &&
    (rule.operation === undefined || rule.operation === operation) &&
    (rule.accountId === undefined || rule.accountId === accountId)
  );
}

let validator: ValidateFunction | undefined;

/** `/errors/0/status` -> `errors[0].status`. */
function fieldOf(path: string, member?: string): string {
  const parts = [...path.split('/').filter((p) => p !== ''), ...(member === undefined ? [] : [member])];
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out === '' ? p : `${out}.${p}`), '');
}

/** One schema error as a sentence naming the field, the bad value and what is expected. */
function describeProblem(e: ErrorObject): string {
  const field = fieldOf(e.instancePath) || 'fault plan';
  const value = JSON.stringify(e.data) ?? 'undefined';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((e.parentSchema?.properties as object | undefined) ?? {});
      return `${fieldOf(e.instancePath, String(params.additionalProperty))} is not a fault plan member; expected one of ${known.join(', ')}`;
    }
    case 'required':
      return `${fieldOf(e.instancePath, String(params.missingProperty))} is missing`;
    case 'anyOf':
      return `${field} ${String(e.parentSchema?.['x-anyOf-message'] ?? e.message)}`;
    case 'enum':
      return `${field} ${value} is invalid; expected one of ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'format':
      return `${field} ${value} is not an ISO-8601 time with a zone (e.g. 2025-01-06T09:00:00Z)`;
    case 'pattern':
      return `${field} ${value} is invalid; expected ${e.parentSchema?.description ?? `a value matching ${String(params.pattern)}`}`;
    case 'type': {
      const type = String(params.type);
      const noun = { array: 'a list', object: 'an object', integer: 'an integer' }[type] ?? `a ${type}`;
      return `${field} ${value} is invalid; expected ${noun}`;
    }
    case 'minimum':
    case 'maximum':
      return `${field} ${value} is invalid; expected at ${e.keyword === 'minimum' ? 'least' : 'most'} ${String(params.limit)}`;
    case 'minItems':
    case 'minProperties':
      return `${field} ${value} is invalid; expected at least ${String(params.limit)} ${e.keyword === 'minItems' ? 'item' : 'member'}`;
    default:
      return `${field} ${value} is invalid; expected a value that ${e.message ?? 'fits the schema'}`;
  }
}

/**
 * Every problem of a fault plan (empty when it is valid): the schema
 * (schemas/fault-plan.schema.json) and the rules a schema cannot say.
 */
export function faultPlanProblems(plan: unknown): string[] {
  if (validator === undefined) {
    const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
    addFormats(ajv);
    validator = ajv.compile(faultPlanSchema);
  }
  if (typeof plan !== 'object' || plan === null || Array.isArray(plan)) {
    return [`fault plan ${JSON.stringify(plan) ?? 'undefined'} is invalid; expected a JSON object`];
  }
  const problems: string[] = [];
  if (!validator(plan)) {
    const errors = validator.errors ?? [];
    // An anyOf answers once for itself: drop the `required` errors of its branches.
    const anyOf = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
    for (const e of errors) {
      if (e.keyword === 'required' && anyOf.has(e.instancePath) && e.schemaPath.includes('/anyOf/')) continue;
      problems.push(describeProblem(e));
    }
  }
  const errors = (plan as FaultPlan).errors;
  if (Array.isArray(errors)) {
    errors.forEach((r, i) => {
      if (typeof r !== 'object' || r === null) return;
      if (r.afterCalls !== undefined && r.count === undefined)
        problems.push(
          `errors[${i}].afterCalls needs count; a burst is afterCalls good calls then count failures`,
        );
      if (r.probability !== undefined && r.count !== undefined)
        problems.push(
          `errors[${i}] gives both probability and count; expected one: a chance per call or a burst`,
        );
    });
  }
  return [...new Set(problems)];
}

function checkPlan(plan: FaultPlan): void {
  const problems = faultPlanProblems(plan);
  if (problems.length > 0) throw new FaultPlanError(problems);
}

/**
 * Checks site outage rules (fault plan or fleet) by the fault plan's own rules.
 * @throws FaultPlanError naming the rule and the field
 */
export function checkOutages(outages: readonly SiteOutage[] | undefined, where: string): void {
  if (outages === undefined) return;
  const problems = faultPlanProblems({ siteOutages: outages }).map((p) => p.replace(/^siteOutages/, where));
  if (problems.length > 0) throw new FaultPlanError(problems);
}

/** An outage rule with its time resolved. */
interface ResolvedOutage {
  readonly since: number;
  readonly ids?: ReadonlySet<string>;
  readonly tags?: readonly (readonly [string, string])[];
  readonly accountId?: string;
}

function resolveOutages(outages: readonly SiteOutage[] | undefined, now: number): ResolvedOutage[] {
  return (outages ?? []).map((o) => ({
    since: o.at === undefined ? now : Date.parse(o.at),
    ...(o.sourceServerIDs ? { ids: new Set(o.sourceServerIDs) } : {}),
    ...(o.tags ? { tags: Object.entries(o.tags) } : {}),
    ...(o.accountId ? { accountId: o.accountId } : {}),
  }));
}

function outageSince(
  rules: readonly ResolvedOutage[],
  accountId: string,
  sourceServerID: string,
  tags: Readonly<Record<string, string>>,
): number | undefined {
  let since: number | undefined;
  for (const r of rules) {
    if (r.accountId !== undefined && r.accountId !== accountId) continue;
    if (r.ids && !r.ids.has(sourceServerID)) continue;
    if (r.tags && !r.tags.every(([k, v]) => tags[k] === v)) continue;
    since = since === undefined ? r.since : Math.min(since, r.since);
  }
  return since;
}

/** The live fault plan with its per-rule call counters. */
export class FaultEngine {
  #plan: FaultPlan = {};
  #throttleCounts: number[] = [];
  #errorCounts: number[] = [];
  #stalls = new Map<string, number>();
  #launchFailures = new Set<string>();
  #stuck = new Set<string>();
  #denied = new Set<string>();
  #unreachable = new Set<string>();
  #outages: ResolvedOutage[] = [];
  /** The fleet's own outages: part of the world, so a new fault plan does not lift them. */
  readonly #fleetOutages: readonly ResolvedOutage[];
  #generation = 0;
  readonly #now: () => number;

  /**
   * @param plan initial plan
   * @param now virtual clock (ms), to pin stalls that have no explicit time
   * @param fleetOutages the fleet's `siteOutages` (absent `at` = the clock at construction)
   */
  constructor(plan: FaultPlan = {}, now: () => number = Date.now, fleetOutages?: readonly SiteOutage[]) {
    this.#now = now;
    checkOutages(fleetOutages, 'fleet siteOutages');
    this.#fleetOutages = resolveOutages(fleetOutages, now());
    this.set(plan);
  }

  /** Replaces the plan; counters restart so a new plan replays identically. */
  set(plan: FaultPlan): void {
    checkPlan(plan);
    this.#generation++;
    this.#plan = structuredClone(plan);
    this.#throttleCounts = (plan.throttle ?? []).map(() => 0);
    this.#errorCounts = (plan.errors ?? []).map(() => 0);
    this.#launchFailures = new Set(plan.launchFailures ?? []);
    this.#stuck = new Set(plan.stuckJobs ?? []);
    this.#denied = new Set(plan.assumeRoleDenied ?? []);
    this.#unreachable = new Set(plan.stagingUnreachable ?? []);
    const now = this.#now();
    const stalls = new Map<string, number>();
    for (const s of plan.stalledReplication ?? []) {
      stalls.set(
        s.sourceServerID,
        s.at === undefined ? (this.#stalls.get(s.sourceServerID) ?? now) : Date.parse(s.at),
      );
    }
    this.#stalls = stalls;
    // `plan` reports resolved times, so setting the plan read back keeps every outage's time.
    this.#outages = resolveOutages(plan.siteOutages, now);
  }

  /** Bumped by every `set`, so caches of derived state know the plan changed. */
  get generation(): number {
    return this.#generation;
  }

  /** The current plan (stall and outage times resolved). */
  get plan(): FaultPlan {
    return {
      ...this.#plan,
      ...(this.#plan.siteOutages
        ? {
            siteOutages: this.#plan.siteOutages.map((o, i) => ({
              ...o,
              at: new Date(this.#outages[i]?.since ?? this.#now()).toISOString(),
            })),
          }
        : {}),
      ...(this.#plan.stalledReplication
        ? {
            stalledReplication: [...this.#stalls].map(([sourceServerID, ms]) => ({
              sourceServerID,
              at: new Date(ms).toISOString(),
            })),
          }
        : {}),
    };
  }

  /** Decides the wire fault for one call (and counts it). Throttling is checked before errors. */
  decide(service: string, operation: string, accountId: string): WireFault | undefined {
    const seed = this.#plan.seed ?? 1;
    const throttles = this.#plan.throttle ?? [];
    for (let i = 0; i < throttles.length; i++) {
      const r = throttles[i];
      if (!r || !matches(r, service, operation, accountId)) continue;
      const n = (this.#throttleCounts[i] ?? 0) + 1;
      this.#throttleCounts[i] = n;
      if (uniformFor(`${seed}/t/${i}/${n}`) < r.probability) {
        return { kind: 'throttle', retryAfterSeconds: r.retryAfterSeconds ?? 1 };
      }
    }
    const errors = this.#plan.errors ?? [];
    for (let i = 0; i < errors.length; i++) {
      const r = errors[i];
      if (!r || !matches(r, service, operation, accountId)) continue;
      const n = (this.#errorCounts[i] ?? 0) + 1;
      this.#errorCounts[i] = n;
      const hit =
        r.count !== undefined
          ? n > (r.afterCalls ?? 0) && n <= (r.afterCalls ?? 0) + r.count
          : uniformFor(`${seed}/e/${i}/${n}`) < (r.probability ?? 1);
      if (hit) return { kind: 'error', status: r.status ?? 500 };
    }
    return undefined;
  }

  /** Extra wall-clock latency for one call (sum of matching rules). */
  latencyMs(service: string, operation: string, accountId: string): number {
    let ms = 0;
    for (const r of this.#plan.latency ?? []) if (matches(r, service, operation, accountId)) ms += r.ms;
    return ms;
  }

  /** Whether STS must refuse AssumeRole into `accountId`. */
  isAssumeRoleDenied(accountId: string): boolean {
    return this.#denied.has(accountId);
  }

  /** Whether DRS in a target account can no longer read this staging account (fault `stagingUnreachable`). */
  isStagingUnreachable(accountId: string): boolean {
    return this.#unreachable.has(accountId);
  }

  /** Whether launches of this server fail. */
  isLaunchFailure(sourceServerID: string): boolean {
    return this.#launchFailures.has(sourceServerID);
  }

  /** Whether the recovery instance (or any instance of this source server) stays impaired. */
  isImpaired(instanceId: string, sourceServerID: string): boolean {
    const list = this.#plan.impairedInstances;
    return list !== undefined && (list.includes(instanceId) || list.includes(sourceServerID));
  }

  /**
   * Why a runbook step's target fails (the plan's reason, or a default), or undefined when it works.
   * @param instanceId for ssm-command: the instance the invocation runs on
   */
  stepFailure(target: StepFault['target'], name: string, instanceId?: string): string | undefined {
    const rule = this.#plan.stepFailures?.find(
      (f) =>
        f.target === target &&
        f.name === name &&
        (f.instanceId === undefined || instanceId === undefined || f.instanceId === instanceId),
    );
    return rule === undefined ? undefined : (rule.reason ?? `${target} ${name} failed (emulated fault)`);
  }

  /** The failureReason a post-launch action run ends with, or undefined when it succeeds. */
  launchActionFailure(sourceServerID: string, actionId: string): string | undefined {
    const rule = this.#plan.launchActionFailures?.find(
      (f) => f.sourceServerID === sourceServerID && (f.actionId === undefined || f.actionId === actionId),
    );
    return rule === undefined ? undefined : (rule.reason ?? DEFAULT_LAUNCH_ACTION_FAILURE);
  }

  /** Whether jobs with this server never finish. */
  isStuck(sourceServerID: string): boolean {
    return this.#stuck.has(sourceServerID);
  }

  /** Virtual time from which this server's replication is stalled, if it is. */
  stalledSince(sourceServerID: string): number | undefined {
    return this.#stalls.get(sourceServerID);
  }

  /**
   * The fault that breaks this server's replication, if any: the earliest of a site outage (fleet
   * or plan; `AGENT_NOT_SEEN`) and a stall (`UNSTABLE_NETWORK`). It may lie in the future.
   */
  replicationFault(
    accountId: string,
    sourceServerID: string,
    tags: Readonly<Record<string, string>>,
  ): ReplicationFault | undefined {
    const fleet = outageSince(this.#fleetOutages, accountId, sourceServerID, tags);
    const planned = outageSince(this.#outages, accountId, sourceServerID, tags);
    const outage = fleet === undefined ? planned : planned === undefined ? fleet : Math.min(fleet, planned);
    const stall = this.#stalls.get(sourceServerID);
    if (outage !== undefined && (stall === undefined || outage <= stall))
      return { since: outage, error: 'AGENT_NOT_SEEN' };
    return stall === undefined ? undefined : { since: stall, error: 'UNSTABLE_NETWORK' };
  }
}
