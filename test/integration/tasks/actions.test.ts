/**
 * Every action and every row of design 14.1, run through the tasks in state-machine order against
 * the emulator with the real SDK.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { assertOrchestrationOutput } from '../../../src/contract/index.js';
import { demoFleet } from '../../../src/emulator/index.js';
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

/** Demo servers carrying every tag (ids are drawn at load, so hostnames identify them). */
function demoServers(tags: Record<string, string>): { accountId: string; hostname: string }[] {
  return demoFleet().accounts.flatMap((a) =>
    (a.sourceServers ?? [])
      .filter((s) => Object.entries(tags).every(([k, v]) => s.tags?.[k] === v))
      .map((s) => ({ accountId: a.accountId, hostname: s.hostname })),
  );
}

describe('design 14.1 scenarios', () => {
  it('single server drill recovers exactly one server as a drill', async () => {
    world = await startWorld({ fleet: 'demo' });

    const run = await runOrchestration(world, { action: 'drill', tags: { 'DR-Test': 'single' } });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('success');
    expect(out.summary).toMatchObject({ totalServers: 1, succeeded: 1, failed: 0 });
    expect(out.recoveryInstances).toHaveLength(1);
    expect(out.recoveryInstances[0]).toMatchObject({
      status: 'launched',
      isDrill: true,
      stagingAccountId: '111111111111',
    });
    expect(out.recoveryInstances[0]?.privateIp).toMatch(/^10\./);
    expect(out.timing.durationFormatted).toMatch(/^PT/);
    expect(out.nextPhaseReady).toBe(true);
    expect([...launchesPerServer(world.emu).values()]).toEqual([1]);
    const jobs = world.emu.drs.jobs('111111111111').map((j) => j.job);
    expect(jobs[0]?.tags).toMatchObject({
      'DR-Orchestration': 'true',
      'DR-CorrelationId': 'exec-1',
      'DR-Action': 'drill',
    });
    expect(jobs[0]?.isDrill).toBe(true);
  });

  it('wave 1 drill recovers every wave 1 server across all accounts in parallel, within parallelism', async () => {
    world = await startWorld({ fleet: 'demo' });
    const expected = demoServers({ 'DR-Wave': '1' });

    const run = await runOrchestration(world, {
      action: 'drill',
      tags: { 'DR-Wave': '1' },
      options: { parallelism: 40 },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('success');
    expect(out.summary.totalServers).toBe(expected.length);
    expect(out.summary.succeeded).toBe(expected.length);
    expect(
      new Set(out.recoveryInstances.map((r) => `${r.stagingAccountId}/${r.sourceServerHostname}`)),
    ).toEqual(new Set(expected.map((e) => `${e.accountId}/${e.hostname}`)));
    expect(out.stagingAccountResults.map((a) => a.accountId).sort()).toEqual([
      '111111111111',
      '222222222222',
      '333333333333',
    ]);
    const launches = launchesPerServer(world.emu);
    expect([...launches.values()].every((n) => n === 1)).toBe(true);
    expect(launches.size).toBe(expected.length);
    for (const { job } of world.emu.drs.jobs()) expect(job.servers.length).toBeLessThanOrEqual(40);
    // One DescribeJobs per account per poll at most (plus none elsewhere for fresh servers).
    expect(drsCallsByOperation(world.emu).DescribeJobs ?? 0).toBeLessThanOrEqual(run.rounds * 3);
  });

  it('multi-account drill aggregates per-account results whose sums match the summary', async () => {
    world = await startWorld({ fleet: 'demo' });
    const expected = demoServers({ 'DR-Wave': '1', 'DR-Application': 'HRP' });
    const accounts = new Set(expected.map((e) => e.accountId));
    expect(accounts.size).toBeGreaterThanOrEqual(2);

    const run = await runOrchestration(world, {
      action: 'drill',
      tags: { 'DR-Wave': '1', 'DR-Application': 'HRP' },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('success');
    expect(out.stagingAccountResults).toHaveLength(accounts.size);
    expect(out.stagingAccountResults.reduce((n, a) => n + a.succeeded, 0)).toBe(expected.length);
    for (const account of out.stagingAccountResults) {
      expect(account.jobId).toMatch(/^drsjob-/);
      expect(account.serversProcessed).toBe(expected.filter((e) => e.accountId === account.accountId).length);
    }
  });

  it('no matching servers is a success with zero servers and no DRS launch', async () => {
    world = await startWorld({ fleet: 'demo' });

    const run = await runOrchestration(world, { action: 'drill', tags: { 'DR-Wave': 'none' } });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out).toMatchObject({ status: 'success', nextPhaseReady: true, summary: { totalServers: 0 } });
    expect(mutatingDrsCalls(world.emu)).toBe(0);
  });

  it('partial failure with continueOnFailure lists both launched and failed servers', async () => {
    const tags = { App: 'mix' };
    const fleet = smallFleet({
      '111111111111': [
        server(1, 1, tags),
        server(1, 2, tags),
        server(1, 3, tags),
        server(1, 4, tags, { replicationState: 'DISCONNECTED' }),
      ],
      '222222222222': [server(2, 1, tags), server(2, 2, tags)],
    });
    world = await startWorld({ fleet, faults: { launchFailures: ['s-20000000000000002'] } });

    const run = await runOrchestration(world, {
      action: 'failover',
      tags,
      options: { continueOnFailure: true },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('partial');
    expect(out.summary).toMatchObject({ totalServers: 6, succeeded: 4, failed: 2 });
    expect(out.failedServers.map((f) => [f.sourceServerId, f.errorCode]).sort()).toEqual([
      ['s-10000000000000004', 'ServerNotReady'],
      ['s-20000000000000002', 'LaunchFailed'],
    ]);
    expect(out.recoveryInstances.filter((r) => r.status === 'launched')).toHaveLength(4);
    expect(out.nextPhaseReady).toBe(true); // 4/6 > 0.5
    expect(launchesPerServer(world.emu).has('s-10000000000000004')).toBe(false);
  });

  it('timeout handling: a stuck job ends as timeout after maxWaitMinutes', async () => {
    const tags = { App: 'stuck' };
    const fleet = smallFleet({ '111111111111': [server(1, 1, tags), server(1, 2, tags)] });
    world = await startWorld({ fleet, faults: { stuckJobs: ['s-10000000000000002'] } });

    const run = await runOrchestration(world, { action: 'drill', tags, options: { maxWaitMinutes: 60 } });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('timeout');
    expect(out.nextPhaseReady).toBe(false);
    expect(out.summary).toMatchObject({ totalServers: 2, succeeded: 1, timedOut: 1 });
    expect(out.failedServers).toEqual([
      expect.objectContaining({ sourceServerId: 's-10000000000000002', errorCode: 'JobTimeout' }),
    ]);
    expect(out.timing.durationSeconds).toBeGreaterThanOrEqual(3600);
    expect(out.timing.durationSeconds).toBeLessThan(3600 + 120);
  });

  it('terminate drill terminates the drill instances and leaves the source servers alone', async () => {
    world = await startWorld({ fleet: 'demo' });
    const drill = await runOrchestration(world, { action: 'drill', tags: { 'DR-Test': 'single' } });
    const instanceId = drill.result.output.recoveryInstances[0]?.recoveryInstanceId;
    expect(world.emu.drs.instances().map((i) => i.instance.recoveryInstanceID)).toEqual([instanceId]);

    const run = await runOrchestration(
      world,
      { action: 'terminate', tags: { 'DR-Test': 'single' } },
      { executionName: 'exec-2' },
    );

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('success');
    expect(out.servers).toEqual([
      expect.objectContaining({ outcome: 'terminated', recoveryInstanceId: instanceId }),
    ]);
    expect(world.emu.drs.instances()).toHaveLength(0);
    expect(drsCallsByOperation(world.emu).TerminateRecoveryInstances).toBe(1);
  });
});

describe('other actions', () => {
  it('status reports every matching server with zero mutating calls', async () => {
    world = await startWorld({ fleet: 'demo' });
    const expected = demoServers({ 'DR-Wave': '2' });

    const run = await runOrchestration(world, { action: 'status', tags: { 'DR-Wave': '2' } });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.servers).toHaveLength(expected.length);
    expect(out.servers?.every((s) => s.outcome === 'reported' && s.replicationState && s.lagDuration)).toBe(
      true,
    );
    expect(mutatingDrsCalls(world.emu)).toBe(0);
    expect(out.status).toBe('success');
  });

  it('terminate skips non-drill instances unless terminateNonDrill, and honours olderThanMinutes', async () => {
    const tags = { App: 'real' };
    const fleet = smallFleet({ '111111111111': [server(1, 1, tags), server(1, 2, tags)] });
    world = await startWorld({ fleet });
    await runOrchestration(world, { action: 'failover', tags });
    expect(world.emu.drs.instances()).toHaveLength(2);

    const skipped = await runOrchestration(world, { action: 'terminate', tags }, { executionName: 'exec-2' });
    expect(skipped.result.output.servers?.map((s) => s.outcome)).toEqual(['skipped', 'skipped']);
    expect(world.emu.drs.instances()).toHaveLength(2);

    const young = await runOrchestration(
      world,
      { action: 'terminate', tags, options: { terminateNonDrill: true, olderThanMinutes: 600 } },
      { executionName: 'exec-3' },
    );
    expect(young.result.output.servers?.map((s) => s.outcome)).toEqual(['skipped', 'skipped']);
    expect(world.emu.drs.instances()).toHaveLength(2);

    const done = await runOrchestration(
      world,
      { action: 'terminate', tags, options: { terminateNonDrill: true } },
      { executionName: 'exec-4' },
    );
    assertOrchestrationOutput(done.result.output);
    expect(done.result.output.servers?.map((s) => s.outcome)).toEqual(['terminated', 'terminated']);
    expect(world.emu.drs.instances()).toHaveLength(0);
  });

  it('failback launches FAILBACK_READY_FOR_LAUNCH instances, watches them to completion, and times out one that never gets ready', async () => {
    const tags = { App: 'fb' };
    const fleet = smallFleet({ '111111111111': [server(1, 1, tags), server(1, 2, tags)] });
    world = await startWorld({ fleet });
    const failover = await runOrchestration(world, { action: 'failover', tags });
    world.emu.clock.advance(2 * 3_600_000); // failback readiness comes 20-90 minutes after launch
    const notReady = failover.result.output.recoveryInstances[1]?.recoveryInstanceId as string;
    world.emu.drs.setFailbackState('111111111111', notReady, 'FAILBACK_NOT_READY_FOR_LAUNCH');

    const run = await runOrchestration(
      world,
      { action: 'failback', tags, options: { continueOnFailure: true, maxWaitMinutes: 60 } },
      { executionName: 'exec-2' },
    );

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.servers?.map((s) => s.outcome).sort()).toEqual(['failback-completed', 'timeout']);
    expect(out.failedServers[0]?.errorMessage).toContain('did not become FAILBACK_READY_FOR_LAUNCH');
    expect(out.servers?.find((s) => s.outcome === 'failback-completed')?.failbackState).toBe(
      'FAILBACK_COMPLETED',
    );
    expect(drsCallsByOperation(world.emu).StartFailbackLaunch).toBe(1);
  });
});
