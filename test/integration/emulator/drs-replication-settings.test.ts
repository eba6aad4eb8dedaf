/**
 * DRS replication settings through @aws-sdk/client-drs, every response checked against the model:
 * each server's replication configuration (from the account's template, else DRS's defaults, the
 * staging area in EC2's recovery network), the templates, stopping and restarting replication
 * with its effect on the server, IAM per source server, and `aws:` tag keys refused.
 */
import {
  AccessDeniedException,
  CreateReplicationConfigurationTemplateCommand,
  DeleteReplicationConfigurationTemplateCommand,
  DescribeRecoverySnapshotsCommand,
  DescribeReplicationConfigurationTemplatesCommand,
  DescribeSourceServersCommand,
  GetReplicationConfigurationCommand,
  ResourceNotFoundException,
  StartReplicationCommand,
  StopReplicationCommand,
  TagResourceCommand,
  UpdateReplicationConfigurationCommand,
  UpdateReplicationConfigurationTemplateCommand,
  ValidationException,
} from '@aws-sdk/client-drs';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { Fleet } from '../../../src/emulator/fleet/types.js';
import { generateFleet } from '../../../src/emulator/index.js';
import {
  continuousServers,
  drsClient,
  drsMismatches,
  recordResponses,
  STAGING_REGION,
  sessionFor,
  useModelCheckedDrs,
} from '../../_helpers/emulator.js';

const STAGING = '111111111111';
const MINUTE = 60_000;

describe('Emulator: DRS replication settings', () => {
  const t = useModelCheckedDrs({ fleet: 'demo' });

  it("answers a server's replication configuration with DRS's defaults, its disks, and a staging subnet EC2 serves", async () => {
    const [id] = await continuousServers(t.drs, 1);
    const config = await t.drs.send(new GetReplicationConfigurationCommand({ sourceServerID: id }));
    const subnets = await new EC2Client({
      endpoint: t.emu.endpoint,
      region: STAGING_REGION,
      credentials: sessionFor(t.emu, STAGING),
    }).send(new DescribeSubnetsCommand({}));
    const disks = t.emu.drs.account(STAGING)?.server(id as string)?.disks ?? [];

    expect(config).toMatchObject({
      sourceServerID: id,
      replicationServerInstanceType: 't3.small',
      ebsEncryption: 'DEFAULT',
      dataPlaneRouting: 'PRIVATE_IP',
      defaultLargeStagingDiskType: 'GP3',
      bandwidthThrottling: 0,
    });
    expect(config.pitPolicy?.map((r) => r.units)).toEqual(['MINUTE', 'HOUR', 'DAY']);
    expect(config.replicatedDisks?.map((d) => [d.deviceName, d.isBootDisk])).toEqual(
      disks.map((d, i) => [d.deviceName, i === 0]),
    );
    expect(subnets.Subnets?.map((s) => s.SubnetId)).toContain(config.stagingAreaSubnetId);
  });

  it('keeps what UpdateReplicationConfiguration sets, and refuses a disk the server does not have', async () => {
    const [id] = await continuousServers(t.drs, 1);
    const disk = t.emu.drs.account(STAGING)?.server(id as string)?.disks[0]?.deviceName as string;

    const updated = await t.drs.send(
      new UpdateReplicationConfigurationCommand({
        sourceServerID: id,
        replicationServerInstanceType: 'm5.large',
        bandwidthThrottling: 100,
        replicatedDisks: [{ deviceName: disk, stagingDiskType: 'GP2' }],
      }),
    );
    const again = await t.drs.send(new GetReplicationConfigurationCommand({ sourceServerID: id }));
    const bad = await t.drs
      .send(
        new UpdateReplicationConfigurationCommand({
          sourceServerID: id,
          replicatedDisks: [{ deviceName: '/dev/nope' }],
        }),
      )
      .catch((e: unknown) => e);
    const missing = await t.drs
      .send(new GetReplicationConfigurationCommand({ sourceServerID: 's-0000000000000000f' }))
      .catch((e: unknown) => e);

    expect(updated).toMatchObject({ replicationServerInstanceType: 'm5.large', bandwidthThrottling: 100 });
    expect(again.replicatedDisks).toEqual([
      expect.objectContaining({ deviceName: disk, stagingDiskType: 'GP2', isBootDisk: true }),
    ]);
    expect(again.replicationServerInstanceType).toBe('m5.large');
    expect(bad).toBeInstanceOf(ValidationException);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
  });

  it('creates, describes, updates and deletes templates; a template is the default configuration of servers', async () => {
    const created = await t.drs.send(
      new CreateReplicationConfigurationTemplateCommand({
        stagingAreaSubnetId: 'subnet-0123456789abcdef0',
        associateDefaultSecurityGroup: true,
        replicationServersSecurityGroupsIDs: [],
        replicationServerInstanceType: 't3.medium',
        useDedicatedReplicationServer: false,
        defaultLargeStagingDiskType: 'ST1',
        ebsEncryption: 'DEFAULT',
        bandwidthThrottling: 0,
        dataPlaneRouting: 'PRIVATE_IP',
        createPublicIP: false,
        stagingAreaTags: { Team: 'dr' },
        pitPolicy: [{ ruleID: 1, units: 'HOUR', interval: 1, retentionDuration: 48, enabled: true }],
        tags: { Owner: 'dr-team' },
      }),
    );
    const id = created.replicationConfigurationTemplateID as string;
    const updated = await t.drs.send(
      new UpdateReplicationConfigurationTemplateCommand({
        replicationConfigurationTemplateID: id,
        bandwidthThrottling: 50,
      }),
    );
    const listed = await t.drs.send(new DescribeReplicationConfigurationTemplatesCommand({}));
    const [server] = await continuousServers(t.drs, 1);
    const config = await t.drs.send(new GetReplicationConfigurationCommand({ sourceServerID: server }));
    await t.drs.send(
      new DeleteReplicationConfigurationTemplateCommand({ replicationConfigurationTemplateID: id }),
    );
    const after = await t.drs.send(new DescribeReplicationConfigurationTemplatesCommand({}));
    const gone = await t.drs
      .send(
        new DescribeReplicationConfigurationTemplatesCommand({ replicationConfigurationTemplateIDs: [id] }),
      )
      .catch((e: unknown) => e);

    expect(id).toMatch(/^rct-[0-9a-f]{17}$/);
    expect(created.arn).toBe(
      `arn:aws:drs:${STAGING_REGION}:${STAGING}:replication-configuration-template/${id}`,
    );
    expect(updated).toMatchObject({ bandwidthThrottling: 50, replicationServerInstanceType: 't3.medium' });
    expect(listed.items?.map((i) => i.replicationConfigurationTemplateID)).toEqual([id]);
    expect(config).toMatchObject({
      replicationServerInstanceType: 't3.medium',
      defaultLargeStagingDiskType: 'ST1',
      stagingAreaTags: { Team: 'dr' },
    });
    expect(after.items).toEqual([]);
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
  });

  it('stops replication (STOPPED, no snapshots) and starts it again from scratch, in virtual time', async () => {
    const [id] = await continuousServers(t.drs, 1);
    const stopped = await t.drs.send(new StopReplicationCommand({ sourceServerID: id }));
    const snapshotsStopped = await t.drs.send(new DescribeRecoverySnapshotsCommand({ sourceServerID: id }));
    const started = await t.drs.send(new StartReplicationCommand({ sourceServerID: id }));
    t.emu.clock.advance(3 * 60 * MINUTE);
    const synced = (
      await t.drs.send(new DescribeSourceServersCommand({ filters: { sourceServerIDs: [id as string] } }))
    ).items?.[0];

    expect(stopped.sourceServer?.dataReplicationInfo?.dataReplicationState).toBe('STOPPED');
    expect(snapshotsStopped.items).toEqual([]);
    expect(['INITIATING', 'INITIAL_SYNC']).toContain(
      started.sourceServer?.dataReplicationInfo?.dataReplicationState,
    );
    expect(synced?.dataReplicationInfo?.dataReplicationState).toBe('CONTINUOUS');
  });

  it("refuses tag keys starting with 'aws:', which AWS reserves", async () => {
    const [id] = await continuousServers(t.drs, 1);
    const arn = `arn:aws:drs:${STAGING_REGION}:${STAGING}:source-server/${id}`;

    const refused = await t.drs
      .send(new TagResourceCommand({ resourceArn: arn, tags: { 'aws:cloudformation:stack-name': 'x' } }))
      .catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(ValidationException);
    expect((refused as Error).message).toContain("'aws:cloudformation:stack-name'");
    expect(t.emu.drs.account(STAGING)?.server(id as string)?.tags).not.toHaveProperty(
      'aws:cloudformation:stack-name',
    );
  });
});

describe('Emulator: DRS replication settings under IAM', () => {
  /** The demo-like fleet with a role that may not stop replication of the first server. */
  function scopedFleet(): { fleet: Fleet; locked: string } {
    const fleet = generateFleet({ seed: 5, accounts: 2, serversPerAccount: 3, notContinuous: 0 });
    const locked = 's-0123456789abcdef0';
    return {
      locked,
      fleet: {
        ...fleet,
        accounts: fleet.accounts.map((a) =>
          a.accountId !== STAGING
            ? a
            : {
                ...a,
                sourceServers: (a.sourceServers ?? []).map((server, i) =>
                  i === 0 ? { ...server, sourceServerID: locked } : server,
                ),
                roles: [
                  ...(a.roles ?? []),
                  {
                    name: 'Replication-Operator',
                    trustPolicy: {
                      Version: '2012-10-17',
                      Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
                    },
                    policies: [
                      {
                        Version: '2012-10-17',
                        Statement: [
                          { Effect: 'Allow', Action: 'drs:*', Resource: '*' },
                          {
                            Effect: 'Deny',
                            Action: ['drs:StopReplication', 'drs:UpdateReplicationConfiguration'],
                            Resource: `arn:aws:drs:*:${STAGING}:source-server/${locked}`,
                          },
                        ],
                      },
                    ],
                  },
                ],
              },
        ),
      },
    };
  }
  const { fleet, locked } = scopedFleet();
  const t = useModelCheckedDrs({ fleet });

  it('authorizes StopReplication and UpdateReplicationConfiguration per source server', async () => {
    expect(locked).toMatch(/^s-/);
    const drs = drsClient(t.emu, sessionFor(t.emu, STAGING, 'Replication-Operator'));
    const records = recordResponses(drs);
    const ids = ((await drs.send(new DescribeSourceServersCommand({}))).items ?? []).map(
      (s) => s.sourceServerID,
    );
    const other = ids.find((i) => i !== locked) as string;

    const denied = await drs
      .send(new StopReplicationCommand({ sourceServerID: locked }))
      .catch((e: unknown) => e);
    const deniedUpdate = await drs
      .send(new UpdateReplicationConfigurationCommand({ sourceServerID: locked, bandwidthThrottling: 1 }))
      .catch((e: unknown) => e);
    const allowed = await drs.send(new StopReplicationCommand({ sourceServerID: other }));
    const read = await drs.send(new GetReplicationConfigurationCommand({ sourceServerID: locked }));

    expect(denied).toBeInstanceOf(AccessDeniedException);
    expect(deniedUpdate).toBeInstanceOf(AccessDeniedException);
    expect(allowed.sourceServer?.dataReplicationInfo?.dataReplicationState).toBe('STOPPED');
    expect(read.sourceServerID).toBe(locked);
    expect(drsMismatches(records)).toEqual([]);
  });
});
