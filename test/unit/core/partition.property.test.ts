/**
 * The launch planner under arbitrary quotas and fleets: a discrete replay of planLaunch +
 * nextBatches where jobs end at drawn times. Every launch decision is checked against the three
 * DRS quotas, the requested parallelism, the 200-ids-per-call limit, and the promise to fill free
 * capacity at once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LaunchQuotas } from '../../../src/core/model.js';
import { MAX_IDS_PER_CALL, nextBatches, type Parallelism, planLaunch } from '../../../src/core/partition.js';

interface Replay {
  /** Launch decisions: every job started, with what was in flight right after. */
  readonly steps: { size: number; servers: number; jobs: number; pendingAfter: number }[];
  /** What was in flight and still pending after all the jobs of one instant were started. */
  readonly instants: { servers: number; jobs: number; pending: number }[];
  /** Servers launched, in order (each id once if the planner is right). */
  readonly launched: string[];
  readonly makespan: number;
}

/** Replays one account: jobs take durations from `durations` (cycled), completions free capacity. */
function replay(
  servers: number,
  parallelism: Parallelism,
  quotas: LaunchQuotas,
  durations: number[],
): Replay {
  const plan = planLaunch(parallelism, quotas);
  let pending = Array.from({ length: servers }, (_, i) => `s${i}`);
  const running: { end: number; size: number }[] = [];
  const steps: Replay['steps'] = [];
  const instants: Replay['instants'] = [];
  const launched: string[] = [];
  let now = 0;
  let drawn = 0;
  let makespan = 0;
  for (let guard = 0; guard < 100_000; guard += 1) {
    const open = () => ({ servers: running.reduce((n, r) => n + r.size, 0), jobs: running.length });
    const batches = nextBatches(pending, open(), plan);
    for (const batch of batches) {
      const end = now + (durations[drawn % durations.length] ?? 1);
      drawn += 1;
      running.push({ end, size: batch.length });
      makespan = Math.max(makespan, end);
      launched.push(...batch);
      pending = pending.slice(batch.length);
      steps.push({ size: batch.length, ...open(), pendingAfter: pending.length });
    }
    instants.push({ ...open(), pending: pending.length });
    if (running.length === 0) break;
    now = Math.min(...running.map((r) => r.end));
    for (let i = running.length - 1; i >= 0; i -= 1) if ((running[i]?.end ?? 0) <= now) running.splice(i, 1);
  }
  return { steps, instants, launched, makespan };
}

const quotasArb = fc.record({
  perJob: fc.integer({ min: 1, max: 250 }),
  allJobs: fc.integer({ min: 1, max: 1000 }),
  concurrentJobs: fc.integer({ min: 1, max: 30 }),
  source: fc.constantFrom('service-quotas' as const, 'default' as const),
});
const parallelismArb: fc.Arbitrary<Parallelism> = fc.oneof(
  fc.constant('max' as const),
  fc.integer({ min: 1, max: 1200 }),
);

describe('Property: launch planner under DRS quotas', () => {
  it('never exceeds the per-job, all-jobs and concurrent-jobs quotas, parallelism, or 200 ids per call', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1500 }),
        parallelismArb,
        quotasArb,
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 40 }),
        (servers, parallelism, quotas, durations) => {
          const { steps } = replay(servers, parallelism, quotas, durations);
          const cap = parallelism === 'max' ? quotas.allJobs : Math.min(parallelism, quotas.allJobs);
          const perJob = Math.min(quotas.perJob, MAX_IDS_PER_CALL);
          const broken = steps.filter(
            (s) =>
              s.size < 1 ||
              s.size > perJob ||
              s.servers > quotas.allJobs ||
              s.servers > cap ||
              s.jobs > quotas.concurrentJobs,
          );
          expect(broken).toEqual([]);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('launches every server exactly once, in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1500 }),
        parallelismArb,
        quotasArb,
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 40 }),
        (servers, parallelism, quotas, durations) => {
          const { launched } = replay(servers, parallelism, quotas, durations);
          expect(launched).toEqual(Array.from({ length: servers }, (_, i) => `s${i}`));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fills the quotas as soon as capacity frees: after each decision nothing waits while room and a job slot are free', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1500 }),
        parallelismArb,
        quotasArb,
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 40 }),
        (servers, parallelism, quotas, durations) => {
          const { instants } = replay(servers, parallelism, quotas, durations);
          const cap = parallelism === 'max' ? quotas.allJobs : Math.min(parallelism, quotas.allJobs);
          const perJob = Math.min(quotas.perJob, MAX_IDS_PER_CALL);
          const idle = instants.filter(
            (i) =>
              i.pending > 0 &&
              i.servers < Math.min(cap, perJob * quotas.concurrentJobs) &&
              i.jobs < quotas.concurrentJobs,
          );
          expect(idle).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finishes no later with "max" than with any numeric parallelism when every job takes the same time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1500 }),
        fc.integer({ min: 1, max: 1000 }),
        quotasArb,
        (servers, parallelism, quotas) => {
          const max = replay(servers, 'max', quotas, [10]).makespan;
          const numeric = replay(servers, Math.min(parallelism, quotas.allJobs), quotas, [10]).makespan;
          expect(max).toBeLessThanOrEqual(numeric);
        },
      ),
      { numRuns: 300 },
    );
  });
});
