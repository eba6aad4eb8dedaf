import { afterEach, describe, expect, it } from 'vitest';
import { generateFleet } from '../../src/emulator/fleet/generate.js';
import { output, serversTagged } from './helpers.js';
import { startWorld, type World } from './world.js';

describe('E2E: executors anywhere (issue 15)', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('drills the demo fleet (orchestrator us-east-1, staging us-east-2) through start-executor and the executors’ callbacks', async () => {
    world = await startWorld();
    const wave1 = serversTagged(world, { 'DR-Wave': '1' });

    const result = await world.run('main', { action: 'drill', tags: { 'DR-Wave': '1' } });

    const out = output(result.output);
    expect(out.status).toBe('success');
    expect(out.summary.succeeded).toBe(wave1.length);
    const executors = result.stats.executions.filter((e) => e.machine === 'executor');
    expect(executors.every((e) => e.executionArn.split(':')[3] === 'us-east-2')).toBe(true);
    const mainStates = new Set(
      result.events
        .filter((e) => e.type === 'StateEntered' && e.machine === 'main')
        .map((e) => e.type === 'StateEntered' && e.state),
    );
    // Each executor's summary came back by callback (SendTaskSuccess in us-east-1, through the
    // orchestrator's callback role), kept alive by heartbeats: nobody had to describe an executor.
    expect(mainStates).toContain('RunAccountExecutor');
    expect(mainStates).not.toContain('CheckAccountExecutor');
    expect(world.emu.state.callTotal({ service: 'states', operation: 'SendTaskSuccess' })).toBe(
      executors.length,
    );
    expect(world.emu.state.callTotal({ service: 'states', operation: 'SendTaskHeartbeat' })).toBeGreaterThan(
      0,
    );
  });

  it('drills a fleet whose staging accounts are in two Regions, neither the orchestrator’s', async () => {
    world = await startWorld({
      fleet: generateFleet({
        accounts: 2,
        serversPerAccount: 12,
        regions: ['us-east-2', 'us-west-2'],
        seed: 3,
      }),
    });
    const wave1 = serversTagged(world, { 'DR-Wave': '1' });
    expect(new Set(wave1.map((s) => s.accountId))).toEqual(new Set(['111111111111', '222222222222']));

    const result = await world.run('main', { action: 'drill', tags: { 'DR-Wave': '1' } });

    const out = output(result.output);
    expect(out.status).toBe('success');
    expect(out.summary.succeeded).toBe(wave1.length);
    expect(out.stagingAccountResults.map((r) => `${r.accountId}@${r.region}:${r.status}`).sort()).toEqual([
      '111111111111@us-east-2:success',
      '222222222222@us-west-2:success',
    ]);
    const executors = result.stats.executions.filter((e) => e.machine === 'executor');
    expect(executors.map((e) => e.executionArn.split(':').slice(3, 5).join('/')).sort()).toEqual([
      'us-east-2/111111111111',
      'us-west-2/222222222222',
    ]);
    // Every recovery instance is in its account's Region (DRS ran there, with that account's jobs).
    const byAccount = new Map(world.emu.drs.instances().map((i) => [i.accountId, i]));
    expect([...byAccount.keys()].sort()).toEqual(['111111111111', '222222222222']);
  });
});
