/**
 * Typical launch times and the estimate `drs-orch plan` shows (and the README's table).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimateLaunch, jobMinutes, POLL_INTERVAL_SECONDS } from '../../../src/core/launch-times.js';
import type { LaunchQuotas } from '../../../src/core/model.js';
import { type Parallelism, planLaunch } from '../../../src/core/partition.js';
import { type AslObject, walkStates } from '../../../src/runtime/definitions.js';

const root = new URL('../../../', import.meta.url);

describe('Function: estimateLaunch', () => {
  const quotas: LaunchQuotas = { perJob: 100, allJobs: 500, concurrentJobs: 20, source: 'service-quotas' };
  it('shows what the default parallelism costs a 300-server account against "max"', () => {
    const atDefault = estimateLaunch(300, planLaunch(50, quotas), 30);
    const atMax = estimateLaunch(300, planLaunch('max', quotas), 30);
    expect(atMax).toMatchObject({ rounds: 1, jobs: 3, batches: [100, 100, 100] });
    expect(atDefault.rounds).toBe(6);
    expect(atMax.minutes).toBeGreaterThan(44);
    expect(atMax.minutes).toBeLessThan(47);
    // The default cannot finish within the default maxWaitMinutes (120); "max" can.
    expect(atDefault.minutes).toBeGreaterThan(120);
    expect(atDefault.batches.reduce((n, b) => n + b, 0)).toBe(300);
  });
  it('is zero for no servers', () => {
    expect(estimateLaunch(0, planLaunch('max', quotas), 30)).toEqual({
      rounds: 0,
      jobs: 0,
      batches: [],
      minutes: 0,
    });
  });
});

describe('Function: jobMinutes', () => {
  it('grows with the servers of a job towards the longest typical launch', () => {
    expect(jobMinutes(1)).toBeLessThan(jobMinutes(3));
    expect(jobMinutes(3)).toBeLessThan(jobMinutes(100));
    expect(jobMinutes(100)).toBeLessThanOrEqual(45 + 1);
  });
});

describe('README: choosing parallelism', () => {
  it('shows the estimate the code computes for a 300-server account at DRS default quotas', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const table = readme
      .split('<!-- parallelism-table:start -->')[1]
      ?.split('<!-- parallelism-table:end -->')[0];
    expect(table).toBeDefined();
    const rows = (table ?? '')
      .split('\n')
      .filter((l) => /^\| *(\d+|`"max"`) /.test(l))
      .map((l) =>
        l
          .split('|')
          .map((c) => c.trim())
          .slice(1, -1),
      );
    expect(rows.length).toBeGreaterThanOrEqual(4);
    const quotas: LaunchQuotas = { perJob: 100, allJobs: 500, concurrentJobs: 20, source: 'service-quotas' };
    for (const [p, size, rounds, jobs, minutes] of rows) {
      const parallelism: Parallelism = p === '`"max"`' ? 'max' : Number(p);
      const plan = planLaunch(parallelism, quotas);
      const e = estimateLaunch(300, plan, POLL_INTERVAL_SECONDS);
      expect([size, rounds, jobs, minutes]).toEqual([
        String(plan.batchSize),
        String(e.rounds),
        String(e.jobs),
        String(Math.ceil(e.minutes)),
      ]);
    }
  });
});

describe('POLL_INTERVAL_SECONDS', () => {
  it("is the executor's Retry interval on JobInProgress", () => {
    const asl = JSON.parse(
      readFileSync(new URL('statemachines/staging-account-executor.asl.json', root), 'utf8'),
    ) as AslObject;
    const monitor = walkStates(asl).find((s) => s.name === 'MonitorRecovery')?.state as
      | { Retry?: { ErrorEquals: string[]; IntervalSeconds?: number }[] }
      | undefined;
    const retry = monitor?.Retry?.find((r) => r.ErrorEquals.includes('JobInProgress'));
    expect(retry?.IntervalSeconds).toBe(POLL_INTERVAL_SECONDS);
  });
});
