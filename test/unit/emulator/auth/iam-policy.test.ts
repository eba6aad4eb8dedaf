import { describe, expect, it } from 'vitest';
import {
  evaluatePolicies,
  MalformedPolicyDocumentError,
  type PolicyDocument,
  resourceMatches,
  toPolicyDocument,
  trustAllows,
  wildcardMatch,
} from '../../../../src/emulator/auth/iam-policy.js';
import { authorize, requiredActions as requiredOf } from '../../../../src/emulator/auth/required-actions.js';
import { DRS_REQUIREMENTS, START_RECOVERY_EC2_ACTIONS } from '../../../../src/emulator/services/drs/iam.js';

const ctx = { accountId: '111111111111', region: 'us-east-2', requirements: DRS_REQUIREMENTS };

/** The actions a DRS call needs, by DRS's requirements. */
const requiredActions = (action: string, options: { tagsOnCreate?: boolean } = {}) =>
  requiredOf(action.includes(':') ? action : `drs:${action}`, DRS_REQUIREMENTS, options);
const SERVER = 'arn:aws:drs:us-east-2:111111111111:source-server/s-1234567890abcdef0';

function allow(action: string | string[], resource: string | string[] = '*'): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] };
}

describe('Function: evaluatePolicies', () => {
  it('allows an action a statement grants', () => {
    expect(evaluatePolicies([allow('drs:DescribeJobs')], { action: 'drs:DescribeJobs', resource: '*' })).toBe(
      'Allow',
    );
  });

  it('denies implicitly what no statement grants', () => {
    expect(
      evaluatePolicies([allow('drs:DescribeJobs')], { action: 'drs:StartRecovery', resource: SERVER }),
    ).toBe('ImplicitDeny');
  });

  it('lets an explicit deny win over any allow, in any order', () => {
    const docs: PolicyDocument[] = [
      { Statement: [{ Effect: 'Deny', Action: 'drs:DisconnectSourceServer', Resource: '*' }] },
      allow('drs:*'),
    ];

    expect(evaluatePolicies(docs, { action: 'drs:DisconnectSourceServer', resource: SERVER })).toBe(
      'ExplicitDeny',
    );
    expect(
      evaluatePolicies([...docs].reverse(), { action: 'drs:DisconnectSourceServer', resource: SERVER }),
    ).toBe('ExplicitDeny');
    expect(evaluatePolicies(docs, { action: 'drs:DescribeJobs', resource: '*' })).toBe('Allow');
  });

  it('matches action wildcards case-insensitively: drs:Describe*, ec2:*, ?', () => {
    const docs = [allow(['drs:Describe*', 'ec2:*', 'sns:Publis?'])];

    expect(evaluatePolicies(docs, { action: 'drs:DescribeSourceServers', resource: '*' })).toBe('Allow');
    expect(evaluatePolicies(docs, { action: 'DRS:describejobs', resource: '*' })).toBe('Allow');
    expect(evaluatePolicies(docs, { action: 'drs:StartRecovery', resource: '*' })).toBe('ImplicitDeny');
    expect(evaluatePolicies(docs, { action: 'ec2:RunInstances', resource: '*' })).toBe('Allow');
    expect(evaluatePolicies(docs, { action: 'sns:Publish', resource: '*' })).toBe('Allow');
    expect(evaluatePolicies(docs, { action: 'sns:Publishes', resource: '*' })).toBe('ImplicitDeny');
  });

  it('applies NotAction to every action except the listed ones', () => {
    const docs: PolicyDocument[] = [
      { Statement: [{ Effect: 'Allow', NotAction: ['drs:Delete*', 'iam:*'], Resource: '*' }] },
    ];

    expect(evaluatePolicies(docs, { action: 'drs:StartRecovery', resource: SERVER })).toBe('Allow');
    expect(evaluatePolicies(docs, { action: 'drs:DeleteSourceServer', resource: SERVER })).toBe(
      'ImplicitDeny',
    );
    expect(evaluatePolicies(docs, { action: 'iam:PassRole', resource: '*' })).toBe('ImplicitDeny');
  });

  it('matches resource ARN patterns segment by segment', () => {
    const docs = [allow('drs:StartRecovery', 'arn:aws:drs:us-east-?:111111111111:source-server/*')];

    expect(evaluatePolicies(docs, { action: 'drs:StartRecovery', resource: SERVER })).toBe('Allow');
    expect(
      evaluatePolicies(docs, {
        action: 'drs:StartRecovery',
        resource: 'arn:aws:drs:us-east-2:222222222222:source-server/s-1234567890abcdef0',
      }),
    ).toBe('ImplicitDeny');
    expect(
      evaluatePolicies(docs, {
        action: 'drs:StartRecovery',
        resource: 'arn:aws:drs:us-east-2:111111111111:job/drsjob-1',
      }),
    ).toBe('ImplicitDeny');
  });

  it('applies NotResource to every resource except the listed ones', () => {
    const docs: PolicyDocument[] = [
      { Statement: [{ Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::results/*' }] },
      allow('s3:*'),
    ];

    expect(evaluatePolicies(docs, { action: 's3:GetObject', resource: 'arn:aws:s3:::results/a' })).toBe(
      'Allow',
    );
    expect(evaluatePolicies(docs, { action: 's3:GetObject', resource: 'arn:aws:s3:::other/a' })).toBe(
      'ExplicitDeny',
    );
  });

  it('evaluates conditions: StringEquals, StringLike, Bool, IfExists, ForAnyValue, Null, negated operators', () => {
    const statement = (Condition: Record<string, Record<string, unknown>>): PolicyDocument => ({
      Statement: [{ Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*', Condition }],
    });
    const run = (doc: PolicyDocument, keys: Record<string, string | string[]>) =>
      evaluatePolicies([doc], { action: 'ec2:RunInstances', resource: '*', keys });

    expect(
      run(statement({ StringEquals: { 'aws:RequestedRegion': 'us-east-2' } }), {
        'aws:RequestedRegion': 'us-east-2',
      }),
    ).toBe('Allow');
    expect(
      run(statement({ StringEquals: { 'aws:RequestedRegion': 'us-east-2' } }), {
        'aws:RequestedRegion': 'eu-west-1',
      }),
    ).toBe('ImplicitDeny');
    expect(run(statement({ StringEquals: { 'aws:RequestedRegion': 'us-east-2' } }), {})).toBe('ImplicitDeny');
    expect(run(statement({ StringEqualsIfExists: { 'aws:RequestedRegion': 'us-east-2' } }), {})).toBe(
      'Allow',
    );
    expect(
      run(statement({ StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/DRS-*' } }), {
        'aws:PrincipalArn': 'arn:aws:iam::1:role/DRS-Orchestration-Role',
      }),
    ).toBe('Allow');
    expect(run(statement({ Bool: { 'aws:ViaAWSService': 'true' } }), { 'aws:ViaAWSService': 'true' })).toBe(
      'Allow',
    );
    expect(run(statement({ Bool: { 'aws:ViaAWSService': 'true' } }), {})).toBe('ImplicitDeny');
    expect(
      run(statement({ 'ForAnyValue:StringEquals': { 'aws:CalledVia': ['drs.amazonaws.com'] } }), {
        'aws:CalledVia': ['cloudformation.amazonaws.com', 'drs.amazonaws.com'],
      }),
    ).toBe('Allow');
    expect(run(statement({ Null: { 'aws:ResourceTag/Env': 'true' } }), {})).toBe('Allow');
    expect(
      run(statement({ StringNotEquals: { 'aws:ResourceTag/Env': 'prod' } }), {
        'aws:ResourceTag/Env': 'prod',
      }),
    ).toBe('ImplicitDeny');
    expect(run(statement({ UnknownOperator: { k: 'v' } }), { k: 'v' })).toBe('ImplicitDeny');
  });

  it('substitutes policy variables in resources', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JS template
    const docs = [allow('ssm:GetParameter', 'arn:aws:ssm:*:${aws:PrincipalAccount}:parameter/*')];

    expect(
      evaluatePolicies(docs, {
        action: 'ssm:GetParameter',
        resource: 'arn:aws:ssm:us-east-1:111111111111:parameter/x',
        keys: { 'aws:PrincipalAccount': '111111111111' },
      }),
    ).toBe('Allow');
    expect(
      evaluatePolicies(docs, {
        action: 'ssm:GetParameter',
        resource: 'arn:aws:ssm:us-east-1:222222222222:parameter/x',
        keys: { 'aws:PrincipalAccount': '111111111111' },
      }),
    ).toBe('ImplicitDeny');
  });
});

describe('Function: wildcardMatch / resourceMatches', () => {
  it('treats regex characters literally', () => {
    expect(wildcardMatch('a.b', 'axb')).toBe(false);
    expect(wildcardMatch('a.b', 'a.b')).toBe(true);
  });

  it('lets a trailing * in the resource part span colons and slashes', () => {
    expect(
      resourceMatches('arn:aws:logs:*:*:log-group:*', 'arn:aws:logs:us-east-1:1:log-group:a:log-stream:b'),
    ).toBe(true);
    expect(resourceMatches('arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket/a/b/c')).toBe(true);
    expect(resourceMatches('arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket2/a')).toBe(false);
  });
});

describe('Function: requiredActions', () => {
  it('lists StartRecovery with every dependent action of the service authorization reference', () => {
    const actions = requiredActions('StartRecovery');

    expect(actions.slice(0, 4)).toEqual([
      'drs:StartRecovery',
      'drs:CreateRecoveryInstanceForDrs',
      'drs:ListTagsForResource',
      'iam:PassRole',
    ]);
    expect(actions.slice(4)).toEqual(START_RECOVERY_EC2_ACTIONS);
    expect(actions).toHaveLength(36);
  });

  it('lists TerminateRecoveryInstances with DescribeSourceServers and its EC2 actions', () => {
    expect(requiredActions('drs:TerminateRecoveryInstances')).toEqual([
      'drs:TerminateRecoveryInstances',
      'drs:DescribeSourceServers',
      'ec2:DeleteVolume',
      'ec2:DescribeInstances',
      'ec2:DescribeVolumes',
      'ec2:TerminateInstances',
    ]);
  });

  it('adds drs:TagResource when tags are given at creation', () => {
    expect(requiredActions('StartRecovery', { tagsOnCreate: true }).at(-1)).toBe('drs:TagResource');
    expect(requiredActions('DescribeJobs', { tagsOnCreate: true })).toEqual(['drs:DescribeJobs']);
  });
});

describe('Function: authorize', () => {
  const everything = [...requiredActions('StartRecovery', { tagsOnCreate: true })];

  it('allows StartRecovery when the action and all its dependent actions are granted', () => {
    const result = authorize([allow(everything)], 'drs:StartRecovery', SERVER, {
      ...ctx,
      tagsOnCreate: true,
    });

    expect(result).toEqual({ allowed: true, missing: [], explicitlyDenied: [] });
  });

  it('lists the missing dependent actions when only drs:StartRecovery is granted', () => {
    const result = authorize([allow('drs:StartRecovery')], 'drs:StartRecovery', SERVER, ctx);

    expect(result.allowed).toBe(false);
    expect(result.missing).toEqual(requiredActions('StartRecovery').slice(1));
  });

  it('names exactly the one dependent action that was removed', () => {
    for (const removed of ['ec2:CreateVolume', 'iam:PassRole', 'drs:CreateRecoveryInstanceForDrs']) {
      const granted = everything.filter((a) => a !== removed);

      const result = authorize([allow(granted)], 'drs:StartRecovery', SERVER, { ...ctx, tagsOnCreate: true });

      expect(result.missing).toEqual([removed]);
    }
  });

  it('evaluates dependent EC2 actions as called via DRS, so an aws:ViaAWSService condition is satisfied', () => {
    const docs: PolicyDocument[] = [
      allow(['drs:StartRecovery', 'drs:CreateRecoveryInstanceForDrs', 'drs:ListTagsForResource']),
      {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'iam:PassRole',
            Resource: 'arn:aws:iam::*:role/service-role/AWSElasticDisasterRecoveryRecoveryInstanceRole',
            Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
          },
          {
            Effect: 'Allow',
            Action: 'ec2:*',
            Resource: 'arn:aws:ec2:*:*:*',
            Condition: { Bool: { 'aws:ViaAWSService': 'true' } },
          },
        ],
      },
    ];

    expect(authorize(docs, 'drs:StartRecovery', SERVER, ctx).allowed).toBe(true);
    expect(
      evaluatePolicies(docs, {
        action: 'ec2:TerminateInstances',
        resource: 'arn:aws:ec2:us-east-2:1:instance/i-1',
      }),
    ).toBe('ImplicitDeny');
  });

  it('fails iam:PassRole scoped to a different role', () => {
    const docs = [
      allow(everything.filter((a) => a !== 'iam:PassRole')),
      allow('iam:PassRole', 'arn:aws:iam::111111111111:role/SomethingElse'),
    ];

    expect(authorize(docs, 'drs:StartRecovery', SERVER, ctx).missing).toEqual(['iam:PassRole']);
  });

  it('reports an explicitly denied dependent action as such', () => {
    const docs: PolicyDocument[] = [
      allow(['drs:*', 'ec2:*']),
      { Statement: [{ Effect: 'Deny', Action: 'ec2:TerminateInstances', Resource: '*' }] },
    ];

    const result = authorize(docs, 'drs:TerminateRecoveryInstances', '*', ctx);

    expect(result).toEqual({
      allowed: false,
      missing: ['ec2:TerminateInstances'],
      explicitlyDenied: ['ec2:TerminateInstances'],
    });
  });

  it('requires every resource of a multi-resource call to be allowed', () => {
    const docs = [allow('drs:DescribeSourceServers', SERVER)];
    const other = 'arn:aws:drs:us-east-2:111111111111:source-server/s-00000000000000000';

    expect(authorize(docs, 'drs:DescribeSourceServers', [SERVER], ctx).allowed).toBe(true);
    expect(authorize(docs, 'drs:DescribeSourceServers', [SERVER, other], ctx).missing).toEqual([
      'drs:DescribeSourceServers',
    ]);
  });

  it('skips dependent actions when asked to', () => {
    const result = authorize([allow('drs:StartRecovery')], 'drs:StartRecovery', SERVER, {
      ...ctx,
      includeDependentActions: false,
    });

    expect(result.allowed).toBe(true);
  });
});

describe('Function: trustAllows', () => {
  const caller = { arn: 'arn:aws:iam::123456789012:root', accountId: '123456789012' };

  it('trusts an account given as root ARN or bare id', () => {
    const byArn: PolicyDocument = {
      Statement: [
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' },
      ],
    };
    const byId: PolicyDocument = {
      Statement: [
        { Effect: 'Allow', Principal: { AWS: ['999999999999', '123456789012'] }, Action: 'sts:AssumeRole' },
      ],
    };

    expect(trustAllows(byArn, caller)).toBe(true);
    expect(trustAllows(byId, caller)).toBe(true);
    expect(trustAllows(byArn, { arn: 'arn:aws:iam::999999999999:root', accountId: '999999999999' })).toBe(
      false,
    );
  });

  it('trusts sessions of a named role, and nothing for a service principal', () => {
    const trust: PolicyDocument = {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:role/Orchestrator' },
          Action: 'sts:AssumeRole',
        },
        { Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    };
    const session = {
      arn: 'arn:aws:sts::123456789012:assumed-role/Orchestrator/s',
      accountId: '123456789012',
      roleArn: 'arn:aws:iam::123456789012:role/Orchestrator',
    };

    expect(trustAllows(trust, session)).toBe(true);
    expect(trustAllows(trust, caller)).toBe(false);
  });
});

describe('Function: toPolicyDocument', () => {
  it('accepts a policy and rejects malformed ones naming the problem', () => {
    const good = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'drs:*', Resource: '*' }] };

    expect(toPolicyDocument(good)).toBe(good);
    expect(() => toPolicyDocument({ Statement: [{ Effect: 'Maybe', Action: 'x' }] })).toThrow(
      /Effect 'Maybe'/,
    );
    expect(() => toPolicyDocument({ Statement: { Effect: 'Allow' } })).toThrow(
      /exactly one of Action, NotAction/,
    );
    expect(() => toPolicyDocument([])).toThrow(MalformedPolicyDocumentError);
  });
});
