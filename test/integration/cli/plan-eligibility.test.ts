/**
 * `plan` promises what the run does: it calls the tasks' own eligibility decisions, so the
 * servers it would act on are exactly those the action then acts on.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { generateFleet } from '../../../src/emulator/fleet/generate.js';
import type { FleetSourceServer } from '../../../src/emulator/fleet/types.js';
import { fakeIo } from '../../unit/cli/fakes.js';

async function drs(dir: string, argv: string[]): Promise<{ code: number; json: Record<string, unknown> }> {
  const { io, stdout } = fakeIo({ cwd: dir });
  const code = await main([...argv, '--state-file', 'sim.json', '--quiet'], io);
  return { code, json: JSON.parse(stdout.text || '{}') as Record<string, unknown> };
}

type Plan = { accounts: { ready: number; notReady: { reason?: string }[]; servers: number }[] };
type Out = { summary: { totalServers: number; skipped: number; succeeded: number } };

const ready = (plan: Plan): number => plan.accounts.reduce((n, a) => n + a.ready, 0);

describe('drs-orch plan uses the eligibility of the action', () => {
  it('failback with no recovery instances: plan promises none and says why; the run skips all', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-plan-'));
    const tags = ['--tags', 'DR-Test=single'];

    const plan = (await drs(dir, ['plan', 'failback', ...tags])).json as unknown as Plan;
    const run = (await drs(dir, ['failback', ...tags])).json as unknown as Out;

    expect(ready(plan)).toBe(0);
    expect(plan.accounts.flatMap((a) => a.notReady.map((n) => n.reason))).toEqual([
      expect.stringMatching(/has no recovery instance/),
    ]);
    expect(run.summary.skipped).toBe(run.summary.totalServers);
  });

  it('terminate after a drill: plan counts exactly the drill instances the run terminates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-plan-'));
    const tags = ['--tags', 'DR-Test=single'];
    expect((await drs(dir, ['drill', ...tags])).code).toBe(0);

    const young = (await drs(dir, ['plan', 'terminate', ...tags, '--older-than-minutes', '600']))
      .json as unknown as Plan;
    const plan = (await drs(dir, ['plan', 'terminate', ...tags])).json as unknown as Plan;
    const run = (await drs(dir, ['terminate', ...tags])).json as unknown as Out;

    expect(ready(young)).toBe(0);
    expect(young.accounts[0]?.notReady[0]?.reason).toMatch(/less than olderThanMinutes 600/);
    expect(ready(plan)).toBe(1);
    expect(run.summary.succeeded).toBe(1);
  });
});

describe('drs-orch status reports readiness', () => {
  it('does not call a wave with DISCONNECTED and STALLED servers all succeeded: it counts them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-status-'));

    const { code, json } = await drs(dir, ['status', '--tags', 'DR-Wave=2']);

    expect(code).toBe(0);
    const out = json as {
      message: string;
      readiness: {
        ready: number;
        notReady: number;
        replicationStates: Record<string, number>;
        maxLagSeconds?: number;
      };
      summary: { totalServers: number };
    };
    expect(out.readiness.ready + out.readiness.notReady).toBe(out.summary.totalServers);
    expect(out.readiness.replicationStates.DISCONNECTED).toBeGreaterThan(0);
    expect(out.readiness.replicationStates.STALLED).toBeGreaterThan(0);
    expect(out.readiness.maxLagSeconds).toBeGreaterThan(0);
    expect(out.message).toMatch(
      /not ready; replication: \d+ CONTINUOUS, \d+ DISCONNECTED, \d+ STALLED; max lag PT/,
    );
    expect(out.message).not.toMatch(/succeeded/);

    const { io, stdout } = fakeIo({ cwd: dir });
    expect(
      await main(
        ['status', '--tags', 'DR-Wave=2', '--state-file', 'sim.json', '--quiet', '--format', 'table'],
        io,
      ),
    ).toBe(0);
    expect(stdout.text).toMatch(/^readiness\s+\d+ ready, \d+ not ready \(.*DISCONNECTED.*\)$/m);
    expect(stdout.text).toMatch(/^servers\s+\d+ total, \d+ reported$/m);
  });
});

describe('drs-orch plan and status decide readiness with the same rule', () => {
  it('a server in RESCAN: plan failover counts it ready and status calls it ready and recoverable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-rescan-'));
    const fleet = generateFleet({ seed: 5, accounts: 1, serversPerAccount: 4 });
    const staging = fleet.accounts[1] as unknown as { sourceServers: FleetSourceServer[] };
    staging.sourceServers = staging.sourceServers.map((s, i) => ({
      ...s,
      tags: { ...s.tags, 'DR-Check': i < 2 ? 'rescan' : 'other' },
      ...(i === 0 && { replicationState: 'RESCAN' as const, lagSeconds: 900 }),
    }));
    await writeFile(join(dir, 'fleet.json'), JSON.stringify(fleet));
    const tags = ['--tags', 'DR-Check=rescan', '--fleet', 'fleet.json'];

    const plan = (await drs(dir, ['plan', 'failover', ...tags])).json as unknown as Plan;
    const status = (await drs(dir, ['status', ...tags])).json as {
      readiness: { ready: number; notReady: number; replicationStates: Record<string, number> };
      servers: { replicationState?: string; failoverRecoverable?: boolean }[];
    };

    expect(status.readiness.replicationStates).toEqual({ CONTINUOUS: 1, RESCAN: 1 });
    expect(ready(plan)).toBe(2);
    expect(status.readiness).toMatchObject({ ready: 2, notReady: 0 });
    expect(status.servers.find((s) => s.replicationState === 'RESCAN')?.failoverRecoverable).toBe(true);
  });
});
