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
}
