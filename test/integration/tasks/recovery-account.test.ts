/**
 * The one-recovery-account topology (issue 22) against the emulator with the real SDK: extension,
 * then the actions on the extended servers in the target account, one executor for all staging
 * accounts behind it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { assertOrchestrationOutput } from '../../../src/contract/index.js';
import { generateFleet } from '../../../src/emulator/fleet/generate.js';
import type { Fleet } from '../../../src/emulator/fleet/types.js';
import { extend } from '../../../src/tasks/extend.js';
import { drsCallsByOperation, runOrchestration, startWorld, type World } from './harness.js';

const TARGET = '999999999999';
const S1 = '111111111111';
const S2 = '222222222222';

let world: World | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

/** Two staging accounts of `perAccount` servers each (all tagged App=erp), recovering into TARGET. */
function topologyFleet(perAccount: number, opts: { extended?: boolean; targetQuota?: number } = {}): Fleet {
  const fleet = generateFleet({
    seed: 3,
    accounts: 2,
    serversPerAccount: perAccount,
    recoveryAccount: { accountId: TARGET, extended: opts.extended ?? false },
  });
  return {
    ...fleet,
    accounts: fleet.accounts.map((a) => ({
      ...a,
      ...(a.sourceServers && {
        sourceServers: a.sourceServers.map((s) => ({
          ...s,
          replicationState: 'CONTINUOUS' as const,
          tags: { ...s.tags, App: 'erp' },
        })),
      }),
      ...(a.accountId === TARGET &&
        opts.targetQuota !== undefined && { quotas: { sourceServersPerTargetAccount: opts.targetQuota } }),
    })),
  };
}

describe('one recovery account: extension', () => {
  it('extends the selected servers of every staging account into the target, and a re-run creates nothing', async () => {
    world = await startWorld({ fleet: topologyFleet(6) });

    const first = await extend({ tags: { App: 'erp' } }, world.deps);
    const created = drsCallsByOperation(world.emu, TARGET).CreateExtendedSourceServer;
    const again = await extend({ tags: { App: 'erp' } }, world.deps);

    expect(first.status).toBe('success');
    expect(first.servers.map((s) => s.outcome)).toEqual(Array(12).fill('extended'));
    expect(first.targets).toEqual([
      expect.objectContaining({ accountId: TARGET, extended: 12, sourceServers: 12, maxSourceServers: 3000 }),
    ]);
    expect(created).toBe(12);
    expect(again.status).toBe('success');
    expect(again.servers.map((s) => s.reasonCode)).toEqual(Array(12).fill('AlreadyExtended'));
    expect(drsCallsByOperation(world.emu, TARGET).CreateExtendedSourceServer).toBe(12);
    expect(new Set(again.servers.map((s) => s.sourceServerId))).toEqual(
      new Set(first.servers.map((s) => s.sourceServerId)),
    );
  });

  it('reports servers over the target account quota as OverQuota, and extends the others', async () => {
    world = await startWorld({ fleet: topologyFleet(6, { targetQuota: 8 }) });

    const result = await extend({ tags: { App: 'erp' } }, world.deps);

    expect(result.status).toBe('partial');
    expect(result.servers.filter((s) => s.outcome === 'extended')).toHaveLength(8);
    const over = result.servers.filter((s) => s.reasonCode === 'OverQuota');
    expect(over).toHaveLength(4);
    expect(over[0]?.reason).toMatch(/holds 8 source servers/);
  });

  it('reports EXTENSION_ERROR when the staging account becomes unreachable', async () => {
    world = await startWorld({ fleet: topologyFleet(3) });
    await extend({ tags: { App: 'erp' } }, world.deps);
    world.emu.state.faults.set({ stagingUnreachable: [S1] });

    const result = await extend({ tags: { App: 'erp' } }, world.deps);

    expect(result.status).toBe('partial');
    expect(result.servers.filter((s) => s.stagingAccountId === S1).map((s) => s.reasonCode)).toEqual(
      Array(3).fill('ExtensionError'),
    );
    expect(result.servers.find((s) => s.stagingAccountId === S1)?.reason).toMatch(
      /EXTENSION_ERROR: Failed to access staging account 111111111111/,
    );
    expect(result.servers.filter((s) => s.stagingAccountId === S2).map((s) => s.reasonCode)).toEqual(
      Array(3).fill('AlreadyExtended'),
    );
  });
});

describe('one recovery account: the actions on extended servers', () => {
  it('fails over every staging account into the target account, each server naming where it replicates and recovers', async () => {
    world = await startWorld({ fleet: topologyFleet(5, { extended: true }) });

    const run = await runOrchestration(world, {
      action: 'failover',
      tags: { App: 'erp' },
      options: { parallelism: 'max' },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('success');
    expect(out.summary).toMatchObject({ totalServers: 10, succeeded: 10 });
    // One executor: the target account's, within its quotas.
    expect(run.executors.map((e) => e.account.accountId)).toEqual([TARGET]);
    expect(world.emu.drs.jobs(S1)).toHaveLength(0);
    expect(world.emu.drs.jobs(S2)).toHaveLength(0);
    expect(world.emu.drs.jobs(TARGET).length).toBeGreaterThan(0);
    expect(out.recoveryInstances.map((r) => r.recoveryAccountId)).toEqual(Array(10).fill(TARGET));
    expect(out.recoveryInstances.filter((r) => r.stagingAccountId === S1)).toHaveLength(5);
    expect(out.recoveryInstances.filter((r) => r.stagingAccountId === S2)).toHaveLength(5);
  });

  it('drills, reports status and terminates the drill instances in the target account', async () => {
    world = await startWorld({ fleet: topologyFleet(3, { extended: true }) });

    const drill = await runOrchestration(world, { action: 'drill', tags: { App: 'erp' } });
    world.emu.clock.advance(3_600_000);
    const status = await runOrchestration(
      world,
      { action: 'status', tags: { App: 'erp' } },
      { executionName: 'status-1' },
    );
    const terminate = await runOrchestration(
      world,
      { action: 'terminate', tags: { App: 'erp' } },
      { executionName: 'terminate-1' },
    );

    expect(drill.result.output.status).toBe('success');
    expect(
      drill.result.output.recoveryInstances.every((r) => r.isDrill && r.recoveryAccountId === TARGET),
    ).toBe(true);
    const reports =
      (status.result.output as { servers?: { stagingAccountId: string; recoveryAccountId?: string }[] })
        .servers ?? [];
    expect(reports).toHaveLength(6);
    expect(
      reports.every((r) => r.recoveryAccountId === TARGET && [S1, S2].includes(r.stagingAccountId)),
    ).toBe(true);
    expect(terminate.result.output.status).toBe('success');
    expect(terminate.result.output.summary).toMatchObject({ totalServers: 6, succeeded: 6 });
  });

  it('fails the servers of an unreachable staging account (EXTENSION_ERROR) and recovers the others', async () => {
    world = await startWorld({
      fleet: topologyFleet(3, { extended: true }),
      faults: { stagingUnreachable: [S1] },
    });

    const run = await runOrchestration(world, {
      action: 'drill',
      tags: { App: 'erp' },
      options: { continueOnFailure: true },
    });

    const out = run.result.output;
    expect(out.summary).toMatchObject({ totalServers: 6, succeeded: 3, failed: 3 });
    expect(out.failedServers.map((f) => f.stagingAccountId)).toEqual([S1, S1, S1]);
    expect(out.failedServers[0]?.recoveryAccountId).toBe(TARGET);
  });

  it('refuses failback of extended servers before anything starts, naming the limitation (DRS documents none)', async () => {
    world = await startWorld({ fleet: topologyFleet(3, { extended: true }) });
    const failover = await runOrchestration(world, { action: 'failover', tags: { App: 'erp' } });
    expect(failover.result.output).toMatchObject({ status: 'success' });
    const before = drsCallsByOperation(world.emu, TARGET);

    const run = await runOrchestration(
      world,
      { action: 'failback', tags: { App: 'erp' } },
      {
        executionName: 'failback-1',
      },
    );

    expect(run.result.output).toMatchObject({ status: 'failed', action: 'failback' });
    expect(JSON.stringify(run.result.output)).toContain(
      'failback of extended source servers is not supported: recovery account 999999999999 holds 6 of them for these tags',
    );
    const after = drsCallsByOperation(world.emu, TARGET);
    for (const op of [
      'StartFailbackLaunch',
      'ReverseReplication',
      'StopFailback',
      'TerminateRecoveryInstances',
    ])
      expect(after[op] ?? 0).toBe(before[op] ?? 0);
    expect(run.executors).toHaveLength(0);
  });

  it('refuses the run before anything starts when the target holds more servers than its maxSourceServers', async () => {
    const fleet = topologyFleet(3, { extended: true });
    const orchestrator = fleet.accounts[0];
    const limited: Fleet = {
      ...fleet,
      accounts: [
        {
          ...(orchestrator as NonNullable<typeof orchestrator>),
          ssmParameters: (orchestrator?.ssmParameters ?? []).map((p) => {
            const entry = JSON.parse(p.value);
            return {
              ...p,
              value: JSON.stringify({
                ...entry,
                recoveryAccount: { ...entry.recoveryAccount, maxSourceServers: 5 },
              }),
            };
          }),
        },
        ...fleet.accounts.slice(1),
      ],
    };
    world = await startWorld({ fleet: limited });

    const run = await runOrchestration(world, { action: 'failover', tags: { App: 'erp' } });

    expect(run.result.output.status).toBe('failed');
    expect(JSON.stringify(run.result.output)).toContain(
      '/stagingAccounts/0/recoveryAccount/maxSourceServers is 5, but recovery account 999999999999 holds 6 source servers',
    );
    expect(world.emu.drs.jobs(TARGET)).toHaveLength(0);
  });
});
