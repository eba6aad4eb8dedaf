/**
 * partition: per-account capacity check and launch plan under parallelism and DRS quotas.
 */
import { ErrorNames } from '../contract/index.js';
import type { AccountIssue, AccountWork, DiscoveryResult, LaunchQuotas } from '../core/model.js';
import { DEFAULT_LAUNCH_QUOTAS, DRS_QUOTA_CODES, parallelismProblem, planLaunch } from '../core/partition.js';
import type { TaskDeps } from './deps.js';
import type { PartitionEvent } from './types.js';

/** `maxServers` when the configuration gives none (DRS replicates at most 300 per account). */
export const DEFAULT_MAX_SERVERS = 300;

const LAUNCH_ACTIONS = new Set(['failover', 'drill']);

/**
 * Reads the three DRS launch quotas of an account. A quota that cannot be read (denied, throttled
 * out, absent) takes its conservative default, and the result says so in `source`.
 */
export async function readLaunchQuotas(deps: TaskDeps, account: AccountWork): Promise<LaunchQuotas> {
  const quotas = deps.aws.account(account).quotas;
  let source: LaunchQuotas['source'] = 'service-quotas';
  const read = async (code: string, fallback: number): Promise<number> => {
    try {
      const value = await quotas.getServiceQuota({ serviceCode: 'drs', quotaCode: code });
      if (value !== undefined && value >= 1) return Math.floor(value);
    } catch (err) {
      deps.log?.warn('service quota not readable, using the default', {
        accountId: account.accountId,
        quotaCode: code,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    source = 'default';
    return fallback;
  };
  const [perJob, allJobs, concurrentJobs] = await Promise.all([
    read(DRS_QUOTA_CODES.perJob, DEFAULT_LAUNCH_QUOTAS.perJob),
    read(DRS_QUOTA_CODES.allJobs, DEFAULT_LAUNCH_QUOTAS.allJobs),
    read(DRS_QUOTA_CODES.concurrentJobs, DEFAULT_LAUNCH_QUOTAS.concurrentJobs),
  ]);
  return { perJob, allJobs, concurrentJobs, source };
}

/**
 * Rejects accounts over their `maxServers`, and (failover and drill) accounts whose all-jobs quota
 * is below a numeric `parallelism`; gives each remaining account its launch plan (quotas are read
 * from Service Quotas for failover and drill only).
 */
export async function partition(event: PartitionEvent, deps: TaskDeps): Promise<DiscoveryResult> {
  const { request, work } = event;
  const rejectedAccounts: AccountIssue[] = [...(work.rejectedAccounts ?? [])];
  const kept: AccountWork[] = [];
  for (const account of work.accounts) {
    const maxServers = account.maxServers ?? DEFAULT_MAX_SERVERS;
    if (account.serverIds.length > maxServers) {
      rejectedAccounts.push({
        accountId: account.accountId,
        region: account.region,
        errorCode: ErrorNames.StagingAccountOverCapacity,
        errorMessage: `account ${account.accountId} has ${account.serverIds.length} matching servers, more than its maxServers ${maxServers}`,
        serverIds: [...account.serverIds],
      });
    } else {
      kept.push(account);
    }
  }
  const launch = LAUNCH_ACTIONS.has(request.action);
  const planned = await Promise.all(
    kept.map(async (account) => {
      const quotas = launch ? await readLaunchQuotas(deps, account) : DEFAULT_LAUNCH_QUOTAS;
      const problem = launch ? parallelismProblem(request.options.parallelism, quotas) : undefined;
      return { account: { ...account, plan: planLaunch(request.options.parallelism, quotas) }, problem };
    }),
  );
  const accounts: AccountWork[] = [];
  for (const { account, problem } of planned) {
    if (problem === undefined) {
      accounts.push(account);
      continue;
    }
    // Refused before anything launches: the quota is per account, so only this account is left out.
    rejectedAccounts.push({
      accountId: account.accountId,
      region: account.region,
      errorCode: ErrorNames.ValidationError,
      errorMessage: `/options/parallelism ${problem} (account ${account.accountId})`,
      serverIds: [...account.serverIds],
    });
  }
  return {
    totalServers: accounts.reduce((n, a) => n + a.serverIds.length, 0),
    accounts,
    deniedAccounts: work.deniedAccounts,
    scannedAccounts: work.scannedAccounts,
    rejectedAccounts,
  };
}
