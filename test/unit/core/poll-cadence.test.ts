/**
 * The poll cadence: longer waits only while no open job can plausibly have completed, the base
 * interval near completions, and a completion at or after the earliest plausible time always seen
 * within one base interval.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobMinutes } from '../../../src/core/launch-times.js';
import {
  DEFAULT_CADENCE,
  DEFAULT_MAX_POLL_SECONDS,
  maxPollSecondsFrom,
  nextPollSeconds,
} from '../../../src/core/poll-cadence.js';

const MIN = 60_000;

describe('Function: nextPollSeconds', () => {
  it('waits up to the cap while no 100-server job can have completed, then polls every 30 s', () => {
    const job = { createdMs: 0, servers: 100, finished: 0 };
    expect(nextPollSeconds({ nowMs: 0, jobs: [job], waiting: 0 })).toBe(300);
    expect(nextPollSeconds({ nowMs: 40 * MIN, jobs: [job], waiting: 0 })).toBeGreaterThan(30);
    expect(nextPollSeconds({ nowMs: 44 * MIN, jobs: [job], waiting: 0 })).toBe(30);
  });
  it('polls at the base interval while servers wait for replication, for unknown job ages, and without jobs', () => {
    const young = { createdMs: 0, servers: 100, finished: 0 };
    expect(nextPollSeconds({ nowMs: 0, jobs: [young], waiting: 1 })).toBe(30);
    expect(nextPollSeconds({ nowMs: 0, jobs: [young, { servers: 5, finished: 0 }], waiting: 0 })).toBe(30);
    expect(nextPollSeconds({ nowMs: 0, jobs: [], waiting: 0 })).toBe(30);
  });
  it('polls at the base interval once a job is nearly all launched, whatever the typical times say', () => {
    const fast = { createdMs: 0, servers: 100, finished: 95 };
    expect(nextPollSeconds({ nowMs: 10 * MIN, jobs: [fast], waiting: 0 })).toBe(30);
    expect(
      nextPollSeconds({ nowMs: 10 * MIN, jobs: [{ ...fast, finished: 80 }], waiting: 0 }),
    ).toBeGreaterThan(30);
  });
  it('is the fixed 30 s when the cap is at or below the base interval', () => {
    const job = { createdMs: 0, servers: 100, finished: 0 };
    expect(
      nextPollSeconds({ nowMs: 0, jobs: [job], waiting: 0 }, { ...DEFAULT_CADENCE, maxSeconds: 30 }),
    ).toBe(30);
  });
  it('follows the job expected to complete first', () => {
    const big = { createdMs: 0, servers: 100, finished: 0 };
    const small = { createdMs: 0, servers: 1, finished: 0 };
    const earliestSmall = jobMinutes(1, DEFAULT_CADENCE.earlyQuantile) * 60;
    expect(nextPollSeconds({ nowMs: 0, jobs: [big, small], waiting: 0 })).toBe(Math.floor(earliestSmall));
  });
});

describe('Property: the cadence never sees a completion later than one base interval', () => {
  it('detects every completion at or after its earliest plausible time within 30 s, with waits within [30, cap]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 120 * 60 }),
        fc.integer({ min: 31, max: 900 }),
        (servers, lateSeconds, cap) => {
          const settings = { ...DEFAULT_CADENCE, maxSeconds: cap };
          const earliestS = jobMinutes(servers, settings.earlyQuantile) * 60;
          const completesAtS = earliestS + lateSeconds;
          let now = 0;
          const waits: number[] = [];
          while (now < completesAtS) {
            const w = nextPollSeconds(
              { nowMs: now * 1000, jobs: [{ createdMs: 0, servers, finished: 0 }], waiting: 0 },
              settings,
            );
            waits.push(w);
            now += w;
          }
          expect(now - completesAtS).toBeLessThanOrEqual(settings.baseSeconds);
          expect(waits.every((w) => w >= 30 && w <= cap)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('Function: maxPollSecondsFrom', () => {
  it('reads whole seconds and falls back to the default otherwise', () => {
    expect(maxPollSecondsFrom('30')).toBe(30);
    expect(maxPollSecondsFrom('600')).toBe(600);
    for (const bad of [undefined, '', 'x', '2.5', '0', '-5'])
      expect(maxPollSecondsFrom(bad)).toBe(DEFAULT_MAX_POLL_SECONDS);
  });

  it('never waits longer than 600 s between polls: each poll is the main execution’s heartbeat (900 s)', () => {
    expect(maxPollSecondsFrom('601')).toBe(600);
    expect(maxPollSecondsFrom('3600')).toBe(600);
  });
});
