/**
 * partition: per-account capacity check and launch plan under parallelism and DRS quotas.
 */
import { ErrorNames } from '../contract/errors.js';
import type {
  AccountIssue,
  AccountItem,
  AccountRef,
  AccountServerRef,
  DiscoveryResult,
  LaunchQuotas,
} from '../core/model.js';
import { DEFAULT_LAUNCH_QUOTAS, DRS_QUOTA_CODES, parallelismProblem, planLaunch } from '../core/partition.js';
import type { TaskDeps } from './deps.js';
import type { PartitionEvent } from './types.js';

/** `maxServers` when the configuration gives none (DRS replicates at most 300 per account). */
export const DEFAULT_MAX_SERVERS = 300;

const LAUNCH_ACTIONS = new Set(['failover', 'drill']);

/** Where a rejected account's server ids are (aggregate reports each of them failed). */
function serverRefOf(account: AccountItem): AccountServerRef {
  return {
    serverCount: account.serverCount,
    ...(account.serversKey !== undefined && { serversKey: account.serversKey }),
    ...(account.serverIds !== undefined && { serverIds: [...account.serverIds] }),
  };
}

/**
 * Reads the three DRS launch quotas of an account. A quota that cannot be read (denied, throttled
 * out, absent) takes its conservative default, and the result says so in `source`.
 */
export async function readLaunchQuotas(deps: TaskDeps, account: AccountRef): Promise<LaunchQuotas> {
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
  const kept: AccountItem[] = [];
  for (const account of work.accounts) {
    const maxServers = account.maxServers ?? DEFAULT_MAX_SERVERS;
    if (account.serverCount > maxServers) {
      rejectedAccounts.push({
        accountId: account.accountId,
        region: account.region,
        errorCode: ErrorNames.StagingAccountOverCapacity,
        errorMessage: `account ${account.accountId} has ${account.serverCount} matching servers, more than its maxServers ${maxServers}`,
        ...serverRefOf(account),
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
  const accounts: AccountItem[] = [];
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
      ...serverRefOf(account),
    });
  }
  return {
    totalServers: accounts.reduce((n, a) => n + a.serverCount, 0),
    accounts,
    deniedAccounts: work.deniedAccounts,
    scannedAccounts: work.scannedAccounts,
    rejectedAccounts,
  };
}
