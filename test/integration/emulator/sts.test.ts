import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ROOT_KEYS,
  roleArn,
  type ServiceHarness,
  sdkConfig,
  startServiceHarness,
  trustAccount,
} from '../../_helpers/service-harness.js';

describe('Emulator: STS', () => {
  let h: ServiceHarness;
  beforeEach(async () => {
    h = await startServiceHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('reports the orchestrator root for the default test/test keys', async () => {
    const sts = new STSClient(sdkConfig(h));

    const me = await sts.send(new GetCallerIdentityCommand({}));

    expect(me).toMatchObject({
      Account: '123456789012',
      Arn: 'arn:aws:iam::123456789012:root',
      UserId: '123456789012',
    });
    expect(me.$metadata.httpStatusCode).toBe(200);
    expect(me.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('issues ASIA session keys bound to the role account when the trust policy allows the caller', async () => {
    const sts = new STSClient(sdkConfig(h));

    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn('111111111111'),
        RoleSessionName: 'drill-1',
        DurationSeconds: 900,
      }),
    );

    const c = out.Credentials;
    expect(c?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c?.SecretAccessKey?.length).toBe(40);
    expect(c?.SessionToken?.length).toBeGreaterThan(100);
    expect(c?.Expiration).toBeInstanceOf(Date);
    expect(out.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::111111111111:assumed-role/DRS-Orchestration-Role/drill-1',
    );
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:drill-1$/);

    const asRole = new STSClient(
      sdkConfig(h, {
        accessKeyId: c?.AccessKeyId ?? '',
        secretAccessKey: c?.SecretAccessKey ?? '',
        sessionToken: c?.SessionToken ?? '',
      }),
    );
    const me = await asRole.send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe('111111111111');
    expect(me.Arn).toBe(out.AssumedRoleUser?.Arn);
    expect(me.UserId).toBe(out.AssumedRoleUser?.AssumedRoleId);
  });

  it('answers AccessDenied (403) for a role the fleet does not define', async () => {
    const sts = new STSClient(sdkConfig(h));

    const error = await sts
      .send(new AssumeRoleCommand({ RoleArn: roleArn('999999999999'), RoleSessionName: 's1' }))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    expect((error as Error).message).toBe(
      'User: arn:aws:iam::123456789012:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::999999999999:role/DRS-Orchestration-Role',
    );
  });

  it('answers AccessDenied when the trust policy does not name the caller account', async () => {
    h.roles.set(roleArn('111111111111'), {
      arn: roleArn('111111111111'),
      accountId: '111111111111',
      trustPolicy: trustAccount('444444444444'),
    });
    const sts = new STSClient(sdkConfig(h));

    const error = await sts
      .send(new AssumeRoleCommand({ RoleArn: roleArn('111111111111'), RoleSessionName: 's1' }))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });

  it('honours a PrincipalOrgID condition in the trust policy', async () => {
    const trust = (org: string) => ({
      Statement: [
        {
          Effect: 'Allow' as const,
          Principal: { AWS: 'arn:aws:iam::123456789012:root' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:PrincipalOrgID': org } },
        },
      ],
    });
    const arn = roleArn('111111111111');
    const sts = new STSClient(sdkConfig(h));
    h.roles.set(arn, { arn, accountId: '111111111111', trustPolicy: trust('o-emulator0001') });

    const allowed = await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'org' }));
    h.roles.set(arn, { arn, accountId: '111111111111', trustPolicy: trust('o-other') });
    const denied = await sts
      .send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'org' }))
      .catch((e: unknown) => e);

    expect(allowed.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(denied).toMatchObject({ name: 'AccessDenied' });
  });

  it('answers AccessDenied when the fault plan denies AssumeRole for the account', async () => {
    h.deniedAssumeAccounts.add('222222222222');
    const sts = new STSClient(sdkConfig(h));

    const error = await sts
      .send(new AssumeRoleCommand({ RoleArn: roleArn('222222222222'), RoleSessionName: 's1' }))
      .catch((e: unknown) => e);
    const other = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn('111111111111'), RoleSessionName: 's1' }),
    );

    expect(error).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(other.Credentials?.AccessKeyId).toMatch(/^ASIA/);
  });

  it('rejects a session name outside the model pattern with ValidationError (400)', async () => {
    const sts = new STSClient(sdkConfig(h));

    const error = await sts
      .send(new AssumeRoleCommand({ RoleArn: roleArn('111111111111'), RoleSessionName: 'bad name!' }))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
  });

  it('rejects a duration above the role maximum and above one hour when chaining roles', async () => {
    const sts = new STSClient(sdkConfig(h));

    const tooLong = await sts
      .send(
        new AssumeRoleCommand({
          RoleArn: roleArn('111111111111'),
          RoleSessionName: 's1',
          DurationSeconds: 7200,
        }),
      )
      .catch((e: unknown) => e);

    expect(tooLong).toMatchObject({ name: 'ValidationError' });
    expect((tooLong as Error).message).toContain('MaxSessionDuration');
  });

  it('lets a session assume only roles its own identity policy allows', async () => {
    const arn = roleArn('111111111111');
    h.roles.set(arn, {
      arn,
      accountId: '111111111111',
      trustPolicy: trustAccount('123456789012'),
      policies: [{ Statement: [{ Effect: 'Allow', Action: 'drs:*', Resource: '*' }] }],
    });
    h.roles.set(roleArn('222222222222'), {
      arn: roleArn('222222222222'),
      accountId: '222222222222',
      trustPolicy: trustAccount('111111111111'),
    });
    const root = new STSClient(sdkConfig(h));
    const session = await root.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'sa' }));
    const c = session.Credentials;
    const asRole = new STSClient(
      sdkConfig(h, {
        accessKeyId: c?.AccessKeyId ?? '',
        secretAccessKey: c?.SecretAccessKey ?? '',
        sessionToken: c?.SessionToken ?? '',
      }),
    );

    const error = await asRole
      .send(new AssumeRoleCommand({ RoleArn: roleArn('222222222222'), RoleSessionName: 'sb' }))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect((error as Error).message).toContain(
      'because no identity-based policy allows the sts:AssumeRole action',
    );
  });

  it('lets root keys of another account see only that account', async () => {
    h.credentials.addRoot({
      accessKeyId: 'AKIAOTHERACCOUNT0001',
      secretAccessKey: 'other',
      accountId: '333333333333',
    });
    const sts = new STSClient(
      sdkConfig(h, { accessKeyId: 'AKIAOTHERACCOUNT0001', secretAccessKey: 'other' }),
    );

    const me = await sts.send(new GetCallerIdentityCommand({}));

    expect(me.Account).toBe('333333333333');
    expect(ROOT_KEYS.accessKeyId).toBe('test');
  });
});
