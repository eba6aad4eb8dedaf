import { describe, expect, it } from 'vitest';
import { IdealInputError, idealOfRun, idealSchedule, quotaLowerBoundMs } from '../../../bench/ideal.js';

const MIN = 60_000;

describe('idealSchedule', () => {
  it('is the job duration for one job', () => {
    const jobs = [{ createdMs: 5 * MIN, endMs: 25 * MIN, servers: 1 }];

    const s = idealSchedule(jobs, { maxInFlight: 50, maxConcurrentJobs: 1 });

    expect(s).toEqual({ makespanMs: 20 * MIN, rounds: 1 });
  });

  it('starts the next batch the instant a completion makes room, not when it was really started', () => {
    // Real run: the second batch started 90 s after the first completed (a poll later).
    const jobs = [
      { createdMs: 0, endMs: 30 * MIN, servers: 50 },
      { createdMs: 31.5 * MIN, endMs: 41.5 * MIN, servers: 25 },
    ];

    const s = idealSchedule(jobs, { maxInFlight: 50, maxConcurrentJobs: 1 });

    expect(s).toEqual({ makespanMs: 40 * MIN, rounds: 2 });
  });

  it('runs jobs side by side while servers and job slots allow', () => {
    const jobs = [
      { createdMs: 0, endMs: 40 * MIN, servers: 100 },
      { createdMs: 1000, endMs: 1000 + 20 * MIN, servers: 100 },
      { createdMs: 50 * MIN, endMs: 60 * MIN, servers: 100 },
    ];

    const s = idealSchedule(jobs, { maxInFlight: 200, maxConcurrentJobs: 2 });

    // Third job starts when the 20-minute job completes and runs 10 minutes; the first ends at 40.
    expect(s).toEqual({ makespanMs: 40 * MIN, rounds: 2 });
  });

  it('keeps the order jobs were created in when a later one would fit earlier', () => {
    const jobs = [
      { createdMs: 0, endMs: 10 * MIN, servers: 150 },
      { createdMs: 11 * MIN, endMs: 21 * MIN, servers: 150 },
      { createdMs: 22 * MIN, endMs: 27 * MIN, servers: 10 },
    ];

    const s = idealSchedule(jobs, { maxInFlight: 200, maxConcurrentJobs: 5 });

    expect(s).toEqual({ makespanMs: 20 * MIN, rounds: 2 });
  });

  it('refuses a job that never completes', () => {
    const jobs = [{ createdMs: 0, endMs: Number.NaN, servers: 1 }];

    expect(() => idealSchedule(jobs, { maxInFlight: 1, maxConcurrentJobs: 1 })).toThrow(IdealInputError);
  });
});

describe('idealOfRun', () => {
  it('takes the longest account and the most rounds, since accounts run in parallel', () => {
    const limits = { maxInFlight: 1, maxConcurrentJobs: 1 };
    const a = { jobs: [{ createdMs: 0, endMs: 30 * MIN, servers: 1 }], limits };
    const b = {
      jobs: [
        { createdMs: 0, endMs: 10 * MIN, servers: 1 },
        { createdMs: 11 * MIN, endMs: 21 * MIN, servers: 1 },
      ],
      limits,
    };

    expect(idealOfRun([a, b])).toEqual({ makespanMs: 30 * MIN, rounds: 2 });
  });
});

describe('Function: quotaLowerBoundMs', () => {
  it('is the longest launch when the all-jobs quota holds every server at once', () => {
    expect(quotaLowerBoundMs([600_000, 1_200_000, 300_000], 500)).toBe(1_200_000);
  });
  it('is the total launch time over the quota when the quota is the bottleneck', () => {
    expect(quotaLowerBoundMs([600_000, 600_000, 600_000], 1)).toBe(1_800_000);
    expect(quotaLowerBoundMs([600_000, 600_000, 600_000, 600_000], 2)).toBe(1_200_000);
  });
  it('is 0 for no launches and refuses durations that are not real', () => {
    expect(quotaLowerBoundMs([], 500)).toBe(0);
    expect(() => quotaLowerBoundMs([Number.NaN], 500)).toThrow(IdealInputError);
    expect(() => quotaLowerBoundMs([-1], 500)).toThrow(/expected a finite duration >= 0/);
  });
});
