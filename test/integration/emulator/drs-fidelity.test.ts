/**
 * What real DRS clients notice: ids formed as DRS and EC2 form them (public DRS tooling
 * validates them), and the 50-tags-per-resource limit.
 */
import {
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeRecoverySnapshotsCommand,
  DescribeSourceServersCommand,
  ListTagsForResourceCommand,
  StartRecoveryCommand,
  TagResourceCommand,
  ValidationException,
} from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import { useModelCheckedDrs } from '../../_helpers/emulator.js';

const tags = (n: number, prefix = 'k'): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));

describe('Emulator: DRS ids and tag limits as real clients see them', () => {
  const t = useModelCheckedDrs({ fleet: 'demo' });

  async function continuousServer(): Promise<string> {
    const out = await t.drs.send(new DescribeSourceServersCommand({ maxResults: 50 }));
    const s = out.items?.find((x) => x.dataReplicationInfo?.dataReplicationState === 'CONTINUOUS');
    return s?.sourceServerID as string;
  }

  it('forms source server, job, instance, snapshot and EBS snapshot ids as DRS and EC2 do (17 lower-case hex)', async () => {
    const all = await t.drs.send(new DescribeSourceServersCommand({}));
    expect(all.items?.length).toBeGreaterThan(0);
    for (const s of all.items ?? []) expect(s.sourceServerID).toMatch(/^s-[0-9a-f]{17}$/);
    const id = await continuousServer();
    t.emu.clock.advance(2 * 3_600_000);
    const snaps = await t.drs.send(new DescribeRecoverySnapshotsCommand({ sourceServerID: id }));
    expect(snaps.items?.length).toBeGreaterThan(0);
    for (const p of snaps.items ?? []) {
      expect(p.snapshotID).toMatch(/^pit-[0-9a-f]{17}$/);
      for (const e of p.ebsSnapshots ?? []) expect(e).toMatch(/^snap-0[0-9a-f]{16}$/);
    }

    const job = await t.drs.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }], isDrill: true }),
    );
    t.emu.clock.advance(3_600_000);
    const instances = await t.drs.send(new DescribeRecoveryInstancesCommand({}));

    expect(job.job?.jobID).toMatch(/^drsjob-[0-9a-f]{17}$/);
    expect(instances.items?.[0]?.recoveryInstanceID).toMatch(/^i-0[0-9a-f]{16}$/);
    expect(instances.items?.[0]?.ec2InstanceID).toBe(instances.items?.[0]?.recoveryInstanceID);
  });

  it('refuses TagResource past 50 tags on a resource with ValidationException, keeping the tags it had', async () => {
    const id = await continuousServer();
    const arn = `arn:aws:drs:us-east-2:111111111111:source-server/${id}`;
    const before = (await t.drs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags ?? {};
    const room = 50 - Object.keys(before).length;
    await t.drs.send(new TagResourceCommand({ resourceArn: arn, tags: tags(room) }));

    const err = await t.drs
      .send(new TagResourceCommand({ resourceArn: arn, tags: { oneTooMany: 'v' } }))
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ValidationException);
    expect((err as ValidationException).fieldList?.[0]?.name).toBe('tags');
    const after = (await t.drs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags ?? {};
    expect(Object.keys(after)).toHaveLength(50);
    expect(after.oneTooMany).toBeUndefined();
  });

  it('refuses StartRecovery with 51 tags and starts no job', async () => {
    const id = await continuousServer();

    const err = await t.drs
      .send(
        new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }], isDrill: true, tags: tags(51) }),
      )
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ValidationException);
    expect((await t.drs.send(new DescribeJobsCommand({}))).items).toEqual([]);
  });
});
