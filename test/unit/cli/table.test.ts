import { describe, expect, it } from 'vitest';
import type { PlanReport } from '../../../src/cli/session.js';
import {
  countsDisagreement,
  countsOf,
  formatTable,
  MAX_FAILED_ROWS,
  renderOutputTable,
  renderPlanTable,
} from '../../../src/cli/table.js';
import { sampleOutput } from './fakes.js';

describe('Function: formatTable', () => {
  it('aligns text left and numbers right under a rule', () => {
    const text = formatTable(
      ['NAME', 'COUNT'],
      [
        ['a', 5],
        ['longer', 120],
      ],
    );

    expect(text.split('\n')).toEqual(['NAME    COUNT', '------  -----', 'a           5', 'longer    120']);
  });
});

describe('Function: renderOutputTable', () => {
  it('shows the summary, one row per staging account and the failed servers', () => {
    const text = renderOutputTable(sampleOutput('partial'));

    expect(text).toMatch(/^status\s+partial$/m);
    expect(text).toMatch(/^action\s+drill$/m);
    expect(text).toMatch(/^next phase\s+not ready$/m);
    expect(text).toMatch(/^servers\s+3 total, 2 succeeded, 1 failed, 0 skipped$/m);
    expect(text).toMatch(/^duration\s+PT25M30S/m);
    expect(text).toMatch(/^111111111111\s+us-east-2\s+success\s+2\s+2\s+0\s+0\s+1$/m);
    expect(text).toMatch(/^s-00000000000000003\s+hrp-db-03\s+222222222222\s+LaunchFailed\s+launch failed/m);
  });

  it('has no failed-server table on success', () => {
    const text = renderOutputTable(sampleOutput('success'));

    expect(text).not.toContain('FAILED SERVER');
    expect(text).toMatch(/^next phase\s+ready$/m);
  });

  it('lists at most MAX_FAILED_ROWS failed servers and says how many more', () => {
    const output = sampleOutput('failed');
    output.failedServers = Array.from({ length: MAX_FAILED_ROWS + 7 }, (_, i) => ({
      sourceServerId: `s-${String(i).padStart(17, '0')}`,
      stagingAccountId: '111111111111',
      errorCode: 'LaunchFailed',
      errorMessage: 'x',
    }));

    const text = renderOutputTable(output);

    expect(text.split('\n').filter((l) => l.startsWith('s-'))).toHaveLength(MAX_FAILED_ROWS);
    expect(text).toContain('... and 7 more (see the JSON output)');
  });

  it('shows the account error and the result location', () => {
    const output = sampleOutput('failed');
    output.resultLocation = 's3://bucket/results/x/output.json';
    output.stagingAccountResults = [
      {
        accountId: '333333333333',
        serversProcessed: 0,
        succeeded: 0,
        failed: 0,
        status: 'failed',
        errorCode: 'CrossAccountAccessDenied',
        errorMessage: 'cannot assume role',
      },
    ];

    const text = renderOutputTable(output);

    expect(text).toMatch(/^full result\s+s3:\/\/bucket\/results\/x\/output.json$/m);
    expect(text).toMatch(/333333333333.*CrossAccountAccessDenied: cannot assume role/);
  });
});

describe('Function: renderPlanTable', () => {
  const plan: PlanReport = {
    action: 'drill',
    tags: { 'DR-Wave': '1', 'DR-Application': 'HRP' },
    totalServers: 130,
    accounts: [
      {
        accountId: '111111111111',
        region: 'us-east-2',
        servers: 130,
        ready: 128,
        notReady: [
          { sourceServerId: 's-0000000000000000a', replicationState: 'STALLED' },
          { sourceServerId: 's-0000000000000000b' },
        ],
        batches: [50, 50, 28],
        batchSize: 50,
        maxInFlight: 50,
        maxConcurrentJobs: 1,
        quotaSource: 'default',
        rounds: 3,
        jobs: 3,
        estimatedMinutes: 137,
        estimatedMinutesAtMax: 46,
      },
    ],
    warnings: ['account 111111111111: launching 130 servers takes about 137 min'],
    issues: [{ accountId: '333333333333', errorCode: 'CrossAccountAccessDenied', errorMessage: 'denied' }],
  };

  it('shows accounts, jobs, rounds, estimated minutes, warnings, servers not ready and accounts left out', () => {
    const text = renderPlanTable(plan);

    expect(text).toContain(
      'plan for drill on DR-Wave=1, DR-Application=HRP: 130 matching servers, nothing changed',
    );
    expect(text).toMatch(
      /^111111111111\s+us-east-2\s+130\s+128\s+2\s+50\s+3 \(50\+50\+28\)\s+3\s+137\s+46\s+default$/m,
    );
    expect(text).toContain('warning: account 111111111111: launching 130 servers takes about 137 min');
    expect(text).toMatch(/^s-0000000000000000a\s+111111111111\s+STALLED$/m);
    expect(text).toMatch(/^s-0000000000000000b\s+111111111111\s+\?$/m);
    expect(text).toMatch(/^333333333333\s+CrossAccountAccessDenied\s+denied$/m);
  });
});

describe('Function: renderOutputTable (per-server report)', () => {
  it('lists the servers of a status output with replication, last launch and instance', () => {
    const output = sampleOutput('success');
    output.action = 'status';
    output.servers = [
      {
        sourceServerId: 's-00000000000000001',
        sourceServerHostname: 'hrp-app-001',
        stagingAccountId: '111111111111',
        outcome: 'reported',
        replicationState: 'CONTINUOUS',
        lagDuration: 'PT11S',
        lastLaunch: { jobId: 'drsjob-00000000000000001', status: 'LAUNCHED', type: 'DRILL' },
        recoveryInstanceId: 'i-0123456789abcdef0',
        recoveryInstanceState: 'RUNNING',
      },
    ];

    const text = renderOutputTable(output);

    expect(text).toMatch(
      /^s-00000000000000001\s+hrp-app-001\s+111111111111\s+reported\s+CONTINUOUS\s+PT11S\s+DRILL LAUNCHED\s+i-0123456789abcdef0 RUNNING$/m,
    );
  });
});

describe('Function: countsOf and countsDisagreement (every view counts from the evidence model)', () => {
  it("shows the evidence model's totals in the table, and says so when the result's summary counts otherwise", () => {
    const output = sampleOutput('partial');
    const s = output.summary;
    const agreeing = {
      servers: s.totalServers,
      succeeded: s.succeeded,
      failed: s.failed,
      timedOut: s.timedOut ?? 0,
      skipped: s.skipped,
      waves: 1,
      wavesRun: 1,
    };
    const other = { ...agreeing, servers: s.totalServers + 1, skipped: s.skipped + 1 };

    expect(countsDisagreement(output, agreeing)).toBeUndefined();
    expect(countsDisagreement(output, undefined)).toBeUndefined();
    expect(countsDisagreement(output, other)).toBe(
      `the evidence record counts ${other.servers} servers, ${other.succeeded} succeeded, ${other.failed} failed, ${other.timedOut} timed out, ${other.skipped} skipped; the result's summary says ${s.totalServers} servers, ${s.succeeded} succeeded, ${s.failed} failed, ${s.timedOut ?? 0} timed out, ${s.skipped} skipped`,
    );
    expect(renderOutputTable(output, other)).toMatch(
      new RegExp(
        `^servers\\s+${other.servers} total, ${other.succeeded} succeeded, ${other.failed} failed, ${other.skipped} skipped`,
        'm',
      ),
    );
    expect(countsOf(output, undefined)).toBe(output.summary);
  });
});
