/**
 * The fleet file format: the AWS estate the emulator serves (accounts, their DRS source servers,
 * IAM roles, SSM parameters, S3 buckets, SNS topics, DRS quotas). JSON Schema:
 * `schemas/fleet.schema.json`. Optional fields get realistic defaults on load.
 */

import type { SiteOutage } from '../faults.js';

/** DRS data replication states (model enum `DataReplicationState`). */
export type DataReplicationState =
  | 'STOPPED'
  | 'INITIATING'
  | 'INITIAL_SYNC'
  | 'BACKLOG'
  | 'CREATING_SNAPSHOT'
  | 'CONTINUOUS'
  | 'PAUSED'
  | 'RESCAN'
  | 'STALLED'
  | 'DISCONNECTED';

/** An IAM policy document (as in AWS: Version + Statement). */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly Record<string, unknown>[] | Record<string, unknown>;
}

/** An IAM role the fleet defines (the only roles STS AssumeRole can assume). */
export interface FleetRole {
  /** Role name, e.g. `DRS-Orchestration-Role`. */
  readonly name: string;
  /** Trust policy (who may assume it). */
  readonly trustPolicy: PolicyDocument;
  /**
   * Identity policies. A role without policies is unrestricted, so ordinary tests need none.
   * @default []
   */
  readonly policies?: readonly PolicyDocument[];
}

/** DRS quotas of one account (Service Quotas codes in docs/architecture.md §3). */
export interface FleetQuotas {
  /** L-B827C881. @default 100 */
  readonly serversPerJob?: number;
  /** L-05AFA8C6. @default 500 */
  readonly serversInAllActiveJobs?: number;
  /** L-D88FAC3A. @default 20 */
  readonly concurrentJobs?: number;
  /** L-DD6D028C. @default 1 */
  readonly jobsPerSourceServer?: number;
  /** L-C1D14A2B, checked when the fleet loads. @default 300 */
  readonly replicatingServers?: number;
  /** Source servers (extended ones included) as a target account. @default 3000 */
  readonly sourceServersPerTargetAccount?: number;
}

/** One DRS source server. */
export interface FleetSourceServer {
  /** `s-` + 17 alphanumerics; generated from the seed when absent. */
  readonly sourceServerID?: string;
  readonly hostname: string;
  readonly fqdn?: string;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
  /** Operating system full string. @default 'Microsoft Windows Server 2019 Datacenter' or a Linux string */
  readonly os?: string;
  /** @default 'CONTINUOUS' */
  readonly replicationState?: DataReplicationState;
  /** Replication lag in seconds. @default a few seconds */
  readonly lagSeconds?: number;
  /** @default 'ON_PREMISES' */
  readonly originEnvironment?: 'ON_PREMISES' | 'AWS';
  /** For AWS origin: where the source instance runs. */
  readonly originAccountID?: string;
  readonly originRegion?: string;
  /** For AWS origin: the source EC2 instance (`identificationHints.awsInstanceID`). @default seeded */
  readonly sourceInstanceID?: string;
  /** For AWS origin: the source EC2 instance's type. @default recommendedInstanceType */
  readonly sourceInstanceType?: string;
  /** Private IPv4 addresses of the primary NIC. @default one 10.x address */
  readonly ips?: readonly string[];
  readonly disks?: readonly { readonly deviceName: string; readonly bytes: number }[];
  readonly cpus?: readonly { readonly cores: number; readonly modelName: string }[];
  readonly ramBytes?: number;
  readonly recommendedInstanceType?: string;
  /** When it was added to DRS (ISO-8601). @default 30 days before the fleet start */
  readonly addedToServiceDateTime?: string;
}

/** An SSM String parameter. */
export interface FleetSsmParameter {
  readonly name: string;
  readonly value: string;
  /** @default 'String' */
  readonly type?: 'String' | 'StringList' | 'SecureString';
}

/** An S3 bucket owned by the account. */
export interface FleetBucket {
  readonly name: string;
  /** Other accounts that may read and write objects. @default [] */
  readonly allowAccounts?: readonly string[];
  /** Default encryption with this KMS key of the account (`kmsKeys[].keyId`). @default SSE-S3 */
  readonly kmsKeyId?: string;
}

/** A KMS key of the account, with its key policy (the emulator evaluates it for S3's SSE-KMS writes). */
export interface FleetKmsKey {
  /** The key id (`arn:aws:kms:<region>:<account>:key/<keyId>`). */
  readonly keyId: string;
  /** `alias/...` names of the key. @default [] */
  readonly aliases?: readonly string[];
  readonly policy: PolicyDocument;
}

/** One AWS account of the fleet. */
export interface FleetAccount {
  /** 12 digits. */
  readonly accountId: string;
  /** The region its DRS (and other regional services) live in, e.g. `us-east-2`. */
  readonly region: string;
  /**
   * Path of the account in the fleet's AWS Organization, as `aws:PrincipalOrgPaths` and
   * `aws:ResourceOrgPaths` carry it (`o-.../r-.../ou-.../`).
   * @default the DR OU (`FLEET_DR_OU_PATH`) for a staging account, the platform OU for the orchestrator account
   */
  readonly organizationPath?: string;
  readonly name?: string;
  readonly quotas?: FleetQuotas;
  readonly roles?: readonly FleetRole[];
  readonly ssmParameters?: readonly FleetSsmParameter[];
  readonly s3Buckets?: readonly FleetBucket[];
  /** KMS keys (their policies matter for buckets encrypted with them). @default [] */
  readonly kmsKeys?: readonly FleetKmsKey[];
  /** SNS topic names (the ARN is built from account and region). */
  readonly snsTopics?: readonly string[];
  readonly sourceServers?: readonly FleetSourceServer[];
  /**
   * Staging accounts whose every source server is extended into this (target) account when the
   * fleet loads (as CreateExtendedSourceServer would). @default []
   */
  readonly extendedFrom?: readonly string[];
  /** Route 53 hosted zones (runbook dns steps). */
  readonly hostedZones?: readonly FleetHostedZone[];
  /** Route 53 health checks (runbook wait steps). */
  readonly healthChecks?: readonly FleetHealthCheck[];
  /** Lambda functions runbook lambda steps may invoke. */
  readonly lambdaFunctions?: readonly FleetLambdaFunction[];
  /** SSM documents runbook steps may run (AWS-* Command documents always exist). */
  readonly ssmDocuments?: readonly FleetSsmDocument[];
}

/** A hosted zone and its records. */
export interface FleetHostedZone {
  /** `Z...`, without `/hostedzone/`. */
  readonly id: string;
  /** `example.com` */
  readonly name: string;
  readonly records?: readonly {
    readonly name: string;
    readonly type: 'A' | 'AAAA' | 'CNAME' | 'TXT';
    readonly ttl?: number;
    readonly values: readonly string[];
    readonly setIdentifier?: string;
    readonly weight?: number;
    readonly failover?: 'PRIMARY' | 'SECONDARY';
  }[];
}

/** A health check: healthy `healthyAfterSeconds` after it was first asked about. */
export interface FleetHealthCheck {
  readonly id: string;
  /** @default 0 */
  readonly healthyAfterSeconds?: number;
  /** Route 53 checkers reporting. @default 8 */
  readonly checkers?: number;
}

/** A Lambda function: a canned answer, an error, or a Node module's `handler(event)`. */
export interface FleetLambdaFunction {
  readonly name: string;
  /** @default `{ "ok": true }` */
  readonly answer?: unknown;
  readonly error?: { readonly type: string; readonly message?: string };
  /** ESM file (relative to the working directory) exporting `handler(event)`. */
  readonly module?: string;
}

/** An SSM document steps may run. */
export interface FleetSsmDocument {
  readonly name: string;
  readonly type: 'Command' | 'Automation';
  /** Virtual seconds a run takes. @default 20 */
  readonly durationSeconds?: number;
  /** A command's standard output on each instance. */
  readonly output?: string;
}

/** A whole fleet file. */
export interface Fleet {
  readonly $schema?: string;
  readonly name?: string;
  /** Seed for every random choice (IDs, durations). @default 1 */
  readonly seed?: number;
  /** Virtual time at start (ISO-8601). @default the wall clock at start */
  readonly startTime?: string;
  /** The account `test`/`test` credentials belong to. @default '123456789012' */
  readonly orchestratorAccountId?: string;
  readonly accounts: readonly FleetAccount[];
  /**
   * Source sites that are down (a disaster to rehearse): the chosen servers are STALLED with
   * AGENT_NOT_SEEN from `at` (default: the fleet's start) on. Same shape as the fault.
   */
  readonly siteOutages?: readonly SiteOutage[];
}
