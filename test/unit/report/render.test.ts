import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ReportRecorder, renderReportHtml, serversOfOutput } from '../../../src/report/index.js';

const T0 = '2025-01-06T09:00:00.000Z';
const at = (minutes: number): string => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

/** A single action with one executor, one job, one launched and one failed server. */
function recorded(): ReportRecorder {
  const r = new ReportRecorder();
  const main = 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main:run-1';
  const exec = 'arn:aws:states:us-east-2:111111111111:execution:drs-orchestration-executor:x';
  r.onEvent({ type: 'ExecutionStarted', time: T0, machine: 'main', executionArn: main, input: {} });
  r.onEvent({
    type: 'ExecutionStarted',
    time: at(1),
    machine: 'executor',
    executionArn: exec,
    parentExecutionArn: main,
    accountId: '111111111111',
  });
  const job = { jobId: 'drsjob-1', serverIds: ['s-1', 's-2'] };
  r.onEvent({
    type: 'StateExited',
    time: at(1),
    machine: 'executor',
    executionArn: exec,
    state: 'StartRecovery',
    output: { run: { jobs: [job] } },
  });
  r.onEvent({
    type: 'StateExited',
    time: at(40),
    machine: 'executor',
    executionArn: exec,
    state: 'MonitorRecovery',
    output: { run: { jobs: [{ ...job, finished: true }] } },
  });
  r.onEvent({
    type: 'ExecutionSucceeded',
    time: at(41),
    machine: 'executor',
    executionArn: exec,
    output: { status: 'partial' },
  });
  r.onEvent({
    type: 'ExecutionSucceeded',
    time: at(42),
    machine: 'main',
    executionArn: main,
    output: {
      status: 'partial',
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
    },
  });
  return r;
}

describe('the evidence report', () => {
  const source = recorded().build({
    kind: 'action',
    title: 'drill DR-Wave=1',
    target: 'sim',
    input: { action: 'drill', tags: { 'DR-Wave': '1' }, metadata: { ticketId: 'CHG-1' } },
    generatedAt: at(43),
  });

  it('lists failures first whatever their names, with the reason', () => {
    expect(source.servers.map((s) => [s.name, s.outcome, s.reason])).toEqual([
      ['aa-db', 'failed', 'LaunchFailed: no capacity'],
      ['zz-web', 'succeeded', undefined],
    ]);
    expect(source.totals).toMatchObject({ servers: 2, succeeded: 1, failed: 1 });
  });

  it('times a DRS job from the poll that first saw it to the poll that saw it finished', () => {
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
  });

  it('escapes what came from tags and names, and prints the SHA-256 of the exact source text', () => {
    const text = JSON.stringify(source, null, 2);
    const html = renderReportHtml(source, text);
    expect(html).not.toContain('<b>web</b>');
    expect(html).toContain('Name=&lt;b&gt;web&lt;/b&gt;');
    expect(html).toContain(createHash('sha256').update(text).digest('hex'));
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
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
