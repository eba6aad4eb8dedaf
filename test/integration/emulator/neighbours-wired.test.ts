import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../../src/emulator/index.js';
import { startTestEmulator } from '../../_helpers/emulator.js';

const ROOT = { accessKeyId: 'test', secretAccessKey: 'test' };
const PARAM = '/drs-orchestration/staging-accounts/111111111111';

describe('Emulator: neighbour services wired into startEmulator (demo fleet)', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('assumes a staging role and the session sees only the staging account', async () => {
    const sts = new STSClient({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: ROOT,
      maxAttempts: 1,
    });
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::111111111111:role/DRS-Orchestration-Role',
        RoleSessionName: 'wired',
      }),
    );
    const c = assumed.Credentials;
    const session = {
      accessKeyId: c?.AccessKeyId ?? '',
      secretAccessKey: c?.SecretAccessKey ?? '',
      sessionToken: c?.SessionToken ?? '',
    };

    const me = await new STSClient({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: session,
    }).send(new GetCallerIdentityCommand({}));
    const ssm = new SSMClient({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: session,
      maxAttempts: 1,
    });
    const hidden = await ssm.send(new GetParameterCommand({ Name: PARAM })).catch((e: unknown) => e);
    const visible = await new SSMClient({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: ROOT,
    }).send(new GetParameterCommand({ Name: PARAM }));

    expect(me.Account).toBe('111111111111');
    expect(hidden).toMatchObject({ name: 'ParameterNotFound' });
    expect(visible.Parameter?.Value).toContain('111111111111');
  });

  it('refuses a role outside the fleet with AccessDenied', async () => {
    const sts = new STSClient({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: ROOT,
      maxAttempts: 1,
    });

    const error = await sts
      .send(
        new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::999999999999:role/Nope', RoleSessionName: 'wired' }),
      )
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });
});
