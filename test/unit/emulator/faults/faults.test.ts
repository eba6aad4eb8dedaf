import { describe, expect, it } from 'vitest';
import { FaultEngine, FaultPlanError } from '../../../../src/emulator/faults.js';

describe('Class: FaultEngine', () => {
  it('throttles a call with the share its probability says, the same way for the same seed', () => {
    const plan = { seed: 3, throttle: [{ service: 'drs', probability: 0.25 }] };
    const a = new FaultEngine(plan);
    const b = new FaultEngine(plan);

    const runA = Array.from({ length: 400 }, () => a.decide('drs', 'DescribeJobs', '1')?.kind ?? 'none');
    const runB = Array.from({ length: 400 }, () => b.decide('drs', 'DescribeJobs', '1')?.kind ?? 'none');
    const hits = runA.filter((k) => k === 'throttle').length;

    expect(runB).toEqual(runA);
    expect(hits).toBeGreaterThan(60);
    expect(hits).toBeLessThan(140);
  });

  it('matches by service, operation and account', () => {
    const f = new FaultEngine({
      throttle: [{ service: 'drs', operation: 'StartRecovery', accountId: '111111111111', probability: 1 }],
    });

    expect(f.decide('drs', 'StartRecovery', '111111111111')).toEqual({
      kind: 'throttle',
      retryAfterSeconds: 1,
    });
    expect(f.decide('drs', 'StartRecovery', '222222222222')).toBeUndefined();
    expect(f.decide('drs', 'DescribeJobs', '111111111111')).toBeUndefined();
    expect(f.decide('ssm', 'StartRecovery', '111111111111')).toBeUndefined();
  });

  it('fails a burst of calls after a number of good ones', () => {
    const f = new FaultEngine({ errors: [{ service: 'sts', status: 503, afterCalls: 2, count: 3 }] });

    const seen = Array.from({ length: 7 }, () => f.decide('sts', 'AssumeRole', '1')?.kind ?? 'ok');

    expect(seen).toEqual(['ok', 'ok', 'error', 'error', 'error', 'ok', 'ok']);
  });

  it('exposes model faults and sums latency', () => {
    const f = new FaultEngine(
      {
        assumeRoleDenied: ['222222222222'],
        launchFailures: ['s-1'],
        stuckJobs: ['s-2'],
        stalledReplication: [
          { sourceServerID: 's-3' },
          { sourceServerID: 's-4', at: '2025-01-01T00:00:00Z' },
        ],
        latency: [
          { service: 'drs', ms: 5 },
          { service: 'drs', operation: 'DescribeJobs', ms: 7 },
        ],
      },
      () => 42,
    );

    expect(f.isAssumeRoleDenied('222222222222')).toBe(true);
    expect(f.isAssumeRoleDenied('111111111111')).toBe(false);
    expect(f.isLaunchFailure('s-1')).toBe(true);
    expect(f.isStuck('s-2')).toBe(true);
    expect(f.stalledSince('s-3')).toBe(42);
    expect(f.stalledSince('s-4')).toBe(Date.parse('2025-01-01T00:00:00Z'));
    expect(f.latencyMs('drs', 'DescribeJobs', '1')).toBe(12);
  });

  it('rejects malformed plans, naming the bad field', () => {
    expect(() => new FaultEngine({ throttle: [{ service: 'drs', probability: 1.5 }] })).toThrow(
      FaultPlanError,
    );
    expect(() => new FaultEngine({ errors: [{ service: 'drs', status: 418 as 500 }] })).toThrow(/status 418/);
    expect(() => new FaultEngine({ latency: [{ service: '', ms: 1 }] })).toThrow(/service is missing/);
  });
});
