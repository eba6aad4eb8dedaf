/**
 * Correlation ids that cannot lie: a launch is adopted only when its job carries the run's
 * correlation id AND is the same kind of launch (drill vs recovery), and only for requested
 * servers. An id used for something else on a requested server refuses the run before anything
 * launches, saying what it was used for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mutatingDrsCalls, output, serversTagged } from './helpers.js';
import { startWorld, type World } from './world.js';

const tags = { 'DR-Test': 'single' };

describe('E2E: correlation ids', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  async function launches(w: World): Promise<number> {
    return w.emu.state.callTotal({ service: 'drs', operation: 'StartRecovery' });
  }

  it('failover after a drill with the same id is refused, naming the drill, and launches nothing', async () => {
    world = await startWorld();
    const drill = output(
      (await world.run('main', { action: 'drill', tags, metadata: { correlationId: 'X' } })).output,
    );
    expect(drill.status).toBe('success');
    const before = mutatingDrsCalls(world);

    const failover = output(
      (await world.run('main', { action: 'failover', tags, metadata: { correlationId: 'X' } })).output,
    );

    expect(failover.status).toBe('failed');
    expect(failover.nextPhaseReady).toBe(false);
    expect(failover.recoveryInstances.filter((r) => r.status === 'launched')).toEqual([]);
    expect(failover.message).toMatch(/"X" was already used for a drill \(action drill\) on source server s-/);
    expect(failover.message).toMatch(/ValidationError/);
    expect(mutatingDrsCalls(world)).toBe(before);
  });

  it('a drill after a failover with the same id is refused instead of claiming the recovery instances', async () => {
    world = await startWorld();
    const failover = output(
      (await world.run('main', { action: 'failover', tags, metadata: { correlationId: 'Y' } })).output,
    );
    expect(failover.status).toBe('success');
    const before = await launches(world);

    const drill = output(
      (await world.run('main', { action: 'drill', tags, metadata: { correlationId: 'Y' } })).output,
    );

    expect(drill.status).toBe('failed');
    expect(drill.recoveryInstances.some((r) => r.isDrill === false)).toBe(false);
    expect(drill.message).toMatch(/"Y" was already used for a recovery \(action failover\)/);
    expect(await launches(world)).toBe(before);
  });

  it('a drill after terminate with the same id is refused (its instances are gone), not failed server by server', async () => {
    world = await startWorld();
    await world.run('main', { action: 'drill', tags, metadata: { correlationId: 'Z' } });
    const terminated = output(
      (await world.run('main', { action: 'terminate', tags, metadata: { correlationId: 'Z' } })).output,
    );
    expect(terminated.status).toBe('success');
    const before = await launches(world);

    const again = output(
      (await world.run('main', { action: 'drill', tags, metadata: { correlationId: 'Z' } })).output,
    );

    expect(again.status).toBe('failed');
    expect(JSON.stringify(again)).toMatch(
      /was already used for a drill \(action drill\) whose recovery instance has been terminated since/,
    );
    expect(await launches(world)).toBe(before);
  });

  it('re-running the same drill with the same id adopts its launches and launches nothing again', async () => {
    world = await startWorld();
    const first = output(
      (await world.run('main', { action: 'drill', tags, metadata: { correlationId: 'R' } })).output,
    );
    const before = await launches(world);

    const second = output(
      (await world.run('main', { action: 'drill', tags, metadata: { correlationId: 'R' } })).output,
    );

    expect(second.status).toBe('success');
    expect(second.recoveryInstances.map((r) => r.recoveryInstanceId)).toEqual(
      first.recoveryInstances.map((r) => r.recoveryInstanceId),
    );
    expect(await launches(world)).toBe(before);
  });

  it('waves of one runbook share an id over different servers: the second wave is not refused', async () => {
    world = await startWorld();
    const waveA = { 'DR-Test': 'single' };
    const waveB = { 'DR-Wave': '2', 'DR-Enabled': 'false' };
    const second = serversTagged(world, waveB);
    expect(second.length).toBeGreaterThan(0);

    const one = output(
      (await world.run('main', { action: 'drill', tags: waveA, metadata: { correlationId: 'RB' } })).output,
    );
    const two = output(
      (
        await world.run('main', {
          action: 'drill',
          tags: waveB,
          options: { continueOnFailure: true },
          metadata: { correlationId: 'RB' },
        })
      ).output,
    );

    expect(one.status).toBe('success');
    expect(two.message).not.toMatch(/already used/);
    expect(two.summary.totalServers).toBe(second.length);
    expect(two.summary.succeeded).toBeGreaterThan(0);
    const ids = new Set(second.map((s) => s.id));
    expect(two.recoveryInstances.every((r) => ids.has(r.sourceServerId))).toBe(true);
  });
});
