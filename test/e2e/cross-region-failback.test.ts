/**
 * Region-to-Region failback of AWS-origin servers through the real ASL (issue 10, Deliver 5):
 * ReverseReplication in the recovery Region, then, once the reversed server is CONTINUOUS, a
 * recovery in the origin Region; a re-run adopts what an earlier run started.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { planOrchestration } from '../../src/cli/targets/plan.js';
import { generateFleet } from '../../src/emulator/fleet/generate.js';
import { fromAws, type Origin, withOrigin } from '../_helpers/cross-region-fleet.js';
import { output, serversTagged } from './helpers.js';
import { startWorld, type World } from './world.js';

const STAGING = '111111111111';
const ORIGIN: Origin = { accountId: '222222222222', region: 'us-west-2' };
const APP = { 'DR-Application': 'west' };

/** Staging 111111111111 (us-east-2) protects three EC2 instances of 222222222222; `origin` is where they say they run. */
function fleet(origin: Origin = ORIGIN) {
  const base = generateFleet({
    accounts: 2,
    serversPerAccount: 8,
    regions: ['us-east-2', 'us-west-2'],
    seed: 21,
  });
  return withOrigin(base, STAGING, ORIGIN, (s, i) => (i < 3 ? fromAws(s, origin, APP) : s));
}

const calls = (world: World, operation: string, accountId: string) =>
  world.emu.state.callTotal({ service: 'drs', operation, accountId });

describe('E2E: Region-to-Region failback of AWS-origin servers', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('replicates each instance back and recovers it in its origin Region: success, with where each server went', async () => {
    world = await startWorld({ fleet: fleet() });
    const ids = serversTagged(world, APP).map((s) => s.id);
    expect(output((await world.run('main', { action: 'failover', tags: APP })).output).status).toBe(
      'success',
    );
    const recoveryInstances = new Set(
      world.emu.drs.instances(STAGING).map((i) => i.instance.recoveryInstanceID),
    );

    const result = await world.run('main', {
      action: 'failback',
      tags: APP,
      options: { maxWaitMinutes: 240 },
    });

    const out = output(result.output);
    expect(out).toMatchObject({
      status: 'success',
      nextPhaseReady: true,
      summary: { totalServers: 3, succeeded: 3 },
    });
    const reversed = world.emu.drs
      .account(ORIGIN.accountId)
      ?.servers()
      .filter((s) => s.replicationDirection === 'FAILBACK');
    expect(reversed).toHaveLength(3);
    const launched = world.emu.drs.instances(ORIGIN.accountId);
    expect(launched.map((i) => i.instance.sourceServerID).sort()).toEqual(
      (reversed ?? []).map((s) => s.sourceServerID).sort(),
    );
    expect(launched.every((i) => !i.instance.isDrill)).toBe(true);
    for (const server of out.servers ?? []) {
      expect(ids).toContain(server.sourceServerId);
      expect(server.outcome).toBe('failback-completed');
      expect(recoveryInstances.has(server.recoveryInstanceId as string)).toBe(true);
      const back = server.crossRegionFailback;
      expect(back).toMatchObject({
        accountId: ORIGIN.accountId,
        region: ORIGIN.region,
        replicationState: 'CONTINUOUS',
      });
      expect(launched.map((i) => i.instance.recoveryInstanceID)).toContain(back?.recoveryInstanceId);
      expect(back?.reversedSourceServerArn).toMatch(/^arn:aws:drs:us-west-2:222222222222:source-server\/s-/);
    }
    // One ReverseReplication per instance (the API takes one); each server recovered once in the
    // origin, as soon as its reversed server was CONTINUOUS (those ready at one poll share a job).
    expect(calls(world, 'ReverseReplication', STAGING)).toBe(3);
    const originJobs = world.emu.drs.jobs(ORIGIN.accountId).map((j) => j.job);
    expect(originJobs.length).toBe(calls(world, 'StartRecovery', ORIGIN.accountId));
    expect(originJobs.flatMap((j) => j.servers.map((p) => p.sourceServerID)).sort()).toEqual(
      (reversed ?? []).map((s) => s.sourceServerID).sort(),
    );
    expect(calls(world, 'StartFailbackLaunch', STAGING)).toBe(0);
    expect(originJobs.every((j) => j.tags['DR-Action'] === 'failback' && !j.isDrill)).toBe(true);
  });

  it('times out while the reversed servers sync, saying how far each got; a re-run adopts them and finishes', async () => {
    world = await startWorld({ fleet: fleet() });
    await world.run('main', { action: 'failover', tags: APP });

    const first = output(
      (await world.run('main', { action: 'failback', tags: APP, options: { maxWaitMinutes: 10 } })).output,
    );

    expect(first.status).toBe('timeout');
    expect(first.nextPhaseReady).toBe(false);
    expect(first.failedServers).toHaveLength(3);
    for (const f of first.failedServers) {
      expect(f.errorCode).toBe('JobTimeout');
      expect(f.errorMessage).toMatch(
        /to us-west-2 not finished within maxWaitMinutes \(10\): its reversed source server s-[0-9a-f]{17} was (INITIATING|INITIAL_SYNC), not yet CONTINUOUS; run failback again to continue$/,
      );
    }
    expect(calls(world, 'StartRecovery', ORIGIN.accountId)).toBe(0);

    const plan = await planOrchestration({ action: 'failback', tags: APP }, world.env, () => {});
    expect(plan.accounts.find((a) => a.accountId === STAGING)?.ready).toBe(3);
    const second = output(
      (await world.run('main', { action: 'failback', tags: APP, options: { maxWaitMinutes: 240 } })).output,
    );

    expect(second.status).toBe('success');
    expect(second.summary.succeeded).toBe(3);
    // Adopted, not started again: still one reversed server per instance.
    expect(calls(world, 'ReverseReplication', STAGING)).toBe(3);
    expect(
      world.emu.drs
        .account(ORIGIN.accountId)
        ?.servers()
        .filter((s) => s.replicationDirection === 'FAILBACK'),
    ).toHaveLength(3);
    expect(world.emu.drs.instances(ORIGIN.accountId)).toHaveLength(3);
  });

  it('fails (OriginNotRegistered) an instance whose origin Region is not a registered account, and plan says the same', async () => {
    world = await startWorld({ fleet: fleet({ ...ORIGIN, region: 'eu-west-1' }) });
    await world.run('main', { action: 'failover', tags: APP });
    const input = { action: 'failback', tags: APP };

    const plan = await planOrchestration(input, world.env, () => {});
    const out = output((await world.run('main', input)).output);

    expect(out.status).toBe('failed');
    expect(out.summary).toMatchObject({ totalServers: 3, succeeded: 0, failed: 3 });
    const message = (id: string) => out.failedServers.find((f) => f.sourceServerId === id)?.errorMessage;
    const planned = plan.accounts.find((a) => a.accountId === STAGING);
    expect(planned?.ready).toBe(0);
    for (const n of planned?.notReady ?? []) {
      expect(n.reason).toMatch(
        /fails back to account 222222222222 in eu-west-1, which is not a registered staging account/,
      );
      expect(message(n.sourceServerId)).toBe(n.reason);
    }
    expect(out.failedServers.map((f) => f.errorCode)).toEqual([
      'OriginNotRegistered',
      'OriginNotRegistered',
      'OriginNotRegistered',
    ]);
    expect(calls(world, 'ReverseReplication', STAGING)).toBe(0);
  });
});
