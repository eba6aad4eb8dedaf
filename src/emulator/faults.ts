/**
 * Seeded, deterministic fault injection. A fault plan is given at start and can be replaced while
 * running (in-process or through `/_emulator/faults`). Wire faults (throttling, 5xx bursts,
 * latency) are applied by the server before a request reaches its service; model faults (denied
 * AssumeRole, failing launches, stuck jobs, stalled replication) are consumed by the models.
 *
 * Determinism: a probabilistic decision depends only on the seed, the rule and how many calls
 * that rule has matched so far, never on wall time or on other rules.
 */
import { uniformFor } from './random.js';

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

/** A complete fault plan. Every part is optional. */
export interface FaultPlan {
  /** Seed of the probabilistic decisions. @default 1 */
  readonly seed?: number;
  readonly throttle?: readonly ThrottleFault[];
  readonly errors?: readonly ErrorFault[];
  readonly latency?: readonly LatencyFault[];
  /** STS AssumeRole into these accounts answers AccessDenied. */
  readonly assumeRoleDenied?: readonly string[];
  /** These source servers fail to launch (LAUNCH_FAILED after conversion). */
  readonly launchFailures?: readonly string[];
  /** Jobs that include these source servers never finish (the servers stay IN_PROGRESS). */
  readonly stuckJobs?: readonly string[];
  /** Replication of these servers stalls (state STALLED, lag growing; launches fail). */
  readonly stalledReplication?: readonly StallFault[];
}

/** What the server must do with one call. */
export type WireFault =
  | { readonly kind: 'throttle'; readonly retryAfterSeconds: number }
  | { readonly kind: 'error'; readonly status: 500 | 502 | 503 | 504 };

/** Thrown when a fault plan is malformed. */
export class FaultPlanError extends Error {
  override readonly name = 'FaultPlanError';
}

function matches(rule: FaultMatch, service: string, operation: string, accountId: string): boolean {
  return (
    rule.service === service &&
    (rule.operation === undefined || rule.operation === operation) &&
    (rule.accountId === undefined || rule.accountId === accountId)
  );
}

function checkPlan(plan: FaultPlan): void {
  const probability = (p: number | undefined, where: string): void => {
    if (p !== undefined && (typeof p !== 'number' || !(p >= 0 && p <= 1))) {
      throw new FaultPlanError(`${where}.probability ${String(p)} is invalid; expected a number in [0, 1]`);
    }
  };
  const rule = (r: FaultMatch, where: string): void => {
    if (typeof r !== 'object' || r === null || typeof r.service !== 'string' || r.service === '') {
      throw new FaultPlanError(`${where}.service is missing; expected a SigV4 service name such as 'drs'`);
    }
  };
  plan.throttle?.forEach((r, i) => {
    rule(r, `throttle[${i}]`);
    probability(r.probability, `throttle[${i}]`);
  });
  plan.errors?.forEach((r, i) => {
    rule(r, `errors[${i}]`);
    probability(r.probability, `errors[${i}]`);
    if (r.status !== undefined && ![500, 502, 503, 504].includes(r.status)) {
      throw new FaultPlanError(
        `errors[${i}].status ${String(r.status)} is invalid; expected 500, 502, 503 or 504`,
      );
    }
  });
  plan.latency?.forEach((r, i) => {
    rule(r, `latency[${i}]`);
    if (typeof r.ms !== 'number' || r.ms < 0 || r.ms > 60_000) {
      throw new FaultPlanError(`latency[${i}].ms ${String(r.ms)} is invalid; expected 0..60000`);
    }
  });
  for (const s of plan.stalledReplication ?? []) {
    if (s.at !== undefined && Number.isNaN(Date.parse(s.at))) {
      throw new FaultPlanError(`stalledReplication at '${s.at}' is not an ISO-8601 time`);
    }
  }
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
  #generation = 0;
  readonly #now: () => number;

  /**
   * @param plan initial plan
   * @param now virtual clock (ms), to pin stalls that have no explicit time
   */
  constructor(plan: FaultPlan = {}, now: () => number = Date.now) {
    this.#now = now;
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
    const now = this.#now();
    const stalls = new Map<string, number>();
    for (const s of plan.stalledReplication ?? []) {
      stalls.set(
        s.sourceServerID,
        s.at === undefined ? (this.#stalls.get(s.sourceServerID) ?? now) : Date.parse(s.at),
      );
    }
    this.#stalls = stalls;
  }

  /** Bumped by every `set`, so caches of derived state know the plan changed. */
  get generation(): number {
    return this.#generation;
  }

  /** The current plan (stall times resolved). */
  get plan(): FaultPlan {
    return {
      ...this.#plan,
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

  /** Whether launches of this server fail. */
  isLaunchFailure(sourceServerID: string): boolean {
    return this.#launchFailures.has(sourceServerID);
  }

  /** Whether jobs with this server never finish. */
  isStuck(sourceServerID: string): boolean {
    return this.#stuck.has(sourceServerID);
  }

  /** Virtual time from which this server's replication is stalled, if it is. */
  stalledSince(sourceServerID: string): number | undefined {
    return this.#stalls.get(sourceServerID);
  }
}
