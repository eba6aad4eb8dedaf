import {
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  roleArn,
  type ServiceHarness,
  sdkConfig,
  sessionKeys,
  startServiceHarness,
} from '../../_helpers/service-harness.js';

const NAME = '/drs-orchestration/staging-accounts';

describe('Emulator: SSM', () => {
  let h: ServiceHarness;
  beforeEach(async () => {
    h = await startServiceHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('stores a parameter and reads it back with version, type, ARN and modification time', async () => {
    const ssm = new SSMClient(sdkConfig(h));

    const put = await ssm.send(
      new PutParameterCommand({ Name: NAME, Value: '["111111111111"]', Type: 'String' }),
    );
    const got = await ssm.send(new GetParameterCommand({ Name: NAME }));

    expect(put).toMatchObject({ Version: 1, Tier: 'Standard' });
    expect(got.Parameter).toEqual({
      Name: NAME,
      Type: 'String',
      Value: '["111111111111"]',
      Version: 1,
      LastModifiedDate: new Date('2025-01-06T09:00:00.000Z'),
      ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${NAME}`,
      DataType: 'text',
    });
  });

  it('answers ParameterNotFound (400) for a missing parameter', async () => {
    const ssm = new SSMClient(sdkConfig(h));

    const error = await ssm.send(new GetParameterCommand({ Name: '/nope' })).catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'ParameterNotFound',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses to overwrite without Overwrite and bumps the version with it', async () => {
    const ssm = new SSMClient(sdkConfig(h));
    await ssm.send(new PutParameterCommand({ Name: NAME, Value: 'a', Type: 'String' }));

    const refused = await ssm
      .send(new PutParameterCommand({ Name: NAME, Value: 'b' }))
      .catch((e: unknown) => e);
    const second = await ssm.send(new PutParameterCommand({ Name: NAME, Value: 'b', Overwrite: true }));
    const v1 = await ssm.send(new GetParameterCommand({ Name: `${NAME}:1` }));

    expect(refused).toMatchObject({ name: 'ParameterAlreadyExists', $metadata: { httpStatusCode: 400 } });
    expect(second.Version).toBe(2);
    expect(v1.Parameter).toMatchObject({ Value: 'a', Version: 1, Selector: ':1' });
  });

  it('requires a type for a new parameter (ValidationException)', async () => {
    const ssm = new SSMClient(sdkConfig(h));

    const error = await ssm
      .send(new PutParameterCommand({ Name: '/new', Value: 'x' }))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  });

  it('returns SecureString values encrypted unless WithDecryption is set', async () => {
    const ssm = new SSMClient(sdkConfig(h));
    await ssm.send(new PutParameterCommand({ Name: '/secret', Value: 'hunter2', Type: 'SecureString' }));

    const raw = await ssm.send(new GetParameterCommand({ Name: '/secret' }));
    const clear = await ssm.send(new GetParameterCommand({ Name: '/secret', WithDecryption: true }));

    expect(raw.Parameter?.Value).not.toBe('hunter2');
    expect(clear.Parameter?.Value).toBe('hunter2');
  });

  it('keeps parameters of one account invisible to another account', async () => {
    h.ssm.putParameter('111111111111', 'us-east-1', {
      name: '/only-111',
      value: 'v',
      type: 'String',
      now: h.now.toISOString(),
    });
    const orchestrator = new SSMClient(sdkConfig(h));
    const staging = new SSMClient(sdkConfig(h, sessionKeys(h, '111111111111')));

    const byName = await orchestrator
      .send(new GetParameterCommand({ Name: '/only-111' }))
      .catch((e: unknown) => e);
    const byArn = await orchestrator
      .send(new GetParameterCommand({ Name: 'arn:aws:ssm:us-east-1:111111111111:parameter/only-111' }))
      .catch((e: unknown) => e);
    const own = await staging.send(new GetParameterCommand({ Name: '/only-111' }));

    expect(byName).toMatchObject({ name: 'ParameterNotFound' });
    expect(byArn).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    expect(own.Parameter?.Value).toBe('v');
  });

  it('lets another account read a parameter by ARN once it is shared with that account', async () => {
    h.ssm.putParameter('111111111111', 'us-east-1', {
      name: '/shared',
      value: 'v',
      type: 'String',
      sharedWith: ['123456789012'],
      now: h.now.toISOString(),
    });
    const orchestrator = new SSMClient(sdkConfig(h));

    const got = await orchestrator.send(
      new GetParameterCommand({ Name: 'arn:aws:ssm:us-east-1:111111111111:parameter/shared' }),
    );

    expect(got.Parameter).toMatchObject({ Name: '/shared', Value: 'v' });
  });

  it('separates regions of the same account', async () => {
    const east1 = new SSMClient(sdkConfig(h));
    const east2 = new SSMClient(sdkConfig(h, undefined, 'us-east-2'));
    await east1.send(new PutParameterCommand({ Name: '/regional', Value: 'one', Type: 'String' }));

    const error = await east2.send(new GetParameterCommand({ Name: '/regional' })).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'ParameterNotFound' });
  });

  it('denies a role whose policy does not allow ssm:GetParameter with AccessDeniedException', async () => {
    const arn = roleArn('111111111111');
    h.roles.set(arn, {
      arn,
      accountId: '111111111111',
      policies: [{ Statement: [{ Effect: 'Allow', Action: 'ssm:PutParameter', Resource: '*' }] }],
    });
    const ssm = new SSMClient(sdkConfig(h, sessionKeys(h, '111111111111')));
    await ssm.send(new PutParameterCommand({ Name: '/p', Value: 'v', Type: 'String' }));

    const error = await ssm.send(new GetParameterCommand({ Name: '/p' })).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    expect((error as Error).message).toContain(
      'ssm:GetParameter on resource: arn:aws:ssm:us-east-1:111111111111:parameter/p',
    );
  });

  describe('GetParametersByPath', () => {
    async function putAll(ssm: SSMClient, names: readonly string[]): Promise<void> {
      for (const name of names)
        await ssm.send(new PutParameterCommand({ Name: name, Value: `v${name}`, Type: 'String' }));
    }

    it('returns every parameter one level under the path over pages of at most 10, in name order', async () => {
      const ssm = new SSMClient(sdkConfig(h));
      const names = Array.from({ length: 23 }, (_, i) => `${NAME}/${String(100000000000 + i)}`);
      await putAll(ssm, [...names].reverse());
      await putAll(ssm, [NAME, `${NAME}/100000000000/deeper`, '/drs-orchestration/other']);

      const pages: string[][] = [];
      let token: string | undefined;
      do {
        const out = await ssm.send(
          new GetParametersByPathCommand({ Path: NAME, ...(token ? { NextToken: token } : {}) }),
        );
        pages.push((out.Parameters ?? []).map((p) => p.Name ?? ''));
        token = out.NextToken;
      } while (token);
      const recursive = await ssm.send(
        new GetParametersByPathCommand({ Path: `${NAME}/`, Recursive: true, MaxResults: 10 }),
      );

      expect(pages.map((p) => p.length)).toEqual([10, 10, 3]);
      expect(pages.flat()).toEqual(names);
      expect(recursive.Parameters?.map((p) => p.Name)).toContain(`${NAME}/100000000000/deeper`);
    });

    it('refuses MaxResults above 10 and a token it did not issue', async () => {
      const ssm = new SSMClient({ ...sdkConfig(h), maxAttempts: 1 });

      const tooMany = await ssm
        .send(new GetParametersByPathCommand({ Path: NAME, MaxResults: 11 }))
        .catch((e: unknown) => e);
      const badToken = await ssm
        .send(new GetParametersByPathCommand({ Path: NAME, NextToken: 'nope' }))
        .catch((e: unknown) => e);

      expect(tooMany).toMatchObject({ name: 'ValidationException' });
      expect(badToken).toMatchObject({ name: 'InvalidNextToken' });
    });

    it('authorizes ssm:GetParametersByPath against the path, and never lists another account', async () => {
      const arn = roleArn('111111111111');
      h.roles.set(arn, {
        arn,
        accountId: '111111111111',
        policies: [
          {
            Statement: [
              { Effect: 'Allow', Action: 'ssm:PutParameter', Resource: '*' },
              {
                Effect: 'Allow',
                Action: 'ssm:GetParametersByPath',
                Resource: 'arn:aws:ssm:us-east-1:111111111111:parameter/allowed',
              },
            ],
          },
        ],
      });
      const mine = new SSMClient(sdkConfig(h));
      await putAll(mine, ['/allowed/a']);
      const staging = new SSMClient({ ...sdkConfig(h, sessionKeys(h, '111111111111')), maxAttempts: 1 });
      await putAll(staging, ['/allowed/b', '/other/c']);

      const allowed = await staging.send(new GetParametersByPathCommand({ Path: '/allowed' }));
      const denied = await staging
        .send(new GetParametersByPathCommand({ Path: '/other' }))
        .catch((e: unknown) => e);

      expect(allowed.Parameters?.map((p) => p.Name)).toEqual(['/allowed/b']);
      expect(denied).toMatchObject({ name: 'AccessDeniedException' });
      expect((denied as Error).message).toContain(
        'ssm:GetParametersByPath on resource: arn:aws:ssm:us-east-1:111111111111:parameter/other',
      );
    });
  });
});
