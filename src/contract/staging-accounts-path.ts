/**
 * The default SSM path of the staging-account registry, in a module of its own: every Lambda
 * needs it (`src/tasks/deps.ts`), and importing it from `staging-accounts.ts` would bundle ajv and
 * compile the staging-accounts schema at load time in functions that never read the registry.
 */

/**
 * The SSM path of the staging-account registry: one parameter per account,
 * `<path>/<accountId>`, each holding that account's entry as JSON (a few hundred characters, so
 * the standard tier's 4 KB fits and 50 accounts need no 8 KB advanced parameter).
 */
export const DEFAULT_STAGING_ACCOUNTS_PATH = '/drs-orchestration/staging-accounts';
