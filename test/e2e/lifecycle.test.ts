import { afterEach, describe, expect, it } from 'vitest';
import { mutatingDrsCalls, output, serversTagged } from './helpers.js';
import { startWorld, type World } from './world.js';

const SINGLE = { 'DR-Test': 'single' };

describe('E2E: action lifecycle', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('terminate drill: terminates the drill instances a drill launched (design 14.1)', async () => {
    world = await startWorld();
    await world.run('main', { action: 'drill', tags: SINGLE });
    const launched = world.emu.drs.instances();
    expect(launched).toHaveLength(1);

    const result = await world.run('main', { action: 'terminate', tags: SINGLE });

    const out = output(result.output);
    expect(out).toMatchObject({
      status: 'success',
      action: 'terminate',
      summary: { totalServers: 1, succeeded: 1 },
    });
    expect(world.emu.drs.instances()).toEqual([]);
    const terminations = world.emu.drs.jobs().filter((j) => j.job.type === 'TERMINATE');
    expect(terminations).toHaveLength(1);
    expect(terminations[0]?.job.servers.map((p) => p.recoveryInstanceID)).toEqual([
      launched[0]?.instance.recoveryInstanceID,
    ]);
  });

  it('failover: launches real (non-drill) recovery instances', async () => {
    world = await startWorld();
    const matching = serversTagged(world, { 'DR-Wave': '1', 'DR-Application': 'Connectors' });

    const result = await world.run('main', {
      action: 'failover',
      tags: { 'DR-Wave': '1', 'DR-Application': 'Connectors' },
    });

    const out = output(result.output);
    expect(out).toMatchObject({ status: 'success', action: 'failover', nextPhaseReady: true });
    expect(out.summary.succeeded).toBe(matching.length);
    const jobs = world.emu.drs.jobs().filter((j) => j.job.type === 'LAUNCH');
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.every((j) => j.job.isDrill === false && j.job.initiatedBy === 'START_RECOVERY')).toBe(true);
    expect(world.emu.drs.instances().every((i) => !i.instance.isDrill)).toBe(true);
  });

  it('failback: fails the recovered servers back once DRS reports them ready', async () => {
    world = await startWorld();
    await world.run('main', { action: 'failover', tags: SINGLE });
    // Failback readiness comes 20-90 virtual minutes after the launch.
    world.emu.clock.advance(2 * 3_600_000);

    const result = await world.run('main', { action: 'failback', tags: SINGLE });

    const out = output(result.output);
    expect(out).toMatchObject({
      status: 'success',
      action: 'failback',
      summary: { totalServers: 1, succeeded: 1 },
    });
    const failbacks = world.emu.drs.jobs().filter((j) => j.job.initiatedBy === 'FAILBACK');
    expect(failbacks).toHaveLength(1);
    const [instance] = world.emu.drs.instances();
    expect(instance?.instance.failbackJobID).toBe(failbacks[0]?.job.jobID);
  });

  it('status: reports every matching server with zero mutating calls', async () => {
    world = await startWorld();
    const matching = serversTagged(world, { 'DR-Wave': '2' });

    const result = await world.run('main', { action: 'status', tags: { 'DR-Wave': '2' } });

    const out = output(result.output);
    expect(out.action).toBe('status');
    expect(out.summary.totalServers).toBe(matching.length);
    expect(mutatingDrsCalls(world)).toBe(0);
    expect(world.emu.drs.jobs()).toEqual([]);
  });
});
