/**
 * Permissions of the one-recovery-account topology (README "Choosing a topology"): what the
 * orchestration role may do in a target (recovery) account beyond a staging account's operations,
 * and the staging role DRS assumes in each staging account to read it for the target account.
 *
 * Plain module: importing it never loads `aws-cdk-lib`.
 */
import type { ArnContext, IamStatementJson } from './staging-role-permissions.js';

/**
 * DRS list calls of the extend task in a target account (no resource-level permissions). Only
 * what the task calls: `ListStagingAccounts` is not.
 */
export const DRS_EXTENSION_LIST_ACTIONS: readonly string[] = ['drs:ListExtensibleSourceServers'];

/**
 * The statements the orchestration role gets in a target account, on top of the operations policy
 * every staging account has: create extended source servers in this account (from the staging
 * source servers named in the request, any registered staging account in this Region), and tag
 * them (the extend task keeps their tags in step with the staging servers', which the actions
 * select by).
 *
 * @example recoveryAccountStatements({ partition: 'aws', accountId: '999999999999', region: 'us-east-2' })
 */
export function recoveryAccountStatements(ctx: ArnContext): IamStatementJson[] {
  const ownServers = `arn:${ctx.partition}:drs:${ctx.region}:${ctx.accountId}:source-server/*`;
  return [
    {
      Sid: 'DrsListExtensible',
      Effect: 'Allow',
      Action: DRS_EXTENSION_LIST_ACTIONS,
      Resource: '*',
    },
    {
      Sid: 'DrsCreateExtendedSourceServer',
      Effect: 'Allow',
      Action: ['drs:CreateExtendedSourceServer'],
      // The request names the staging server (another account); the server created is this account's.
      Resource: [ownServers, `arn:${ctx.partition}:drs:${ctx.region}:*:source-server/*`],
    },
    {
      Sid: 'DrsTagExtendedSourceServers',
      Effect: 'Allow',
      Action: ['drs:TagResource'],
      Resource: ownServers,
    },
  ];
}

/** Path and name of the staging role of a staging account for one target account (DRS "Staging role"). */
export function drsStagingRoleName(targetAccountId: string): string {
  return `DRSStagingAccountRole_${targetAccountId}`;
}

/** The AWS managed policy DRS attaches to its staging role (DRS user guide, "Adding a trusted account"). */
export const DRS_STAGING_ACCOUNT_MANAGED_POLICY = 'AWSElasticDisasterRecoveryStagingAccountPolicy_v2';

/**
 * The trust policy of the staging role, as the DRS console creates it: DRS may assume it only for
 * source servers of the target account (`aws:SourceAccount` and `sts:SourceIdentity`).
 */
export function drsStagingRoleTrust(targetAccountId: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'drs.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        Condition: {
          StringLike: { 'sts:SourceIdentity': targetAccountId, 'aws:SourceAccount': targetAccountId },
          ArnLike: { 'aws:SourceArn': 'arn:aws:drs:*:*:source-server/*' },
        },
      },
    ],
  };
}
