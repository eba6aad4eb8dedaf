import { describe, expect, it } from 'vitest';
import { FaultEngine } from '../../../../src/emulator/faults.js';

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
        launchFailures: ['s-10000000000000001'],
        stuckJobs: ['s-10000000000000002'],
        stalledReplication: [
          { sourceServerID: 's-10000000000000003' },
          { sourceServerID: 's-10000000000000004', at: '2025-01-01T00:00:00Z' },
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
    expect(f.isLaunchFailure('s-10000000000000001')).toBe(true);
    expect(f.isStuck('s-10000000000000002')).toBe(true);
    expect(f.stalledSince('s-10000000000000003')).toBe(42);
    expect(f.stalledSince('s-10000000000000004')).toBe(Date.parse('2025-01-01T00:00:00Z'));
    expect(f.latencyMs('drs', 'DescribeJobs', '1')).toBe(12);
  });
});
