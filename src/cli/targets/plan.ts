/**
 * `drs-orch plan`: the dry run. Calls the same task functions the state machines call — validate,
 * discover, partition, and per account the eligibility decisions of the acting tasks
 * (src/tasks/eligibility.ts) — and nothing that changes DRS.
 */

import { estimateLaunch, POLL_INTERVAL_SECONDS } from '../../core/launch-times.js';
import type { AccountIssue, AccountWork, DiscoveryResult } from '../../core/model.js';
import { planLaunch } from '../../core/partition.js';
import { formatTags, noMatchHint } from '../../core/tags.js';
import type { RuntimeEnv, TaskRegistry } from '../../runtime/types.js';
import type { TaskDeps } from '../../tasks/deps.js';
import type { PlannedAccount, PlanReport, ProgressListener } from '../session.js';

type LooseTask = (event: unknown, deps: unknown) => unknown;

/** The task registry of `src/tasks` (loaded on first use, like the runtime does). */
async function loadTasks(): Promise<Record<string, LooseTask>> {
  const mod = (await import('../../tasks/index.js')) as Record<string, unknown>;
  const found = mod.tasks ?? mod.taskRegistry;
  if (found === null || typeof found !== 'object')
    throw new Error('src/tasks/index.ts exports no task registry');
  return found as Record<string, LooseTask>;
}

function task(registry: Record<string, LooseTask>, id: string): LooseTask {
  const fn = registry[id];
  if (typeof fn !== 'function') throw new Error(`the task registry has no ${id} task`);
  return fn;
}

/** One account: the action's eligibility decisions and launch estimate, read without changing anything. */
async function planAccount(
  env: RuntimeEnv,
  request: Record<string, unknown>,
  account: AccountWork,
  onEvent: ProgressListener,
): Promise<PlannedAccount> {
  onEvent({ type: 'StateEntered', machine: 'executor', accountId: account.accountId, state: 'Eligibility' });
  const deps = env.taskDeps({
    machine: 'executor',
    account: { accountId: account.accountId, region: account.region, roleArn: account.roleArn },
    progress: () => {},
  }) as TaskDeps;
  // The same decisions the run's tasks make (src/tasks/eligibility.ts), with read-only calls.
  const { eligibilityOf } = await import('../../tasks/eligibility.js');
  const options = (request.options ?? {}) as {
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
    env.now().getTime(),
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
  onEvent({ type: 'ExecutionSucceeded', machine: 'executor', accountId: account.accountId });
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
 * Computes what a run of `input` would do, with zero mutating calls.
 *
 * @throws {ValidationError} when the input is invalid (the validate task's own check).
 */
export async function planOrchestration(
  input: Record<string, unknown>,
  env: RuntimeEnv,
  onEvent: ProgressListener,
): Promise<PlanReport> {
  const registry =
    (env.tasks as TaskRegistry | undefined as Record<string, LooseTask> | undefined) ?? (await loadTasks());
  const name = `drs-orch-plan-${env.now().getTime()}`;
  const execution = {
    id: `arn:${env.partition ?? 'aws'}:states:${env.region}:${env.accountId}:execution:drs-orchestration-main:${name}`,
    name,
    startTime: env.now().toISOString(),
  };
  const deps = env.taskDeps({ machine: 'main', progress: () => {} });

  onEvent({ type: 'StateEntered', machine: 'main', state: 'ValidateInput' });
  const { request } = (await task(registry, 'validate')({ input, execution }, deps)) as {
    request: Record<string, unknown> & { tags: Record<string, string>; action: string };
  };
  onEvent({ type: 'StateEntered', machine: 'main', state: 'DiscoverServers' });
  // The run's discover refuses a count other than expectedServers; the plan shows what matched and
  // says that the run would fail, rather than fail itself.
  const { expectedServers, ...unscoped } = (request.options ?? {}) as { expectedServers?: number };
  const found = (await task(registry, 'discover')(
    { request: { ...request, options: unscoped }, execution },
    deps,
  )) as DiscoveryResult;
  let work = found;
  if (found.totalServers > 0) {
    onEvent({ type: 'StateEntered', machine: 'main', state: 'PartitionByAccount' });
    work = (await task(registry, 'partition')({ request, execution, work: found }, deps)) as DiscoveryResult;
  }
  // The ids discover stored in the results bucket (the main machine never carries them).
  const { accountWorkOf } = await import('../../tasks/account-servers.js');
  const accounts = await Promise.all(
    work.accounts.map(async (item) =>
      planAccount(env, request, await accountWorkOf(item, deps as TaskDeps), onEvent),
    ),
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
