/**
 * The staging-accounts configuration (the SSM parameter of design 6.1).
 */
import { ValidationError, type ValidationProblem } from './errors.js';
import type { StagingAccount, StagingAccountsConfig } from './generated/staging-accounts.js';
import { stagingAccountsSchema } from './schemas.js';
import { compileSchema, problemsFrom } from './validator.js';

/** A staging account with defaults applied. */
export type ResolvedStagingAccount = StagingAccount & { maxServers: number };

const validateConfig = compileSchema<StagingAccountsConfig>(stagingAccountsSchema);

/**
 * Validates the staging-accounts document (already parsed from JSON, or as a JSON string) and
 * applies defaults (`maxServers` 300). Beyond the schema it checks what JSON Schema cannot: account
 * ids are unique and each `roleArn` names its own account.
 *
 * @throws {ValidationError} naming each bad field, e.g. `/stagingAccounts/1/roleArn must name account 222222222222, got ...`.
 */
export function parseStagingAccounts(raw: unknown): ResolvedStagingAccount[] {
  let data: unknown;
  try {
    data = typeof raw === 'string' ? JSON.parse(raw) : JSON.parse(JSON.stringify(raw));
  } catch (err) {
    throw new ValidationError(
      [{ pointer: '', message: `must be a JSON document, got invalid JSON (${(err as Error).message})` }],
      'staging accounts configuration',
    );
  }
  if (!validateConfig(data)) {
    throw new ValidationError(problemsFrom(validateConfig.errors, data), 'staging accounts configuration');
  }
  const accounts = (data as StagingAccountsConfig).stagingAccounts as ResolvedStagingAccount[];
  const problems: ValidationProblem[] = [];
  const seen = new Map<string, number>();
  accounts.forEach((account, index) => {
    const first = seen.get(account.accountId);
    if (first !== undefined) {
      problems.push({
        pointer: `/stagingAccounts/${index}/accountId`,
        message: `must be unique, got ${account.accountId} again (first at /stagingAccounts/${first})`,
      });
    } else {
      seen.set(account.accountId, index);
    }
    const roleAccount = account.roleArn.split(':')[4];
    if (roleAccount !== account.accountId) {
      problems.push({
        pointer: `/stagingAccounts/${index}/roleArn`,
        message: `must name account ${account.accountId}, got a role in account ${roleAccount}`,
      });
    }
  });
  if (problems.length > 0) throw new ValidationError(problems, 'staging accounts configuration');
  return accounts;
}
