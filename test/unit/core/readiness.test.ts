import { describe, expect, it } from 'vitest';
import { recoveryObjectives } from '../../../src/core/aggregate.js';
import { parseIsoDurationSeconds } from '../../../src/core/duration.js';
import { needsSnapshotAge, readiness } from '../../../src/core/readiness.js';

const failover = { isDrill: false };
const drill = { isDrill: true };

describe('readiness: what each replication state does on failover and drill', () => {
  it.each([
    ['CONTINUOUS', 'launch'],
    ['BACKLOG', 'launch'],
    ['CREATING_SNAPSHOT', 'launch'],
    ['RESCAN', 'launch'],
    ['STALLED', 'launch'],
    ['PAUSED', 'launch'],
    ['INITIATING', 'fail'],
    ['INITIAL_SYNC', 'fail'],
    ['STOPPED', 'fail'],
    ['DISCONNECTED', 'fail'],
  ])('without a budget a %s server does %s at once (nothing waits)', (state, kind) => {
    expect(readiness({ id: 's-1', state, lagSeconds: 7200 }, failover).kind).toBe(kind);
  });

  it('fails a server without a recovery point with ServerNotReady naming its state', () => {
    expect(readiness({ id: 's-9', state: 'INITIAL_SYNC' }, failover)).toEqual({
      kind: 'fail',
      code: 'ServerNotReady',
      message: 'source server s-9 replication is INITIAL_SYNC: it has no recovery point to launch from',
    });
  });

  it('warns on a drill of replication that is not CONTINUOUS, never on a failover or a CONTINUOUS drill', () => {
    expect(readiness({ id: 's-1', state: 'STALLED' }, drill)).toEqual({
      kind: 'launch',
      warning: 'drill of source server s-1 whose replication is STALLED, not CONTINUOUS',
    });
    expect(readiness({ id: 's-1', state: 'STALLED' }, failover)).toEqual({ kind: 'launch' });
    expect(readiness({ id: 's-1', state: 'CONTINUOUS' }, drill)).toEqual({ kind: 'launch' });
  });

  it('with a budget, a replicating server over it waits and one within it launches', () => {
    const budget = { ...failover, maxDataLossMinutes: 15 };

    expect(readiness({ id: 's-1', state: 'BACKLOG', lagSeconds: 16 * 60 }, budget).kind).toBe('wait');
    expect(readiness({ id: 's-1', state: 'CONTINUOUS', lagSeconds: 16 * 60 }, budget).kind).toBe('wait');
    expect(readiness({ id: 's-1', state: 'BACKLOG', lagSeconds: 15 * 60 }, budget).kind).toBe('launch');
  });

  it('with a budget, a stalled or paused server is judged by its newest snapshot and fails with RecoveryPointTooOld', () => {
    const budget = { ...failover, maxDataLossMinutes: 30 };

    expect(readiness({ id: 's-1', state: 'STALLED', newestSnapshotAgeSeconds: 25 * 60 }, budget).kind).toBe(
      'launch',
    );
    expect(readiness({ id: 's-1', state: 'STALLED', newestSnapshotAgeSeconds: 45 * 60 }, budget)).toEqual({
      kind: 'fail',
      code: 'RecoveryPointTooOld',
      message:
        'source server s-1 recovery point is 45 minutes old, over maxDataLossMinutes (30); replication is STALLED, so it cannot get newer',
    });
    expect(readiness({ id: 's-1', state: 'PAUSED' }, budget).kind).toBe('fail');
  });

  it('asks for the newest snapshot only for non-replicating states under a budget', () => {
    expect(needsSnapshotAge('STALLED', 30)).toBe(true);
    expect(needsSnapshotAge('PAUSED', 30)).toBe(true);
    expect(needsSnapshotAge('STALLED', undefined)).toBe(false);
    expect(needsSnapshotAge('CONTINUOUS', 30)).toBe(false);
    expect(needsSnapshotAge('DISCONNECTED', 30)).toBe(false);
  });
});

describe('parseIsoDurationSeconds', () => {
  it.each([
    ['PT15M5S', 905],
    ['PT0S', 0],
    ['P1DT2H', 93_600],
    ['PT1.5S', 1.5],
  ])('reads %s as %d seconds', (value, seconds) => {
    expect(parseIsoDurationSeconds(value)).toBe(seconds);
  });

  it.each([undefined, '', 'P', 'PT', '15M', 'PT-1S'])('gives undefined for %s', (value) => {
    expect(parseIsoDurationSeconds(value)).toBeUndefined();
  });
});

describe('recoveryObjectives', () => {
  it('takes the worst data loss and the last server up of the launched records only', () => {
    const start = '2025-01-06T09:00:00.000Z';

    const got = recoveryObjectives(
      [
        { status: 'launched', dataLossSeconds: 1500, readyTime: '2025-01-06T09:40:00.000Z' },
        { status: 'launched', dataLossSeconds: 2100, launchTime: '2025-01-06T09:20:00.000Z' },
        { status: 'failed', dataLossSeconds: 99_999, readyTime: '2025-01-06T23:00:00.000Z' },
      ],
      start,
    );

    expect(got).toEqual({ worstDataLossSeconds: 2100, recoveryTimeSeconds: 2400 });
    expect(recoveryObjectives([{ status: 'failed' }], start)).toEqual({});
  });
});
