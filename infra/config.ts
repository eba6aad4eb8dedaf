/**
 * The deployment configuration (`config/deployment.json` + `config/staging-accounts.json`), read and
 * validated once so that `synth` needs no AWS credentials and no CDK context lookups.
 *
 * Plain module: importing it never loads `aws-cdk-lib`.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidationProblem } from '../src/contract/errors.js';
import { parseStagingAccounts, type ResolvedStagingAccount, ValidationError } from '../src/contract/index.js';
import { resourceNames } from './names.js';

/**
 * Repository (or installed package) root: `infra/..`, or `dist/infra/../..` when this module runs
 * from the built package (`drs-orchestration/infra`), whose root holds `statemachines/`,
 * `src/handlers/` and `tsconfig.json` for bundling.
 */
export const REPO_ROOT = ((here: string) =>
  basename(dirname(here)) === 'dist' ? resolve(here, '..', '..') : resolve(here, '..'))(
  dirname(fileURLToPath(import.meta.url)),
);

/** A scheduled drill (design 8.3). */
export interface WeeklyDrillConfig {
  /**
   * Whether the EventBridge rule is enabled. Off until a user turns it on: an enabled drill
   * launches real recovery instances in every staging account on the first Saturday after a
   * deploy. @default false
   */
  readonly enabled: boolean;
  /** EventBridge schedule expression. @default 'cron(0 6 ? * SAT *)' */
  readonly schedule: string;
  /** Tags selecting the servers to drill. */
  readonly tags: Readonly<Record<string, string>>;
  /** `options.maxWaitMinutes` of the drill. @default 120 */
  readonly maxWaitMinutes: number;
}

/** The scheduled cleanup of drill instances. */
export interface DrillCleanupConfig {
  /** Whether the EventBridge rule is enabled (off until a user turns it on). @default false */
  readonly enabled: boolean;
  /** EventBridge schedule expression. */
  readonly schedule: string;
  /** Tags selecting the servers whose drill instances are terminated. */
  readonly tags: Readonly<Record<string, string>>;
  /** Only drill instances launched at least this long ago are terminated. */
  readonly olderThanMinutes: number;
}

/** Validated deployment settings. */
export interface DeploymentConfig {
  /** Account of the main state machine, the results bucket and observability. */
  readonly orchestratorAccountId: string;
  /** Region of the orchestrator stacks. */
  readonly region: string;
  /** AWS Organizations id that every trusting role requires of its caller (`aws:PrincipalOrgID`). */
  readonly organizationId: string;
  /**
   * Organizations path of the OU holding the staging accounts (`o-.../r-.../ou-.../`, nested OUs
   * included). The orchestrator's trust, bucket and key policies admit staging-account principals
   * by `aws:PrincipalOrgPaths` and its task roles reach staging roles by `aws:ResourceOrgPaths`
   * under it, instead of listing accounts: an account added to the OU needs no change here.
   * @default the whole organization (`<organizationId>/`)
   */
  readonly drOrganizationalUnitPath: string;
  /**
   * Path and name of the role DRS attaches to recovery instances: the only role the staging role
   * may pass. @default 'service-role/AWSElasticDisasterRecoveryRecoveryInstanceRole'
   */
  readonly recoveryInstanceRole: string;
  /** Retention of every log group, in days. @default 90 */
  readonly logRetentionDays: number;
  /** Days after which result objects expire. @default 90 */
  readonly resultsExpirationDays: number;
  /** Weekly drill rule (design 8.3). */
  readonly weeklyDrill: WeeklyDrillConfig;
  /** Drill-cleanup schedule. */
  readonly drillCleanup: DrillCleanupConfig;
  /**
   * Staging accounts, validated by the contract's `parseStagingAccounts`; the stack stores each as
   * one SSM parameter of the registry (`registryParameters`).
   */
  readonly stagingAccounts: readonly ResolvedStagingAccount[];
  /**
   * Prefix of every physical resource name (`resourceNames` in infra/names.ts).
   * @default 'drs-orchestration' (today's names)
   */
  readonly namePrefix?: string;
}

/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = new Set([
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Checker {
  readonly problems: ValidationProblem[] = [];

  string(obj: Json, key: string, pointer: string, pattern?: RegExp, fallback?: string): string {
    const value = obj[key] ?? fallback;
    if (typeof value !== 'string' || (pattern && !pattern.test(value))) {
      this.problems.push({
        pointer: `${pointer}/${key}`,
        message: `must be a string${pattern ? ` matching ${pattern}` : ''}, got ${JSON.stringify(value)}`,
      });
      return '';
    }
    return value;
  }

  integer(
    obj: Json,
    key: string,
    pointer: string,
    fallback: number,
    ok: (n: number) => boolean,
    want: string,
  ) {
    const value = obj[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || !ok(value)) {
      this.problems.push({
        pointer: `${pointer}/${key}`,
        message: `must be ${want}, got ${JSON.stringify(value)}`,
      });
      return fallback;
    }
    return value;
  }

  boolean(obj: Json, key: string, pointer: string, fallback: boolean): boolean {
    const value = obj[key] ?? fallback;
    if (typeof value !== 'boolean') {
      this.problems.push({
        pointer: `${pointer}/${key}`,
        message: `must be a boolean, got ${JSON.stringify(value)}`,
      });
      return fallback;
    }
    return value;
  }

  tags(obj: Json, key: string, pointer: string): Record<string, string> {
    const value = obj[key];
    if (
      !isObject(value) ||
      Object.keys(value).length === 0 ||
      Object.values(value).some((v) => typeof v !== 'string')
    ) {
      this.problems.push({
        pointer: `${pointer}/${key}`,
        message: `must be a non-empty object of string tag values, got ${JSON.stringify(value)}`,
      });
      return {};
    }
    return value as Record<string, string>;
  }

  object(obj: Json, key: string, pointer: string): Json {
    const value = obj[key];
    if (!isObject(value)) {
      this.problems.push({
        pointer: `${pointer}/${key}`,
        message: `must be an object, got ${JSON.stringify(value)}`,
      });
      return {};
    }
    return value;
  }
}

const SCHEDULE = /^(cron|rate)\(.+\)$/;

/**
 * Validates a parsed `deployment.json` plus the staging accounts document.
 *
 * @throws {ValidationError} naming every bad field (`/weeklyDrill/schedule must be ...`).
 */
export function parseDeploymentConfig(raw: unknown, stagingAccountsRaw: unknown): DeploymentConfig {
  if (!isObject(raw)) {
    throw new ValidationError(
      [{ pointer: '', message: `must be an object, got ${JSON.stringify(raw)}` }],
      'deployment configuration',
    );
  }
  const c = new Checker();
  const drill = c.object(raw, 'weeklyDrill', '');
  const cleanup = c.object(raw, 'drillCleanup', '');
  const config = {
    orchestratorAccountId: c.string(raw, 'orchestratorAccountId', '', /^\d{12}$/),
    region: c.string(raw, 'region', '', /^[a-z]{2}(-[a-z]+)+-\d$/),
    organizationId: c.string(raw, 'organizationId', '', /^o-[a-z0-9]{10,32}$/),
    drOrganizationalUnitPath: c.string(
      raw,
      'drOrganizationalUnitPath',
      '',
      /^o-[a-z0-9]{10,32}\/(r-[0-9a-z]{4,32}\/(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}\/)*)?$/,
      `${typeof raw.organizationId === 'string' ? raw.organizationId : ''}/`,
    ),
    recoveryInstanceRole: c.string(
      raw,
      'recoveryInstanceRole',
      '',
      /^([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/,
      'service-role/AWSElasticDisasterRecoveryRecoveryInstanceRole',
    ),
    logRetentionDays: c.integer(
      raw,
      'logRetentionDays',
      '',
      90,
      (n) => LOG_RETENTION_DAYS.has(n),
      `one of ${[...LOG_RETENTION_DAYS].join(', ')}`,
    ),
    resultsExpirationDays: c.integer(raw, 'resultsExpirationDays', '', 90, (n) => n >= 1, 'an integer >= 1'),
    weeklyDrill: {
      enabled: c.boolean(drill, 'enabled', '/weeklyDrill', false),
      schedule: c.string(drill, 'schedule', '/weeklyDrill', SCHEDULE, 'cron(0 6 ? * SAT *)'),
      tags: c.tags(drill, 'tags', '/weeklyDrill'),
      maxWaitMinutes: c.integer(
        drill,
        'maxWaitMinutes',
        '/weeklyDrill',
        120,
        (n) => n >= 1,
        'an integer >= 1',
      ),
    },
    drillCleanup: {
      enabled: c.boolean(cleanup, 'enabled', '/drillCleanup', false),
      schedule: c.string(cleanup, 'schedule', '/drillCleanup', SCHEDULE, 'cron(0 18 ? * SAT *)'),
      tags: c.tags(cleanup, 'tags', '/drillCleanup'),
      olderThanMinutes: c.integer(
        cleanup,
        'olderThanMinutes',
        '/drillCleanup',
        480,
        (n) => n >= 1,
        'an integer >= 1',
      ),
    },
  };
  if (
    config.drOrganizationalUnitPath !== '' &&
    !config.drOrganizationalUnitPath.startsWith(`${config.organizationId}/`)
  ) {
    c.problems.push({
      pointer: '/drOrganizationalUnitPath',
      message: `must start with the organization id ${config.organizationId}/, got ${JSON.stringify(config.drOrganizationalUnitPath)}`,
    });
  }
  // Short enough that `<prefix>-results-<account>-<region>` stays within S3's 63 characters.
  const namePrefix =
    raw.namePrefix === undefined
      ? undefined
      : c.string(raw, 'namePrefix', '', /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/);
  if (c.problems.length > 0) throw new ValidationError(c.problems, 'deployment configuration');
  const stagingRole = resourceNames(namePrefix).stagingRole;
  const stagingAccounts = parseStagingAccounts(stagingAccountsRaw);
  // The orchestrator's policies name the staging roles by pattern (any account of the DR OU), so
  // a registry entry must name the role the iam-roles stack creates.
  const strangers = stagingAccounts
    .map((a, i) => ({ i, name: a.roleArn.slice(a.roleArn.indexOf(':role/') + ':role/'.length) }))
    .filter((a) => a.name !== stagingRole);
  if (strangers.length > 0) {
    throw new ValidationError(
      strangers.map((a) => ({
        pointer: `/stagingAccounts/${a.i}/roleArn`,
        message: `must name the role ${stagingRole} that the iam-roles stack creates, got role/${a.name}`,
      })),
      'staging accounts configuration',
    );
  }
  return { ...config, stagingAccounts, ...(namePrefix === undefined ? {} : { namePrefix }) };
}

/**
 * Reads and validates `<configDir>/deployment.json` and the staging accounts file it names.
 *
 * @param configDir directory holding the files. @default `<repo>/config`
 * @throws {ValidationError} when either document is invalid.
 * @example const config = loadDeploymentConfig();
 */
export function loadDeploymentConfig(configDir: string = join(REPO_ROOT, 'config')): DeploymentConfig {
  const raw: unknown = JSON.parse(readFileSync(join(configDir, 'deployment.json'), 'utf8'));
  const file =
    isObject(raw) && typeof raw.stagingAccountsFile === 'string'
      ? raw.stagingAccountsFile
      : 'staging-accounts.json';
  const staging = readFileSync(join(configDir, file), 'utf8');
  return parseDeploymentConfig(raw, staging);
}
