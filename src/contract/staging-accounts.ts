/**
 * The staging-accounts configuration (the SSM parameter of design 6.1).
 */
import { readDocument } from './document-reader.js';
import { DocumentRejected, ValidationError, type ValidationProblem } from './errors.js';
import type { StagingAccount, StagingAccountsConfig } from './generated/staging-accounts.js';
import { type ResolvedRecoveryAccount, topologyProblems } from './recovery-topology.js';
import { stagingAccountsSchema } from './schemas.js';
import { DEFAULT_STAGING_ACCOUNTS_PATH } from './staging-accounts-path.js';
import { compileSchema, problemsFrom } from './validator.js';

/** A staging account with defaults applied (its `recoveryAccount` too, when it names one). */
export type ResolvedStagingAccount = Omit<StagingAccount, 'recoveryAccount'> & {
  maxServers: number;
  recoveryAccount?: ResolvedRecoveryAccount;
};

const validateConfig = compileSchema<StagingAccountsConfig>(stagingAccountsSchema);

/**
 * Validates the staging-accounts document (already parsed from JSON, or as a JSON string) and
 * applies defaults (`maxServers` 300, a target's `maxSourceServers` 3,000). Beyond the schema it
 * checks what JSON Schema cannot: account ids are unique, each `roleArn` names its own account,
 * and the recovery topology is sound (`topologyProblems`: a target account that is also a staging
 * account, two targets for one staging account, one target named two ways).
 *
 * @throws {ValidationError} naming each bad field, e.g. `/stagingAccounts/1/roleArn must name account 222222222222, got ...`.
 */
export function parseStagingAccounts(raw: unknown): ResolvedStagingAccount[] {
  let data: unknown;
  try {
    data = typeof raw === 'string' ? readRegistryText(raw, 'document', '') : JSON.parse(JSON.stringify(raw));
  } catch (err) {
    if (err instanceof ValidationError) throw err;
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
  problems.push(...topologyProblems(accounts as StagingAccount[]));
  if (problems.length > 0) throw new ValidationError(problems, 'staging accounts configuration');
  return accounts;
}

export { DEFAULT_STAGING_ACCOUNTS_PATH };

/** A document pointer (`/stagingAccounts/3/roleArn`) as the registry names it (`<path>/<id>/roleArn`). */
function registryPointer(pointer: string, parameters: readonly RegistryParameter[], path: string): string {
  const m = /^\/stagingAccounts(?:\/(\d+))?(.*)$/.exec(pointer);
  if (!m) return pointer;
  if (m[1] === undefined) return `${path}${m[2]}`;
  return `${parameters[Number(m[1])]?.name ?? path}${m[2]}`;
}

/** One registry parameter: its full name and its JSON value. */
export interface RegistryParameter {
  readonly name: string;
  readonly value: string;
}

/** The registry parameters of these staging accounts (what the stack and the emulator fleets store). */
export function registryParameters(
  accounts: readonly StagingAccount[],
  path: string = DEFAULT_STAGING_ACCOUNTS_PATH,
): RegistryParameter[] {
  const base = path.replace(/\/+$/, '');
  return accounts.map((account) => ({
    name: `${base}/${account.accountId}`,
    value: JSON.stringify(account),
  }));
}

/**
 * Validates the registry read from SSM (the parameters directly under `path`) and applies
 * defaults, as {@link parseStagingAccounts} does for the document form; each problem names the
 * parameter it is in, e.g. `/drs-orchestration/staging-accounts/111111111111/roleArn must name
 * account 111111111111, ...`. Accounts come in parameter-name order.
 *
 * @throws {ValidationError} for an empty registry, a value that is not JSON, a parameter whose
 *   last name segment is not its `accountId`, or anything {@link parseStagingAccounts} refuses.
 */
export function parseStagingAccountRegistry(
  parameters: readonly RegistryParameter[],
  path: string = DEFAULT_STAGING_ACCOUNTS_PATH,
): ResolvedStagingAccount[] {
  const subject = `staging account registry (SSM path ${path})`;
  if (parameters.length === 0) {
    throw new ValidationError(
      [
        {
          pointer: path,
          message: `has no parameters: expected one per staging account, named ${path.replace(/\/+$/, '')}/<accountId>, each a JSON object with accountId, region and roleArn`,
        },
      ],
      subject,
    );
  }
  const problems: ValidationProblem[] = [];
  const entries: unknown[] = [];
  for (const p of parameters) {
    try {
      entries.push(readRegistryText(p.value, 'object', p.name));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      problems.push(...err.problems);
      entries.push(undefined);
    }
  }
  if (problems.length > 0) throw new ValidationError(problems, subject);
  try {
    const accounts = parseStagingAccounts({ stagingAccounts: entries });
    accounts.forEach((account, i) => {
      const name = (parameters[i] as RegistryParameter).name;
      const last = name.slice(name.lastIndexOf('/') + 1);
      if (last !== account.accountId) {
        problems.push({
          pointer: `${name}/accountId`,
          message: `must be ${last}, the last segment of its parameter name, got ${account.accountId}`,
        });
      }
    });
    if (problems.length > 0) throw new ValidationError(problems, subject);
    return accounts;
  } catch (err) {
    if (!(err instanceof ValidationError) || err.message.startsWith(`invalid ${subject}`)) throw err;
    // Name the parameter instead of the document position the schema check saw.
    throw new ValidationError(
      err.problems.map((problem) => ({
        ...problem,
        pointer: registryPointer(problem.pointer, parameters, path),
        message: problem.message.replace(/\/stagingAccounts(\/\d+)?/g, (found) =>
          registryPointer(found, parameters, path),
        ),
      })),
      subject,
    );
  }
}

/** What Parameter Store holds at the registry path, in either form. */
export interface RegistryContents {
  /** The single parameter named exactly `path` (design 6.1: the whole document), when it exists. */
  readonly document?: RegistryParameter | undefined;
  /** The per-account parameters directly under `path`. */
  readonly parameters: readonly RegistryParameter[];
}

/** Which form a registry was read from. */
export type RegistryForm = 'document' | 'parameters';

/**
 * Reads the staging-account registry in whichever form it exists: the single JSON document of
 * design 6.1 (one parameter named `path`, `{"stagingAccounts": [...]}`), or one parameter per
 * account under `path` ({@link parseStagingAccountRegistry}).
 *
 * @throws {ValidationError} when both forms exist (which one is meant cannot be known), when
 *   neither does, or when the one present is invalid (problems name the parameter).
 * @example resolveStagingAccountRegistry({ document: { name: path, value: json }, parameters: [] }, path)
 */
export function resolveStagingAccountRegistry(
  contents: RegistryContents,
  path: string = DEFAULT_STAGING_ACCOUNTS_PATH,
): { form: RegistryForm; accounts: ResolvedStagingAccount[] } {
  const { document, parameters } = contents;
  if (document !== undefined && parameters.length > 0) {
    throw new ValidationError(
      [
        {
          pointer: path,
          message: `exists both as the single document of design 6.1 (parameter ${document.name}) and as ${parameters.length} per-account parameter(s) under ${path.replace(/\/+$/, '')}/: keep one form (drs-orch registry convert turns one into the other), then delete the other`,
        },
      ],
      `staging account registry (SSM path ${path})`,
    );
  }
  if (document === undefined)
    return { form: 'parameters', accounts: parseStagingAccountRegistry(parameters, path) };
  try {
    return { form: 'document', accounts: parseStagingAccounts(document.value) };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ValidationError(
      err.problems.map((p) => ({ ...p, pointer: `${document.name}${p.pointer}` })),
      `staging account registry (SSM parameter ${document.name}, the document of design 6.1)`,
    );
  }
}

/**
 * Reads registry JSON with the strict document reader: a key given twice
 * (`{"accountId":"222222222222",...,"accountId":"111111111111"}`) is refused, not read as its last value.
 *
 * @throws {ValidationError} with one problem at `pointer`
 */
function readRegistryText(text: string, what: 'document' | 'object', pointer: string): unknown {
  try {
    return readDocument(text, {
      name: pointer || 'staging accounts configuration',
      format: 'json',
      kind: 'input',
    });
  } catch (err) {
    if (!(err instanceof DocumentRejected)) throw err;
    const why = err.message.slice(err.document.length + 2);
    const message =
      err.limit === 'syntax'
        ? `must be a JSON ${what}, got invalid JSON (${why})`
        : `must be a JSON ${what} read strictly: ${why}`;
    throw new ValidationError([{ pointer, message }], 'staging accounts configuration');
  }
}
