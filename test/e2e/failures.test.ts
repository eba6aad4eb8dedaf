import { afterEach, describe, expect, it } from 'vitest';
import { mutatingDrsCalls, output, serversTagged } from './helpers.js';
import { startWorld, type World } from './world.js';

describe('E2E: failures (design 14.1)', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('no matching servers: success with zero servers and nothing started', async () => {
    world = await startWorld();

    const result = await world.run('main', { action: 'drill', tags: { 'DR-Wave': 'no-such-wave' } });

    expect(result.status).toBe('SUCCEEDED');
    const out = output(result.output);
    expect(out).toMatchObject({
      status: 'success',
      nextPhaseReady: true,
      summary: { totalServers: 0, succeeded: 0, failed: 0 },
    });
    expect(out.recoveryInstances).toEqual([]);
    expect(mutatingDrsCalls(world)).toBe(0);
    expect(result.stats.executions.filter((e) => e.machine === 'executor')).toEqual([]);
  });

  it('partial failure: healthy servers launch, failing ones are listed, status partial', async () => {
    world = await startWorld();
    const tags = { 'DR-Wave': '1', 'DR-Application': 'HRP' };
    const matching = serversTagged(world, tags);
    const failing = matching.slice(0, 2).map((s) => s.id);
    world.emu.faults.set({ launchFailures: failing });

    const result = await world.run('main', { action: 'drill', tags, options: { continueOnFailure: true } });

    const out = output(result.output);
    expect(out.status).toBe('partial');
    expect(out.summary).toMatchObject({
      totalServers: matching.length,
      failed: 2,
      succeeded: matching.length - 2,
    });
    expect(out.failedServers.map((f) => f.sourceServerId).sort()).toEqual([...failing].sort());
    expect(out.recoveryInstances.filter((r) => r.status === 'launched')).toHaveLength(matching.length - 2);
    expect(out.nextPhaseReady).toBe(true);
    const launched = new Set(world.emu.drs.instances().map((i) => i.instance.sourceServerID));
    expect(failing.some((id) => launched.has(id))).toBe(false);
  });

  it('timeout: a server stuck in recovery ends as timeout after maxWaitMinutes', async () => {
    world = await startWorld();
    const [stuck] = serversTagged(world, { 'DR-Test': 'single' });
    world.emu.faults.set({ stuckJobs: [stuck?.id ?? ''] });
    const startedAt = world.emu.clock.nowMs();

    const result = await world.run('main', {
      action: 'drill',
      tags: { 'DR-Test': 'single' },
      options: { maxWaitMinutes: 45 },
    });

    const out = output(result.output);
    expect(out.status).toBe('timeout');
    expect(out.nextPhaseReady).toBe(false);
    expect(out.summary).toMatchObject({ totalServers: 1, succeeded: 0 });
    // The orchestration waited for maxWaitMinutes of virtual time, not less.
    expect(world.emu.clock.nowMs() - startedAt).toBeGreaterThanOrEqual(45 * 60_000);
  });

  it('fails validation before touching anything', async () => {
    world = await startWorld();

    const result = await world.run('main', { action: 'drill', tags: {}, options: { parallelism: 0 } });

    expect(result).toMatchObject({ status: 'FAILED', error: 'ValidationError' });
    expect(result.cause).toMatch(/^invalid input: /);
    expect(result.cause).toMatch(/parallelism/);
    expect(mutatingDrsCalls(world)).toBe(0);
  });

  it('reports an account whose role cannot be assumed and recovers the others', async () => {
    world = await startWorld();
    world.emu.faults.set({ assumeRoleDenied: ['222222222222'] });

    const result = await world.run('main', {
      action: 'drill',
      tags: { 'DR-Wave': '1' },
      options: { continueOnFailure: true },
    });

    const out = output(result.output);
    expect(['partial', 'failed']).toContain(out.status);
    expect(world.emu.drs.jobs('222222222222')).toEqual([]);
    expect(world.emu.drs.jobs('111111111111').length).toBeGreaterThan(0);
    expect(JSON.stringify(out)).toContain('222222222222');
  });
});
