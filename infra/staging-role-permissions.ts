/**
 * The permissions of `DRS-Orchestration-Role` (each staging account) and of the executor-starter
 * role, as plain IAM JSON. The iam-roles stack renders exactly these statements; tests and the
 * emulator evaluate the rendered template, so what is deployed is what is proven.
 *
 * Plain module: importing it never loads `aws-cdk-lib`.
 */
import { type ResourceNames, resourceNames } from './names.js';

/** Values the ARNs are built from (CloudFormation tokens at synth, concrete values in tests). */
export interface ArnContext {
  /** `aws`, `aws-cn`, ... */
  readonly partition: string;
  /** The staging account. */
  readonly accountId: string;
  /** The staging account's DRS region (the iam-roles stack is deployed there). */
  readonly region: string;
}

/** One IAM statement in policy JSON form. */
export interface IamStatementJson {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** DRS calls that would stop protecting a source server; never granted, always denied. */
export const DENIED_DRS_ACTIONS: readonly string[] = [
  'drs:DeleteSourceServer',
  'drs:DisconnectSourceServer',
  'drs:StopReplication',
];

/** Read-only DRS calls the tasks make (no resource-level permissions exist for Describe*). */
export const DRS_READ_ACTIONS: readonly string[] = [
  'drs:DescribeJobLogItems',
  'drs:DescribeJobs',
  'drs:DescribeRecoveryInstances',
  'drs:DescribeRecoverySnapshots',
  'drs:DescribeSourceServers',
  'drs:ListTagsForResource',
];

/** EC2 reads DRS performs with the caller's permissions during StartRecovery (docs/architecture.md §3). */
export const EC2_READ_VIA_DRS_ACTIONS: readonly string[] = [
  'ec2:DescribeAccountAttributes',
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeImages',
  'ec2:DescribeInstanceAttribute',
  'ec2:DescribeInstanceStatus',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:DescribeLaunchTemplates',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSnapshots',
  'ec2:DescribeSubnets',
  'ec2:DescribeVolumes',
];

/** EC2 writes DRS performs with the caller's permissions (StartRecovery and TerminateRecoveryInstances). */
export const EC2_WRITE_VIA_DRS_ACTIONS: readonly string[] = [
  'ec2:AttachVolume',
  'ec2:AuthorizeSecurityGroupEgress',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:CreateLaunchTemplate',
  'ec2:CreateLaunchTemplateVersion',
  'ec2:CreateSnapshot',
  'ec2:CreateTags',
  'ec2:CreateVolume',
  'ec2:DeleteLaunchTemplateVersions',
  'ec2:DeleteSnapshot',
  'ec2:DeleteVolume',
  'ec2:DetachVolume',
  'ec2:ModifyInstanceAttribute',
  'ec2:ModifyLaunchTemplate',
  'ec2:RevokeSecurityGroupEgress',
  'ec2:RunInstances',
  'ec2:StartInstances',
  'ec2:StopInstances',
  'ec2:TerminateInstances',
];

/** Tag keys the tasks put on every DRS job they start (docs/architecture.md §2.4). */
export const JOB_TAG_KEYS: readonly string[] = [
  'DR-Orchestration',
  'DR-CorrelationId',
  'DR-Action',
  'DR-ParentExecutionId',
];

/**
 * Where AWS documents the EC2 permissions DRS needs of its caller: the "Dependent actions" of
 * `drs:StartRecovery`, `drs:StartFailbackLaunch` and `drs:TerminateRecoveryInstances` in the
 * Service Authorization Reference. They are granted without an `aws:ViaAWSService` condition.
 * AWS's managed policy `AWSElasticDisasterRecoveryConsoleFullAccess` (v8) grants the same writes
 * only under `aws:ViaAWSService` true, so DRS does make them with forward access sessions and the
 * condition could be added (docs/drs-managed-policy-comparison.md compares the two policies).
 */
export const DRS_DEPENDENT_ACTIONS_SOURCE =
  'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticdisasterrecovery.html';

/**
 * The Allow and Deny statements of `DRS-Orchestration-Role`.
 *
 * @param recoveryInstanceRole role path+name DRS attaches to recovery instances,
 *   e.g. `service-role/AWSElasticDisasterRecoveryRecoveryInstanceRole`.
 * @example stagingRoleStatements({ partition: 'aws', accountId: '111111111111', region: 'us-east-2' }, 'service-role/X')
 */
export function stagingRoleStatements(ctx: ArnContext, recoveryInstanceRole: string): IamStatementJson[] {
  const drs = (resource: string) => `arn:${ctx.partition}:drs:${ctx.region}:${ctx.accountId}:${resource}`;
  const ec2 = (account: string, resource: string) =>
    `arn:${ctx.partition}:ec2:${ctx.region}:${account}:${resource}`;
  return [
    {
      Sid: 'DrsRead',
      Effect: 'Allow',
      Action: DRS_READ_ACTIONS,
      Resource: '*',
    },
    {
      Sid: 'DrsLaunchRecovery',
      Effect: 'Allow',
      Action: ['drs:CreateRecoveryInstanceForDrs', 'drs:StartRecovery'],
      Resource: drs('source-server/*'),
    },
    {
      Sid: 'DrsRecoveryInstances',
      Effect: 'Allow',
      // ReverseReplication: Region-to-Region failback of AWS-origin recovery instances.
      Action: ['drs:ReverseReplication', 'drs:StartFailbackLaunch', 'drs:TerminateRecoveryInstances'],
      Resource: drs('recovery-instance/*'),
    },
    {
      Sid: 'DrsTagJobsOnCreate',
      Effect: 'Allow',
      Action: ['drs:TagResource'],
      Resource: drs('job/*'),
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': JOB_TAG_KEYS } },
    },
    {
      Sid: 'ServiceQuotasRead',
      Effect: 'Allow',
      Action: ['servicequotas:GetServiceQuota'],
      Resource: `arn:${ctx.partition}:servicequotas:${ctx.region}:${ctx.accountId}:drs/*`,
    },
    {
      // DescribeInstances: terminate and status read instance states; DescribeInstanceStatus: the
      // health check after a launch. Neither supports resource-level permissions.
      Sid: 'Ec2DescribeInstances',
      Effect: 'Allow',
      Action: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus'],
      Resource: '*',
    },
    {
      // DRS's documented dependent reads (DRS_DEPENDENT_ACTIONS_SOURCE); no resource-level support.
      Sid: 'Ec2ReadForDrs',
      Effect: 'Allow',
      Action: EC2_READ_VIA_DRS_ACTIONS,
      Resource: '*',
    },
    {
      // DRS's documented dependent writes, on this account's EC2 resources in this Region only
      // (plus the images and snapshots RunInstances and CreateVolume name, which have no account).
      Sid: 'Ec2WriteForDrs',
      Effect: 'Allow',
      Action: EC2_WRITE_VIA_DRS_ACTIONS,
      Resource: [ec2(ctx.accountId, '*'), ec2('', 'image/*'), ec2('', 'snapshot/*')],
    },
    {
      Sid: 'PassRecoveryInstanceRole',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: `arn:${ctx.partition}:iam::${ctx.accountId}:role/${recoveryInstanceRole}`,
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    },
    {
      Sid: 'NeverStopProtection',
      Effect: 'Deny',
      Action: DENIED_DRS_ACTIONS,
      Resource: '*',
    },
  ];
}

/**
 * Statements of the executor-starter role: start, watch and stop the executor, and use its key
 * (its history is encrypted).
 */
export function executorStarterStatements(
  ctx: ArnContext,
  names: ResourceNames = resourceNames(),
): IamStatementJson[] {
  const states = (resource: string) =>
    `arn:${ctx.partition}:states:${ctx.region}:${ctx.accountId}:${resource}`;
  return [
    {
      Sid: 'StartExecutor',
      Effect: 'Allow',
      Action: ['states:StartExecution'],
      Resource: states(`stateMachine:${names.stateMachines.executor}`),
    },
    {
      Sid: 'WatchExecutor',
      Effect: 'Allow',
      Action: ['states:DescribeExecution', 'states:StopExecution'],
      Resource: states(`execution:${names.stateMachines.executor}:*`),
    },
    {
      // The executor's history is encrypted with this account's executor key: StartExecution
      // needs GenerateDataKey, DescribeExecution Decrypt. The key id is unknown to this stack
      // (another stack creates it), so the grant names its alias, and only through Step Functions.
      Sid: 'UseExecutorKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: `arn:${ctx.partition}:kms:${ctx.region}:${ctx.accountId}:key/*`,
      Condition: {
        StringEquals: { 'kms:ViaService': `states.${ctx.region}.amazonaws.com` },
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': names.keyAliases.executor },
      },
    },
  ];
}
