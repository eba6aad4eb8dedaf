/**
 * The monitor's use of the poll cadence: what it sees of the open jobs, the deadline cap, and the
 * base interval while launched instances wait for EC2 status checks.
 */
import type { Job } from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import type { RecoveryRun } from '../../../src/core/model.js';
import type { TaskDeps } from '../../../src/tasks/deps.js';
import { openJobViews, scheduleNextPoll, secondsUntilNextPoll } from '../../../src/tasks/poll-schedule.js';

const START = Date.parse('2025-01-06T09:00:00.000Z');

function runWith(overrides: Partial<RecoveryRun> = {}): RecoveryRun {
  return {
    kind: 'recovery',
    deadline: new Date(START + 120 * 60_000).toISOString(),
    pending: [],
    waiting: [],
    jobs: [
      {
        jobId: 'drsjob-1',
        serverIds: Array.from({ length: 100 }, (_, i) => `s-${i}`),
        startedAt: new Date(START).toISOString(),
      },
    ],
    failed: [],
    done: false,
    polls: 0,
    ...overrides,
  };
}

function depsAt(ms: number, maxPollSeconds?: number): TaskDeps {
  return {
    now: () => new Date(ms),
    env: { stagingAccountsPath: '/p', ...(maxPollSeconds === undefined ? {} : { maxPollSeconds }) },
  } as unknown as TaskDeps;
}

describe('Function: secondsUntilNextPoll', () => {
  it('waits up to the cap while a just-started 100-server job cannot have completed', () => {
    expect(secondsUntilNextPoll(runWith(), new Map(), depsAt(START))).toBe(300);
    expect(secondsUntilNextPoll(runWith(), new Map(), depsAt(START, 30))).toBe(30);
  });
  it('never waits past the run deadline', () => {
    const run = runWith({ deadline: new Date(START + 100_000).toISOString() });
    expect(secondsUntilNextPoll(run, new Map(), depsAt(START))).toBe(100);
    expect(secondsUntilNextPoll(run, new Map(), depsAt(START + 200_000))).toBe(1);
  });
  it('polls at the base interval once no job is open (launched instances waiting for EC2 checks)', () => {
    const run = runWith({ jobs: [{ jobId: 'drsjob-1', serverIds: ['s-0'], finished: true }] });
    expect(secondsUntilNextPoll(run, new Map(), depsAt(START))).toBe(30);
  });
  it('polls at the base interval while servers wait for their recovery point', () => {
    expect(secondsUntilNextPoll(runWith({ waiting: ['s-x'] }), new Map(), depsAt(START))).toBe(30);
  });
  it('counts finished servers of the job from the last DescribeJobs answer', () => {
    const job = {
      jobID: 'drsjob-1',
      participatingServers: [
        { sourceServerID: 's-0', launchStatus: 'LAUNCHED' },
        { sourceServerID: 's-1', launchStatus: 'FAILED' },
        { sourceServerID: 's-2', launchStatus: 'IN_PROGRESS' },
      ],
    } as Job;
    expect(openJobViews(runWith(), new Map([['drsjob-1', job]]))).toEqual([
      { servers: 100, finished: 2, createdMs: START },
    ]);
  });
});

describe('Function: scheduleNextPoll', () => {
  it('sets waitSeconds on an unfinished run and clears it once done', () => {
    const run = runWith();
    scheduleNextPoll(run, new Map(), depsAt(START));
    expect(run.waitSeconds).toBe(300);
    run.done = true;
    scheduleNextPoll(run, new Map(), depsAt(START));
    expect(run.waitSeconds).toBeUndefined();
  });
});
