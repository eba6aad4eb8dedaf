import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../infra/config.js';
import { stepStatements } from '../../infra/step-permissions.js';
import { parseRunbook } from '../../src/contract/index.js';
import {
  actionsOf,
  policyStatements,
  synthesize,
  unacknowledgedFindings,
  wildcardWrites,
} from './support.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

function example(file: string) {
  return parseRunbook(parse(readFileSync(join(REPO_ROOT, 'examples', file), 'utf8')));
}

/** Every step kind, named resources only. */
const everyKind = parseRunbook({
  action: 'drill',
  approval: { topicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:dr-notifications` },
  waves: [
    {
      name: 'db',
      tags: { 'DR-Wave': '1' },
      before: [{ name: 'notify', kind: 'lambda', function: 'hrp-freeze:live' }],
      after: [
        { name: 'smoke', kind: 'ssm-command', document: 'AWS-RunShellScript' },
        { name: 'warm', kind: 'ssm-automation', document: 'HRP-Warm', instancesParameter: 'InstanceIds' },
      ],
    },
    {
      name: 'cut',
      steps: [
        { name: 'ok', kind: 'manual', instructions: 'go?' },
        {
          name: 'dns',
          kind: 'dns',
          hostedZoneId: 'Z0HRP',
          saveAs: 'hrp',
          fromWave: 'db',
          records: [{ name: 'a.x.com', type: 'A' }],
        },
        { name: 'healthy', kind: 'wait', healthCheckId: 'hc-1' },
      ],
    },
  ],
});

// One synthesis with every kind allowed, one without any step access (the default).
const withSteps = synthesize({
  stacks: ['main-orchestrator'],
  runbookSteps: { runbooks: [everyKind, example('service-failback-runbook.yaml')] },
});
const withoutSteps = synthesize({ stacks: ['main-orchestrator'] });

function wavesStatements(built: ReturnType<typeof synthesize>) {
  return policyStatements(built.template(built.main as NonNullable<typeof built.main>)).filter((s) =>
    s.resource.startsWith('WavesRole'),
  );
}

function sidOf(statement: unknown): unknown {
  return (statement as { Sid?: unknown }).Sid;
}

function bySid(
  built: ReturnType<typeof synthesize>,
): Record<string, { actions: string[]; resources: unknown }> {
  return Object.fromEntries(
    wavesStatements(built)
      .filter(
        (s) => typeof sidOf(s.statement) === 'string' && String(sidOf(s.statement)).startsWith('Runbook'),
      )
      .map((s) => [
        String(sidOf(s.statement)),
        { actions: actionsOf(s.statement), resources: s.statement.Resource },
      ]),
  );
}

/** Renders `{ "Fn::Join": ["", [...]] }` with the pseudo parameters of the orchestrator account. */
function rendered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rendered);
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) {
    return join[1]
      .map((p) => {
        if (typeof p === 'string') return p;
        const ref = (p as { Ref?: string }).Ref;
        return ref === 'AWS::Partition'
          ? 'aws'
          : ref === 'AWS::Region'
            ? REGION
            : ref === 'AWS::AccountId'
              ? ACCOUNT
              : '?';
      })
      .join('');
  }
  return value;
}

describe('Stack: main-orchestrator, runbook steps', () => {
  it('grants the waves workflow nothing for steps unless the deployer allows them', () => {
    expect(bySid(withoutSteps)).toEqual({});
    const actions = wavesStatements(withoutSteps).flatMap((s) => actionsOf(s.statement));
    for (const a of ['ssm:SendCommand', 'route53:ChangeResourceRecordSets', 'ssm:StartAutomationExecution']) {
      expect(actions).not.toContain(a);
    }
  });

  it('grants each step kind only the documents, functions, zones, checks and keys the runbooks name', () => {
    const sids = bySid(withSteps);
    const res = (sid: string) => rendered(sids[sid]?.resources);
    expect(Object.keys(sids).sort()).toEqual([
      'RunbookAssumeStepRoles',
      'RunbookDnsChange',
      'RunbookDnsChangeStatus',
      'RunbookDnsRestore',
      'RunbookDnsSave',
      'RunbookHealthCheck',
      'RunbookLambdaInvoke',
      'RunbookSsmAutomationRead',
      'RunbookSsmAutomationStart',
      'RunbookSsmCommand',
      'RunbookSsmCommandRead',
    ]);
    // ssm-command: the AWS-owned document (no account in its ARN) and the instances it targets.
    expect(sids.RunbookSsmCommand?.actions).toEqual(['ssm:SendCommand']);
    expect(res('RunbookSsmCommand')).toEqual([
      `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`,
      `arn:aws:ssm:${REGION}::document/AWS-RunShellScript`,
    ]);
    expect(res('RunbookSsmAutomationStart')).toEqual(
      `arn:aws:ssm:${REGION}:${ACCOUNT}:automation-definition/HRP-Warm:*`,
    );
    // lambda: the function and its versions/aliases, by its unqualified name.
    expect(sids.RunbookLambdaInvoke?.actions).toEqual(['lambda:InvokeFunction']);
    expect(res('RunbookLambdaInvoke')).toEqual([
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:hrp-freeze`,
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:hrp-freeze:*`,
    ]);
    // dns: the zone it names, its saved key, and the key the failback restores.
    expect(sids.RunbookDnsChange?.actions).toEqual([
      'route53:ChangeResourceRecordSets',
      'route53:ListResourceRecordSets',
    ]);
    expect(res('RunbookDnsChange')).toEqual('arn:aws:route53:::hostedzone/Z0HRP');
    expect(res('RunbookDnsSave')).toEqual(
      `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/drs-orchestration/dns-changes/hrp`,
    );
    expect(res('RunbookDnsRestore')).toEqual(
      `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/drs-orchestration/dns-changes/hrp-app`,
    );
    expect(res('RunbookHealthCheck')).toEqual('arn:aws:route53:::healthcheck/hc-1');
  });

  it('adds no wildcard write: the only * is ListCommandInvocations, which has no resource-level permissions', () => {
    const built = withSteps;
    expect(wildcardWrites(built.template(built.main as NonNullable<typeof built.main>))).toEqual(
      wildcardWrites(withoutSteps.template(withoutSteps.main as NonNullable<typeof withoutSteps.main>)),
    );
    const star = Object.entries(bySid(withSteps)).filter(([, s]) =>
      JSON.stringify(s.resources).includes('"*"'),
    );
    expect(star.map(([sid, s]) => [sid, s.actions])).toEqual([
      ['RunbookSsmCommandRead', ['ssm:ListCommandInvocations']],
    ]);
  });

  it('allows by prefix what the deployer sets, and nothing for kinds no runbook uses', () => {
    const scope = { partition: 'aws', region: REGION, account: ACCOUNT };
    const only = stepStatements({ ssmDocumentPrefix: 'DR-', lambdaFunctionPrefix: 'dr-step-' }, scope);
    expect(only.map((s) => [s.sid, s.resources])).toEqual([
      ['RunbookSsmAutomationStart', [`arn:aws:ssm:${REGION}:${ACCOUNT}:automation-definition/DR-*:*`]],
      ['RunbookSsmAutomationRead', [`arn:aws:ssm:${REGION}:${ACCOUNT}:automation-execution/*`]],
      [
        'RunbookSsmCommand',
        [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`, `arn:aws:ssm:${REGION}:${ACCOUNT}:document/DR-*`],
      ],
      ['RunbookSsmCommandRead', ['*']],
      ['RunbookLambdaInvoke', [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:dr-step-*`]],
    ]);
    expect(stepStatements({ runbooks: [example('drill-runbook.yaml')] }, scope)).toEqual([]);
  });
});

describe('Stack: iam-roles, the runbook-steps role of a staging account', () => {
  const staging = synthesize({
    stacks: ['iam-roles'],
    runbookSteps: { runbooks: [everyKind, example('service-failback-runbook.yaml')] },
  });
  const stack = staging.iamRoles as NonNullable<typeof staging.iamRoles>;
  const template = staging.template(stack);

  function stepRole(): { id: string; props: Record<string, unknown> } {
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { RoleName: 'DRS-Orchestration-Runbook-Steps' },
    });
    const [id] = Object.keys(roles);
    return { id: id ?? '', props: (roles[id ?? '']?.Properties ?? {}) as Record<string, unknown> };
  }

  it('grants only the SSM steps that act on recovered instances, on the documents the runbooks name', () => {
    const { id } = stepRole();
    const statements = policyStatements(template).filter((s) => s.resource === id);
    const sids = Object.fromEntries(
      statements.map((s) => [
        String(sidOf(s.statement)),
        { actions: actionsOf(s.statement), resources: s.statement.Resource },
      ]),
    );
    // ssm-command and the automation that takes the instances; no Lambda, Route 53 or parameters.
    expect(Object.keys(sids).sort()).toEqual([
      'RunbookSsmAutomationRead',
      'RunbookSsmAutomationStart',
      'RunbookSsmCommand',
      'RunbookSsmCommandRead',
    ]);
    const render = (v: unknown) => JSON.stringify(v).replaceAll(/\{"Ref":"AWS::(\w+)"\}/g, '<$1>');
    expect(sids.RunbookSsmCommand?.actions).toEqual(['ssm:SendCommand']);
    expect(render(sids.RunbookSsmCommand?.resources)).toContain('document/AWS-RunShellScript');
    expect(render(sids.RunbookSsmCommand?.resources)).toContain(':instance/*');
    expect(render(sids.RunbookSsmAutomationStart?.resources)).toContain(':automation-definition/HRP-Warm:*');
    expect(sids.RunbookSsmCommandRead).toEqual({ actions: ['ssm:ListCommandInvocations'], resources: '*' });
    const actions = statements.flatMap((s) => actionsOf(s.statement));
    expect(actions.filter((a) => !a.startsWith('ssm:'))).toEqual([]);
  });

  it('trusts only the orchestrator’s waves state machine role, in the organization', () => {
    const trust = JSON.stringify(stepRole().props.AssumeRolePolicyDocument);
    expect(trust).toContain(':role/drs-orchestration-waves-state-machine');
    expect(trust).toContain('aws:PrincipalArn');
    expect(trust).toContain('aws:PrincipalOrgID');
  });

  it('is not created without SSM steps on instances, and leaves no cdk-nag finding unacknowledged', () => {
    const none = synthesize({ stacks: ['iam-roles'] });
    const lambdaOnly = synthesize({
      stacks: ['iam-roles'],
      runbookSteps: {
        runbooks: [
          parseRunbook({
            action: 'drill',
            waves: [
              { name: 'db', tags: { 'DR-Wave': '1' } },
              {
                name: 'n',
                steps: [
                  { name: 'f', kind: 'lambda', function: 'fn' },
                  { name: 'w', kind: 'ssm-automation', document: 'Doc' },
                ],
              },
            ],
          }),
        ],
      },
    });
    for (const built of [none, lambdaOnly]) {
      const t = built.template(built.iamRoles as NonNullable<typeof built.iamRoles>);
      expect(
        Object.keys(
          t.findResources('AWS::IAM::Role', { Properties: { RoleName: 'DRS-Orchestration-Runbook-Steps' } }),
        ),
      ).toEqual([]);
    }
    expect(unacknowledgedFindings(staging.app, stack)).toEqual([]);
  });
});

describe('Stack: main-orchestrator, the waves workflow reaching the staging accounts', () => {
  it('has a fixed role name and may assume the runbook-steps role of DR OU accounts only when SSM steps act on instances', () => {
    const main = withSteps.template(withSteps.main as NonNullable<typeof withSteps.main>);
    expect(
      Object.keys(
        main.findResources('AWS::IAM::Role', {
          Properties: { RoleName: 'drs-orchestration-waves-state-machine' },
        }),
      ),
    ).toHaveLength(1);
    const assume = wavesStatements(withSteps).filter((s) => sidOf(s.statement) === 'RunbookAssumeStepRoles');
    expect(assume).toHaveLength(1);
    expect(assume.flatMap((s) => actionsOf(s.statement))).toEqual(['sts:AssumeRole']);
    expect(JSON.stringify(assume[0]?.statement.Resource)).toContain(
      ':iam::*:role/DRS-Orchestration-Runbook-Steps',
    );
    expect(JSON.stringify(assume[0]?.statement.Condition)).toContain('aws:ResourceOrgPaths');
    expect(
      wavesStatements(withoutSteps).filter((s) => sidOf(s.statement) === 'RunbookAssumeStepRoles'),
    ).toEqual([]);
    expect(
      unacknowledgedFindings(withSteps.app, withSteps.main as NonNullable<typeof withSteps.main>),
    ).toEqual([]);
  });
});
