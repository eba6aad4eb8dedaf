/**
 * DRS launch configuration, launch configuration templates and post-launch actions through
 * @aws-sdk/client-drs, every response checked against the model, and their effect on launches.
 */
import {
  ConflictException,
  CreateLaunchConfigurationTemplateCommand,
  DeleteLaunchActionCommand,
  DescribeLaunchConfigurationTemplatesCommand,
  DescribeRecoveryInstancesCommand,
  GetLaunchConfigurationCommand,
  ListLaunchActionsCommand,
  PutLaunchActionCommand,
  ResourceNotFoundException,
  StartRecoveryCommand,
  UpdateLaunchConfigurationCommand,
  UpdateLaunchConfigurationTemplateCommand,
  ValidationException,
} from '@aws-sdk/client-drs';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import {
  continuousServers,
  STAGING_REGION,
  sessionFor,
  useModelCheckedDrs,
} from '../../_helpers/emulator.js';

const ACTION_ID = '6a1f2c3d-4b5e-4f60-8a7b-9c0d1e2f3a4b';

describe('Emulator: DRS launch settings', () => {
  const t = useModelCheckedDrs({ fleet: 'demo' });

  it('answers GetLaunchConfiguration with the defaults and keeps what UpdateLaunchConfiguration sets', async () => {
    const [id] = await continuousServers(t.drs, 1);

    const before = await t.drs.send(new GetLaunchConfigurationCommand({ sourceServerID: id }));
    const updated = await t.drs.send(
      new UpdateLaunchConfigurationCommand({
        sourceServerID: id,
        launchDisposition: 'STOPPED',
        copyPrivateIp: true,
      }),
    );
    const after = await t.drs.send(new GetLaunchConfigurationCommand({ sourceServerID: id }));

    expect(before).toMatchObject({ sourceServerID: id, launchDisposition: 'STARTED', copyPrivateIp: false });
    expect(before.ec2LaunchTemplateID).toMatch(/^lt-0[0-9a-f]{16}$/);
    expect(updated).toMatchObject({ launchDisposition: 'STOPPED', copyPrivateIp: true, copyTags: true });
    expect(after).toMatchObject({ launchDisposition: 'STOPPED', copyPrivateIp: true });
    const missing = await t.drs
      .send(new GetLaunchConfigurationCommand({ sourceServerID: 's-0000000000000000f' }))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
  });

  it('launches a server whose launchDisposition is STOPPED as a stopped instance, in DRS and in EC2', async () => {
    const [stoppedId, runningId] = await continuousServers(t.drs, 2);
    await t.drs.send(
      new UpdateLaunchConfigurationCommand({
        sourceServerID: stoppedId,
        launchDisposition: 'STOPPED',
        copyTags: false,
      }),
    );

    await t.drs.send(
      new StartRecoveryCommand({
        sourceServers: [{ sourceServerID: stoppedId }, { sourceServerID: runningId }],
        isDrill: true,
      }),
    );
    t.emu.clock.advance(2 * 3_600_000);
    const instances = await t.drs.send(new DescribeRecoveryInstancesCommand({}));
    const ec2 = await new EC2Client({
      endpoint: t.emu.endpoint,
      region: STAGING_REGION,
      credentials: sessionFor(t.emu, '111111111111'),
    }).send(new DescribeInstancesCommand({}));

    const byServer = new Map((instances.items ?? []).map((r) => [r.sourceServerID, r]));
    expect(byServer.get(stoppedId)?.ec2InstanceState).toBe('STOPPED');
    expect(byServer.get(stoppedId)?.tags).toEqual({});
    expect(byServer.get(runningId)?.ec2InstanceState).toBe('RUNNING');
    const states = new Map(
      (ec2.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => [i.InstanceId, i.State?.Name]),
    );
    expect(states.get(byServer.get(stoppedId)?.recoveryInstanceID)).toBe('stopped');
    expect(states.get(byServer.get(runningId)?.recoveryInstanceID)).toBe('running');
  });

  it('creates, lists and updates launch configuration templates', async () => {
    const created = await t.drs.send(
      new CreateLaunchConfigurationTemplateCommand({ launchDisposition: 'STOPPED', tags: { team: 'dr' } }),
    );
    const id = created.launchConfigurationTemplate?.launchConfigurationTemplateID as string;
    const updated = await t.drs.send(
      new UpdateLaunchConfigurationTemplateCommand({
        launchConfigurationTemplateID: id,
        copyPrivateIp: true,
      }),
    );
    const listed = await t.drs.send(new DescribeLaunchConfigurationTemplatesCommand({}));

    expect(id).toMatch(/^lct-[0-9a-f]{17}$/);
    expect(updated.launchConfigurationTemplate).toMatchObject({
      launchDisposition: 'STOPPED',
      copyPrivateIp: true,
    });
    expect(listed.items?.map((t) => t.launchConfigurationTemplateID)).toEqual([id]);
  });

  it('puts, lists and deletes post-launch actions, refusing a second action at the same order', async () => {
    const [id] = await continuousServers(t.drs, 1);
    const action = {
      resourceId: id,
      actionCode: 'AWS-RunShellScript',
      order: 2,
      actionId: ACTION_ID,
      optional: true,
      active: true,
      name: 'health check',
      actionVersion: '$DEFAULT',
      category: 'VALIDATION' as const,
      description: 'checks the app answers',
    };

    const put = await t.drs.send(new PutLaunchActionCommand(action));
    const clash = await t.drs
      .send(new PutLaunchActionCommand({ ...action, actionId: '7a1f2c3d-4b5e-4f60-8a7b-9c0d1e2f3a4b' }))
      .catch((e: unknown) => e);
    const listed = await t.drs.send(new ListLaunchActionsCommand({ resourceId: id }));
    await t.drs.send(new DeleteLaunchActionCommand({ resourceId: id, actionId: ACTION_ID }));
    const empty = await t.drs.send(new ListLaunchActionsCommand({ resourceId: id }));
    const badOrder = await t.drs
      .send(new PutLaunchActionCommand({ ...action, order: 1 }))
      .catch((e: unknown) => e);

    expect(put).toMatchObject({ resourceId: id, actionId: ACTION_ID, type: 'SSM_COMMAND', order: 2 });
    expect(clash).toBeInstanceOf(ConflictException);
    expect(listed.items?.map((a) => a.actionId)).toEqual([ACTION_ID]);
    expect(empty.items).toEqual([]);
    expect(badOrder).toBeInstanceOf(ValidationException);
  });
});
