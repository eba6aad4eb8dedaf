import { describe, expect, it } from 'vitest';
import { assertOrchestrationOutput, parseOrchestrationInput } from '../../../src/contract/index.js';
import { aggregateOutput, fitOutput, jsonBytes } from '../../../src/core/aggregate.js';
import { addMinutes, formatIsoDuration, secondsBetween } from '../../../src/core/duration.js';
import type { AccountSummary, ServerRecord } from '../../../src/core/model.js';
import { resultNotification, startedNotification } from '../../../src/core/notifications.js';
import {
  chunk,
  DEFAULT_LAUNCH_QUOTAS,
  nextBatches,
  parallelismProblem,
  planLaunch,
} from '../../../src/core/partition.js';
import { countRecords, nextPhaseReady, resultStatus } from '../../../src/core/status.js';
import { formatTags, matchesTags } from '../../../src/core/tags.js';

describe('Function: matchesTags', () => {
  it('matches when every wanted pair is present (AND), extra tags allowed', () => {
    expect(
      matchesTags({ Wave: '1', Application: 'HRP', Role: 'DB' }, { Wave: '1', Application: 'HRP' }),
    ).toBe(true);
  });
  it('does not match when one value differs or a key is missing', () => {
    expect(matchesTags({ Wave: '2', Application: 'HRP' }, { Wave: '1', Application: 'HRP' })).toBe(false);
    expect(matchesTags({ Wave: '1' }, { Wave: '1', Application: 'HRP' })).toBe(false);
    expect(matchesTags(undefined, { Wave: '1' })).toBe(false);
  });
  it('is case-sensitive and ignores inherited keys', () => {
    expect(matchesTags({ wave: '1' }, { Wave: '1' })).toBe(false);
    expect(matchesTags({}, { toString: 'x' })).toBe(false);
  });
  it('formats tags for humans', () => {
    expect(formatTags({ 'DR-Wave': '1', App: 'HRP' })).toBe('DR-Wave=1, App=HRP');
  });
});

describe('Function: formatIsoDuration', () => {
  it.each([
    [2730, 'PT45M30S'],
    [0, 'PT0S'],
    [3600, 'PT1H'],
    [93_784, 'PT26H3M4S'],
    [59.9, 'PT59S'],
  ])('formats %d seconds as %s', (seconds, expected) => {
    expect(formatIsoDuration(seconds)).toBe(expected);
  });
  it('rejects negative and non-finite values', () => {
    expect(() => formatIsoDuration(-1)).toThrow(RangeError);
    expect(() => formatIsoDuration(Number.NaN)).toThrow(/finite number/);
  });
  it('computes whole seconds between times and adds minutes', () => {
    expect(secondsBetween('2024-12-12T14:00:00Z', '2024-12-12T14:45:30.900Z')).toBe(2730);
    expect(secondsBetween('2024-12-12T14:00:00Z', '2024-12-12T13:00:00Z')).toBe(0);
    expect(addMinutes('2024-12-12T14:00:00.000Z', 120)).toBe('2024-12-12T16:00:00.000Z');
  });
});

describe('Function: planLaunch', () => {
  const quotas = { perJob: 100, allJobs: 500, concurrentJobs: 20, source: 'service-quotas' as const };
  it('puts up to the all-jobs quota in flight with "max", in jobs just large enough to fill it', () => {
    expect(planLaunch('max', quotas)).toMatchObject({
      maxInFlight: 500,
      batchSize: 25,
      maxConcurrentJobs: 20,
      perJob: 100,
    });
    expect(planLaunch('max', { ...quotas, allJobs: 200 })).toMatchObject({ maxInFlight: 200, batchSize: 10 });
  });
  it('keeps a numeric parallelism, with jobs as small as the concurrent-jobs quota allows', () => {
    expect(planLaunch(50, quotas)).toMatchObject({ maxInFlight: 50, batchSize: 3, maxConcurrentJobs: 17 });
    expect(planLaunch(10, quotas)).toMatchObject({ maxInFlight: 10, batchSize: 1, maxConcurrentJobs: 10 });
    expect(planLaunch(500, quotas)).toMatchObject({ maxInFlight: 500, batchSize: 25 });
  });
  it('never plans more in flight than per-job x concurrent-jobs, nor jobs over 200 or the per-job quota', () => {
    expect(planLaunch('max', { ...quotas, perJob: 10, concurrentJobs: 5 })).toMatchObject({
      maxInFlight: 50,
      batchSize: 10,
      maxConcurrentJobs: 5,
    });
    expect(planLaunch('max', { ...quotas, perJob: 300, allJobs: 1000, concurrentJobs: 2 })).toMatchObject({
      maxInFlight: 400,
      perJob: 200,
    });
  });
  it('replaces unusable quota values by the conservative defaults', () => {
    const plan = planLaunch('max', {
      perJob: 0,
      allJobs: Number.NaN,
      concurrentJobs: -3,
      source: 'service-quotas',
    });
    expect(plan.quotas).toMatchObject({ perJob: 100, allJobs: 200, concurrentJobs: 20 });
    expect(plan.maxInFlight).toBe(200);
  });
});

describe('Function: parallelismProblem', () => {
  const quotas = { perJob: 100, allJobs: 500, concurrentJobs: 20, source: 'service-quotas' as const };
  it('accepts "max" and numbers up to the all-jobs quota', () => {
    expect(parallelismProblem('max', quotas)).toBeUndefined();
    expect(parallelismProblem(500, quotas)).toBeUndefined();
  });
  it('refuses a number above the all-jobs quota, naming the quota, where it came from and "max"', () => {
    expect(parallelismProblem(501, quotas)).toBe(
      'must be at most the all-jobs quota of 500 servers in active jobs (Service Quotas L-05AFA8C6), got 501; use "max" for as many as the quotas allow',
    );
    expect(parallelismProblem(300, { ...DEFAULT_LAUNCH_QUOTAS })).toMatch(
      /at most the all-jobs quota of 200 .*conservative default: Service Quotas L-05AFA8C6 was not readable\), got 300/,
    );
  });
});

describe('Function: nextBatches', () => {
  const plan = planLaunch(5, { perJob: 2, allJobs: 200, concurrentJobs: 20, source: 'default' });
  it('puts everything that fits now in the fewest jobs, balanced', () => {
    const wide = planLaunch('max', { perJob: 100, allJobs: 500, concurrentJobs: 20, source: 'default' });
    const ids = Array.from({ length: 300 }, (_, i) => `s${i}`);
    expect(nextBatches(ids, { servers: 0, jobs: 0 }, wide).map((b) => b.length)).toEqual([100, 100, 100]);
    expect(nextBatches(ids.slice(0, 150), { servers: 0, jobs: 0 }, wide).map((b) => b.length)).toEqual([
      75, 75,
    ]);
  });
  it('fills the free capacity with small jobs while servers wait for it, in order', () => {
    expect(nextBatches(['a', 'b', 'c', 'd', 'e', 'f'], { servers: 0, jobs: 0 }, plan)).toEqual([
      ['a'],
      ['b'],
      ['c'],
      ['d'],
      ['e'],
    ]);
    expect(nextBatches(['a', 'b', 'c'], { servers: 4, jobs: 4 }, plan)).toEqual([['a']]);
    expect(nextBatches(['a'], { servers: 5, jobs: 1 }, plan)).toEqual([]);
  });
  it('makes jobs larger when job slots are short, never over the per-job size', () => {
    const tight = { ...plan, maxConcurrentJobs: 2 };
    expect(nextBatches(['a', 'b', 'c', 'd', 'e', 'f'], { servers: 0, jobs: 0 }, tight)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(nextBatches(['a'], { servers: 0, jobs: 2 }, tight)).toEqual([]);
  });
  it('chunks lists and rejects a size below 1', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
});

describe('Function: resultStatus / nextPhaseReady', () => {
  const counts = (succeeded: number, failed: number, timedOut = 0, skipped = 0) => ({
    total: succeeded + failed + timedOut + skipped,
    succeeded,
    failed,
    timedOut,
    skipped,
  });
  it('is success when nothing failed, including zero servers and all skipped', () => {
    expect(resultStatus(counts(0, 0), { continueOnFailure: false })).toBe('success');
    expect(resultStatus(counts(0, 0, 0, 3), { continueOnFailure: false })).toBe('success');
    expect(resultStatus(counts(5, 0), { continueOnFailure: false })).toBe('success');
  });
  it('is failed on a failure without continueOnFailure, or when nothing succeeded', () => {
    expect(resultStatus(counts(9, 1), { continueOnFailure: false })).toBe('failed');
    expect(resultStatus(counts(0, 3), { continueOnFailure: true })).toBe('failed');
    expect(resultStatus(counts(3, 0), { continueOnFailure: false, accountFailures: 1 })).toBe('failed');
  });
  it('is partial with continueOnFailure and some success, timeout when work was pending', () => {
    expect(resultStatus(counts(8, 2), { continueOnFailure: true })).toBe('partial');
    expect(resultStatus(counts(3, 0), { continueOnFailure: true, accountFailures: 1 })).toBe('partial');
    expect(resultStatus(counts(8, 0, 2), { continueOnFailure: false })).toBe('timeout');
  });
  it('sets nextPhaseReady on success, and on partial above the threshold only', () => {
    expect(nextPhaseReady('success', counts(0, 0), 0.5)).toBe(true);
    expect(nextPhaseReady('partial', counts(6, 4), 0.5)).toBe(true);
    expect(nextPhaseReady('partial', counts(5, 5), 0.5)).toBe(false);
    expect(nextPhaseReady('partial', counts(9, 1), 0.95)).toBe(false);
    expect(nextPhaseReady('failed', counts(9, 1), 0)).toBe(false);
    expect(nextPhaseReady('timeout', counts(9, 0, 1), 0)).toBe(false);
  });
  it('counts records by outcome', () => {
    const records = [
      'launched',
      'terminated',
      'reported',
      'failback-completed',
      'failed',
      'timeout',
      'skipped',
    ].map((status) => ({ status }) as Pick<ServerRecord, 'status'>);
    expect(countRecords(records)).toEqual({ total: 7, succeeded: 4, failed: 1, timedOut: 1, skipped: 1 });
  });
});

describe('Function: notifications', () => {
  const topicArn = 'arn:aws:sns:us-east-1:123456789012:dr-notifications';
  it('renders the started template of design 10.3', () => {
    expect(
      startedNotification({
        topicArn,
        action: 'drill',
        tags: { 'DR-Wave': '1' },
        correlationId: 'c-1',
        startTime: 't0',
      }),
    ).toEqual({
      topicArn,
      subject: 'DRS Orchestration Started: drill for DR-Wave=1',
      message: 'Execution c-1 started at t0',
    });
  });
  it('renders completed, failed and partial templates', () => {
    const base = {
      topicArn,
      action: 'failover',
      total: 10,
      succeeded: 8,
      failed: 2,
      duration: 'PT45M30S',
      failedServerIds: ['s-1', 's-2'],
    };
    expect(resultNotification({ ...base, status: 'success' })).toMatchObject({
      subject: 'DRS Orchestration success: failover',
      message: 'Completed: 8/10 servers. Duration: PT45M30S',
    });
    expect(
      resultNotification({ ...base, status: 'failed', errorMessage: 'LaunchFailed: boom' }),
    ).toMatchObject({
      subject: 'ALERT: DRS Orchestration Failed',
      message: 'Failed servers: s-1, s-2. Error: LaunchFailed: boom',
    });
    expect(resultNotification({ ...base, status: 'partial' })).toMatchObject({
      subject: 'WARNING: DRS Orchestration Partial Success',
      message: '8 succeeded, 2 failed. Review required.',
    });
  });
  it('keeps subjects within the SNS limit and long failure lists short', () => {
    const tags = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`Key${i}`, `Value${i}`]));
    expect(
      startedNotification({ topicArn, action: 'drill', tags, correlationId: 'c', startTime: 't' }).subject
        .length,
    ).toBe(100);
    const ids = Array.from({ length: 25 }, (_, i) => `s-${i}`);
    const n = resultNotification({
      topicArn,
      action: 'drill',
      status: 'failed',
      total: 25,
      succeeded: 0,
      failed: 25,
      duration: 'PT1M',
      failedServerIds: ids,
    });
    expect(n.message).toContain('and 5 more');
  });
});

describe('Function: aggregateOutput', () => {
  const request = parseOrchestrationInput({
    action: 'failover',
    tags: { 'DR-Wave': '1' },
    options: { continueOnFailure: true },
    metadata: { correlationId: 'DR-1', ticketId: 'INC1' },
  });
  const execution = { id: 'arn:x', name: 'exec', startTime: '2024-12-12T14:00:00.000Z' };
  const record = (
    id: string,
    status: ServerRecord['status'],
    extra: Partial<ServerRecord> = {},
  ): ServerRecord => ({
    sourceServerId: id,
    hostname: `h-${id}`,
    stagingAccountId: '111111111111',
    status,
    ...extra,
  });
  const summary: AccountSummary = {
    accountId: '111111111111',
    region: 'us-east-2',
    status: 'partial',
    serversProcessed: 3,
    succeeded: 2,
    failed: 1,
    timedOut: 0,
    skipped: 0,
    jobIds: ['drsjob-1'],
  };

  it('builds the exact output schema with timing, lists, accounts and metadata', () => {
    const out = aggregateOutput({
      request,
      execution,
      endTime: '2024-12-12T14:45:30.000Z',
      accounts: [
        {
          summary,
          records: [
            record('s-1', 'launched', {
              jobId: 'drsjob-1',
              recoveryInstanceId: 'i-1',
              privateIp: '10.0.0.1',
            }),
            record('s-2', 'launched', { jobId: 'drsjob-1' }),
            record('s-3', 'failed', {
              jobId: 'drsjob-1',
              errorCode: 'LaunchFailed',
              errorMessage: 'no capacity',
            }),
          ],
        },
      ],
      issues: [
        {
          accountId: '222222222222',
          region: 'us-east-2',
          errorCode: 'CrossAccountAccessDenied',
          errorMessage: 'denied',
        },
      ],
    });
    assertOrchestrationOutput(out);
    expect(out.status).toBe('partial');
    expect(out.timing).toEqual({
      startTime: '2024-12-12T14:00:00.000Z',
      endTime: '2024-12-12T14:45:30.000Z',
      durationSeconds: 2730,
      durationFormatted: 'PT45M30S',
    });
    expect(out.summary).toEqual({
      totalServers: 3,
      succeeded: 2,
      failed: 1,
      skipped: 0,
      timedOut: 0,
      unreachableAccounts: 1,
    });
    expect(out.recoveryInstances).toHaveLength(3);
    expect(out.failedServers).toEqual([
      {
        sourceServerId: 's-3',
        sourceServerHostname: 'h-s-3',
        stagingAccountId: '111111111111',
        errorCode: 'LaunchFailed',
        errorMessage: 'no capacity',
        jobId: 'drsjob-1',
      },
    ]);
    expect(out.stagingAccountResults).toHaveLength(2);
    expect(out.stagingAccountResults[0]).toMatchObject({ jobId: 'drsjob-1', serversProcessed: 3 });
    expect(out.stagingAccountResults[1]).toMatchObject({
      accountId: '222222222222',
      status: 'failed',
      errorCode: 'CrossAccountAccessDenied',
    });
    expect(out.metadata).toEqual({ correlationId: 'DR-1', ticketId: 'INC1' });
    expect(out.nextPhaseReady).toBe(true);
    expect(out.servers).toBeUndefined();
  });

  it('reports zero servers as success and a run-level error as failed', () => {
    const empty = aggregateOutput({
      request,
      execution,
      endTime: execution.startTime,
      accounts: [],
      issues: [],
    });
    assertOrchestrationOutput(empty);
    expect(empty).toMatchObject({ status: 'success', nextPhaseReady: true, summary: { totalServers: 0 } });
    const failed = aggregateOutput({
      request,
      execution,
      endTime: execution.startTime,
      accounts: [],
      issues: [],
      error: { code: 'DRSServiceError', message: 'down' },
    });
    expect(failed.status).toBe('failed');
    expect(failed.message).toContain('DRSServiceError: down');
  });

  it('lists servers (not recovery instances) for status, terminate and failback', () => {
    const status = parseOrchestrationInput({ action: 'status', tags: { a: 'b' } });
    const out = aggregateOutput({
      request: status,
      execution,
      endTime: execution.startTime,
      accounts: [{ summary, records: [record('s-1', 'reported', { replicationState: 'CONTINUOUS' })] }],
      issues: [],
    });
    assertOrchestrationOutput(out);
    expect(out.recoveryInstances).toEqual([]);
    expect(out.servers).toEqual([
      expect.objectContaining({ outcome: 'reported', replicationState: 'CONTINUOUS' }),
    ]);
  });

  it('fits a large output under the byte limit by cutting the lists and pointing at S3', () => {
    const records = Array.from({ length: 2000 }, (_, i) =>
      record(`s-${i}`, 'launched', { jobId: 'drsjob-1', recoveryInstanceId: `i-${i}` }),
    );
    const out = aggregateOutput({
      request,
      execution,
      endTime: execution.startTime,
      accounts: [{ summary, records }],
      issues: [],
    });
    const small = fitOutput(out, 50_000, 's3://bucket/key');
    assertOrchestrationOutput(small);
    expect(jsonBytes(small)).toBeLessThanOrEqual(50_000);
    expect(small.resultLocation).toBe('s3://bucket/key');
    expect(small.recoveryInstances.length).toBeGreaterThan(0);
    expect(small.recoveryInstances.length).toBeLessThan(2000);
    expect(small.summary.totalServers).toBe(2000);
    expect(fitOutput(small, 10_000_000, 's3://b/k')).toBe(small);
  });
});

describe('Function: rootCause', () => {
  it('unwraps a failed child execution to the error that caused it, with a short message', async () => {
    const { rootCause } = await import('../../../src/core/aggregate.js');
    const lambda = JSON.stringify({
      errorType: 'ThrottlingException',
      errorMessage: 'drs:StartRecovery rate exceeded',
    });
    const child = JSON.stringify({
      ExecutionArn: 'arn:aws:states:us-east-2:222222222222:execution:executor:x',
      Status: 'FAILED',
      Error: 'ThrottlingException',
      Cause: lambda,
      Input: JSON.stringify({
        serverIds: Array.from({ length: 200 }, (_, i) => `s-${String(i).padStart(17, '0')}`),
      }),
    });

    expect(rootCause('States.TaskFailed', child)).toEqual({
      code: 'ThrottlingException',
      message: 'drs:StartRecovery rate exceeded',
    });
    const long = rootCause('DRSServiceError', 'x'.repeat(5000));
    expect(long.code).toBe('DRSServiceError');
    expect(long.message).toHaveLength(300);
    expect(rootCause('States.Timeout', undefined)).toEqual({
      code: 'States.Timeout',
      message: 'failed with States.Timeout',
    });
  });
});

describe('Function: readinessOf (status)', () => {
  it('counts servers a failover recovers now as ready, by replication state, the largest lag and failback states', async () => {
    const { readinessOf } = await import('../../../src/core/aggregate.js');
    const r = readinessOf([
      { status: 'launched', replicationState: 'CONTINUOUS', lagDuration: 'PT5S', failoverRecoverable: true },
      { status: 'launched', replicationState: 'CONTINUOUS', lagDuration: 'PT1M', failoverRecoverable: true },
      {
        status: 'launched',
        replicationState: 'DISCONNECTED',
        lagDuration: 'PT2H',
        failoverRecoverable: false,
      },
      { status: 'launched', replicationState: 'STALLED', failbackState: 'FAILBACK_READY_FOR_LAUNCH' },
      { status: 'launched', failbackState: 'FAILBACK_READY_FOR_LAUNCH' },
    ]);
    expect(r).toEqual({
      ready: 2,
      notReady: 3,
      replicationStates: { CONTINUOUS: 2, DISCONNECTED: 1, STALLED: 1, UNKNOWN: 1 },
      maxLagSeconds: 7200,
      unrecoverable: 1,
      failbackStates: { FAILBACK_READY_FOR_LAUNCH: 2 },
    });
  });
});
