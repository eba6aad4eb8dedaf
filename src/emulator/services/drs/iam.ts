/**
 * What IAM checks besides a DRS action (Service Authorization Reference, "Actions defined by AWS
 * Elastic Disaster Recovery", dependent actions): DRS acts with the caller's permissions, so
 * `drs:StartRecovery` alone launches nothing.
 */
import type { ActionRequirements } from '../../auth/required-actions.js';

/** The EC2 actions DRS performs with the caller's permissions when it launches recovery instances. */
export const START_RECOVERY_EC2_ACTIONS: readonly string[] = [
  'AttachVolume',
  'AuthorizeSecurityGroupEgress',
  'AuthorizeSecurityGroupIngress',
  'CreateLaunchTemplate',
  'CreateLaunchTemplateVersion',
  'CreateSnapshot',
  'CreateTags',
  'CreateVolume',
  'DeleteLaunchTemplateVersions',
  'DeleteSnapshot',
  'DeleteVolume',
  'DescribeAccountAttributes',
  'DescribeAvailabilityZones',
  'DescribeImages',
  'DescribeInstanceAttribute',
  'DescribeInstanceStatus',
  'DescribeInstanceTypes',
  'DescribeInstances',
  'DescribeLaunchTemplateVersions',
  'DescribeLaunchTemplates',
  'DescribeSecurityGroups',
  'DescribeSnapshots',
  'DescribeSubnets',
  'DescribeVolumes',
  'DetachVolume',
  'ModifyInstanceAttribute',
  'ModifyLaunchTemplate',
  'RevokeSecurityGroupEgress',
  'RunInstances',
  'StartInstances',
  'StopInstances',
  'TerminateInstances',
].map((a) => `ec2:${a}`);

/** The role DRS passes to recovery instances (target of the `iam:PassRole` dependent action). */
export function defaultRecoveryInstanceRoleArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:role/service-role/AWSElasticDisasterRecoveryRecoveryInstanceRole`;
}

const DRS_PRINCIPAL = 'drs.amazonaws.com';
const TAG = 'drs:TagResource';

/** DRS's dependent actions; operations that create a resource and accept tags also need TagResource. */
export const DRS_REQUIREMENTS: ActionRequirements = {
  'drs:StartRecovery': {
    dependents: [
      'drs:CreateRecoveryInstanceForDrs',
      'drs:ListTagsForResource',
      'iam:PassRole',
      ...START_RECOVERY_EC2_ACTIONS,
    ],
    tagOnCreate: TAG,
    calledVia: DRS_PRINCIPAL,
    passRole: { role: defaultRecoveryInstanceRoleArn, passedToService: 'ec2.amazonaws.com' },
  },
  'drs:TerminateRecoveryInstances': {
    dependents: [
      'drs:DescribeSourceServers',
      'ec2:DeleteVolume',
      'ec2:DescribeInstances',
      'ec2:DescribeVolumes',
      'ec2:TerminateInstances',
    ],
    tagOnCreate: TAG,
    calledVia: DRS_PRINCIPAL,
  },
  'drs:StartFailbackLaunch': { tagOnCreate: TAG },
};
