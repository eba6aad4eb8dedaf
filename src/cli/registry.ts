/**
 * `drs-orch registry`: shows the staging-account registry and converts between its two forms,
 * the single JSON document of design 6.1 (one SSM parameter named by the path) and one parameter
 * per account under that path (what `main-orchestrator` deploys). Both are read by discover;
 * both at once is an error, so a move from one form to the other is: convert, write the new
 * form, delete the old.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { checkDocumentSize, DOCUMENT_LIMITS, readDocument } from '../contract/document-reader.js';
import { DocumentRejected } from '../contract/errors.js';
import {
  DEFAULT_STAGING_ACCOUNTS_PATH,
  type RegistryParameter,
  type ResolvedStagingAccount,
  registryParameters,
  resolveStagingAccountRegistry,
} from '../contract/staging-accounts.js';
import { UsageError } from './errors.js';

/** What the registry command prints (the program's text invocation). */
export interface RegistryTextInvocation {
  readonly kind: 'text';
  readonly text: string;
}

/** Forms `registry convert --to` writes. */
export const REGISTRY_FORMS = ['document', 'parameters', 'commands'] as const;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a registry file in either form: a design 6.1 document (`{"stagingAccounts": [...]}`), or
 * per-account parameters as `aws ssm get-parameters-by-path --path <path>` prints them
 * (`{"Parameters": [{"Name": ..., "Value": ...}]}`, or just that list).
 *
 * @throws {UsageError} when the file cannot be read or is neither form.
 * @throws {DocumentRejected} when the strict document reader refuses it (over 1 MiB, too deep, a key twice).
 * @throws {ValidationError} when the accounts break the staging-accounts contract.
 */
export function readRegistryFile(
  file: string,
  path: string = DEFAULT_STAGING_ACCOUNTS_PATH,
): { form: 'document' | 'parameters'; accounts: ResolvedStagingAccount[] } {
  let bytes: Buffer;
  try {
    // The size first (strict document reader): a huge file is refused without being read.
    checkDocumentSize(file, statSync(resolve(file)).size, DOCUMENT_LIMITS.registry);
    bytes = readFileSync(resolve(file));
  } catch (err) {
    if (err instanceof DocumentRejected) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
    throw new UsageError(`registry file ${JSON.stringify(file)} cannot be read: ${why}`);
  }
  // Depth and repeated keys (`"Value"` twice would pick one account silently) before any use.
  const raw = readDocument(bytes, { name: file, format: 'json', kind: 'registry' });
  if (isObject(raw) && 'stagingAccounts' in raw) {
    return resolveStagingAccountRegistry(
      { document: { name: path, value: JSON.stringify(raw) }, parameters: [] },
      path,
    );
  }
  const list = isObject(raw) && Array.isArray(raw.Parameters) ? raw.Parameters : raw;
  if (!Array.isArray(list)) {
    throw new UsageError(
      `registry file ${JSON.stringify(file)} is neither form: expected {"stagingAccounts": [...]} (design 6.1) or {"Parameters": [{"Name", "Value"}]} (aws ssm get-parameters-by-path)`,
    );
  }
  const parameters: RegistryParameter[] = list.map((p: unknown, i) => {
    const name = isObject(p) ? (p.Name ?? p.name) : undefined;
    const value = isObject(p) ? (p.Value ?? p.value) : undefined;
    if (typeof name !== 'string' || typeof value !== 'string') {
      throw new UsageError(
        `registry file ${JSON.stringify(file)}: parameter ${i} must have a string Name and Value, got ${JSON.stringify(p)}`,
      );
    }
    return { name, value };
  });
  const base = path.replace(/\/+$/, '');
  const outside = parameters.filter((p) => p.name.slice(0, p.name.lastIndexOf('/')) !== base);
  if (outside.length > 0) {
    throw new UsageError(
      `registry file ${JSON.stringify(file)}: ${outside[0]?.name} is not directly under ${base} (give --path)`,
    );
  }
  return resolveStagingAccountRegistry({ parameters }, path);
}

/**
 * Renders accounts in one form: `document` (design 6.1 JSON), `parameters` (the JSON
 * `aws ssm get-parameters-by-path` prints) or `commands` (`aws ssm put-parameter` lines).
 */
export function renderRegistry(
  accounts: readonly ResolvedStagingAccount[],
  to: (typeof REGISTRY_FORMS)[number],
  path: string = DEFAULT_STAGING_ACCOUNTS_PATH,
): string {
  if (to === 'document') return `${JSON.stringify({ stagingAccounts: accounts }, null, 2)}\n`;
  const parameters = registryParameters(accounts, path);
  if (to === 'parameters') {
    return `${JSON.stringify({ Parameters: parameters.map((p) => ({ Name: p.name, Type: 'String', Value: p.value })) }, null, 2)}\n`;
  }
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return parameters
    .map(
      (p) =>
        `aws ssm put-parameter --name ${quote(p.name)} --type String --overwrite --value ${quote(p.value)}\n`,
    )
    .join('');
}

/** Adds `registry show` and `registry convert` to the program. */
export function addRegistryCommands(program: Command, capture: (inv: RegistryTextInvocation) => void): void {
  const registry = program
    .command('registry')
    .description(
      'show the staging-account registry, or convert it between the design 6.1 document and one parameter per account',
    )
    .enablePositionalOptions();
  registry
    .command('show')
    .description('validate a registry file (either form) and print its accounts, with defaults applied')
    .argument('<file>', 'design 6.1 document, or the JSON of aws ssm get-parameters-by-path')
    .option('--path <path>', 'SSM path of the registry', DEFAULT_STAGING_ACCOUNTS_PATH)
    .action(function (this: Command, file: string) {
      const { path } = this.opts<{ path: string }>();
      const { form, accounts } = readRegistryFile(file, path);
      const lines = accounts.map(
        (a) => `${a.accountId}  ${a.region}  maxServers ${a.maxServers}  ${a.roleArn}`,
      );
      capture({
        kind: 'text',
        text: `${accounts.length} staging account(s), ${form === 'document' ? 'one document (design 6.1)' : 'one parameter per account'} at ${path}\n${lines.join('\n')}\n`,
      });
    });
  registry
    .command('convert')
    .description('print a registry file in another form')
    .argument('<file>', 'design 6.1 document, or the JSON of aws ssm get-parameters-by-path')
    .requiredOption('--to <form>', `one of ${REGISTRY_FORMS.join(', ')}`)
    .option('--path <path>', 'SSM path of the registry', DEFAULT_STAGING_ACCOUNTS_PATH)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  aws ssm get-parameter --name /drs-orchestration/staging-accounts --query Parameter.Value --output text > registry.json\n' +
        '  drs-orch registry convert registry.json --to commands     # one put-parameter per account\n' +
        '  aws ssm get-parameters-by-path --path /drs-orchestration/staging-accounts > parameters.json\n' +
        '  drs-orch registry convert parameters.json --to document   # the design 6.1 document',
    )
    .action(function (this: Command, file: string) {
      const { to, path } = this.opts<{ to: string; path: string }>();
      if (!(REGISTRY_FORMS as readonly string[]).includes(to)) {
        throw new UsageError(`--to must be one of ${REGISTRY_FORMS.join(', ')}, got ${JSON.stringify(to)}`);
      }
      const { accounts } = readRegistryFile(file, path);
      capture({ kind: 'text', text: renderRegistry(accounts, to as (typeof REGISTRY_FORMS)[number], path) });
    });
}
