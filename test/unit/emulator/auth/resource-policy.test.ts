import { describe, expect, it } from 'vitest';
import {
  combineDecisions,
  combineKeyDecisions,
  evaluateResourcePolicy,
} from '../../../../src/emulator/auth/resource-policy.js';
import {
  MalformedBucketPolicyError,
  parseBucketPolicy,
} from '../../../../src/emulator/services/s3/bucket-policy.js';

const session = {
  accountId: '111111111111',
  arn: 'arn:aws:sts::111111111111:assumed-role/Writer/s',
  roleArn: 'arn:aws:iam::111111111111:role/Writer',
  accessKeyId: 'ASIA0000000000000000',
};

const allow = (principal: unknown) => ({
  Statement: [
    {
      Effect: 'Allow' as const,
      Principal: principal as '*',
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::b/*',
    },
  ],
});

describe('Resource policies: how a bucket policy answers a caller', () => {
  const ask = (policy: ReturnType<typeof allow>) =>
    evaluateResourcePolicy(policy, {
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::b/k',
      principal: session,
      keys: {},
    });

  it('allows directly when it names the role, the session or everyone', () => {
    expect(ask(allow({ AWS: session.roleArn }))).toBe('Allow');
    expect(ask(allow({ AWS: session.arn }))).toBe('Allow');
    expect(ask(allow('*'))).toBe('Allow');
  });

  it('only delegates to the account (AccountAllow) when it names the account root or id', () => {
    expect(ask(allow({ AWS: 'arn:aws:iam::111111111111:root' }))).toBe('AccountAllow');
    expect(ask(allow({ AWS: '111111111111' }))).toBe('AccountAllow');
    expect(ask(allow({ AWS: 'arn:aws:iam::222222222222:root' }))).toBe('ImplicitDeny');
  });
});

describe('Resource policies: combined with the identity decision', () => {
  it('needs either within the account and both across accounts; an explicit deny always wins', () => {
    expect(combineDecisions('ImplicitDeny', 'Allow', true)).toBe('Allow');
    expect(combineDecisions('Allow', 'ImplicitDeny', true)).toBe('Allow');
    expect(combineDecisions('ImplicitDeny', 'AccountAllow', true)).toBe('ImplicitDeny');
    expect(combineDecisions('ImplicitDeny', 'Allow', false)).toBe('ImplicitDeny');
    expect(combineDecisions('Allow', 'ImplicitDeny', false)).toBe('ImplicitDeny');
    expect(combineDecisions('Allow', 'AccountAllow', false)).toBe('Allow');
    expect(combineDecisions('Allow', 'ExplicitDeny', true)).toBe('ExplicitDeny');
    expect(combineDecisions('ExplicitDeny', 'Allow', false)).toBe('ExplicitDeny');
  });
});

describe('Resource policies: KMS key policies', () => {
  it('need the key policy always; its account delegation or another account needs the identity policy too', () => {
    expect(combineKeyDecisions('ImplicitDeny', 'Allow', true)).toBe('Allow');
    expect(combineKeyDecisions('Allow', 'ImplicitDeny', true)).toBe('ImplicitDeny');
    expect(combineKeyDecisions('ImplicitDeny', 'AccountAllow', true)).toBe('ImplicitDeny');
    expect(combineKeyDecisions('Allow', 'AccountAllow', true)).toBe('Allow');
    expect(combineKeyDecisions('ImplicitDeny', 'Allow', false)).toBe('ImplicitDeny');
    expect(combineKeyDecisions('Allow', 'Allow', false)).toBe('Allow');
    expect(combineKeyDecisions('Allow', 'ExplicitDeny', true)).toBe('ExplicitDeny');
  });
});

describe('Resource policies: what PutBucketPolicy accepts', () => {
  it('refuses text that is not JSON, a statement without Principal, and more than 20 KB, naming the problem', () => {
    expect(() => parseBucketPolicy('nope')).toThrow(MalformedBucketPolicyError);
    expect(() =>
      parseBucketPolicy(JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] })),
    ).toThrow(/missing required field principal in statement 0/i);
    const big = JSON.stringify({ ...allow('*'), Id: 'x'.repeat(21 * 1024) });
    expect(() => parseBucketPolicy(big)).toThrow(/less than 20KB/);
  });
});
