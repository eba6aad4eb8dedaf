/**
 * Issue 21 point 1: an organization's own CDK app (examples/cdk-app/) embeds the construct
 * library with non-default props (another stack-name prefix, a permissions boundary, two DR
 * Regions, bootstrap-free staging templates, an enabled drill); the same template checks and
 * cdk-nag hold for what it synthesizes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { exampleApp } from '../../examples/cdk-app/app.js';
import { type PolicyDocument, trustAllows } from '../../src/emulator/auth/iam-policy.js';
import {
  FIXTURE_HANDLERS,
  policyStatements,
  resourcesOf,
  starActions,
  unacknowledgedFindings,
  wildcardWrites,
} from './support.js';

const { app, orchestrator, staging } = exampleApp({
  outdir: mkdtempSync(join(tmpdir(), 'drs-example-')),
  handlersDir: FIXTURE_HANDLERS,
  nag: false,
});
app.synth();
const stacks: Stack[] = [
  orchestrator.main,
  orchestrator.observability,
  ...staging.regions.flatMap((r) =>
    [r.iamRoles, r.executor].filter((s): s is NonNullable<typeof s> => s !== undefined),
  ),
];
const templates = new Map(stacks.map((s) => [s, Template.fromStack(s)]));
const templateOf = (s: Stack) => templates.get(s) as Template;

describe('Example app (examples/cdk-app): the construct library with non-default props', () => {
  it('builds six stacks under the acme-dr prefix: the orchestrator pair and a staging pair per DR Region', () => {
    expect(stacks.map((s) => s.stackName).sort()).toEqual([
      'acme-dr-iam-roles-eu-north-1',
      'acme-dr-iam-roles-eu-west-1',
      'acme-dr-main-orchestrator',
      'acme-dr-observability',
      'acme-dr-staging-account-executor-eu-north-1',
      'acme-dr-staging-account-executor-eu-west-1',
    ]);
    expect(staging.regions.map((r) => r.executor?.region)).toEqual(['eu-west-1', 'eu-north-1']);
  });

  it('puts the permissions boundary on every role of every stack', () => {
    for (const stack of stacks) {
      const roles = Object.entries(resourcesOf(templateOf(stack), 'AWS::IAM::Role'));
      expect(roles.length, stack.stackName).toBeGreaterThan(0);
      for (const [id, role] of roles) {
        expect(JSON.stringify(role.PermissionsBoundary), `${stack.stackName}/${id}`).toContain(
          ':policy/AcmeWorkloadBoundary',
        );
      }
    }
  });

  it('has no unacknowledged cdk-nag finding, no * action and no write on Resource "*" in any stack', () => {
    for (const stack of stacks) {
      expect(unacknowledgedFindings(app, stack), stack.stackName).toEqual([]);
      expect(starActions(templateOf(stack)), stack.stackName).toEqual([]);
      expect(wildcardWrites(templateOf(stack)), stack.stackName).toEqual([]);
    }
  });

  it('writes staging templates that need no CDK bootstrap, with code from the Region’s artifact bucket', () => {
    for (const region of staging.regions) {
      for (const stack of [region.iamRoles, region.executor]) {
        const template = templateOf(stack as Stack).toJSON();
        expect(Object.keys(template.Parameters ?? {})).not.toContain('BootstrapVersion');
        expect(Object.keys(template.Rules ?? {})).not.toContain('CheckBootstrapVersion');
        expect(JSON.stringify(template)).not.toContain('cdk-hnb659fds');
      }
    }
    expect(staging.artifacts.size).toBe(9);
  });

  it('trusts only the example orchestrator’s named task roles in the staging role, and admits the example OU', () => {
    const iamRoles = staging.regions[0]?.iamRoles as Stack;
    const [role] = Object.values(resourcesOf(templateOf(iamRoles), 'AWS::IAM::Role')).filter(
      (r) => r.RoleName === 'acme-dr-role',
    );
    const trust = JSON.parse(
      JSON.stringify(role?.AssumeRolePolicyDocument)
        .replace(/\{"Ref":"AWS::Partition"\}/g, '"aws"')
        .replace(/\{"Fn::Join":\["",\[([^\]]*)\]\]\}/g, (_m, parts: string) =>
          JSON.stringify((JSON.parse(`[${parts}]`) as string[]).join('')),
        ),
    ) as PolicyDocument;
    const discover = 'arn:aws:iam::210987654321:role/acme-dr-task-discover';
    const keys = (arn: string) => ({ 'aws:PrincipalArn': arn, 'aws:PrincipalOrgID': 'o-acmeorg0001' });
    expect(
      trustAllows(trust, { arn: discover, accountId: '210987654321', roleArn: discover }, keys(discover)),
    ).toBe(true);
    const admin = 'arn:aws:iam::210987654321:role/Admin';
    expect(trustAllows(trust, { arn: admin, accountId: '210987654321', roleArn: admin }, keys(admin))).toBe(
      false,
    );
    const bucketPolicy = policyStatements(templateOf(orchestrator.main)).find(
      (s) => (s.statement as { Sid?: string }).Sid === 'ExecutorsWriteAccountRecords',
    );
    expect(bucketPolicy?.statement.Condition?.['ForAnyValue:StringLike']).toEqual({
      'aws:PrincipalOrgPaths': ['o-acmeorg0001/r-ac01/ou-ac01-drzone01/*'],
    });
  });

  it('enables only the schedule the app turned on', () => {
    const rules = Object.values(resourcesOf(templateOf(orchestrator.observability), 'AWS::Events::Rule'));
    const drill = rules.find((r) => r.Name === 'acme-dr-weekly-drill');
    expect(drill?.State).toBe('ENABLED');
    expect(drill?.ScheduleExpression).toBe('cron(0 5 ? * SUN *)');
    expect(rules.find((r) => r.Name === 'acme-dr-drill-cleanup-schedule')?.State).toBe('DISABLED');
  });
});
