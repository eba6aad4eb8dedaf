import {
  DescribeRecoveryInstancesCommand,
  type RecoveryInstance,
  StartRecoveryCommand,
} from '@aws-sdk/client-drs';
import { DescribeInstanceStatusCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, Fleet } from '../../../src/emulator/index.js';
import { sessionFor, stagingDrs, startTestEmulator } from '../../_helpers/emulator.js';
import { roleArn, sdkConfig, sessionKeys, startServiceHarness } from '../../_helpers/service-harness.js';

const A = '111111111111';
const MINUTE = 60_000;
const fleet: Fleet = {
  seed: 3,
  accounts: [
    {
      accountId: A,
      region: 'us-east-2',
      sourceServers: [1, 2].map((n) => ({
        sourceServerID: `s-${String(n).padStart(17, '0')}`,
        hostname: `h${n}`,
      })),
    },
  ],
};

describe('Emulator: EC2 DescribeInstanceStatus', () => {
  let emu: Emulator | undefined;
  afterEach(async () => {
    await emu?.stop();
    emu = undefined;
  });

  /** Launches both servers, returns their instance ids and when each launched. */
  async function launched(): Promise<{
    ec2: EC2Client;
    instances: { id: string; server: string; launchedMs: number }[];
  }> {
    emu = await startTestEmulator({ fleet });
    const drs = stagingDrs(emu, A);
    await drs.send(
      new StartRecoveryCommand({
        sourceServers:
          fleet.accounts[0]?.sourceServers?.map((s) => ({ sourceServerID: s.sourceServerID })) ?? [],
      }),
    );
    // Minute by minute until the first instance is there, so it has just launched.
    let items: RecoveryInstance[] = [];
    for (let m = 0; m < 60 && (items?.length ?? 0) === 0; m++) {
      emu.clock.advance(MINUTE);
      items = (await drs.send(new DescribeRecoveryInstancesCommand({}))).items ?? [];
    }
    const ec2 = new EC2Client({
      endpoint: emu.endpoint,
      region: 'us-east-2',
      credentials: sessionFor(emu, A),
      maxAttempts: 1,
    });
    return {
      ec2,
      instances: (items ?? []).map((r) => ({
        id: r.ec2InstanceID as string,
        server: r.sourceServerID as string,
        launchedMs: Date.parse(r.recoveryInstanceProperties?.lastUpdatedDateTime as string),
      })),
    };
  }

  it('reports a new instance initializing, then running with both checks ok a few minutes later', async () => {
    const { ec2, instances } = await launched();
    const [first] = instances;
    const early = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [first?.id as string] }));
    emu?.clock.advance(7 * MINUTE);
    const later = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [first?.id as string] }));

    expect(early.InstanceStatuses?.[0]).toMatchObject({
      InstanceId: first?.id,
      InstanceState: { Code: 16, Name: 'running' },
      SystemStatus: { Status: 'initializing', Details: [{ Name: 'reachability', Status: 'initializing' }] },
      InstanceStatus: { Status: 'initializing' },
    });
    expect(later.InstanceStatuses?.[0]).toMatchObject({
      SystemStatus: { Status: 'ok', Details: [{ Name: 'reachability', Status: 'passed' }] },
      InstanceStatus: { Status: 'ok' },
    });
  });

  it('keeps a seeded impaired instance impaired, and filters by status', async () => {
    const { ec2, instances: found } = await launched();
    emu?.clock.advance(50 * MINUTE);
    const drs = stagingDrs(emu as Emulator, A);
    const instances = ((await drs.send(new DescribeRecoveryInstancesCommand({}))).items ?? []).map((r) => ({
      id: r.ec2InstanceID as string,
      server: r.sourceServerID as string,
    }));
    expect(found.length).toBeGreaterThan(0);
    emu?.faults.set({ impairedInstances: [instances[0]?.server as string] });
    emu?.clock.advance(30 * MINUTE);

    const all = await ec2.send(
      new DescribeInstanceStatusCommand({ InstanceIds: instances.map((i) => i.id) }),
    );
    const ok = await ec2.send(
      new DescribeInstanceStatusCommand({
        InstanceIds: instances.map((i) => i.id),
        Filters: [{ Name: 'instance-status.status', Values: ['ok'] }],
      }),
    );

    const byId = new Map(all.InstanceStatuses?.map((s) => [s.InstanceId, s]));
    expect(byId.get(instances[0]?.id)?.InstanceStatus).toMatchObject({
      Status: 'impaired',
      Details: [{ Name: 'reachability', Status: 'failed', ImpairedSince: expect.any(Date) }],
    });
    expect(byId.get(instances[1]?.id)?.InstanceStatus?.Status).toBe('ok');
    expect(ok.InstanceStatuses?.map((s) => s.InstanceId)).toEqual([instances[1]?.id]);
  });

  it('refuses more than 100 instance ids, unknown ids and a role without ec2:DescribeInstanceStatus', async () => {
    const h = await startServiceHarness();
    try {
      const client = new EC2Client(sdkConfig(h, sessionKeys(h, A), 'us-east-2'));
      const ids = Array.from({ length: 101 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
      const tooMany = await client
        .send(new DescribeInstanceStatusCommand({ InstanceIds: ids }))
        .catch((e: Error) => e);
      const unknown = await client
        .send(new DescribeInstanceStatusCommand({ InstanceIds: ['i-0123456789abcdef0'] }))
        .catch((e: Error) => e);
      const arn = roleArn(A);
      h.roles.set(arn, {
        arn,
        accountId: A,
        policies: [{ Statement: [{ Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' }] }],
      });
      const denied = await client.send(new DescribeInstanceStatusCommand({})).catch((e: Error) => e);

      expect(tooMany).toMatchObject({
        name: 'InvalidParameterValue',
        message: expect.stringMatching(/100, got 101/),
      });
      expect(unknown).toMatchObject({ name: 'InvalidInstanceID.NotFound' });
      expect(denied).toMatchObject({ name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
    } finally {
      await h.close();
    }
  });
});
