import { describe, expect, it } from 'vitest';
import { nextBatches, planLaunch } from '../../../src/core/partition.js';
import { launchOrder, targetCapacityProblem } from '../../../src/core/recovery-topology.js';

const A = '111111111111';
const B = '222222222222';

describe('Function: launchOrder', () => {
  it('puts every server of a lower DR-Wave first, then the staging accounts in priority order', () => {
    const order = launchOrder(
      [
        { sourceServerId: 's-b2', stagingAccountId: B, tags: { 'DR-Wave': '2' } },
        { sourceServerId: 's-a3', stagingAccountId: A, tags: { 'DR-Wave': '3' } },
        { sourceServerId: 's-bx', stagingAccountId: B },
        { sourceServerId: 's-b1', stagingAccountId: B, tags: { 'DR-Wave': '1' } },
        { sourceServerId: 's-a1', stagingAccountId: A, tags: { 'DR-Wave': '1' } },
        { sourceServerId: 's-a2', stagingAccountId: A, tags: { 'DR-Wave': ' 2 ' } },
        { sourceServerId: 's-ay', stagingAccountId: A, tags: { 'DR-Wave': 'later' } },
      ],
      [A, B],
    );

    expect(order).toEqual(['s-a1', 's-b1', 's-a2', 's-b2', 's-a3', 's-ay', 's-bx']);
  });

  it('keeps discovery order among servers of the same wave and account', () => {
    const servers = ['s-3', 's-1', 's-2'].map((id) => ({ sourceServerId: id, stagingAccountId: A }));

    expect(launchOrder(servers, [A])).toEqual(['s-3', 's-1', 's-2']);
  });
});

describe('Function: targetCapacityProblem', () => {
  it('names the registry field when the target holds more source servers than its quota', () => {
    expect(
      targetCapacityProblem(
        '999999999999',
        3001,
        3000,
        '/stagingAccounts/0/recoveryAccount/maxSourceServers',
      ),
    ).toEqual({
      pointer: '/stagingAccounts/0/recoveryAccount/maxSourceServers',
      message:
        'is 3000, but recovery account 999999999999 holds 3001 source servers (extended ones included); raise the DRS quota and this value, or move staging accounts to another target account',
    });
    expect(targetCapacityProblem('999999999999', 3000, 3000, '/x')).toBeUndefined();
  });
});

describe('Scheduling: one target account for many staging accounts', () => {
  it('hands out the target account quotas to wave 1 of every staging account before any of wave 2', () => {
    // 10 staging accounts x 30 servers, waves 1-3 of 10 each, behind one target with 500 in flight and 20 jobs.
    const accounts = Array.from({ length: 10 }, (_, i) =>
      String(i + 1)
        .repeat(12)
        .slice(0, 12),
    );
    const servers = accounts.flatMap((account) =>
      Array.from({ length: 30 }, (_, n) => ({
        sourceServerId: `s-${account}-${n}`,
        stagingAccountId: account,
        tags: { 'DR-Wave': String((n % 3) + 1) },
      })),
    );
    const order = launchOrder(servers, accounts);
    const plan = planLaunch(120, { perJob: 100, allJobs: 500, concurrentJobs: 20, source: 'service-quotas' });

    const first = nextBatches(order, { servers: 0, jobs: 0 }, plan).flat();

    expect(first).toHaveLength(120);
    expect(
      new Set(first.slice(0, 100).map((id) => servers.find((s) => s.sourceServerId === id)?.tags['DR-Wave'])),
    ).toEqual(new Set(['1']));
    expect(
      first.slice(100).every((id) => servers.find((s) => s.sourceServerId === id)?.tags['DR-Wave'] === '2'),
    ).toBe(true);
  });
});
