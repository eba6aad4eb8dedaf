/**
 * plan: the dry run of an orchestration. Calls the same task functions the state machines call
 * (validate, discover, partition) and, per account, the eligibility decisions of the acting tasks
 * (eligibility.ts), and nothing that changes DRS; returns what a run would do. The CLI renders it
 * (`drs-orch plan`, `plan --runbook`); it is no workflow of its own.
 */

import type { OrchestrationRequest } from '../contract/index.js';
import { estimateLaunch, POLL_INTERVAL_SECONDS } from '../core/launch-times.js';
import type { AccountIssue, AccountWork, DiscoveryResult, ExecutionRef } from '../core/model.js';
import { planLaunch } from '../core/partition.js';
import { formatTags, noMatchHint } from '../core/tags.js';
import { accountWorkOf } from './account-servers.js';
import type { TaskDeps } from './deps.js';
import { discover } from './discover.js';
import { eligibilityOf } from './eligibility.js';
import { partition } from './partition.js';
import { validate } from './validate.js';

/** One staging account in a plan. */
export interface PlannedAccount {
  readonly accountId: string;
  readonly region: string;
  /** Matching source servers in this account. */
  readonly servers: number;
  /** Of those, the servers the action would act on (by the tasks' own eligibility decisions). */
  readonly ready: number;
  /** Servers that would be waited for (`ServerNotReady`), with their replication state. */
  readonly notReady: readonly {
    readonly sourceServerId: string;
    readonly replicationState?: string;
    /** Why the action would not act on it (the message the run would record). */
    readonly reason?: string;
  }[];
  /** Launch batches in order: sizes of the StartRecovery calls the executor would make. */
  readonly batches: readonly number[];
  readonly batchSize?: number;
  readonly maxInFlight?: number;
  readonly maxConcurrentJobs?: number;
  readonly quotaSource?: string;
  /** Launch rounds: times the in-flight capacity is filled (ceil(ready / maxInFlight)). */
  readonly rounds?: number;
  /** DRS jobs the launch would start. */
  readonly jobs?: number;
  /** Estimated minutes from the first launch until the last is seen complete (typical launch times). */
  readonly estimatedMinutes?: number;
  /** The same estimate at `parallelism: "max"`, to show what the chosen parallelism costs. */
  readonly estimatedMinutesAtMax?: number;
}

/** The dry run's result: what a run would do, computed with zero mutating calls. */
export interface PlanReport {
  readonly action: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly totalServers: number;
  readonly accounts: readonly PlannedAccount[];
  /** What would go wrong though nothing is invalid (an estimate beyond `maxWaitMinutes`). */
  readonly warnings?: readonly string[];
  /** Accounts that could not be scanned or would be rejected, with why. */
  readonly issues: readonly {
    readonly accountId: string;
    readonly errorCode: string;
    readonly errorMessage: string;
  }[];
}

/** plan's event: the orchestration input (unvalidated) and the execution it would run as. */
export interface PlanEvent {
  input: unknown;
  execution: ExecutionRef;
}

/**
 * A step of the plan, as it happens (for progress): the main machine's states it mirrors
 * (`ValidateInput`, `DiscoverServers`, `PartitionByAccount`), then per account `Eligibility` and
 * `AccountPlanned`.
 */
export interface PlanStep {
  readonly step:
    | 'ValidateInput'
    | 'DiscoverServers'
    | 'PartitionByAccount'
    | 'Eligibility'
    | 'AccountPlanned';
  /** The staging account of a per-account step. */
  readonly accountId?: string;
}

/** Receives the plan's steps. */
export type PlanStepListener = (step: PlanStep) => void;

/** One account: the action's eligibility decisions and launch estimate, read without changing anything. */
async function planAccount(
  deps: TaskDeps,
  request: OrchestrationRequest,
  account: AccountWork,
  onStep: PlanStepListener,
): Promise<PlannedAccount> {
  onStep({ step: 'Eligibility', accountId: account.accountId });
  // The same decisions the run's tasks make (eligibility.ts), with read-only calls.
  const options = request.options as {
    isDrill?: boolean;
    maxDataLossMinutes?: number;
    terminateNonDrill?: boolean;
    olderThanMinutes?: number;
  };
  const decisions = await eligibilityOf(
    String(request.action),
    deps.aws.account(account).drs,
    account.serverIds,
    {
      isDrill: options.isDrill === true,
      maxDataLossMinutes: options.maxDataLossMinutes,
      terminateNonDrill: options.terminateNonDrill === true,
      olderThanMinutes: options.olderThanMinutes,
      origins: account.origins,
    },
    deps.now().getTime(),
  );
  const ready = decisions.filter((d) => d.eligible);
  const notReady = decisions
    .filter((d) => !d.eligible)
    .map((d) => ({
      sourceServerId: d.sourceServerId,
      ...(d.replicationState !== undefined && { replicationState: d.replicationState }),
      ...(d.reason !== undefined && { reason: d.reason }),
    }));
  const plan = account.plan;
  onStep({ step: 'AccountPlanned', accountId: account.accountId });
  // The eligible servers are expected to launch (those waiting once replication catches up).
  const estimate =
    plan && LAUNCH_ACTIONS.has(String(request.action))
      ? estimateLaunch(ready.length, plan, POLL_INTERVAL_SECONDS)
      : undefined;
  const atMax =
    plan && estimate
      ? estimateLaunch(ready.length, planLaunch('max', plan.quotas), POLL_INTERVAL_SECONDS)
      : undefined;
  return {
    accountId: account.accountId,
    region: account.region,
    servers: account.serverIds.length,
    ready: ready.length,
    notReady,
    batches: estimate ? [...estimate.batches] : [],
    ...(plan && {
      batchSize: plan.batchSize,
      maxInFlight: plan.maxInFlight,
      maxConcurrentJobs: plan.maxConcurrentJobs,
      quotaSource: plan.quotas.source,
    }),
    ...(estimate &&
      atMax && {
        rounds: estimate.rounds,
        jobs: estimate.jobs,
        estimatedMinutes: Math.ceil(estimate.minutes),
        estimatedMinutesAtMax: Math.ceil(atMax.minutes),
      }),
  };
}

const LAUNCH_ACTIONS = new Set(['failover', 'drill']);

/**
 * A warning per account whose estimated launch time exceeds `maxWaitMinutes` (servers still
 * launching then are reported as `timeout`), saying what would fit.
 */
export function durationWarnings(
  accounts: readonly PlannedAccount[],
  options: { maxWaitMinutes: number; parallelism: number | 'max' },
): string[] {
  const out: string[] = [];
  for (const a of accounts) {
    if (a.estimatedMinutes === undefined || a.estimatedMinutes <= options.maxWaitMinutes) continue;
    const fix =
      options.parallelism !== 'max' &&
      a.estimatedMinutesAtMax !== undefined &&
      a.estimatedMinutesAtMax < a.estimatedMinutes
        ? `use --parallelism max (about ${a.estimatedMinutesAtMax} min) or raise --max-wait`
        : 'raise --max-wait';
    out.push(
      `account ${a.accountId}: launching ${a.servers} servers at parallelism ${options.parallelism} takes about ${a.estimatedMinutes} min (${a.rounds} round(s), ${a.jobs} job(s)), more than maxWaitMinutes ${options.maxWaitMinutes}: servers still launching then end as timeout; ${fix}`,
    );
  }
  return out;
}

/**
 * What a plan must say about the matched count: tags that match nothing (with the tag keys that
 * exist), and a count other than `expectedServers` (the run would fail before anything starts).
 */
function scopeWarnings(
  tags: Readonly<Record<string, string>>,
  found: DiscoveryResult,
  expectedServers: number | undefined,
): string[] {
  const out: string[] = [];
  if (expectedServers !== undefined && found.totalServers !== expectedServers) {
    out.push(
      `expectedServers is ${expectedServers} but the tags match ${found.totalServers}: the run would fail with ServerCountMismatch before anything starts`,
    );
  }
  const reachable = found.scannedAccounts - found.deniedAccounts.length;
  if (found.totalServers === 0 && reachable > 0) {
    out.push(
      `no source server matched ${formatTags(tags)} in ${found.scannedAccounts} staging account(s)${noMatchHint(tags, found.tagKeys ?? [])}`,
    );
  }
  return out;
}

/**
 * Computes what a run of `event.input` would do, with zero mutating calls.
 *
 * @throws {ValidationError} when the input is invalid (the validate task's own check).
 */
export async function plan(
  event: PlanEvent,
  deps: TaskDeps,
  onStep: PlanStepListener = () => {},
): Promise<PlanReport> {
  const { execution } = event;
  onStep({ step: 'ValidateInput' });
  const { request } = await validate({ input: event.input, execution }, deps);
  onStep({ step: 'DiscoverServers' });
  // The run's discover refuses a count other than expectedServers; the plan shows what matched and
  // says that the run would fail, rather than fail itself.
  const { expectedServers, ...unscoped } = request.options as { expectedServers?: number };
  const found = await discover(
    { request: { ...request, options: unscoped } as OrchestrationRequest, execution },
    deps,
  );
  let work = found;
  if (found.totalServers > 0) {
    onStep({ step: 'PartitionByAccount' });
    work = await partition({ request, execution, work: found }, deps);
  }
  // The ids discover stored in the results bucket (the main machine never carries them).
  const accounts = await Promise.all(
    work.accounts.map(async (item) => planAccount(deps, request, await accountWorkOf(item, deps), onStep)),
  );
  const issues: AccountIssue[] = [...work.deniedAccounts, ...(work.rejectedAccounts ?? [])];
  const options = request.options as { maxWaitMinutes: number; parallelism: number | 'max' };
  const warnings = [
    ...scopeWarnings(request.tags, found, expectedServers),
    ...durationWarnings(accounts, options),
  ];
  return {
    action: String(request.action),
    tags: request.tags,
    totalServers: work.totalServers,
    accounts,
    ...(warnings.length > 0 && { warnings }),
    issues: issues.map((i) => ({
      accountId: i.accountId,
      errorCode: i.errorCode,
      errorMessage: i.errorMessage,
    })),
  };
}
