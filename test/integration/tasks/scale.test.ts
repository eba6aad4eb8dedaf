/**
 * The 900-server drill (3 accounts x 300): one DescribeJobs per account per poll, no per-server
 * polling, payloads within Step Functions' limit, and the DRS call counts by operation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { assertOrchestrationOutput } from '../../../src/contract/index.js';
import { jsonBytes } from '../../../src/core/aggregate.js';
import {
  drsCallsByOperation,
  launchesPerServer,
  runOrchestration,
  startWorld,
  taggedFleet,
  type World,
} from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

const STEP_FUNCTIONS_LIMIT = 262_144;

describe('900-server drill', () => {
  it('launches 3 x 300 servers in one round at "max", with at most one DescribeJobs per account per poll', async () => {
    const fleet = taggedFleet({ seed: 11, accounts: 3, serversPerAccount: 300 }, { 'DR-Scale': 'all' });
    world = await startWorld({ fleet });
    const accounts = ['111111111111', '222222222222', '333333333333'];
    const describeJobs = (accountId: string) =>
      world?.emu.state.callTotal({ service: 'drs', operation: 'DescribeJobs', accountId }) ?? 0;
    let before = new Map(accounts.map((a) => [a, describeJobs(a)]));
    let worstPerPoll = 0;
    let polls = 0;

    const run = await runOrchestration(
      world,
      { action: 'drill', tags: { 'DR-Scale': 'all' }, options: { parallelism: 'max' } },
      {
        onRound: (_round, polled) => {
          for (const a of polled) {
            worstPerPoll = Math.max(worstPerPoll, describeJobs(a) - (before.get(a) ?? 0));
            polls += 1;
          }
          before = new Map(accounts.map((a) => [a, describeJobs(a)]));
        },
      },
    );

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('success');
    expect(out.summary).toMatchObject({ totalServers: 900, succeeded: 900 });
    const launches = launchesPerServer(world.emu);
    expect(launches.size).toBe(900);
    expect([...launches.values()].every((n) => n === 1)).toBe(true);
    expect(worstPerPoll).toBe(1);
    // "max": every account's 300 servers in flight at once, in three 100-server jobs (one round).
    for (const a of accounts) {
      const jobs = world.emu.drs.jobs().filter((j) => j.accountId === a && j.job.type === 'LAUNCH');
      expect(jobs.map((j) => j.job.servers.length)).toEqual([100, 100, 100]);
      expect(new Set(jobs.map((j) => j.job.createdMs)).size).toBe(1);
    }
    const calls = drsCallsByOperation(world.emu);
    // No per-server polling: DescribeJobs is bounded by polls, not by servers x polls.
    expect(calls.DescribeJobs).toBeLessThanOrEqual(polls + accounts.length);
    expect(calls.DescribeSourceServers ?? 0).toBeLessThan(polls);
    // Payloads: the run state and each account summary stay far below 256 KiB.
    for (const ex of run.executors) {
      expect(jsonBytes(ex.run)).toBeLessThan(STEP_FUNCTIONS_LIMIT / 4);
      expect(jsonBytes(ex.summary)).toBeLessThan(2_048);
    }
    expect(jsonBytes(run.work)).toBeLessThan(STEP_FUNCTIONS_LIMIT / 4);
    expect(jsonBytes(run.result)).toBeLessThan(STEP_FUNCTIONS_LIMIT);
    console.log(
      JSON.stringify({
        drsCallsByOperation: calls,
        monitorPolls: polls,
        pollRounds: run.rounds,
        worstDescribeJobsPerAccountPoll: worstPerPoll,
        durationFormatted: out.timing.durationFormatted,
        runBytes: run.executors.map((ex) => jsonBytes(ex.run)),
        outputBytes: jsonBytes(run.result.output),
        resultLocation: out.resultLocation ?? null,
      }),
    );
  });
});
