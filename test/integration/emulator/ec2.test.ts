import { DescribeInstancesCommand, EC2Client, paginateDescribeInstances } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  roleArn,
  type ServiceHarness,
  sdkConfig,
  sessionKeys,
  startServiceHarness,
} from '../../_helpers/service-harness.js';

const A = '111111111111';

function ec2(h: ServiceHarness, account = A): EC2Client {
  return new EC2Client(sdkConfig(h, sessionKeys(h, account), 'us-east-2'));
}

describe('Emulator: EC2 DescribeInstances', () => {
  let h: ServiceHarness;
  beforeEach(async () => {
    h = await startServiceHarness();
    h.instances.set(A, [
      {
        instanceId: 'i-0123456789abcdef0',
        state: 'running',
        privateIpAddress: '10.0.1.10',
        launchTime: '2025-01-06T09:12:00.000Z',
        tags: { Name: 'hrp-db-01', 'DR-Orchestration': 'true' },
        reservationId: 'r-0aaaaaaaaaaaaaaa1',
      },
      {
        instanceId: 'i-0123456789abcdef1',
        state: 'running',
        privateIpAddress: '10.0.1.11',
        launchTime: '2025-01-06T09:12:00.000Z',
        tags: { Name: 'hrp-app-01' },
        reservationId: 'r-0aaaaaaaaaaaaaaa1',
      },
      {
        instanceId: 'i-0123456789abcdef2',
        state: 'terminated',
        privateIpAddress: '10.0.1.12',
        launchTime: '2025-01-06T08:00:00.000Z',
        tags: { Name: 'old' },
      },
    ]);
  });
  afterEach(async () => {
    await h.close();
  });

  it('returns reservations with instance id, state, private IP, launch time and tags', async () => {
    const out = await ec2(h).send(new DescribeInstancesCommand({}));

    expect(out.Reservations).toHaveLength(2);
    const first = out.Reservations?.[0];
    expect(first?.ReservationId).toBe('r-0aaaaaaaaaaaaaaa1');
    expect(first?.OwnerId).toBe(A);
    expect(first?.Instances?.[0]).toMatchObject({
      InstanceId: 'i-0123456789abcdef0',
      State: { Code: 16, Name: 'running' },
      PrivateIpAddress: '10.0.1.10',
      LaunchTime: new Date('2025-01-06T09:12:00.000Z'),
      Tags: [
        { Key: 'Name', Value: 'hrp-db-01' },
        { Key: 'DR-Orchestration', Value: 'true' },
      ],
      Placement: { AvailabilityZone: 'us-east-2a' },
    });
    expect(out.Reservations?.[1]?.Instances?.[0]?.State).toEqual({ Code: 48, Name: 'terminated' });
  });

  it('filters by InstanceIds and by instance-id / state / tag filters with wildcards', async () => {
    const client = ec2(h);

    const byIds = await client.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef1'] }));
    const byFilter = await client.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'instance-id', Values: ['i-0123456789abcdef0', 'i-0123456789abcdef2'] },
          { Name: 'instance-state-name', Values: ['running'] },
        ],
      }),
    );
    const byTag = await client.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['hrp-*'] }] }),
    );

    const ids = (o: typeof byIds) =>
      o.Reservations?.flatMap((r) => r.Instances?.map((i) => i.InstanceId) ?? []);
    expect(ids(byIds)).toEqual(['i-0123456789abcdef1']);
    expect(ids(byFilter)).toEqual(['i-0123456789abcdef0']);
    expect(ids(byTag)).toEqual(['i-0123456789abcdef0', 'i-0123456789abcdef1']);
  });

  it('answers InvalidInstanceID.NotFound for an id not in the account, and .Malformed for a bad id', async () => {
    const client = ec2(h, '222222222222');

    const notFound = await client
      .send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] }))
      .catch((e: unknown) => e);
    const malformed = await client
      .send(new DescribeInstancesCommand({ InstanceIds: ['abc'] }))
      .catch((e: unknown) => e);

    expect(notFound).toMatchObject({
      name: 'InvalidInstanceID.NotFound',
      $metadata: { httpStatusCode: 400 },
    });
    expect((notFound as Error).message).toBe("The instance ID 'i-0123456789abcdef0' does not exist");
    expect(malformed).toMatchObject({ name: 'InvalidInstanceID.Malformed' });
  });

  it('pages with MaxResults and NextToken through the SDK paginator', async () => {
    const many = Array.from({ length: 12 }, (_, n) => ({
      instanceId: `i-${n.toString(16).padStart(17, '0')}`,
      state: 'running' as const,
      launchTime: '2025-01-06T09:00:00.000Z',
      tags: {},
    }));
    h.instances.set('222222222222', many);
    const seen: string[] = [];

    for await (const page of paginateDescribeInstances({ client: ec2(h, '222222222222'), pageSize: 5 }, {})) {
      for (const r of page.Reservations ?? [])
        for (const i of r.Instances ?? []) seen.push(i.InstanceId ?? '');
    }

    expect(seen).toEqual(many.map((i) => i.instanceId));
  });

  it('denies a role without ec2:DescribeInstances with UnauthorizedOperation (403)', async () => {
    const arn = roleArn(A);
    h.roles.set(arn, {
      arn,
      accountId: A,
      policies: [{ Statement: [{ Effect: 'Allow', Action: 'drs:*', Resource: '*' }] }],
    });

    const error = await ec2(h)
      .send(new DescribeInstancesCommand({}))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
  });
});
