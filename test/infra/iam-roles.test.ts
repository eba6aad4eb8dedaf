import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStagingRolePolicy, loadTemplateRoles } from '../../infra/policies.js';
import {
  DENIED_DRS_ACTIONS,
  EC2_WRITE_VIA_DRS_ACTIONS,
  stagingRoleStatements,
} from '../../infra/staging-role-permissions.js';
import { templateToYaml } from '../../infra/synth.js';
import { evaluatePolicies, type PolicyDocument, trustAllows } from '../../src/emulator/auth/iam-policy.js';
import { authorize } from '../../src/emulator/auth/required-actions.js';
import { DRS_REQUIREMENTS } from '../../src/emulator/services/drs/iam.js';
import {
  acknowledgements,
  starActions,
  synthesize,
  unacknowledgedFindings,
  wildcardWrites,
} from './support.js';

const built = synthesize({ stacks: ['iam-roles'] });
const stack = built.iamRoles as NonNullable<typeof built.iamRoles>;
const template = built.template(stack);
const STAGING = { accountId: '111111111111', region: 'us-east-2' };
/** The staging role's context with DRS's dependent actions. */
const CHECKED = { ...STAGING, requirements: DRS_REQUIREMENTS };
const templatePath = join(mkdtempSync(join(tmpdir(), 'drs-iam-')), 'iam-roles.yaml');
writeFileSync(templatePath, templateToYaml(template.toJSON()));
const staging = loadStagingRolePolicy(templatePath, STAGING);
const docs = staging.policyDocuments as unknown as PolicyDocument[];
const RECOVERY_ROLE = `arn:aws:iam::${STAGING.accountId}:role/service-role/AWSElasticDisasterRecoveryRecoveryInstanceRole`;
const SERVER = `arn:aws:drs:${STAGING.region}:${STAGING.accountId}:source-server/s-1234567890abcdef0`;

describe('Stack: iam-roles', () => {
  it('has no unacknowledged cdk-nag AwsSolutions finding, and every acknowledgement gives a reason', () => {
    expect(unacknowledgedFindings(built.app, stack)).toEqual([]);
    const acks = acknowledgements(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(String(ack.reason).length, ack.id).toBeGreaterThan(20);
  });

  it('grants no * or service:* action and no write on Resource "*"', () => {
    expect(starActions(template)).toEqual([]);
    expect(wildcardWrites(template)).toEqual([]);
  });

  it('renders exactly the statements of staging-role-permissions.ts (what is deployed is what is tested)', () => {
    const expected = stagingRoleStatements(
      { partition: 'aws', ...STAGING },
      built.config.recoveryInstanceRole,
    );
    // CloudFormation (and CDK) write a one-element list as a scalar; IAM reads both the same way.
    const normalize = (s: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(s).map(([k, v]) => [k, k === 'Action' || k === 'Resource' ? [v].flat() : v]),
      );
    const rendered = staging.policyDocuments.flatMap((d) => d.Statement).map(normalize);
    expect(rendered).toEqual(expected.map((s) => normalize(JSON.parse(JSON.stringify(s)))));
  });

  it('lets the staging role neither disconnect, stop replicating nor delete a source server: explicit Deny, no Allow', () => {
    for (const action of DENIED_DRS_ACTIONS) {
      expect(evaluatePolicies(docs, { action, resource: SERVER }), action).toBe('ExplicitDeny');
      const allows = docs
        .flatMap((d) => (Array.isArray(d.Statement) ? d.Statement : [d.Statement]))
        .filter((s) => s.Effect === 'Allow')
        .filter((s) => evaluatePolicies([{ Statement: [s] }], { action, resource: SERVER }) === 'Allow');
      expect(allows, action).toEqual([]);
    }
  });

  it('allows every DRS read the tasks make, the job log the evidence report shows (DescribeJobLogItems) included', () => {
    for (const action of [
      'drs:DescribeJobLogItems',
      'drs:DescribeJobs',
      'drs:DescribeRecoveryInstances',
      'drs:DescribeRecoverySnapshots',
      'drs:DescribeSourceServers',
    ]) {
      expect([action, evaluatePolicies(docs, { action, resource: '*' })]).toEqual([action, 'Allow']);
    }
  });

  it('allows StartRecovery with every dependent action of the service authorization reference', () => {
    const result = authorize(docs, 'drs:StartRecovery', SERVER, {
      ...CHECKED,
      tagsOnCreate: true,
      passRoleArn: RECOVERY_ROLE,
    });
    expect(result.missing).toEqual([]);
  });

  it('allows TerminateRecoveryInstances, StartFailbackLaunch and ReverseReplication with their dependent actions, on this account and Region only', () => {
    const instance = `arn:aws:drs:${STAGING.region}:${STAGING.accountId}:recovery-instance/i-0123456789abcdef0`;
    const elsewhere = `arn:aws:drs:us-west-2:${STAGING.accountId}:recovery-instance/i-0123456789abcdef0`;
    expect(evaluatePolicies(docs, { action: 'drs:ReverseReplication', resource: elsewhere })).toBe(
      'ImplicitDeny',
    );
    for (const action of [
      'drs:TerminateRecoveryInstances',
      'drs:StartFailbackLaunch',
      'drs:ReverseReplication',
    ]) {
      expect(authorize(docs, action, instance, { ...CHECKED, tagsOnCreate: true }).missing, action).toEqual(
        [],
      );
    }
  });

  it('grants the EC2 dependent actions DRS documents without an aws:ViaAWSService condition, in this account and Region only', () => {
    // No AWS document says DRS calls EC2 through forward access sessions: a condition could deny
    // the first real StartRecovery (issue 21), so the documented dependent actions are granted.
    const volume = `arn:aws:ec2:${STAGING.region}:${STAGING.accountId}:volume/vol-0123456789abcdef0`;
    const elsewhere = `arn:aws:ec2:us-west-2:${STAGING.accountId}:volume/vol-0123456789abcdef0`;
    const otherAccount = `arn:aws:ec2:${STAGING.region}:222222222222:volume/vol-0123456789abcdef0`;
    for (const action of EC2_WRITE_VIA_DRS_ACTIONS) {
      expect(evaluatePolicies(docs, { action, resource: volume }), action).toBe('Allow');
      expect(evaluatePolicies(docs, { action, resource: elsewhere }), action).toBe('ImplicitDeny');
      expect(evaluatePolicies(docs, { action, resource: otherAccount }), action).toBe('ImplicitDeny');
    }
    const conditionKeys = staging.policyDocuments
      .flatMap((d) => d.Statement)
      .flatMap((s) => Object.values((s.Condition ?? {}) as Record<string, Record<string, unknown>>))
      .flatMap((c) => Object.keys(c));
    expect(conditionKeys).not.toContain('aws:ViaAWSService');
  });

  it('passes only the recovery-instance role, and only to EC2', () => {
    const toEc2 = { 'iam:PassedToService': 'ec2.amazonaws.com' };
    expect(evaluatePolicies(docs, { action: 'iam:PassRole', resource: RECOVERY_ROLE, keys: toEc2 })).toBe(
      'Allow',
    );
    const other = `arn:aws:iam::${STAGING.accountId}:role/Admin`;
    expect(evaluatePolicies(docs, { action: 'iam:PassRole', resource: other, keys: toEc2 })).toBe(
      'ImplicitDeny',
    );
    const toLambda = { 'iam:PassedToService': 'lambda.amazonaws.com' };
    expect(evaluatePolicies(docs, { action: 'iam:PassRole', resource: RECOVERY_ROLE, keys: toLambda })).toBe(
      'ImplicitDeny',
    );
  });

  it('is assumable only by the orchestrator tasks that use it (discover, partition, describe-wave), from inside the organization', () => {
    const trust = staging.trustPolicy as unknown as PolicyDocument;
    const inOrg = { 'aws:PrincipalOrgID': built.config.organizationId };
    const caller = (arn: string) => ({ arn, accountId: arn.split(':')[4] as string, roleArn: arn });
    for (const task of ['discover', 'partition', 'describe-wave']) {
      const role = `arn:aws:iam::123456789012:role/DRS-Orchestration-Task-${task}`;
      expect(trustAllows(trust, caller(role), { ...inOrg, 'aws:PrincipalArn': role }), task).toBe(true);
      expect(
        trustAllows(trust, caller(role), {
          'aws:PrincipalOrgID': 'o-someoneelse1',
          'aws:PrincipalArn': role,
        }),
      ).toBe(false);
    }
    // Any other principal of the orchestrator account (it may call sts:AssumeRole) is refused.
    for (const other of [
      'arn:aws:iam::123456789012:role/Admin',
      'arn:aws:iam::123456789012:role/DRS-Orchestration-Task-aggregate',
      'arn:aws:iam::123456789012:root',
      'arn:aws:iam::999999999999:role/DRS-Orchestration-Task-discover',
    ]) {
      expect(trustAllows(trust, caller(other), { ...inOrg, 'aws:PrincipalArn': other }), other).toBe(false);
    }
    expect(staging.trustPolicy.Statement).toHaveLength(1);
  });

  it('lets only the start-executor and monitor-executor roles assume the executor-starter role', () => {
    const starter = loadTemplateRoles(templatePath, STAGING).find(
      (r) => r.roleName === 'DRS-Orchestration-Executor-Starter',
    );
    const trust = starter?.trustPolicy as unknown as PolicyDocument;
    const inOrg = { 'aws:PrincipalOrgID': built.config.organizationId };
    const caller = (roleArn: string) => ({ arn: roleArn, accountId: '123456789012', roleArn });
    for (const task of ['start-executor', 'monitor-executor']) {
      const role = `arn:aws:iam::123456789012:role/DRS-Orchestration-Task-${task}`;
      expect(trustAllows(trust, caller(role), { ...inOrg, 'aws:PrincipalArn': role })).toBe(true);
      expect(
        trustAllows(trust, caller(role), {
          'aws:PrincipalOrgID': 'o-someotherorg1',
          'aws:PrincipalArn': role,
        }),
      ).toBe(false);
    }
    for (const other of [
      'arn:aws:iam::123456789012:role/someone-else',
      // The main state machine no longer starts executors itself (no integration crosses Regions).
      'arn:aws:iam::123456789012:role/drs-orchestration-main-state-machine',
    ]) {
      expect(trustAllows(trust, caller(other), { ...inOrg, 'aws:PrincipalArn': other })).toBe(false);
    }
    const policies = Object.values(starter?.policies ?? {}) as unknown as PolicyDocument[];
    const executor = `arn:aws:states:${STAGING.region}:${STAGING.accountId}:stateMachine:drs-staging-account-executor`;
    expect(evaluatePolicies(policies, { action: 'states:StartExecution', resource: executor })).toBe('Allow');
    const otherMachine = `arn:aws:states:${STAGING.region}:${STAGING.accountId}:stateMachine:anything-else`;
    expect(evaluatePolicies(policies, { action: 'states:StartExecution', resource: otherMachine })).toBe(
      'ImplicitDeny',
    );
  });
});
