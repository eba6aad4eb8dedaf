/**
 * Disaster day (issue 10): a failover when the source site is gone, the RPO budget, and the RPO/RTO
 * figures in the result, through the tasks against the emulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderOutputTable } from '../../../src/cli/table.js';
import { assertOrchestrationOutput } from '../../../src/contract/index.js';
import {
  drsCallsByOperation,
  launchesPerServer,
  mutatingDrsCalls,
  runOrchestration,
  server,
  smallFleet,
  startWorld,
  type World,
} from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

const MINUTE = 60;
const hrp = { 'DR-Application': 'HRP' };

describe('disaster day', () => {
  it('a failover 20 minutes after the site went down recovers every server from its last snapshot and reports the data lost', async () => {
    const fleet = {
      ...smallFleet({
        '111111111111': [1, 2, 3].map((n) => server(1, n, hrp, { lagSeconds: 5 })),
      }),
      siteOutages: [{ tags: hrp }],
    };
    world = await startWorld({ fleet });
    const outage = world.emu.clock.nowMs();
    world.emu.clock.advance(20 * 60_000);

    const run = await runOrchestration(world, {
      action: 'failover',
      tags: hrp,
      options: { healthCheckMinutes: 0 },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('success');
    expect(out.recoveryInstances).toHaveLength(3);
    for (const r of out.recoveryInstances) {
      expect(Date.parse(r.recoveryPointTime ?? '')).toBeLessThanOrEqual(outage);
      // Data loss ends at the outage: at most one 10-minute snapshot interval (and the lag); the
      // 20 minutes of downtime after it are recovery time.
      expect(r.replicatedUntil).toBe(new Date(outage).toISOString());
      expect(r.dataLossSeconds).toBeLessThanOrEqual(10 * MINUTE + 5);
      expect(r.usedPreviousSnapshot).toBe(true);
      expect(r.recoveryTimeSeconds).toBeGreaterThanOrEqual(20 * MINUTE);
    }
    const worst = Math.max(...out.recoveryInstances.map((r) => r.dataLossSeconds ?? 0));
    expect(out.summary.worstDataLossSeconds).toBe(worst);
    expect(out.stagingAccountResults[0]?.worstDataLossSeconds).toBe(worst);
    const lastUp = Math.max(...out.recoveryInstances.map((r) => Date.parse(r.readyTime ?? '')));
    expect(out.summary.recoveryTimeSeconds).toBe(
      Math.floor((lastUp - Date.parse(out.timing.startTime)) / 1000),
    );
  });

  it('a site dark 7 minutes after its last snapshot, failed over an hour later: ~7 min data loss, ~1 h recovery time', async () => {
    // The emulator snapshots every 10 minutes on the clock (09:00, 09:10, ...): the site goes dark
    // at 09:07, 7 minutes after its last snapshot, and the failover starts at 10:07.
    const fleet = {
      ...smallFleet({
        '111111111111': [1, 2].map((n) => server(1, n, hrp, { lagSeconds: 5 })),
      }),
      siteOutages: [{ tags: hrp, at: '2025-01-06T09:07:00.000Z' }],
    };
    world = await startWorld({ fleet });
    world.emu.clock.advance(67 * 60_000);

    const run = await runOrchestration(world, {
      action: 'failover',
      tags: hrp,
      options: { healthCheckMinutes: 0 },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.recoveryInstances).toHaveLength(2);
    for (const r of out.recoveryInstances) {
      expect(r.recoveryPointTime).toBe('2025-01-06T09:00:00.000Z');
      expect(r.replicatedUntil).toBe('2025-01-06T09:07:00.000Z');
      expect(r.dataLossSeconds).toBe(7 * MINUTE);
      expect(r.usedPreviousSnapshot).toBe(true);
      // An hour of downtime before the failover, plus the launch itself.
      expect(r.recoveryTimeSeconds).toBeGreaterThanOrEqual(60 * MINUTE);
      expect(r.recoveryTimeSeconds).toBeLessThan(90 * MINUTE);
    }
    expect(out.summary.worstDataLossSeconds).toBe(7 * MINUTE);
    const table = renderOutputTable(out);
    expect(table).toMatch(/^data loss\s+7\.0 min worst .*; 2 of 2 from a previous snapshot/m);
    // Recovery time at a glance: the hour of downtime before the failover, not the run's minutes.
    expect(table).toMatch(/^recovery\s+(6\d|7\d|8\d)\.\d min worst \(from the outage/m);
    expect(
      table
        .split('\n')
        .filter((l) =>
          /2025-01-06T09:00:00.000Z\s+2025-01-06T09:07:00.000Z\s+7\.0 min\s+\d+\.\d min\s+\d+\.\d min\s+previous/.test(
            l,
          ),
        ),
    ).toHaveLength(2);
  });

  it("status shows each server's newest recovery point and flags the servers a failover could not recover", async () => {
    const fleet = {
      ...smallFleet({
        '111111111111': [
          server(1, 1, { ...hrp, Wave: '1' }, { lagSeconds: 5 }),
          server(1, 2, { ...hrp, Wave: '1' }, { lagSeconds: 5 }),
          server(1, 3, { ...hrp, Wave: '1' }, { replicationState: 'INITIAL_SYNC' }),
          server(1, 4, { 'DR-Application': 'Other', Wave: '1' }, { lagSeconds: 5 }),
        ],
      }),
      // the site of servers 1-3 is lost; 3 had not finished its first sync, so it has no snapshot
      siteOutages: [{ tags: hrp }],
    };
    world = await startWorld({ fleet });
    const outage = world.emu.clock.nowMs();
    world.emu.clock.advance(20 * 60_000);

    const run = await runOrchestration(world, {
      action: 'status',
      tags: { Wave: '1' },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    const byHost = new Map((out.servers ?? []).map((s) => [s.sourceServerHostname, s]));
    expect(byHost.size).toBe(4);
    for (const host of ['host-1-1', 'host-1-2']) {
      const s = byHost.get(host);
      expect(s?.replicationState).toBe('STALLED');
      expect(s?.failoverRecoverable).toBe(true);
      // the last snapshot before the site went down: none since
      expect(Date.parse(s?.newestRecoveryPoint ?? '')).toBeLessThanOrEqual(outage);
    }
    const never = byHost.get('host-1-3');
    expect(never?.replicationState).toBe('STALLED');
    expect(never?.failoverRecoverable).toBe(false);
    expect(never?.newestRecoveryPoint).toBeUndefined();
    const healthy = byHost.get('host-1-4');
    expect(healthy?.replicationState).toBe('CONTINUOUS');
    expect(healthy?.failoverRecoverable).toBe(true);
    expect(Date.parse(healthy?.newestRecoveryPoint ?? '')).toBeGreaterThan(outage);
    expect(out.readiness?.unrecoverable).toBe(1);
    expect(out.message).toContain('1 a failover could not recover');
    expect(mutatingDrsCalls(world.emu)).toBe(0);
  });

  it('maxDataLossMinutes: within budget launches, a replicating server over it waits then fails, a stalled one fails at once', async () => {
    const fleet = smallFleet({
      '111111111111': [
        server(1, 1, hrp, { lagSeconds: 5 }),
        server(1, 2, hrp, { replicationState: 'BACKLOG', lagSeconds: 40 * MINUTE }),
        server(1, 3, hrp, { replicationState: 'STALLED', lagSeconds: 3 * 3600 }),
      ],
    });
    world = await startWorld({ fleet });

    const run = await runOrchestration(world, {
      action: 'failover',
      tags: hrp,
      options: { maxDataLossMinutes: 30, maxWaitMinutes: 20, continueOnFailure: true, healthCheckMinutes: 0 },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    const failed = Object.fromEntries(out.failedServers.map((f) => [f.sourceServerId, f]));
    expect(failed['s-10000000000000002']).toMatchObject({
      errorCode: 'RecoveryPointTooOld',
      errorMessage: expect.stringContaining('before maxWaitMinutes (20) ended'),
    });
    expect(failed['s-10000000000000003']).toMatchObject({
      errorCode: 'RecoveryPointTooOld',
      errorMessage: expect.stringContaining('replication is STALLED, so it cannot get newer'),
    });
    expect([...launchesPerServer(world.emu).keys()]).toEqual(['s-10000000000000001']);
    expect(out.status).toBe('partial');
    // Only the stalled server needed its newest snapshot looked up.
    expect(drsCallsByOperation(world.emu).DescribeRecoverySnapshots).toBe(1);
  });

  it('without a budget nothing waits: a server with a recovery point hours old is recovered', async () => {
    const fleet = smallFleet({
      '111111111111': [server(1, 1, hrp, { replicationState: 'STALLED', lagSeconds: 3 * 3600 })],
    });
    world = await startWorld({ fleet });

    const run = await runOrchestration(world, {
      action: 'failover',
      tags: hrp,
      options: { healthCheckMinutes: 0 },
    });

    const out = run.result.output;
    expect(out.status).toBe('success');
    expect(out.recoveryInstances[0]?.dataLossSeconds).toBeGreaterThanOrEqual(3 * 3600);
    expect(drsCallsByOperation(world.emu).DescribeRecoverySnapshots).toBeUndefined();
  });

  it('waits for EC2 status checks: an impaired instance fails InstanceUnhealthy, a healthy one is up after its launch', async () => {
    const fleet = smallFleet({ '111111111111': [1, 2].map((n) => server(1, n, hrp, { lagSeconds: 5 })) });
    world = await startWorld({ fleet, faults: { impairedInstances: ['s-10000000000000002'] } });

    const run = await runOrchestration(world, {
      action: 'failover',
      tags: hrp,
      options: { continueOnFailure: true, healthCheckMinutes: 10 },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('partial');
    expect(out.failedServers).toEqual([
      expect.objectContaining({
        sourceServerId: 's-10000000000000002',
        errorCode: 'InstanceUnhealthy',
        errorMessage: expect.stringContaining('instance status impaired'),
      }),
    ]);
    const up = out.recoveryInstances.find((r) => r.status === 'launched');
    expect(Date.parse(up?.readyTime ?? '')).toBeGreaterThan(Date.parse(up?.launchTime ?? ''));
    const statusCalls = world.emu.state.callTotal({ service: 'ec2', operation: 'DescribeInstanceStatus' });
    expect(statusCalls).toBeGreaterThan(0);
  });

  it('healthCheckMinutes 0 turns the check off: no DescribeInstanceStatus call, an impaired instance counts as launched', async () => {
    const fleet = smallFleet({ '111111111111': [server(1, 1, hrp, { lagSeconds: 5 })] });
    world = await startWorld({ fleet, faults: { impairedInstances: ['s-10000000000000001'] } });

    const run = await runOrchestration(world, {
      action: 'failover',
      tags: hrp,
      options: { healthCheckMinutes: 0 },
    });

    expect(run.result.output.status).toBe('success');
    expect(world.emu.state.callTotal({ service: 'ec2', operation: 'DescribeInstanceStatus' })).toBe(0);
  });

  it('failback after a drill fails back nothing: failed, not success, and says drill instances never fail back', async () => {
    const fleet = smallFleet({ '111111111111': [server(1, 1, hrp, { lagSeconds: 5 })] });
    world = await startWorld({ fleet });
    await runOrchestration(world, { action: 'drill', tags: hrp, options: { healthCheckMinutes: 0 } });
    world.emu.clock.advance(2 * 3_600_000);

    const run = await runOrchestration(world, { action: 'failback', tags: hrp }, { executionName: 'exec-2' });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('failed');
    expect(out.nextPhaseReady).toBe(false);
    expect(out.servers?.[0]).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('drill instances can never fail back'),
    });
    expect(drsCallsByOperation(world.emu).StartFailbackLaunch).toBeUndefined();
  });

  it('failback right after a failover waits for FAILBACK_READY_FOR_LAUNCH instead of skipping, then fails back', async () => {
    const fleet = smallFleet({ '111111111111': [server(1, 1, hrp, { lagSeconds: 5 })] });
    world = await startWorld({ fleet });
    await runOrchestration(world, { action: 'failover', tags: hrp, options: { healthCheckMinutes: 0 } });

    const run = await runOrchestration(
      world,
      { action: 'failback', tags: hrp, options: { maxWaitMinutes: 240 } },
      { executionName: 'exec-2' },
    );

    const out = run.result.output;
    expect(out.status).toBe('success');
    expect(out.servers?.[0]).toMatchObject({
      outcome: 'failback-completed',
      failbackState: 'FAILBACK_COMPLETED',
    });
    expect(drsCallsByOperation(world.emu).StartFailbackLaunch).toBe(1);
  });
});
