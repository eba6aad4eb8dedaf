/**
 * Props shared by the construct library's {@link DrsOrchestrator} and {@link DrsStagingAccount}:
 * what an organization decides (its accounts, OU, Regions, names, boundary), turned into the
 * validated {@link DeploymentConfig} the stacks are built from.
 */
import type { IStackSynthesizer } from 'aws-cdk-lib';
import { type DeploymentConfig, parseDeploymentConfig } from '../config.js';
import { resourceNames } from '../names.js';

/** A staging account of the registry (design 6.1 entry). */
export interface DrsStagingAccountEntry {
  /** 12 digits. */
  readonly accountId: string;
  /** Its DR Region (where DRS recovers its servers). */
  readonly region: string;
  /** @default `arn:aws:iam::<accountId>:role/DRS-Orchestration-Role` */
  readonly roleArn?: string;
  /** @default 300 */
  readonly maxServers?: number;
  /** @default its position in the list, from 1 */
  readonly priority?: number;
  /**
   * The recovery (target) account its servers recover into as extended source servers (README,
   * "Choosing a topology"). @default none: they recover in this account
   */
  readonly recoveryAccount?: {
    readonly accountId: string;
    readonly region: string;
    readonly roleArn: string;
    readonly maxSourceServers?: number;
  };
}

/** A schedule of design 8.3; off unless `enabled` is true. */
export interface DrsScheduleProps {
  /** @default false: an enabled drill launches real recovery instances in every staging account */
  readonly enabled?: boolean;
  /** EventBridge schedule expression. @default weekly drill `cron(0 6 ? * SAT *)`, cleanup `cron(0 18 ? * SAT *)` */
  readonly schedule?: string;
  /** Tags selecting the servers. @default `{ "DR-Wave": "1" }` */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Props both constructs take. */
export interface DrsCommonProps {
  /** Account of the main state machine, the results bucket and observability. */
  readonly orchestratorAccountId: string;
  /** Region of the orchestrator stacks. */
  readonly orchestratorRegion: string;
  /** AWS Organizations id (`o-...`). */
  readonly organizationId: string;
  /**
   * Path of the OU holding the staging accounts (`o-.../r-.../ou-.../`): trust, bucket and key
   * policies admit its accounts by `aws:PrincipalOrgPaths`. @default the whole organization
   */
  readonly drOrganizationalUnitPath?: string;
  /**
   * Prefix of the CloudFormation stack names (`<prefix>-main-orchestrator`, ...) and of every
   * physical resource name (roles, functions, state machines, bucket, topic, key aliases: see
   * `resourceNames` in infra/names.ts); the deployed tasks are told the names they need by
   * environment variables. The default gives today's names. @default 'drs-orchestration'
   */
  readonly stackNamePrefix?: string;
  /**
   * Name of a customer-managed policy applied as the permissions boundary of every role the
   * stacks create. @default none
   */
  readonly permissionsBoundaryPolicyName?: string;
  /** Synthesizer of every stack. @default the CDK default (bootstrapped accounts) */
  readonly synthesizer?: IStackSynthesizer;
  /** Retention of every log group, in days. @default 90 */
  readonly logRetentionDays?: number;
  /** Role DRS attaches to recovery instances. @default 'service-role/AWSElasticDisasterRecoveryRecoveryInstanceRole' */
  readonly recoveryInstanceRole?: string;
  /** Handler sources (tests use stand-ins). @default `<repo>/src/handlers` */
  readonly handlersDir?: string;
  /** Directory for the Lambda bundles. @default `<cdk outdir>/.bundles` */
  readonly bundleDir?: string;
}

/**
 * The validated deployment configuration these props describe (the same checks as
 * `config/deployment.json`).
 *
 * @throws {ValidationError} naming each bad prop.
 */
export function deploymentConfigOf(
  props: DrsCommonProps & {
    readonly stagingAccounts?: readonly DrsStagingAccountEntry[];
    readonly weeklyDrill?: DrsScheduleProps & { readonly maxWaitMinutes?: number };
    readonly drillCleanup?: DrsScheduleProps & { readonly olderThanMinutes?: number };
    readonly resultsExpirationDays?: number;
  },
  fallbackRegion: string,
): DeploymentConfig {
  const accounts = props.stagingAccounts ?? [];
  const entries = (
    accounts.length > 0 ? accounts : [{ accountId: '000000000000', region: fallbackRegion }]
  ).map((a, i) => ({
    accountId: a.accountId,
    region: a.region,
    roleArn:
      a.roleArn ?? `arn:aws:iam::${a.accountId}:role/${resourceNames(props.stackNamePrefix).stagingRole}`,
    maxServers: a.maxServers ?? 300,
    priority: a.priority ?? i + 1,
    ...(a.recoveryAccount === undefined ? {} : { recoveryAccount: { ...a.recoveryAccount } }),
  }));
  const tags = { 'DR-Wave': '1' };
  const config = parseDeploymentConfig(
    {
      orchestratorAccountId: props.orchestratorAccountId,
      region: props.orchestratorRegion,
      organizationId: props.organizationId,
      ...(props.stackNamePrefix === undefined ? {} : { namePrefix: props.stackNamePrefix }),
      ...(props.drOrganizationalUnitPath === undefined
        ? {}
        : { drOrganizationalUnitPath: props.drOrganizationalUnitPath }),
      ...(props.recoveryInstanceRole === undefined
        ? {}
        : { recoveryInstanceRole: props.recoveryInstanceRole }),
      ...(props.logRetentionDays === undefined ? {} : { logRetentionDays: props.logRetentionDays }),
      ...(props.resultsExpirationDays === undefined
        ? {}
        : { resultsExpirationDays: props.resultsExpirationDays }),
      weeklyDrill: { tags, ...props.weeklyDrill },
      drillCleanup: { tags, ...props.drillCleanup },
    },
    { stagingAccounts: entries },
  );
  return accounts.length > 0 ? config : { ...config, stagingAccounts: [] };
}
