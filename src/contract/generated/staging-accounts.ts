/* Generated from schemas/staging-accounts.schema.json by `npm run gen:types`. Do not edit. */

/**
 * The SSM parameter document listing the DRS staging accounts (design 6.1). Account ids must be unique and each roleArn must name its own account (checked by the contract's validator).
 */
export interface StagingAccountsConfig {
  /**
   * @minItems 1
   * @maxItems 50
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
