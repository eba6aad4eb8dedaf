/**
 * SSM Run Command sees the managed instances of the caller's account only: a recovered instance
 * of a staging account is not found from the orchestrator account, and is found as a role there
 * (what the waves workflow's ssm-command step assumes, DRS-Orchestration-Runbook-Steps).
 */
import {
  DescribeRecoveryInstancesCommand,
  DescribeSourceServersCommand,
  StartRecoveryCommand,
} from '@aws-sdk/client-drs';
import { DescribeInstanceInformationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFleet } from '../../../src/emulator/fleet/generate.js';
import type { Emulator } from '../../../src/emulator/index.js';
import { sessionFor, stagingDrs, startTestEmulator, type TestCredentials } from '../../_helpers/emulator.js';

let emu: Emulator;
let instanceId: string;

const ssm = (credentials: TestCredentials) =>
  new SSMClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });

beforeAll(async () => {
  emu = await startTestEmulator({
    fleet: generateFleet({ seed: 5, accounts: ['111111111111'], serversPerAccount: 2 }),
  });
  const drs = stagingDrs(emu);
  const id = (await drs.send(new DescribeSourceServersCommand({ maxResults: 1 }))).items?.[0]?.sourceServerID;
  await drs.send(
    new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id as string }], isDrill: true }),
  );
  emu.clock.advance(3_600_000);
  const [recovered] = (await drs.send(new DescribeRecoveryInstancesCommand({}))).items ?? [];
  instanceId = recovered?.recoveryInstanceID as string;
});
afterAll(async () => {
  await emu?.stop();
});

describe('Emulator: SSM Run Command per account', () => {
  it('does not find a staging account’s recovered instance from the orchestrator account', async () => {
    expect(instanceId).toMatch(/^i-/);
    const orchestrator = ssm({ accessKeyId: 'test', secretAccessKey: 'test' });
    await expect(
      orchestrator.send(
        new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId] }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInstanceId' });
    const listed = await orchestrator.send(new DescribeInstanceInformationCommand({}));
    expect(listed.InstanceInformationList ?? []).toEqual([]);
  });

  it('runs the command as a role of the account that holds the instance', async () => {
    const staging = ssm(sessionFor(emu, '111111111111', 'DRS-Orchestration-Runbook-Steps'));
    const sent = await staging.send(
      new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId] }),
    );
    expect(sent.Command?.InstanceIds).toEqual([instanceId]);
    const listed = await staging.send(new DescribeInstanceInformationCommand({}));
    expect(listed.InstanceInformationList?.map((i) => i.InstanceId)).toEqual([instanceId]);
  });
});
