/**
 * `plan failback` and the failback itself decide with one function (failbackDecision in
 * src/tasks/eligibility.ts): on the same world, the plan counts exactly the servers the run acts
 * on and gives the skipped ones the very reason the run records.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { planOrchestration } from '../../src/cli/targets/plan.js';
import { generateFleet } from '../../src/emulator/fleet/generate.js';
import type { Fleet } from '../../src/emulator/fleet/types.js';
import { fromAws, withOrigin } from '../_helpers/cross-region-fleet.js';
import { output } from './helpers.js';
import { startWorld, type World } from './world.js';

const STAGING = '111111111111';
const ORIGIN = '222222222222';

/**
 * Two accounts: the staging account 111111111111 (us-east-2) protects nine servers of the
 * failback mix, two of them EC2 instances of account 222222222222 in us-west-2 (AWS origin).
 */
function mixFleet(): Fleet {
  const fleet = generateFleet({
    accounts: 2,
    serversPerAccount: 12,
    regions: ['us-east-2', 'us-west-2'],
    seed: 5,
  });
  const groups = ['drill', 'drill', 'ready', 'ready', 'late', 'late', 'none', 'aws', 'aws'];
  return withOrigin(fleet, STAGING, { accountId: ORIGIN, region: 'us-west-2' }, (s, i) => {
    const group = groups[i];
    if (group === undefined) return s;
    const tags = { 'DR-Failback': 'mix', 'DR-Group': group };
    return group === 'aws'
      ? fromAws(s, { accountId: ORIGIN, region: 'us-west-2' }, tags)
      : { ...s, replicationState: 'CONTINUOUS', tags: { ...s.tags, ...tags } };
  });
}

describe('E2E: plan failback promises what the failback does', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('counts the same servers and skips the same ones with the same reasons (drill, late, ready, AWS-origin, none)', async () => {
    world = await startWorld({ fleet: mixFleet() });
    const group = (g: string) => ({ 'DR-Group': g });
    expect(output((await world.run('main', { action: 'drill', tags: group('drill') })).output).status).toBe(
      'success',
    );
    for (const g of ['ready', 'aws'])
      expect(output((await world.run('main', { action: 'failover', tags: group(g) })).output).status).toBe(
        'success',
      );
    // Failback readiness comes 20-90 virtual minutes after a launch: these two are ready...
    world.emu.clock.advance(2 * 3_600_000);
    // ...and these two are not yet (the failback waits for them).
    expect(output((await world.run('main', { action: 'failover', tags: group('late') })).output).status).toBe(
      'success',
    );
    const input = { action: 'failback', tags: { 'DR-Failback': 'mix' } };

    const plan = await planOrchestration(input, world.env, () => {});
    const out = output((await world.run('main', input)).output);

    const planned = plan.accounts.find((a) => a.accountId === STAGING);
    expect(plan.totalServers).toBe(9);
    expect(out.summary.totalServers).toBe(9);
    const skipped = (out.servers ?? []).filter((s) => s.outcome === 'skipped');
    // The plan's servers-not-acted-on are the run's skipped servers, reason for reason.
    expect(
      (planned?.notReady ?? []).map((n) => ({ id: n.sourceServerId, reason: n.reason })).sort(byId),
    ).toEqual(skipped.map((s) => ({ id: s.sourceServerId, reason: s.reason })).sort(byId));
    expect(planned?.ready).toBe(out.summary.totalServers - out.summary.skipped);
    const reasonsOf = (g: string) =>
      skipped.filter((s) => idsOf(g).includes(s.sourceServerId)).map((s) => s.reason);
    const idsOf = (g: string) =>
      world?.emu.state
        .accounts()
        .flatMap((a) =>
          (world?.emu.drs.account(a.accountId)?.servers() ?? []).filter((s) => s.tags['DR-Group'] === g),
        )
        .map((s) => s.sourceServerID) ?? [];
    expect(reasonsOf('drill')).toEqual([
      expect.stringMatching(/drill instances can never fail back/),
      expect.stringMatching(/drill instances can never fail back/),
    ]);
    expect(reasonsOf('none')).toEqual([expect.stringMatching(/has no recovery instance/)]);
    // The ready and the late ones both fail back (the late ones after the failback waited for them).
    const completed = (out.servers ?? []).filter((s) => s.outcome === 'failback-completed');
    expect(completed.map((s) => s.sourceServerId).sort()).toEqual(
      [...idsOf('ready'), ...idsOf('late'), ...idsOf('aws')].sort(),
    );
  });
});

function byId(a: { id: string }, b: { id: string }): number {
  return a.id.localeCompare(b.id);
}
