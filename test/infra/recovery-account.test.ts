import { describe, expect, it } from 'vitest';
import { loadDeploymentConfig } from '../../infra/config.js';
import { recoveryAccountStatements } from '../../infra/recovery-account-permissions.js';
import { parseStagingAccounts } from '../../src/contract/index.js';
import { starActions, synthesize, unacknowledgedFindings, wildcardWrites } from './support.js';

const TARGET = '999999999999';
const base = loadDeploymentConfig();
const stagingAccounts = parseStagingAccounts({
  stagingAccounts: ['111111111111', '222222222222', '333333333333'].map((id, i) => ({
    accountId: id,
    region: 'us-east-2',
    roleArn: `arn:aws:iam::${id}:role/DRS-Orchestration-Role`,
    ...(i < 2 && {
      recoveryAccount: {
        accountId: TARGET,
        region: 'us-east-2',
        roleArn: `arn:aws:iam::${TARGET}:role/DRS-Orchestration-Role`,
      },
    }),
  })),
});
const built = synthesize({ stacks: ['iam-roles'], config: { ...base, stagingAccounts } });
const stack = built.iamRoles as NonNullable<typeof built.iamRoles>;
const template = built.template(stack);
const json = template.toJSON() as {
  Conditions: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
};

describe('Stack: iam-roles (one recovery account)', () => {
  it('gives DRS-Orchestration-Role the extension policy only in the recovery account', () => {
    const policies = Object.values(json.Resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::ManagedPolicy' && String(r.Properties.ManagedPolicyName).endsWith('-Extension'),
    );

    expect(policies).toHaveLength(1);
    expect(policies[0]?.Condition).toBe('IsRecoveryAccount');
    expect(json.Conditions.IsRecoveryAccount).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, TARGET] });
    expect(
      (policies[0]?.Properties.PolicyDocument as { Statement: unknown[] } | undefined)?.Statement,
    ).toEqual(
      recoveryAccountStatements({
        partition: '${AWS::Partition}',
        accountId: '${AWS::AccountId}',
        region: '${AWS::Region}',
      }).map((s) =>
        expect.objectContaining({ Sid: s.Sid, Action: s.Action.length === 1 ? s.Action[0] : s.Action }),
      ),
    );
  });

  it('creates the DRS staging role only in the staging accounts behind the target, trusted by DRS for that target only', () => {
    const roles = Object.values(json.Resources).filter(
      (r) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName === `DRSStagingAccountRole_${TARGET}`,
    );

    expect(roles).toHaveLength(1);
    expect(roles[0]?.Properties.Path).toBe('/service-role/');
    expect(json.Conditions[roles[0]?.Condition as string]).toEqual({
      'Fn::Or': [
        { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, '111111111111'] },
        { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, '222222222222'] },
      ],
    });
    expect(roles[0]?.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Principal: { Service: 'drs.amazonaws.com' },
          Condition: { StringLike: { 'aws:SourceAccount': TARGET, 'sts:SourceIdentity': TARGET } },
        },
      ],
    });
  });

  it('stays least privilege: no * action, no write on "*", no unacknowledged cdk-nag finding', () => {
    expect(starActions(template)).toEqual([]);
    expect(wildcardWrites(template)).toEqual([]);
    expect(unacknowledgedFindings(built.app, stack)).toEqual([]);
  });

  it('adds nothing to a registry without a recovery account', () => {
    const plain = synthesize({ stacks: ['iam-roles'] });
    const resources = JSON.stringify(
      plain.template(plain.iamRoles as NonNullable<typeof plain.iamRoles>).toJSON(),
    );

    expect(resources).not.toContain('DRSStagingAccountRole_');
    expect(resources).not.toContain('-Extension');
  });
});
