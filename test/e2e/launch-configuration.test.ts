/**
 * DRS launch configuration has its documented effect on a drill through the real ASL on the local
 * runtime: a server whose launchDisposition is STOPPED is launched stopped, and the EC2 health
 * check treats that as designed (ready at once, a LaunchedStopped warning) instead of waiting
 * healthCheckMinutes for status checks EC2 never runs on a stopped instance.
 */
import { UpdateLaunchConfigurationCommand } from '@aws-sdk/client-drs';
import { afterEach, describe, expect, it } from 'vitest';
import { stagingDrs } from '../_helpers/emulator.js';
import { output, serversTagged } from './helpers.js';
import { startWorld, type World } from './world.js';

const WAVE_HRP = { 'DR-Wave': '1', 'DR-Application': 'HRP' };

describe('E2E: launch configuration', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('drills a server configured to launch STOPPED: launched stopped, ready without status checks, with a warning', async () => {
    world = await startWorld();
    const servers = serversTagged(world, WAVE_HRP);
    const [stopped] = servers;
    if (!stopped) throw new Error('no HRP server');
    await stagingDrs(world.emu, stopped.accountId).send(
      new UpdateLaunchConfigurationCommand({ sourceServerID: stopped.id, launchDisposition: 'STOPPED' }),
    );

    const result = await world.run('main', {
      action: 'drill',
      tags: WAVE_HRP,
      options: { healthCheckMinutes: 15 },
    });

    const out = output(result.output);
    expect(out.status).toBe('success');
    expect(out.failedServers).toEqual([]);
    const record = out.recoveryInstances.find((r) => r.sourceServerId === stopped.id);
    expect(record?.warning).toMatch(
      /^i-[0-9a-f]+ was launched stopped \(launchDisposition STOPPED\): no EC2 status checks/,
    );
    expect(out.recoveryInstances.filter((r) => r.warning?.includes('launched stopped'))).toHaveLength(1);
    const instance = world.emu.drs
      .account(stopped.accountId)
      ?.instances()
      .find((i) => i.sourceServerID === stopped.id);
    expect(instance?.stopped).toBe(true);
    // Ready when the health poll saw it stopped, not healthCheckMinutes later.
    expect(Date.parse(record?.readyTime ?? '') - Date.parse(record?.launchTime ?? '')).toBeLessThan(
      15 * 60_000,
    );
  });
});
