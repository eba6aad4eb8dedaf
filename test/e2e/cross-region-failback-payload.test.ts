/**
 * The Region-to-Region failback keeps one entry per AWS-origin server in the executor's state:
 * a full account of 300 such servers, all timing out with their reasons, stays under half of
 * Step Functions' 256 KiB per state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateFleet } from '../../src/emulator/fleet/generate.js';
import { MAX_PAYLOAD_BYTES } from '../../src/runtime/index.js';
import { fromAws, withOrigin } from '../_helpers/cross-region-fleet.js';
import { output } from './helpers.js';
import { startWorld, type World } from './world.js';

const ORIGIN = { accountId: '222222222222', region: 'us-west-2' };
const TAGS = { 'DR-Application': 'west' };

describe('E2E: payload budget of a Region-to-Region failback', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('fails back 300 AWS-origin servers of one account (timing out mid-sync) with every executor state under half of 256 KiB', async () => {
    const base = generateFleet({
      accounts: 2,
      serversPerAccount: 300,
      regions: ['us-east-2', 'us-west-2'],
      seed: 4,
    });
    world = await startWorld({
      fleet: withOrigin(base, '111111111111', ORIGIN, (s) => fromAws(s, ORIGIN, TAGS)),
    });
    const failover = output(
      (
        await world.run('main', {
          action: 'failover',
          tags: TAGS,
          options: { parallelism: 'max', healthCheckMinutes: 0 },
        })
      ).output,
    );
    expect(failover.summary.succeeded).toBe(300);

    const result = await world.run('main', {
      action: 'failback',
      tags: TAGS,
      options: { maxWaitMinutes: 10 },
    });

    const out = output(result.output);
    expect(out.status).toBe('timeout');
    expect(out.summary).toMatchObject({ totalServers: 300, timedOut: 300 });
    expect(world.emu.state.callTotal({ service: 'drs', operation: 'ReverseReplication' })).toBe(300);
    const executor = result.stats.executions.find((e) => e.machine === 'executor');
    expect(executor?.status).toBe('SUCCEEDED');
    // Measured 91,125 bytes (246,694, 6% under the limit, while the done run still carried its
    // 300 entries and reasons beside the report): half the limit is this state's budget.
    expect(executor?.largestPayloadBytes).toBeLessThan(MAX_PAYLOAD_BYTES / 2);
  });
});
