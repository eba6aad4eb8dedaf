import {
  DescribeJobLogItemsCommand,
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeRecoverySnapshotsCommand,
  DescribeSourceServersCommand,
  type DrsClient,
  StartRecoveryCommand,
} from '@aws-sdk/client-drs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkFleet,
  type DataReplicationState,
  type Emulator,
  type Fleet,
  FleetError,
} from '../../../src/emulator/index.js';
import {
  drsMismatches,
  type RecordedResponse,
  recordResponses,
  stagingDrs,
  startTestEmulator,
} from '../../_helpers/emulator.js';

const START = Date.parse('2025-01-06T09:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const STATES: readonly DataReplicationState[] = [
  'CONTINUOUS',
  'BACKLOG',
  'CREATING_SNAPSHOT',
  'RESCAN',
  'STALLED',
  'PAUSED',
  'INITIATING',
  'INITIAL_SYNC',
  'STOPPED',
  'DISCONNECTED',
];

/** `s-` + 17 characters, the n-th server of the test fleet. */
function sid(n: number): string {
  return `s-${String(n).padStart(17, '0')}`;
}

/** One server per replication state (ids 1..10), plus three in application HRP (ids 21..23). */
function fleet(extra: Partial<Fleet> = {}): Fleet {
  return {
    seed: 7,
    accounts: [
      {
        accountId: '111111111111',
        region: 'us-east-2',
        sourceServers: [
          ...STATES.map((state, i) => ({
            sourceServerID: sid(i + 1),
            hostname: `state-${i + 1}`,
            tags: { State: state },
            replicationState: state,
            lagSeconds: state === 'CONTINUOUS' ? 5 : 1800,
          })),
          ...[21, 22, 23].map((n) => ({
            sourceServerID: sid(n),
            hostname: `hrp-${n}`,
            tags: { 'DR-Application': 'HRP' },
            lagSeconds: 5,
          })),
        ],
      },
      {
        accountId: '222222222222',
        region: 'us-east-2',
        sourceServers: [{ sourceServerID: sid(31), hostname: 'other-31', lagSeconds: 5 }],
      },
    ],
    ...extra,
  };
}

describe('Emulator: a site outage and launches across replication states', () => {
  let emu: Emulator;
  const recorders: RecordedResponse[][] = [];

  afterEach(async () => {
    expect(drsMismatches(recorders.splice(0).flat())).toEqual([]);
    await emu.stop();
  });

  async function setup(f: Fleet, accountId = '111111111111'): Promise<DrsClient> {
    emu = await startTestEmulator({ fleet: f });
    const drs = stagingDrs(emu, accountId);
    recorders.push(recordResponses(drs));
    return drs;
  }

  async function server(drs: DrsClient, id: string) {
    const out = await drs.send(new DescribeSourceServersCommand({ filters: { sourceServerIDs: [id] } }));
    return out.items?.[0];
  }

  async function newestSnapshot(drs: DrsClient, id: string) {
    const out = await drs.send(new DescribeRecoverySnapshotsCommand({ sourceServerID: id, order: 'DESC' }));
    return out.items?.[0];
  }

  async function launch(drs: DrsClient, ids: string[]) {
    const started = await drs.send(
      new StartRecoveryCommand({ sourceServers: ids.map((sourceServerID) => ({ sourceServerID })) }),
    );
    const jobID = started.job?.jobID as string;
    emu.clock.advance(2 * HOUR);
    const job = (await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [jobID] } }))).items?.[0];
    const log = (await drs.send(new DescribeJobLogItemsCommand({ jobID }))).items ?? [];
    const eventsOf = (id: string) =>
      log.filter((l) => l.eventData?.sourceServerID === id).map((l) => l.event as string);
    return { job, eventsOf };
  }

  it('takes the chosen site down at its time: STALLED with AGENT_NOT_SEEN, lag growing, no new snapshots', async () => {
    const at = new Date(START + 30 * MINUTE).toISOString();
    const drs = await setup(fleet({ siteOutages: [{ at, tags: { 'DR-Application': 'HRP' } }] }));

    const before = await server(drs, sid(21));
    emu.clock.advance(45 * MINUTE);
    const during = await server(drs, sid(21));
    const snapAt45 = await newestSnapshot(drs, sid(21));
    emu.clock.advance(HOUR);
    const later = await server(drs, sid(21));
    const snapLater = await newestSnapshot(drs, sid(21));
    const untouched = await server(drs, sid(1));

    expect(before?.dataReplicationInfo?.dataReplicationState).toBe('CONTINUOUS');
    expect(during?.dataReplicationInfo?.dataReplicationState).toBe('STALLED');
    expect(during?.dataReplicationInfo?.dataReplicationError?.error).toBe('AGENT_NOT_SEEN');
    // 5 s of lag before the outage, plus the 15 minutes since.
    expect(during?.dataReplicationInfo?.lagDuration).toBe('PT15M5S');
    expect(later?.dataReplicationInfo?.lagDuration).toBe('PT1H15M5S');
    expect(later?.lifeCycle?.lastSeenByServiceDateTime).toBe(at);
    expect(Date.parse(snapAt45?.timestamp as string)).toBeLessThanOrEqual(Date.parse(at));
    expect(snapLater?.snapshotID).toBe(snapAt45?.snapshotID);
    expect(untouched?.dataReplicationInfo?.dataReplicationState).toBe('CONTINUOUS');
  });

  it('selects servers by ids, by account, or by every selector together; lifting the fault plan restores them', async () => {
    const drs = await setup(fleet());
    const other = stagingDrs(emu, '222222222222');
    recorders.push(recordResponses(other));

    emu.faults.set({ siteOutages: [{ sourceServerIDs: [sid(22)] }, { accountId: '222222222222' }] });
    const byId = await server(drs, sid(22));
    const notChosen = await server(drs, sid(23));
    const byAccount = await server(other, sid(31));
    emu.faults.set({ siteOutages: [{ accountId: '111111111111', tags: { 'DR-Application': 'NONE' } }] });
    const noneMatch = await server(drs, sid(22));

    expect(byId?.dataReplicationInfo?.dataReplicationState).toBe('STALLED');
    expect(notChosen?.dataReplicationInfo?.dataReplicationState).toBe('CONTINUOUS');
    expect(byAccount?.dataReplicationInfo?.dataReplicationError?.error).toBe('AGENT_NOT_SEEN');
    expect(noneMatch?.dataReplicationInfo?.dataReplicationState).toBe('CONTINUOUS');
  });

  it('recovers a server of a lost site from its newest snapshot: SNAPSHOT_FAIL, USING_PREVIOUS_SNAPSHOT, pointInTimeSnapshotDateTime', async () => {
    const drs = await setup(fleet());
    emu.faults.set({ siteOutages: [{ tags: { 'DR-Application': 'HRP' } }] });
    emu.clock.advance(20 * MINUTE);
    const newest = await newestSnapshot(drs, sid(21));

    const { job, eventsOf } = await launch(drs, [sid(21)]);
    const instance = (
      await drs.send(new DescribeRecoveryInstancesCommand({ filters: { sourceServerIDs: [sid(21)] } }))
    ).items?.[0];

    expect(job?.participatingServers?.[0]?.launchStatus).toBe('LAUNCHED');
    expect(eventsOf(sid(21)).slice(0, 3)).toEqual([
      'SNAPSHOT_FAIL',
      'USING_PREVIOUS_SNAPSHOT',
      'CONVERSION_START',
    ]);
    expect(eventsOf(sid(21))).not.toContain('SNAPSHOT_START');
    expect(instance?.pointInTimeSnapshotDateTime).toBe(newest?.timestamp);
    // The outage began at the fleet's start: the newest snapshot is at most one 10-minute slot older.
    expect(START - Date.parse(newest?.timestamp as string)).toBeLessThanOrEqual(10 * MINUTE);
  });

  it('launches every state with a recovery point and fails the others with USING_PREVIOUS_SNAPSHOT_FAILED', async () => {
    const drs = await setup(fleet());
    const ids = STATES.map((_, i) => sid(i + 1));

    const { job, eventsOf } = await launch(drs, ids);
    const status = new Map(job?.participatingServers?.map((p) => [p.sourceServerID, p.launchStatus]));
    const instances = (
      await drs.send(new DescribeRecoveryInstancesCommand({ filters: { sourceServerIDs: ids } }))
    ).items;
    const pit = new Map(
      instances?.map((r) => [r.sourceServerID, Date.parse(r.pointInTimeSnapshotDateTime ?? '')]),
    );

    const outcome = Object.fromEntries(
      STATES.map((state, i) => {
        const events = eventsOf(sid(i + 1));
        const how = events.includes('SNAPSHOT_END')
          ? 'fresh snapshot'
          : events.includes('USING_PREVIOUS_SNAPSHOT')
            ? 'previous snapshot'
            : events.includes('USING_PREVIOUS_SNAPSHOT_FAILED')
              ? 'no snapshot'
              : events.join(',');
        return [state, `${status.get(sid(i + 1))} ${how}`];
      }),
    );
    expect(outcome).toEqual({
      CONTINUOUS: 'LAUNCHED fresh snapshot',
      BACKLOG: 'LAUNCHED fresh snapshot',
      CREATING_SNAPSHOT: 'LAUNCHED fresh snapshot',
      RESCAN: 'LAUNCHED fresh snapshot',
      STALLED: 'LAUNCHED previous snapshot',
      PAUSED: 'LAUNCHED previous snapshot',
      INITIATING: 'FAILED no snapshot',
      INITIAL_SYNC: 'FAILED no snapshot',
      STOPPED: 'FAILED no snapshot',
      DISCONNECTED: 'FAILED no snapshot',
    });
    // A fresh snapshot holds the data of `lag` ago: 5 s for CONTINUOUS, 30 min for BACKLOG.
    const started = Date.parse(job?.creationDateTime as string);
    expect(started - (pit.get(sid(1)) ?? 0)).toBeLessThan(2 * MINUTE);
    expect(started - (pit.get(sid(2)) ?? 0)).toBeGreaterThanOrEqual(30 * MINUTE - 2 * MINUTE);
    expect(eventsOf(sid(7))).toEqual(['SNAPSHOT_FAIL', 'USING_PREVIOUS_SNAPSHOT_FAILED']);
  });

  it('keeps the fleet outage when a new fault plan is set, and rejects a fleet outage without a selector', async () => {
    const drs = await setup(fleet({ siteOutages: [{ sourceServerIDs: [sid(23)] }] }));
    emu.faults.set({ launchFailures: [sid(1)] });
    const kept = await server(drs, sid(23));

    expect(kept?.dataReplicationInfo?.dataReplicationState).toBe('STALLED');
    expect(() => checkFleet(fleet({ siteOutages: [{ at: '2025-01-06T09:00:00Z' }] }))).toThrow(FleetError);
  });

  it('refuses a site outage that selects no servers, naming the rule', async () => {
    emu = await startTestEmulator({ fleet: fleet() });

    const res = await fetch(`${emu.endpoint}/_emulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ siteOutages: [{ at: '2025-01-06T09:00:00Z' }] }),
    });

    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/siteOutages\[0\] selects no servers/);
  });
});
