/**
 * ReverseReplication as DRS documents it for AWS-origin (cross-Region) servers: the recovery
 * instance is replicated back by a new source server in the origin account and Region, FAILBACK
 * direction, which syncs from scratch in virtual time and can then be recovered there.
 */
import {
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeRecoverySnapshotsCommand,
  DescribeSourceServersCommand,
  type DrsClient,
  ReverseReplicationCommand,
  type SourceServer,
  StartRecoveryCommand,
} from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import type { Fleet } from '../../../src/emulator/fleet/types.js';
import { generateFleet } from '../../../src/emulator/index.js';
import { DrsWorld } from '../../../src/emulator/services/drs/world.js';
import { applyJournal, EmulatorState, type JournalRecord } from '../../../src/emulator/state.js';
import { fromAws, withOrigin } from '../../_helpers/cross-region-fleet.js';
import {
  drsClient,
  drsMismatches,
  recordResponses,
  sessionFor,
  useModelCheckedDrs,
} from '../../_helpers/emulator.js';

const MINUTE = 60_000;
const STAGING = '111111111111';
const ORIGIN = '222222222222';

/**
 * Staging 111111111111 (us-east-2); servers 0-1 are EC2 instances of 222222222222 (us-west-2);
 * server 2 of 222222222222 in us-east-1, where it has no DRS.
 */
function crossRegionFleet(): Fleet {
  const fleet = generateFleet({
    accounts: 2,
    serversPerAccount: 6,
    regions: ['us-east-2', 'us-west-2'],
    seed: 8,
  });
  const origin = { accountId: ORIGIN, region: 'us-west-2' };
  return withOrigin(fleet, STAGING, origin, (s, i) =>
    i > 2 ? s : fromAws(s, i === 2 ? { ...origin, region: 'us-east-1' } : origin, {}),
  );
}

describe('Emulator: ReverseReplication (Region-to-Region failback)', () => {
  const world = useModelCheckedDrs({ fleet: crossRegionFleet() });

  function originDrs(): DrsClient {
    return drsClient(world.emu, sessionFor(world.emu, ORIGIN), { region: 'us-west-2' });
  }

  async function serverIds(): Promise<string[]> {
    const items = (await world.drs.send(new DescribeSourceServersCommand({}))).items ?? [];
    return items.slice(0, 3).map((s) => s.sourceServerID as string);
  }

  /** Recovers servers (a real recovery, or a drill) and returns their recovery instance ids, in order. */
  async function recover(ids: string[], isDrill = false): Promise<string[]> {
    await world.drs.send(
      new StartRecoveryCommand({ sourceServers: ids.map((sourceServerID) => ({ sourceServerID })), isDrill }),
    );
    world.emu.clock.advance(60 * MINUTE);
    const items = (await world.drs.send(new DescribeRecoveryInstancesCommand({}))).items ?? [];
    return ids.map((id) => items.find((r) => r.sourceServerID === id)?.recoveryInstanceID as string);
  }

  it('creates a FAILBACK source server in the origin account and Region that syncs to CONTINUOUS, then recovers there', async () => {
    const [id] = await serverIds();
    const [rid] = await recover([id as string]);
    const origin = originDrs();
    const originRecords = recordResponses(origin);

    const out = await world.drs.send(new ReverseReplicationCommand({ recoveryInstanceID: rid }));

    const arn = out.reversedDirectionSourceServerArn as string;
    expect(arn).toMatch(/^arn:aws:drs:us-west-2:222222222222:source-server\/s-[0-9a-f]{17}$/);
    const reversedId = arn.split('/')[1] as string;
    const original = (
      await world.drs.send(new DescribeSourceServersCommand({ filters: { sourceServerIDs: [id as string] } }))
    ).items?.[0];
    expect(original?.reversedDirectionSourceServerArn).toBe(arn);
    const read = async (): Promise<SourceServer | undefined> =>
      (await origin.send(new DescribeSourceServersCommand({ filters: { sourceServerIDs: [reversedId] } })))
        .items?.[0];
    const fresh = await read();
    expect(fresh).toMatchObject({
      arn,
      replicationDirection: 'FAILBACK',
      reversedDirectionSourceServerArn: original?.arn,
      sourceCloudProperties: { originAccountID: STAGING, originRegion: 'us-east-2' },
      sourceProperties: {
        identificationHints: {
          awsInstanceID: rid,
          hostname: original?.sourceProperties?.identificationHints?.hostname,
        },
      },
      dataReplicationInfo: { dataReplicationState: 'INITIATING' },
    });
    const states = [fresh?.dataReplicationInfo?.dataReplicationState];
    for (let minute = 0; minute < 120; minute += 5) {
      world.emu.clock.advance(5 * MINUTE);
      const state = (await read())?.dataReplicationInfo?.dataReplicationState;
      if (state !== states.at(-1)) states.push(state);
    }
    expect(states).toEqual(['INITIATING', 'INITIAL_SYNC', 'CONTINUOUS']);
    // Its snapshots begin after the first sync, so a recovery in the origin Region has a point in time.
    expect(
      (await origin.send(new DescribeRecoverySnapshotsCommand({ sourceServerID: reversedId }))).items?.length,
    ).toBeGreaterThan(0);
    const job = (
      await origin.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: reversedId }] }))
    ).job;
    world.emu.clock.advance(60 * MINUTE);
    const done = (await origin.send(new DescribeJobsCommand({ filters: { jobIDs: [job?.jobID as string] } })))
      .items?.[0];
    expect(done?.participatingServers?.[0]?.launchStatus).toBe('LAUNCHED');
    const back = (await origin.send(new DescribeRecoveryInstancesCommand({}))).items ?? [];
    expect(back.map((r) => r.sourceServerID)).toEqual([reversedId]);
    expect(drsMismatches(originRecords)).toEqual([]);
  });

  it('refuses a second ReverseReplication of the same instance with ConflictException naming the reversed server', async () => {
    const [id] = await serverIds();
    const [rid] = await recover([id as string]);
    const first = await world.drs.send(new ReverseReplicationCommand({ recoveryInstanceID: rid }));

    const again = await world.drs
      .send(new ReverseReplicationCommand({ recoveryInstanceID: rid }))
      .catch((e: unknown) => e);

    expect((again as Error).name).toBe('ConflictException');
    expect((again as Error).message).toContain(first.reversedDirectionSourceServerArn as string);
    const originServers = (await originDrs().send(new DescribeSourceServersCommand({}))).items ?? [];
    expect(originServers.filter((s) => s.replicationDirection === 'FAILBACK')).toHaveLength(1);
  });

  it('refuses a drill instance (ValidationException) and an origin Region without DRS (UninitializedAccountException)', async () => {
    const [a, , c] = await serverIds();
    const [drillInstance] = await recover([a as string], true);
    const [noDrsThere] = await recover([c as string]);

    const drill = await world.drs
      .send(new ReverseReplicationCommand({ recoveryInstanceID: drillInstance }))
      .catch((e: unknown) => e);
    const uninitialized = await world.drs
      .send(new ReverseReplicationCommand({ recoveryInstanceID: noDrsThere }))
      .catch((e: unknown) => e);

    expect((drill as Error).name).toBe('ValidationException');
    expect((drill as Error).message).toMatch(/drill instance/);
    expect((uninitialized as Error).name).toBe('UninitializedAccountException');
    expect((uninitialized as Error).message).toMatch(
      /222222222222 has not initialized Elastic Disaster Recovery in region us-east-1/,
    );
  });

  it('journals the origin account with the call, so a world rebuilt from the journal has the reversed server', async () => {
    const [id] = await serverIds();
    const [rid] = await recover([id as string]);
    const before = structuredClone(world.emu.state.toJSON());
    const records: JournalRecord[] = [];
    world.emu.state.journalTo((r) => records.push(structuredClone(r)));

    const out = await world.drs.send(new ReverseReplicationCommand({ recoveryInstanceID: rid }));

    world.emu.state.journalTo(undefined);
    const rebuilt = EmulatorState.fromSnapshot(applyJournal(before, records));
    const rebuiltDrs = DrsWorld.restore(rebuilt.restoredServices.drs, rebuilt.fleet, rebuilt.faults, () =>
      rebuilt.clock.nowMs(),
    );
    const reversedId = (out.reversedDirectionSourceServerArn as string).split('/')[1];
    expect(rebuiltDrs.account(ORIGIN)?.server(reversedId as string)?.replicationDirection).toBe('FAILBACK');
    expect(rebuiltDrs.account(STAGING)?.server(id as string)?.reversedDirectionSourceServerArn).toBe(
      out.reversedDirectionSourceServerArn,
    );
  });
});
