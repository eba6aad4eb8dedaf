/**
 * The EC2 launch templates DRS launch configurations point to, through @aws-sdk/client-ec2, every
 * answer checked against the EC2 model: GetLaunchConfiguration's `ec2LaunchTemplateID` is a
 * template EC2 serves, a new default version changes the next launch as on AWS, and recovery
 * instances carry the network, devices and instance profile of the template and the fleet.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeRecoveryInstancesCommand,
  DescribeSourceServersCommand,
  GetLaunchConfigurationCommand,
  StartRecoveryCommand,
  UpdateLaunchConfigurationCommand,
} from '@aws-sdk/client-drs';
import {
  type _InstanceType,
  CreateLaunchTemplateVersionCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type EC2ServiceException,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateFleet, startEmulator } from '../../../src/emulator/index.js';
import { sdkOutputMismatches } from '../../_helpers/aws-model-shape.js';
import { fromAws, withOrigin } from '../../_helpers/cross-region-fleet.js';
import {
  continuousServers,
  drsClient,
  STAGING_REGION,
  sessionFor,
  startTestEmulator,
  useModelCheckedDrs,
} from '../../_helpers/emulator.js';

const STAGING = '111111111111';
const HOUR = 3_600_000;

describe('Emulator: EC2 launch templates and the recovery network', () => {
  const t = useModelCheckedDrs({ fleet: 'demo' });

  /** An EC2 client of the staging account whose every answer is checked against the model. */
  function ec2(): { client: EC2Client; mismatches: string[]; checked: string[] } {
    const client = new EC2Client({
      endpoint: t.emu.endpoint,
      region: STAGING_REGION,
      credentials: sessionFor(t.emu, STAGING),
      maxAttempts: 1,
    });
    const mismatches: string[] = [];
    const checked: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        const operation = String(context.commandName).replace(/Command$/, '');
        checked.push(operation);
        mismatches.push(...sdkOutputMismatches('ec2', operation, out.output as object));
        return out;
      },
      { step: 'initialize', name: 'modelCheck' },
    );
    return { client, mismatches, checked };
  }

  it('serves the launch template GetLaunchConfiguration names, version 1 with the right-sized instance type', async () => {
    const [id] = await continuousServers(t.drs, 1);
    const { ec2LaunchTemplateID } = await t.drs.send(
      new GetLaunchConfigurationCommand({ sourceServerID: id }),
    );
    const { client, mismatches, checked } = ec2();

    const templates = await client.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [ec2LaunchTemplateID as string] }),
    );
    const versions = await client.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: ec2LaunchTemplateID,
        Versions: ['$Default'],
      }),
    );
    const all = await client.send(new DescribeLaunchTemplatesCommand({}));
    const subnets = await client.send(new DescribeSubnetsCommand({}));
    const groups = await client.send(new DescribeSecurityGroupsCommand({}));

    expect(templates.LaunchTemplates).toHaveLength(1);
    expect(templates.LaunchTemplates?.[0]).toMatchObject({
      LaunchTemplateId: ec2LaunchTemplateID,
      DefaultVersionNumber: 1,
      LatestVersionNumber: 1,
    });
    const server = t.emu.drs.account(STAGING)?.server(id as string);
    const data = versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
    expect(versions.LaunchTemplateVersions?.[0]).toMatchObject({ VersionNumber: 1, DefaultVersion: true });
    expect(data?.InstanceType).toBe(server?.recommendedInstanceType);
    expect(data?.IamInstanceProfile?.Name).toBe('AWSElasticDisasterRecoveryRecoveryInstanceRole');
    expect(subnets.Subnets?.map((s) => s.SubnetId)).toContain(data?.NetworkInterfaces?.[0]?.SubnetId);
    expect(data?.NetworkInterfaces?.[0]?.Groups).toEqual(groups.SecurityGroups?.map((g) => g.GroupId));
    // One template per source server of the account.
    expect(all.LaunchTemplates).toHaveLength(t.emu.drs.account(STAGING)?.servers().length ?? -1);
    expect(checked).toEqual([
      'DescribeLaunchTemplates',
      'DescribeLaunchTemplateVersions',
      'DescribeLaunchTemplates',
      'DescribeSubnets',
      'DescribeSecurityGroups',
    ]);
    expect(mismatches).toEqual([]);
  });

  it('launches the instance type of a new default version once right-sizing is off, as on AWS', async () => {
    const [id, other] = await continuousServers(t.drs, 2);
    const { ec2LaunchTemplateID: lt } = await t.drs.send(
      new GetLaunchConfigurationCommand({ sourceServerID: id }),
    );
    const { client, mismatches } = ec2();
    const current = await client.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt, Versions: ['$Default'] }),
    );
    const data = current.LaunchTemplateVersions?.[0]?.LaunchTemplateData ?? {};
    const target = data.InstanceType === 'r5.2xlarge' ? 'c5.2xlarge' : 'r5.2xlarge';

    // What drs-synch-ec2-tags-and-instance-type does: right-sizing off, copy the data with another type.
    await t.drs.send(
      new UpdateLaunchConfigurationCommand({
        sourceServerID: id,
        targetInstanceTypeRightSizingMethod: 'NONE',
      }),
    );
    const created = await client.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: lt,
        SourceVersion: '1',
        ClientToken: 'sync-1',
        VersionDescription: 'instance type from the source',
        LaunchTemplateData: { ...(data as object), InstanceType: target },
      }),
    );
    const retried = await client.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: lt,
        SourceVersion: '1',
        ClientToken: 'sync-1',
        LaunchTemplateData: { InstanceType: target },
      }),
    );
    const modified = await client.send(
      new ModifyLaunchTemplateCommand({
        LaunchTemplateId: lt,
        DefaultVersion: String(created.LaunchTemplateVersion?.VersionNumber),
      }),
    );
    const listed = await client.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt }));

    expect(created.LaunchTemplateVersion).toMatchObject({ VersionNumber: 2, DefaultVersion: false });
    expect(retried.LaunchTemplateVersion?.VersionNumber).toBe(2);
    expect(modified.LaunchTemplate).toMatchObject({ DefaultVersionNumber: 2, LatestVersionNumber: 2 });
    expect(listed.LaunchTemplateVersions?.map((v) => [v.VersionNumber, v.DefaultVersion])).toEqual([
      [1, false],
      [2, true],
    ]);
    // The subnet and profile came along from version 1.
    expect(listed.LaunchTemplateVersions?.[1]?.LaunchTemplateData?.NetworkInterfaces?.[0]?.SubnetId).toBe(
      data.NetworkInterfaces?.[0]?.SubnetId,
    );

    await t.drs.send(
      new StartRecoveryCommand({
        sourceServers: [{ sourceServerID: id }, { sourceServerID: other }],
        isDrill: true,
      }),
    );
    t.emu.clock.advance(2 * HOUR);
    const recovery = (await t.drs.send(new DescribeRecoveryInstancesCommand({}))).items ?? [];
    const instances = (await client.send(new DescribeInstancesCommand({}))).Reservations?.flatMap(
      (r) => r.Instances ?? [],
    );
    const byServer = (sid: string | undefined) =>
      instances?.find((i) => i.InstanceId === recovery.find((r) => r.sourceServerID === sid)?.ec2InstanceID);

    expect(byServer(id)?.InstanceType).toBe(target);
    // Right-sizing (BASIC, the default) still picks the other server's type.
    expect(byServer(other)?.InstanceType).toBe(
      t.emu.drs.account(STAGING)?.server(other as string)?.recommendedInstanceType,
    );
    expect(mismatches).toEqual([]);
  });

  it('gives recovery instances the subnet, VPC, security groups, interface, volumes and profile of their launch', async () => {
    const [id] = await continuousServers(t.drs, 1);
    await t.drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }], isDrill: true }));
    t.emu.clock.advance(2 * HOUR);
    const { client, mismatches } = ec2();
    const instance = (await client.send(new DescribeInstancesCommand({}))).Reservations?.[0]?.Instances?.[0];
    const vpcs = await client.send(new DescribeVpcsCommand({}));
    const subnets = await client.send(
      new DescribeSubnetsCommand({ SubnetIds: [instance?.SubnetId as string] }),
    );
    const enis = await client.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'attachment.instance-id', Values: [instance?.InstanceId as string] }],
      }),
    );
    const types = await client.send(
      new DescribeInstanceTypesCommand({ InstanceTypes: [instance?.InstanceType as _InstanceType] }),
    );
    const disks = t.emu.drs.account(STAGING)?.server(id as string)?.disks ?? [];
    const recovery = (await t.drs.send(new DescribeRecoveryInstancesCommand({}))).items?.[0];

    expect(instance?.VpcId).toBe(vpcs.Vpcs?.[0]?.VpcId);
    expect(subnets.Subnets?.[0]?.VpcId).toBe(instance?.VpcId);
    expect(instance?.SecurityGroups?.map((g) => g.GroupName)).toEqual(['default']);
    expect(instance?.NetworkInterfaces?.[0]).toMatchObject({
      SubnetId: instance?.SubnetId,
      PrivateIpAddress: instance?.PrivateIpAddress,
    });
    expect(enis.NetworkInterfaces?.map((n) => n.NetworkInterfaceId)).toEqual([
      instance?.NetworkInterfaces?.[0]?.NetworkInterfaceId,
    ]);
    expect(instance?.IamInstanceProfile?.Arn).toBe(
      `arn:aws:iam::${STAGING}:instance-profile/AWSElasticDisasterRecoveryRecoveryInstanceRole`,
    );
    // One EBS volume per source disk, the same volumes DRS names.
    expect(instance?.BlockDeviceMappings?.map((b) => b.Ebs?.VolumeId)).toEqual(
      recovery?.recoveryInstanceProperties?.disks?.map((d) => d.ebsVolumeID),
    );
    expect(instance?.BlockDeviceMappings).toHaveLength(disks.length);
    expect(types.InstanceTypes?.[0]?.VCpuInfo?.DefaultVCpus).toBeGreaterThan(0);
    expect(mismatches).toEqual([]);
  });

  it('refuses unknown templates, versions, subnets and instance types with EC2 errors', async () => {
    const { client } = ec2();
    const codes = await Promise.all(
      [
        new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: 'lt-0123456789abcdef0' }),
        new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ['lt-0123456789abcdef0'] }),
        new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: 'lt-bad' }),
        new DescribeSubnetsCommand({ SubnetIds: ['subnet-0123456789abcdef0'] }),
        new DescribeInstanceTypesCommand({ InstanceTypes: ['z9.huge' as never] }),
      ].map((c) =>
        client.send(c as never).then(
          () => 'ok',
          (e: EC2ServiceException) => e.name,
        ),
      ),
    );
    const [id] = await continuousServers(t.drs, 1);
    const { ec2LaunchTemplateID: lt } = await t.drs.send(
      new GetLaunchConfigurationCommand({ sourceServerID: id }),
    );
    const version = await client
      .send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: lt, DefaultVersion: '7' }))
      .then(
        () => 'ok',
        (e: EC2ServiceException) => e.name,
      );

    expect(codes).toEqual([
      'InvalidLaunchTemplateId.NotFound',
      'InvalidLaunchTemplateId.NotFound',
      'InvalidLaunchTemplateId.Malformed',
      'InvalidSubnetID.NotFound',
      'InvalidInstanceType',
    ]);
    expect(version).toBe('InvalidLaunchTemplateId.VersionNotFound');
  });
});

describe('Emulator: EC2 launch templates across a restart, and EC2-origin source instances', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ec2-lt-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a new default version in the saved world, and the next launch after the restart uses it', async () => {
    const first = await startTestEmulator({ fleet: 'demo', saveDir: dir });
    const creds = sessionFor(first, STAGING);
    const drs = drsClient(first, creds);
    const [id] = await continuousServers(drs, 1);
    const { ec2LaunchTemplateID: lt } = await drs.send(
      new GetLaunchConfigurationCommand({ sourceServerID: id }),
    );
    await drs.send(
      new UpdateLaunchConfigurationCommand({
        sourceServerID: id,
        targetInstanceTypeRightSizingMethod: 'NONE',
      }),
    );
    const client = new EC2Client({ endpoint: first.endpoint, region: STAGING_REGION, credentials: creds });
    await client.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: lt,
        SourceVersion: '$Latest',
        LaunchTemplateData: { InstanceType: 'm5.4xlarge' },
      }),
    );
    await client.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: lt, DefaultVersion: '$Latest' }));
    const path = join(dir, 'state.json');
    const saved = await fetch(`${first.endpoint}/_emulator/state/save`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path }),
    });
    await first.stop();

    const second = await startEmulator({ state: path, timeScale: 0 });
    const again = drsClient(second, creds);
    const ec2Again = new EC2Client({ endpoint: second.endpoint, region: STAGING_REGION, credentials: creds });
    const template = await ec2Again.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [lt as string] }),
    );
    await again.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }], isDrill: true }));
    second.clock.advance(2 * HOUR);
    const instance = (await ec2Again.send(new DescribeInstancesCommand({}))).Reservations?.[0]
      ?.Instances?.[0];
    await second.stop();

    expect(saved.status).toBe(200);
    expect(template.LaunchTemplates?.[0]).toMatchObject({ DefaultVersionNumber: 2, LatestVersionNumber: 2 });
    expect(instance?.InstanceType).toBe('m5.4xlarge');
  });

  it('names the EC2 instance of an EC2-origin server, which runs in the origin account with its own type', async () => {
    const fleet = generateFleet({
      accounts: 2,
      serversPerAccount: 3,
      regions: ['us-east-2', 'us-west-2'],
      seed: 8,
    });
    const origin = { accountId: '222222222222', region: 'us-west-2' };
    const emu = await startTestEmulator({
      fleet: withOrigin(fleet, STAGING, origin, (s, i) =>
        i === 0 ? { ...fromAws(s, origin, { App: 'web' }), sourceInstanceType: 'c5.xlarge' } : s,
      ),
    });
    const drs = drsClient(emu, sessionFor(emu, STAGING));
    const servers = (await drs.send(new DescribeSourceServersCommand({}))).items ?? [];
    const ec2Origin = new EC2Client({
      endpoint: emu.endpoint,
      region: origin.region,
      credentials: sessionFor(emu, origin.accountId),
    });
    const ec2Staging = new EC2Client({
      endpoint: emu.endpoint,
      region: STAGING_REGION,
      credentials: sessionFor(emu, STAGING),
    });
    const inOrigin = (await ec2Origin.send(new DescribeInstancesCommand({}))).Reservations?.flatMap(
      (r) => r.Instances ?? [],
    );
    const inStaging = (await ec2Staging.send(new DescribeInstancesCommand({}))).Reservations?.flatMap(
      (r) => r.Instances ?? [],
    );
    await emu.stop();

    const awsIds = servers.map((s) => s.sourceProperties?.identificationHints?.awsInstanceID);
    expect(awsIds[0]).toMatch(/^i-[0-9a-f]{17}$/);
    expect(awsIds.slice(1)).toEqual([undefined, undefined]);
    expect(
      inOrigin?.map((i) => [i.InstanceId, i.InstanceType, i.Tags?.find((t) => t.Key === 'App')?.Value]),
    ).toEqual([[awsIds[0], 'c5.xlarge', 'web']]);
    expect(inStaging).toEqual([]);
  });
});
