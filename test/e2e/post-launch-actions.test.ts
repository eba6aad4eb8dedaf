/**
 * DRS post-launch actions (issue 10 point 4) through the real ASL on the local runtime: the
 * emulator runs each server's active actions after its launch; the orchestrator waits for them
 * (the job stays open until they ran) and reports their outcome per server. A failed action that
 * is not optional fails its server with PostLaunchActionFailed (DRS marks that launch failed); an
 * optional one leaves the server recovered, with a warning.
 */
import { PutLaunchActionCommand, UpdateLaunchConfigurationCommand } from '@aws-sdk/client-drs';
import { afterEach, describe, expect, it } from 'vitest';
import { stagingDrs } from '../_helpers/emulator.js';
import { output, serversTagged } from './helpers.js';
import { startWorld, type World } from './world.js';

const WAVE_HRP = { 'DR-Wave': '1', 'DR-Application': 'HRP' };
const SMOKE = '6a1f2c3d-4b5e-4f60-8a7b-9c0d1e2f3a4b';

describe('E2E: post-launch actions', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  /** Gives a server one active smoke-test action and turns its post-launch actions on. */
  async function smokeTest(w: World, server: { accountId: string; id: string }, optional: boolean) {
    const drs = stagingDrs(w.emu, server.accountId);
    await drs.send(
      new UpdateLaunchConfigurationCommand({ sourceServerID: server.id, postLaunchEnabled: true }),
    );
    await drs.send(
      new PutLaunchActionCommand({
        resourceId: server.id,
        actionId: SMOKE,
        actionCode: 'AWS-RunShellScript',
        order: 2,
        optional,
        active: true,
        name: 'smoke',
        actionVersion: '$DEFAULT',
        category: 'VALIDATION',
        description: 'application answers on its port',
      }),
    );
  }

  it('reports each server its post-launch outcome: success recovered, required failure failed, optional failure recovered with a warning', async () => {
    world = await startWorld();
    const [passes, fails, optional, ...rest] = serversTagged(world, WAVE_HRP);
    if (!passes || !fails || !optional) throw new Error('the demo wave has fewer than 3 HRP servers');
    await smokeTest(world, passes, false);
    await smokeTest(world, fails, false);
    await smokeTest(world, optional, true);
    world.emu.faults.set({
      launchActionFailures: [
        { sourceServerID: fails.id, reason: 'exit code 1' },
        { sourceServerID: optional.id, reason: 'exit code 2' },
      ],
    });

    const result = await world.run('main', {
      action: 'drill',
      tags: WAVE_HRP,
      options: { continueOnFailure: true },
    });

    expect(result.status).toBe('SUCCEEDED');
    const out = output(result.output);
    expect(out.status).toBe('partial');
    const recovered = new Map(out.recoveryInstances.map((r) => [r.sourceServerId, r]));
    expect(recovered.get(passes.id)?.postLaunchActions).toEqual({ status: 'SUCCEEDED' });
    expect(recovered.get(optional.id)?.postLaunchActions).toEqual({
      status: 'FAILED',
      failed: ['smoke: exit code 2'],
    });
    expect(recovered.get(optional.id)?.warning).toBe(
      'optional post-launch action failed, the launch stands: smoke: exit code 2',
    );
    expect(out.failedServers).toEqual([
      expect.objectContaining({
        sourceServerId: fails.id,
        errorCode: 'PostLaunchActionFailed',
        postLaunchActions: { status: 'FAILED', failed: ['smoke: exit code 1'] },
      }),
    ]);
    expect(out.failedServers[0]?.errorMessage).toContain('not optional, so DRS marks the launch failed');
    // Servers without post-launch actions report none; the failed server's instance was left running.
    for (const s of rest) expect(recovered.get(s.id)?.postLaunchActions).toBeUndefined();
    expect(out.summary.succeeded).toBe(rest.length + 2);
    const account = world.emu.drs.account(fails.accountId);
    expect(account?.instances().some((i) => i.sourceServerID === fails.id)).toBe(true);
  });

  it('waits for post-launch actions still running after the launch, so the result holds their final outcome', async () => {
    world = await startWorld();
    const [server] = serversTagged(world, WAVE_HRP);
    if (!server) throw new Error('no HRP server');
    await smokeTest(world, server, false);

    const hostname = world.emu.drs.account(server.accountId)?.server(server.id)?.hostname as string;

    // One server alone (its Name tag), health check off: nothing but its actions keeps the job open.
    const result = await world.run('main', {
      action: 'drill',
      tags: { Name: hostname },
      options: { healthCheckMinutes: 0 },
    });

    const out = output(result.output);
    expect(out.status).toBe('success');
    expect(out.recoveryInstances.map((r) => [r.sourceServerId, r.postLaunchActions])).toEqual([
      [server.id, { status: 'SUCCEEDED' }],
    ]);
  });
});
