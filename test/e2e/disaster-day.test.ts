/**
 * Disaster day (issue 10) through the real ASL on the local runtime: the source site of an
 * application goes down 20 virtual minutes before a failover of its wave.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RunRecord } from '../../src/cli/reports.js';
import { renderOutputTable } from '../../src/cli/table.js';
import { reportHistory } from '../../src/cli/targets/local.js';
import { buildEvidence, renderReportHtml } from '../../src/report/index.js';
import { runStateMachine } from '../../src/runtime/index.js';
import { output, serversTagged } from './helpers.js';
import { startWorld, type World } from './world.js';

const WAVE_HRP = { 'DR-Wave': '1', 'DR-Application': 'HRP' };
const MINUTE = 60;
/** When the HRP site goes dark: 7 minutes after its 09:00 snapshot. */
const OUTAGE = '2025-01-06T09:07:00.000Z';

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

  it('a site dark 7 minutes after its last snapshot, failed over an hour later: result, table and evidence report all show ~7 min data loss, ~1 h recovery time and the previous-snapshot flag', async () => {
    // Snapshots every 10 minutes on the clock (09:00, 09:10, ...): dark at 09:07, failover at 10:07.
    world = await startWorld({
      fleet: {
        ...(await demo()),
        siteOutages: [{ tags: { 'DR-Application': 'HRP' }, at: OUTAGE }],
      },
    });
    world.emu.clock.advance(67 * 60_000);
    const servers = serversTagged(world, WAVE_HRP);
    const record = new RunRecord();

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'failover', tags: WAVE_HRP, metadata: { initiatedBy: 'ops@example.com' } },
      env: world.env,
      name: 'site-outage-1',
      onHistory: reportHistory(record.onHistory) as NonNullable<
        Parameters<typeof runStateMachine>[0]['onHistory']
      >,
    });

    // The result.
    const out = output(result.output);
    expect(out.recoveryInstances).toHaveLength(servers.length);
    for (const r of out.recoveryInstances) {
      expect(r.dataLossSeconds).toBe(7 * MINUTE);
      expect(r.usedPreviousSnapshot).toBe(true);
      // Recovery time runs from the outage to ready: the hour before the failover, then the launch.
      expect(r.recoveryTimeSeconds).toBe((Date.parse(r.readyTime ?? '') - Date.parse(OUTAGE)) / 1000);
      expect(r.recoveryTimeSeconds).toBeGreaterThanOrEqual(60 * MINUTE);
      expect(r.recoveryTimeSeconds).toBeLessThanOrEqual(60 * MINUTE + out.timing.durationSeconds);
    }
    const worstRecovery = Math.max(...out.recoveryInstances.map((r) => r.recoveryTimeSeconds ?? 0));
    // The table.
    const table = renderOutputTable(out);
    expect(table).toMatch(
      new RegExp(
        `^data loss\\s+7\\.0 min worst .*; ${servers.length} of ${servers.length} from a previous snapshot`,
        'm',
      ),
    );
    expect(table).toMatch(
      new RegExp(`^recovery\\s+${(worstRecovery / 60).toFixed(1)} min worst \\(from the outage`, 'm'),
    );
    // The evidence report (its JSON source and its page).
    const rootArn = record.rootArn ?? '';
    const source = buildEvidence({
      kind: 'action',
      rootArn,
      histories: record.histories,
      target: 'sim',
      generatedAt: world.emu.clock.now().toISOString(),
    });
    expect(source.objectives?.overall).toMatchObject({
      worstDataLossSeconds: 7 * MINUTE,
      recovered: servers.length,
      previousSnapshot: servers.length,
    });
    expect(source.objectives?.overall.recoveryTimeSeconds).toBe(worstRecovery);
    for (const s of source.servers) {
      expect(s).toMatchObject({
        recoveryPointTime: '2025-01-06T09:00:00.000Z',
        replicatedUntil: '2025-01-06T09:07:00.000Z',
        dataLossSeconds: 7 * MINUTE,
        usedPreviousSnapshot: true,
      });
    }
    expect(source.waves[0]?.steps?.filter((s) => s.step.startsWith('drs job')).map((s) => s.detail)).toEqual(
      expect.arrayContaining([expect.stringContaining('USING_PREVIOUS_SNAPSHOT')]),
    );
    const text = JSON.stringify(source, null, 2);
    const html = renderReportHtml(source, text);
    expect(html).toContain('<div class="figure" data-figure="worstDataLoss"><b>7m 00s</b>');
    expect(html.match(/class="flag"[^>]*>previous snapshot</g)).toHaveLength(servers.length);
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
