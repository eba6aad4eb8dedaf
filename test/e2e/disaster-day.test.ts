/**
 * Disaster day (issue 10) through the real ASL on the local runtime: the source site of an
 * application goes down 20 virtual minutes before a failover of its wave.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { output, serversTagged } from './helpers.js';
import { startWorld, type World } from './world.js';

const WAVE_HRP = { 'DR-Wave': '1', 'DR-Application': 'HRP' };
const MINUTE = 60;

describe('E2E: disaster day (the source site is gone)', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('fails over every server of a site lost 20 minutes earlier from its last snapshot, reporting RPO and RTO', async () => {
    world = await startWorld({
      fleet: { ...(await demo()), siteOutages: [{ tags: { 'DR-Application': 'HRP' } }] },
    });
    world.emu.clock.advance(20 * 60_000);
    const servers = serversTagged(world, WAVE_HRP);

    const result = await world.run('main', { action: 'failover', tags: WAVE_HRP });

    expect(result.status).toBe('SUCCEEDED');
    const out = output(result.output);
    expect(out.status).toBe('success');
    expect(out.recoveryInstances).toHaveLength(servers.length);
    for (const r of out.recoveryInstances) {
      // Data loss ends at the outage (at most one 10-minute snapshot interval and the lag); the
      // 20 minutes of downtime after it are recovery time.
      expect(r.dataLossSeconds).toBeLessThanOrEqual(10 * MINUTE + 20);
      expect(r.usedPreviousSnapshot).toBe(true);
      expect(r.recoveryTimeSeconds).toBeGreaterThanOrEqual(20 * MINUTE);
      expect(Date.parse(r.readyTime ?? '')).toBeGreaterThan(Date.parse(r.launchTime ?? ''));
    }
    expect(out.summary.worstDataLossSeconds).toBe(
      Math.max(...out.recoveryInstances.map((r) => r.dataLossSeconds ?? 0)),
    );
    expect(out.summary.recoveryTimeSeconds).toBeGreaterThan(0);
    expect(out.summary.recoveryTimeSeconds).toBeLessThanOrEqual(out.timing.durationSeconds);
    // Every launch logged the fallback to the newest snapshot.
    for (const { job } of world.emu.drs.jobs()) {
      if (job.type !== 'LAUNCH') continue;
      const events = job.events.map((e) => e.event);
      expect(events).toContain('SNAPSHOT_FAIL');
      expect(events).toContain('USING_PREVIOUS_SNAPSHOT');
    }
  });

  it('rehearses the bad day: no snapshot fails at once, the RPO budget rejects old points, an impaired instance fails, continueOnFailure keeps the rest', async () => {
    world = await startWorld();
    const servers = serversTagged(world, WAVE_HRP);
    const [impaired, stalled, ...rest] = servers.map((s) => s.id);
    // One server's site went down 3 hours ago (older than the budget), one never recovers its status checks.
    world.emu.faults.set({
      siteOutages: [{ sourceServerIDs: [stalled as string], at: '2025-01-06T06:00:00.000Z' }],
      impairedInstances: [impaired as string],
    });

    const result = await world.run('main', {
      action: 'failover',
      tags: WAVE_HRP,
      options: { continueOnFailure: true, maxDataLossMinutes: 60, healthCheckMinutes: 15 },
    });

    const out = output(result.output);
    expect(out.status).toBe('partial');
    const failed = Object.fromEntries(out.failedServers.map((f) => [f.sourceServerId, f.errorCode]));
    expect(failed).toEqual({
      [impaired as string]: 'InstanceUnhealthy',
      [stalled as string]: 'RecoveryPointTooOld',
    });
    expect(out.summary.succeeded).toBe(rest.length);
    expect(out.nextPhaseReady).toBe(rest.length / servers.length > 0.5);
  });

  it('without continueOnFailure a server without a snapshot stops the wave before any launch', async () => {
    world = await startWorld();
    const [first] = serversTagged(world, WAVE_HRP);
    const record = world.emu.drs.account(first?.accountId ?? '')?.server(first?.id ?? '');
    if (!record) throw new Error('no HRP server in wave 1');
    record.replicationState = 'INITIAL_SYNC';
    record.version++;

    const result = await world.run('main', { action: 'failover', tags: WAVE_HRP });

    const out = output(result.output);
    expect(out.status).toBe('failed');
    expect(out.failedServers).toEqual([
      expect.objectContaining({ sourceServerId: first?.id, errorCode: 'ServerNotReady' }),
    ]);
  });
});

async function demo() {
  const { demoFleet } = await import('../../src/emulator/fleet/demo.js');
  return demoFleet();
}
