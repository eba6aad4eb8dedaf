/**
 * The recovery topology of the staging-account registry: which staging accounts recover in
 * themselves (the per-account topology of design 6.2) and which recover into a single target
 * (recovery) account that holds their servers as *extended source servers* (DRS user guide,
 * "Using multiple staging accounts with DRS"; API `CreateExtendedSourceServer`).
 *
 * Pure: what the registry says is checked here, before anything reads AWS.
 */
import type { ValidationProblem } from './errors.js';
import type { RecoveryAccount, StagingAccount } from './generated/staging-accounts.js';

/**
 * Most source servers a target account holds when the registry gives no `maxSourceServers`: the
 * DRS quota on source servers per target account (extended ones included), 3,000.
 */
export const DEFAULT_TARGET_MAX_SOURCE_SERVERS = 3000;

/** A target account with its default applied. */
export type ResolvedRecoveryAccount = RecoveryAccount & { maxSourceServers: number };

/** `recoveryAccount` fields that every entry naming the same target must give alike. */
const SHARED_FIELDS = ['region', 'roleArn', 'maxSourceServers'] as const;

/**
 * What is wrong with the topology of these (schema-valid) registry entries, as problems naming the
 * field; empty when it is sound. Refused:
 * - a `recoveryAccount` whose `roleArn` names another account, or that is the staging account itself;
 * - a target account that is also listed as a staging account (it would hold servers of its own
 *   beside the extended ones, and recover them under the same quotas unseen);
 * - a staging account listed twice with two different targets (a staging account recovers into one);
 * - one target named two ways (another Region, role or `maxSourceServers`).
 *
 * @example
 * ```ts
 * topologyProblems([
 *   { accountId: '111111111111', region: 'us-east-1', roleArn: 'arn:aws:iam::111111111111:role/r',
 *     recoveryAccount: { accountId: '999999999999', region: 'us-east-1', roleArn: 'arn:aws:iam::999999999999:role/r' } },
 *   { accountId: '999999999999', region: 'us-east-1', roleArn: 'arn:aws:iam::999999999999:role/r' },
 * ]);
 * // [{ pointer: '/stagingAccounts/1/accountId', message: 'must not be listed as a staging account: ...' }]
 * ```
 */
export function topologyProblems(accounts: readonly StagingAccount[]): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const firstTarget = new Map<string, number>();
  const stagingIndex = new Map<string, number>();
  accounts.forEach((account, index) => {
    if (!stagingIndex.has(account.accountId)) stagingIndex.set(account.accountId, index);
  });
  accounts.forEach((account, index) => {
    const target = account.recoveryAccount;
    if (target === undefined) return;
    const at = `/stagingAccounts/${index}/recoveryAccount`;
    const roleAccount = target.roleArn.split(':')[4];
    if (roleAccount !== target.accountId) {
      problems.push({
        pointer: `${at}/roleArn`,
        message: `must name the recovery account ${target.accountId}, got a role in account ${roleAccount}`,
      });
    }
    if (target.accountId === account.accountId) {
      problems.push({
        pointer: `${at}/accountId`,
        message: `must be another account than the staging account ${account.accountId} itself; omit recoveryAccount for servers that recover in their staging account`,
      });
      return;
    }
    const first = firstTarget.get(target.accountId);
    if (first === undefined) {
      firstTarget.set(target.accountId, index);
    } else {
      const earlier = accounts[first]?.recoveryAccount as RecoveryAccount;
      for (const field of SHARED_FIELDS) {
        const a =
          earlier[field] ?? (field === 'maxSourceServers' ? DEFAULT_TARGET_MAX_SOURCE_SERVERS : undefined);
        const b =
          target[field] ?? (field === 'maxSourceServers' ? DEFAULT_TARGET_MAX_SOURCE_SERVERS : undefined);
        if (a !== b) {
          problems.push({
            pointer: `${at}/${field}`,
            message: `must be ${JSON.stringify(a)} like /stagingAccounts/${first}/recoveryAccount/${field}, which names the same recovery account ${target.accountId}, got ${JSON.stringify(b)}`,
          });
        }
      }
    }
    const listed = stagingIndex.get(target.accountId);
    if (listed !== undefined) {
      problems.push({
        pointer: `/stagingAccounts/${listed}/accountId`,
        message: `must not be listed as a staging account: ${target.accountId} is the recovery account of /stagingAccounts/${index} (${account.accountId}), where extended source servers recover; a target account cannot also recover servers of its own under the same quotas (remove this entry, or give those servers a staging account of their own)`,
      });
    }
  });
  // A staging account listed twice is refused as a duplicate already; say why when it names two targets.
  const seen = new Map<string, number>();
  accounts.forEach((account, index) => {
    const first = seen.get(account.accountId);
    if (first === undefined) {
      seen.set(account.accountId, index);
      return;
    }
    const a = accounts[first]?.recoveryAccount?.accountId;
    const b = account.recoveryAccount?.accountId;
    if (a !== b) {
      problems.push({
        pointer: `/stagingAccounts/${index}/recoveryAccount`,
        message: `names a second recovery account (${b ?? 'none: recover in the staging account'}) for staging account ${account.accountId}, whose entry /stagingAccounts/${first} names ${a ?? 'none'}: a staging account recovers into one target account`,
      });
    }
  });
  return problems;
}

/** The registry's target accounts, each with the staging accounts behind it in priority order. */
export interface RecoveryTarget {
  /** The target account, with `maxSourceServers` defaulted. */
  account: ResolvedRecoveryAccount;
  /**
   * Staging account ids whose servers recover here, lowest `priority` first (an entry without one
   * after those with one), then in registry order: the order their servers get launch slots.
   */
  stagingAccountIds: string[];
}

/**
 * Groups the entries that name a `recoveryAccount` by target, in the order targets first appear.
 * Expects a registry that {@link topologyProblems} accepts.
 */
export function recoveryTargets(accounts: readonly StagingAccount[]): RecoveryTarget[] {
  const byTarget = new Map<
    string,
    { account: ResolvedRecoveryAccount; staging: { id: string; priority: number; order: number }[] }
  >();
  accounts.forEach((account, order) => {
    const target = account.recoveryAccount;
    if (target === undefined) return;
    let group = byTarget.get(target.accountId);
    if (group === undefined) {
      group = {
        account: {
          ...target,
          maxSourceServers: target.maxSourceServers ?? DEFAULT_TARGET_MAX_SOURCE_SERVERS,
        },
        staging: [],
      };
      byTarget.set(target.accountId, group);
    }
    group.staging.push({
      id: account.accountId,
      priority: account.priority ?? Number.POSITIVE_INFINITY,
      order,
    });
  });
  return [...byTarget.values()].map((g) => ({
    account: g.account,
    stagingAccountIds: g.staging
      .sort((a, b) => (a.priority === b.priority ? a.order - b.order : a.priority < b.priority ? -1 : 1))
      .map((s) => s.id),
  }));
}
