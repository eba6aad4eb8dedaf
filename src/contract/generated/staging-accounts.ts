/* Generated from schemas/staging-accounts.schema.json by `npm run gen:types`. Do not edit. */

/**
 * The SSM parameter document listing the DRS staging accounts (design 6.1). Account ids must be unique and each roleArn must name its own account (checked by the contract's validator).
 */
export interface StagingAccountsConfig {
  /**
   * At most 400 accounts. DRS sets no limit on the number of staging accounts; the bound is CloudFormation's 500 resources per stack, since main-orchestrator holds one registry parameter per account beside its 58 other resources (test/infra/org-rollout.test.ts checks the margin).
   *
   * @minItems 1
   * @maxItems 400
   */
  stagingAccounts: [StagingAccount, ...StagingAccount[]];
}
export interface StagingAccount {
  accountId: string;
  region: string;
  /**
   * Role the orchestrator assumes in this account; must name this account.
   */
  roleArn: string;
  /**
   * Servers this account may handle in one orchestration (DRS replicates at most 300 per account).
   */
  maxServers?: number;
  /**
   * Lower runs first when accounts are listed; informational ordering.
   */
  priority?: number;
  recoveryAccount?: RecoveryAccount;
}
/**
 * The target (recovery) account and Region this staging account's servers recover into as extended source servers (DRS user guide, "Using multiple staging accounts with DRS"; API CreateExtendedSourceServer). Absent: they recover in this staging account. Every entry naming the same target must name it the same way, the target must not itself be listed as a staging account, and a staging account recovers into one target (checked by the contract's validator).
 */
export interface RecoveryAccount {
  accountId: string;
  region: string;
  /**
   * Role the orchestrator assumes in the target account; must name the target account.
   */
  roleArn: string;
  /**
   * Most source servers (extended ones included) the target account may hold: the DRS quota on source servers per target account (3,000 by default). A run that finds more extended servers there is refused before anything starts.
   */
  maxSourceServers?: number;
}
