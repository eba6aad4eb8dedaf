import { afterEach, describe, expect, it } from 'vitest';
import { output, serversTagged } from './helpers.js';
import { startWorld, type World } from './world.js';

describe('E2E: drills (design 14.1)', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('single server drill: recovers the one DR-Test=single server as a drill', async () => {
    world = await startWorld();
    const [target] = serversTagged(world, { 'DR-Test': 'single' });

    const result = await world.run('main', { action: 'drill', tags: { 'DR-Test': 'single' } });

    expect(result.status).toBe('SUCCEEDED');
    const out = output(result.output);
    expect(out).toMatchObject({ status: 'success', action: 'drill', nextPhaseReady: true });
    expect(out.summary).toMatchObject({ totalServers: 1, succeeded: 1, failed: 0 });
    expect(out.recoveryInstances).toHaveLength(1);
    expect(out.recoveryInstances[0]).toMatchObject({
      sourceServerId: target?.id,
      status: 'launched',
      stagingAccountId: target?.accountId,
    });
    const jobs = world.emu.drs.jobs().filter((j) => j.job.type === 'LAUNCH');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.job).toMatchObject({
      isDrill: true,
      initiatedBy: 'START_DRILL',
      tags: { 'DR-Orchestration': 'true' },
    });
    const instances = world.emu.drs.instances();
    expect(instances.map((i) => i.instance.sourceServerID)).toEqual([target?.id]);
    expect(instances[0]?.instance.isDrill).toBe(true);
  });

  it('wave 1 drill: recovers every wave 1 server of every account', async () => {
    world = await startWorld();
    const wave1 = serversTagged(world, { 'DR-Wave': '1' });

    const result = await world.run('main', { action: 'drill', tags: { 'DR-Wave': '1' } });

    const out = output(result.output);
    expect(out.status).toBe('success');
    expect(out.summary.totalServers).toBe(wave1.length);
    expect(out.summary.succeeded).toBe(wave1.length);
    expect(new Set(out.recoveryInstances.map((r) => r.sourceServerId))).toEqual(
      new Set(wave1.map((s) => s.id)),
    );
    expect(world.emu.drs.instances()).toHaveLength(wave1.length);
  });

  it('multi-account drill: runs one executor per staging account in parallel and aggregates', async () => {
    world = await startWorld();
    const tags = { 'DR-Wave': '1', 'DR-Role': 'DBServer' };
    const matching = serversTagged(world, tags);
    const accounts = [...new Set(matching.map((s) => s.accountId))].sort();

    const result = await world.run('main', { action: 'drill', tags });

    expect(accounts.length).toBeGreaterThanOrEqual(2);
    const out = output(result.output);
    expect(out.status).toBe('success');
    expect(out.stagingAccountResults.map((r) => r.accountId).sort()).toEqual(accounts);
    for (const accountId of accounts) {
      const mine = matching.filter((s) => s.accountId === accountId).map((s) => s.id);
      const row = out.stagingAccountResults.find((r) => r.accountId === accountId);
      expect(row).toMatchObject({ serversProcessed: mine.length, succeeded: mine.length });
      // Each account's servers were launched by a job in that same account.
      const launched = world.emu.drs
        .jobs(accountId)
        .flatMap((j) => j.job.servers.map((p) => p.sourceServerID));
      expect(new Set(launched)).toEqual(new Set(mine));
    }
    const executors = result.stats.executions.filter((e) => e.machine === 'executor');
    expect(executors.map((e) => e.accountId).sort()).toEqual(accounts);
    // Parallel: every executor started before the first one finished.
    const firstStop = Math.min(...executors.map((e) => Date.parse(e.stopTime)));
    expect(executors.every((e) => Date.parse(e.startTime) < firstStop)).toBe(true);
  });
});
