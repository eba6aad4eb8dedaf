/**
 * The one-recovery-account topology through the real ASL (main-orchestrator and the executor) and
 * the local runtime: the same workflow as the per-account topology, one executor in the target.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateFleet } from '../../src/emulator/fleet/generate.js';
import type { Fleet } from '../../src/emulator/fleet/types.js';
import { output } from './helpers.js';
import { startWorld, type World } from './world.js';

const TARGET = '999999999999';
const STAGING = ['111111111111', '222222222222', '333333333333'];

/** Three staging accounts of four servers (App=erp), extended into TARGET, beside per-account ones. */
function fleet(): Fleet {
  const f = generateFleet({
    seed: 5,
    accounts: 3,
    serversPerAccount: 4,
    recoveryAccount: { accountId: TARGET },
  });
  return {
    ...f,
    accounts: f.accounts.map((a) =>
      a.sourceServers
        ? {
            ...a,
            sourceServers: a.sourceServers.map((s) => ({
              ...s,
              replicationState: 'CONTINUOUS' as const,
              tags: { ...s.tags, App: 'erp' },
            })),
          }
        : a,
    ),
  };
}

describe('E2E: one recovery account', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('fails over the servers of three staging accounts into the target account through the same ASL', async () => {
    world = await startWorld({ fleet: fleet() });

    const result = await world.run('main', {
      action: 'failover',
      tags: { App: 'erp' },
      options: { parallelism: 'max' },
    });

    expect(result.status).toBe('SUCCEEDED');
    const out = output(result.output);
    expect(out).toMatchObject({ status: 'success', action: 'failover' });
    expect(out.summary).toMatchObject({ totalServers: 12, succeeded: 12, failed: 0 });
    expect(out.recoveryInstances.every((r) => r.recoveryAccountId === TARGET)).toBe(true);
    expect(new Set(out.recoveryInstances.map((r) => r.stagingAccountId))).toEqual(new Set(STAGING));
    // The instances are the target account's; the staging accounts launched nothing.
    expect(new Set(world.emu.drs.instances().map((i) => i.accountId))).toEqual(new Set([TARGET]));
    for (const id of STAGING) expect(world.emu.drs.jobs(id)).toHaveLength(0);
    // One executor, in the target account.
    const executors = result.events.filter((e) => e.type === 'ExecutionStarted' && e.machine === 'executor');
    expect(executors.map((e) => e.accountId)).toEqual([TARGET]);
  });

  it('drills and then terminates the drill instances in the target account through the same ASL', async () => {
    world = await startWorld({ fleet: fleet() });

    const drill = await world.run('main', { action: 'drill', tags: { App: 'erp' } }, 'drill-1');
    const terminate = await world.run('main', { action: 'terminate', tags: { App: 'erp' } }, 'terminate-1');

    expect(output(drill.output)).toMatchObject({
      status: 'success',
      summary: { totalServers: 12, succeeded: 12 },
    });
    expect(
      output(drill.output).recoveryInstances.every((r) => r.isDrill && r.recoveryAccountId === TARGET),
    ).toBe(true);
    expect(output(terminate.output)).toMatchObject({
      status: 'success',
      summary: { totalServers: 12, succeeded: 12 },
    });
  });
});
