import { describe, expect, it } from 'vitest';
import { MAX_NOTICE_LINES, resultNotices } from '../../../src/cli/notices.js';
import type { OrchestrationOutput } from '../../../src/contract/index.js';
import { sampleOutput } from './fakes.js';

describe('Function: resultNotices', () => {
  it('says nothing about a clean success', () => {
    expect(resultNotices(sampleOutput('success'))).toEqual([]);
  });

  it('puts the stopping error first, then warnings, server warnings, failed and skipped servers, adopted jobs', () => {
    const base = sampleOutput('partial');
    const output: OrchestrationOutput = {
      ...base,
      summary: { ...base.summary, totalServers: 4, skipped: 1 },
      error: { code: 'ServerCountMismatch', message: 'expected 5 source server(s), matched 4' },
      warnings: ['no source server matched X=1'],
      recoveryInstances: [
        {
          sourceServerId: 's-1',
          sourceServerHostname: 'db-1',
          stagingAccountId: '111111111111',
          status: 'launched',
          warning: 'replication was BACKLOG at launch',
        },
      ],
      skippedServers: [
        {
          sourceServerId: 's-4',
          stagingAccountId: '111111111111',
          region: 'us-east-2',
          reasonCode: 'NotLaunched',
          reason: 'not launched',
        },
      ],
      adoptedJobs: [
        { jobId: 'drsjob-a', stagingAccountId: '111111111111', servers: 2, correlationId: 'drill-1' },
        { jobId: 'drsjob-b', stagingAccountId: '111111111111', servers: 1 },
      ],
    };

    expect(resultNotices(output)).toEqual([
      'error: ServerCountMismatch: expected 5 source server(s), matched 4',
      'warning: no source server matched X=1',
      'warning: s-1 (db-1, account 111111111111): replication was BACKLOG at launch',
      'failed: s-00000000000000003 (hrp-db-03, account 222222222222): LaunchFailed: launch failed: conversion error',
      'skipped: s-4 (account 111111111111): NotLaunched: not launched',
      'adopted: DRS job drsjob-a (2 servers, account 111111111111) was taken over from run drill-1 instead of starting a new one (DRS allows one job per server)',
      'adopted: DRS job drsjob-b (1 server, account 111111111111) was taken over from a run without a correlation id instead of starting a new one (DRS allows one job per server)',
    ]);
  });

  it('shows at most 20 skipped servers and counts the rest from the summary, also those the inline output cut', () => {
    const base = sampleOutput('success');
    const skippedServers = Array.from({ length: 30 }, (_, i) => ({
      sourceServerId: `s-${i}`,
      stagingAccountId: '111111111111',
      reasonCode: 'NotLaunched',
      reason: 'not launched',
    }));
    const output: OrchestrationOutput = {
      ...base,
      summary: { ...base.summary, totalServers: 53, skipped: 50 },
      skippedServers,
      resultLocation: 's3://bucket/results/output.json',
    };

    const lines = resultNotices(output);

    expect(lines.filter((l) => l.startsWith('skipped: '))).toHaveLength(MAX_NOTICE_LINES);
    expect(lines.at(-1)).toBe(
      '... and 30 more skipped servers (see skippedServers in the JSON result, all of them in s3://bucket/results/output.json)',
    );
  });
});
