import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildEvidence,
  type HistoryEventLike,
  renderReportHtml,
  serversOfOutput,
} from '../../../src/report/index.js';

const T0 = '2025-01-06T09:00:00.000Z';
const at = (minutes: number): string => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const MAIN = 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main:run-1';

/** A single action's main history: one account, one job, one launched and one failed server. */
function history(): HistoryEventLike[] {
  const output = {
    status: 'partial',
    action: 'drill',
    recoveryInstances: [
      {
        sourceServerId: 's-1',
        sourceServerHostname: 'zz-web',
        ec2InstanceId: 'i-1',
        privateIp: '10.0.0.1',
        stagingAccountId: '111111111111',
        jobId: 'drsjob-1',
        tags: { Name: '<b>web</b>' },
      },
    ],
    failedServers: [
      {
        sourceServerId: 's-2',
        sourceServerHostname: 'aa-db',
        stagingAccountId: '111111111111',
        errorCode: 'LaunchFailed',
        errorMessage: 'no capacity',
      },
    ],
    stagingAccountResults: [
      {
        accountId: '111111111111',
        region: 'us-east-2',
        status: 'partial',
        startTime: at(1),
        endTime: at(41),
        jobs: [{ jobId: 'drsjob-1', servers: 2, startTime: at(1), endTime: at(40) }],
      },
    ],
  };
  const input = { action: 'drill', tags: { 'DR-Wave': '1' }, metadata: { ticketId: 'CHG-1' } };
  return [
    { type: 'ExecutionStarted', timestamp: T0, details: { input: JSON.stringify(input) } },
    { type: 'TaskStateEntered', timestamp: at(0), details: { name: 'DiscoverServers', input: '{}' } },
    { type: 'TaskStateExited', timestamp: at(1), details: { name: 'DiscoverServers', output: '{}' } },
    {
      type: 'TaskStateEntered',
      timestamp: at(42),
      details: { name: 'WriteReport', input: JSON.stringify({ final: { output } }) },
    },
    { type: 'TaskStateExited', timestamp: at(43), details: { name: 'WriteReport', output: '{}' } },
    { type: 'ExecutionSucceeded', timestamp: at(43), details: { output: JSON.stringify(output) } },
  ];
}

describe('the evidence report', () => {
  const source = buildEvidence({
    kind: 'action',
    rootArn: MAIN,
    histories: new Map([[MAIN, history()]]),
    target: 'sim',
    generatedAt: at(43),
  });

  it('lists failures first whatever their names, with the reason', () => {
    expect(source.servers.map((s) => [s.name, s.outcome, s.reason])).toEqual([
      ['aa-db', 'failed', 'LaunchFailed: no capacity'],
      ['zz-web', 'succeeded', undefined],
    ]);
    expect(source.totals).toMatchObject({ servers: 2, succeeded: 1, failed: 1 });
  });

  it("times a DRS job with DRS's own times from the output, and the run up to its report", () => {
    expect(source.jobs).toEqual([
      {
        wave: 1,
        accountId: '111111111111',
        jobId: 'drsjob-1',
        servers: 2,
        startTime: at(1),
        endTime: at(40),
      },
    ]);
    expect(source.execution).toMatchObject({ outcome: 'partial', durationSeconds: 42 * 60, name: 'run-1' });
    expect(source.startedBy).toEqual({ ticketId: 'CHG-1', correlationId: 'run-1' });
    expect(source.title).toBe('drill DR-Wave=1');
  });

  it('escapes what came from tags and names, and prints the SHA-256 of the exact source text', () => {
    const text = JSON.stringify(source, null, 2);
    const html = renderReportHtml(source, text);
    expect(html).not.toContain('<b>web</b>');
    expect(html).toContain('Name=&lt;b&gt;web&lt;/b&gt;');
    expect(html).toContain(createHash('sha256').update(text).digest('hex'));
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('says why Step Functions SUCCEEDED sits beside a partial outcome, and does not call a single action a wave', () => {
    expect(source.execution).toMatchObject({ status: 'SUCCEEDED', outcome: 'partial' });
    expect(source.execution.statusNote).toBe(
      'Step Functions says SUCCEEDED because the workflow itself ran to its end; the outcome is partial because 1 of 2 servers did not recover',
    );
    const html = renderReportHtml(source, JSON.stringify(source));
    expect(html).toContain('<small class="note" id="status-note">Step Functions says SUCCEEDED because');
    expect(html).not.toMatch(/Wave 1|<th>Wave<\/th>|id="waves"/);
    expect(html).toContain('Started by</dt><dd>not given (metadata.initiatedBy)');
  });

  it('keeps the recovery point, data loss and health a result carries', () => {
    const [row] = serversOfOutput(1, {
      recoveryInstances: [
        { sourceServerId: 's-9', recoveryPointTime: T0, dataLossSeconds: 42, health: 'passed' },
      ],
    });
    expect(row).toMatchObject({
      recoveryPointTime: T0,
      dataLossSeconds: 42,
      health: 'passed',
      outcome: 'succeeded',
    });
  });
});
