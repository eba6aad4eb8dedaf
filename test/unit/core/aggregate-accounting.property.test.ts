/**
 * Every matched server is accounted for in the result (issue 20, item 2): for any mix of record
 * outcomes over any accounts and actions, matched = succeeded + failed + timedOut + skipped, each
 * skipped server is listed with its account, Region and reason, and the lists stay consistent
 * with the counts, also once the output is cut to fit the inline limit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseOrchestrationInput } from '../../../src/contract/index.js';
import { assertOrchestrationOutput } from '../../../src/contract/output.js';
import { aggregateOutput, fitOutput, jsonBytes } from '../../../src/core/aggregate.js';
import type { AccountSummary, ServerRecord, ServerStatus } from '../../../src/core/model.js';

const STATUSES: readonly ServerStatus[] = [
  'launched',
  'failed',
  'timeout',
  'skipped',
  'terminated',
  'failback-completed',
  'reported',
];

const execution = { id: 'arn:x', name: 'exec', startTime: '2026-12-07T10:00:00.000Z' };

/** One account's records, drawn: statuses, and for skipped ones an optional reason code. */
const accountArb = fc.record({
  statuses: fc.array(fc.constantFrom(...STATUSES), { maxLength: 40 }),
  reasonless: fc.boolean(),
});

function outcomeOf(index: number, drawn: { statuses: ServerStatus[]; reasonless: boolean }) {
  const accountId = String(100000000000 + index);
  const records: ServerRecord[] = drawn.statuses.map((status, i) => ({
    sourceServerId: `s-${index}-${i}`,
    hostname: `h-${index}-${i}`,
    stagingAccountId: accountId,
    status,
    ...(status === 'skipped' && !drawn.reasonless
      ? { errorCode: 'NotLaunched', errorMessage: 'not launched' }
      : {}),
    ...(status === 'failed' ? { errorCode: 'LaunchFailed', errorMessage: 'boom' } : {}),
  }));
  const summary: AccountSummary = {
    accountId,
    region: index % 2 === 0 ? 'us-east-1' : 'eu-west-1',
    status: 'partial',
    serversProcessed: records.length,
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    skipped: 0,
    jobIds: [],
  };
  return { summary, records };
}

describe('Function: aggregateOutput (accounting)', () => {
  it('accounts for every matched server: totalServers = succeeded + failed + timedOut + skipped, each skipped one listed with why', () => {
    fc.assert(
      fc.property(
        fc.array(accountArb, { maxLength: 5 }),
        fc.constantFrom('failover', 'drill', 'terminate', 'failback', 'status'),
        fc.boolean(),
        (drawn, action, continueOnFailure) => {
          const request = parseOrchestrationInput({
            action,
            tags: { 'DR-Wave': '1' },
            ...(action !== 'status' && { options: { continueOnFailure } }),
          });
          const accounts = drawn.map((d, i) => outcomeOf(i, d));
          const out = aggregateOutput({
            request,
            execution,
            endTime: execution.startTime,
            accounts,
            issues: [],
          });
          assertOrchestrationOutput(out);
          const s = out.summary;
          const all = accounts.flatMap((a) => a.records);
          expect(s.totalServers).toBe(all.length);
          expect(s.succeeded + s.failed + (s.timedOut ?? 0) + s.skipped).toBe(s.totalServers);
          expect(out.failedServers).toHaveLength(s.failed + (s.timedOut ?? 0));
          const skipped = out.skippedServers ?? [];
          expect(skipped).toHaveLength(s.skipped);
          expect(skipped.map((k) => k.sourceServerId).sort()).toEqual(
            all
              .filter((r) => r.status === 'skipped')
              .map((r) => r.sourceServerId)
              .sort(),
          );
          for (const k of skipped) {
            const account = accounts.find((a) => a.summary.accountId === k.stagingAccountId);
            expect(k.region).toBe(account?.summary.region);
            expect(k.reasonCode.length).toBeGreaterThan(0);
            expect(k.reason.length).toBeGreaterThan(0);
          }
          // Per account too: what each account processed is the sum of its outcomes.
          for (const a of out.stagingAccountResults) {
            expect(a.succeeded + a.failed + (a.timedOut ?? 0) + (a.skipped ?? 0)).toBe(a.serversProcessed);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps the counts whole and says how many skipped servers it shows when the output is cut to fit inline', () => {
    const request = parseOrchestrationInput({
      action: 'drill',
      tags: { 'DR-Wave': '2' },
      options: { continueOnFailure: false },
    });
    const statuses: ServerStatus[] = [
      'failed',
      ...Array.from({ length: 1500 }, () => 'skipped' as const),
      ...Array.from({ length: 1500 }, () => 'launched' as const),
    ];
    const out = aggregateOutput({
      request,
      execution,
      endTime: execution.startTime,
      accounts: [outcomeOf(0, { statuses, reasonless: false })],
      issues: [],
    });
    expect(out.skippedServers).toHaveLength(1500);
    const small = fitOutput(out, 60_000, 's3://bucket/results/output.json');
    assertOrchestrationOutput(small);
    expect(jsonBytes(small)).toBeLessThanOrEqual(60_000);
    expect(small.summary).toEqual(out.summary);
    const shown = small.skippedServers?.length ?? 0;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(1500);
    expect(small.message).toContain(`skippedServers ${shown} of 1500`);
    expect(small.message).toContain('s3://bucket/results/output.json');
  });

  it('names a run-level failure by its stable error name in error.code', () => {
    const request = parseOrchestrationInput({ action: 'failover', tags: { 'DR-Wave': '1' } });
    const out = aggregateOutput({
      request,
      execution,
      endTime: execution.startTime,
      accounts: [],
      issues: [],
      error: { code: 'ServerCountMismatch', message: 'expected 3 source server(s), matched 0' },
    });
    assertOrchestrationOutput(out);
    expect(out.status).toBe('failed');
    expect(out.nextPhaseReady).toBe(false);
    expect(out.error).toEqual({
      code: 'ServerCountMismatch',
      message: 'expected 3 source server(s), matched 0',
    });
  });

  it('lists the jobs a run took over with the correlation id of the run that started them', () => {
    const request = parseOrchestrationInput({ action: 'drill', tags: { 'DR-Wave': '1' } });
    const { summary, records } = outcomeOf(0, { statuses: ['launched', 'launched'], reasonless: false });
    const out = aggregateOutput({
      request,
      execution,
      endTime: execution.startTime,
      accounts: [
        {
          summary: {
            ...summary,
            jobs: [
              { jobId: 'drsjob-own', servers: 1 },
              { jobId: 'drsjob-other', servers: 1, adoptedFrom: 'drill-interrupted' },
              { jobId: 'drsjob-untagged', servers: 3, adoptedFrom: '' },
            ],
          },
          records,
        },
      ],
      issues: [],
    });
    assertOrchestrationOutput(out);
    expect(out.adoptedJobs).toEqual([
      {
        jobId: 'drsjob-other',
        stagingAccountId: '100000000000',
        servers: 1,
        correlationId: 'drill-interrupted',
      },
      { jobId: 'drsjob-untagged', stagingAccountId: '100000000000', servers: 3 },
    ]);
  });
});
