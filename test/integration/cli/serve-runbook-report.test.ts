/// <reference lib="dom" />
/**
 * The report of a whole runbook, deployed: the waves state machine hosted by `drs-orch serve`'s
 * Step Functions API (real SDK over HTTP), an approval answered with SendTaskSuccess, and the
 * workflow's own WriteRunbookReport task reading the execution's history through that API and
 * writing report.json and report.html to the results bucket. Every end leaves its report: a
 * success, a rejection, a failed wave, and the workflow's own validation failures (which still end
 * the execution FAILED with ValidationError). One report is opened in headless Chromium from Debian.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReportSource } from '../../../src/report/index.js';
import {
  RESULTS_BUCKET as BUCKET,
  executionEnd,
  stopWorkflowsWorlds,
  APPROVAL_TOPIC as TOPIC,
  WAVES_ARN as WAVES,
  waitingToken,
  workflowsWorld,
} from '../../_helpers/workflows-emulator.js';

/** A day of virtual time: the approval must not time out while a loaded machine answers it. */
const APPROVAL = { topicArn: TOPIC, timeoutSeconds: 86_400 };

const THREE_WAVES = {
  action: 'drill',
  approval: APPROVAL,
  metadata: { correlationId: 'rb-report-1', ticketId: 'CHG-9', initiatedBy: 'ops@example.com' },
  waves: [
    { name: 'databases', tags: { 'DR-Wave': '1', 'DR-Application': 'Connectors' }, rtoTargetMinutes: 120 },
    {
      name: 'application',
      tags: { 'DR-Wave': '1', 'DR-Application': 'HealthEdge' },
      approval: true,
      rtoTargetMinutes: 120,
    },
    { name: 'web', tags: { 'DR-Wave': '1', 'DR-Application': 'HRP' }, rtoTargetMinutes: 1 },
  ],
};

async function object(s3: S3Client, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await got.Body?.transformToString('utf8')) ?? '';
}

/** The runbook's report next to the `reportLocation` of its output (report.json beside report.html). */
async function reportOf(
  s3: S3Client,
  output: { reportLocation?: string | undefined },
): Promise<{ html: string; json: string; source: ReportSource }> {
  const key = String(output.reportLocation).replace(`s3://${BUCKET}/`, '');
  const html = await object(s3, key);
  const json = await object(s3, key.replace(/report\.html$/, 'report.json'));
  return { html, json, source: JSON.parse(json) as ReportSource };
}

async function start(sfn: SFNClient, input: unknown, name: string): Promise<string> {
  const { executionArn = '' } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: WAVES, name, input: JSON.stringify(input) }),
  );
  return executionArn;
}

/** Starts a runbook that needs no answer and waits for its end. */
async function run(
  sfn: SFNClient,
  input: unknown,
  name: string,
): Promise<{ executionArn: string; done: DescribeExecutionCommandOutput }> {
  const executionArn = await start(sfn, input, name);
  return { executionArn, done: await executionEnd(sfn, executionArn) };
}

/** Two one-server waves, the second one as given. */
function twoWaves(second: Record<string, unknown>): unknown {
  return { action: 'drill', waves: [{ name: 'single', tags: { 'DR-Test': 'single' } }, second] };
}

afterEach(stopWorkflowsWorlds);

describe('drs-orch serve: the whole runbook report written by the waves workflow', () => {
  it('three waves with an approval: the bucket holds the runbook report with every wave, the approval, all servers, accounts and jobs', async () => {
    const { sfn, s3 } = await workflowsWorld();
    const executionArn = await start(sfn, THREE_WAVES, 'rb-report-run-1');
    const token = await waitingToken(sfn, executionArn);
    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: token,
        output: JSON.stringify({ approved: true, approvedBy: 'alice', comment: 'databases verified' }),
      }),
    );
    const done = await executionEnd(sfn, executionArn);

    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output ?? '{}') as {
      status: string;
      reportLocation?: string;
      waves: Record<string, { summary: { totalServers: number } }>;
      lastWaveOutput: { reportLocation?: string };
    };
    expect(output.status).toBe('success');
    expect(output.reportLocation).toBe(`s3://${BUCKET}/results/rb-report-1/rb-report-run-1/report.html`);
    const { html, json, source } = await reportOf(s3, output);

    expect(source.kind).toBe('runbook');
    expect(source.gaps).toEqual([]);
    expect(source.execution).toMatchObject({ arn: executionArn, outcome: 'success', status: 'SUCCEEDED' });
    expect(source.startedBy).toMatchObject({ correlationId: 'rb-report-1', ticketId: 'CHG-9' });
    expect(source.waves.map((w) => [w.name, w.status])).toEqual([
      ['databases', 'success'],
      ['application', 'success'],
      ['web', 'success'],
    ]);
    for (const w of source.waves) {
      expect(Date.parse(w.endTime ?? '')).toBeGreaterThan(Date.parse(w.startTime ?? ''));
      expect(w.durationSeconds).toBeGreaterThan(0);
    }
    // In order: each wave starts after the one before it ended.
    expect(Date.parse(source.waves[1]?.startTime ?? '')).toBeGreaterThanOrEqual(
      Date.parse(source.waves[0]?.endTime ?? ''),
    );
    expect(source.waves.map((w) => w.rtoMet)).toEqual([true, true, false]);
    expect(source.waves[1]?.approval).toMatchObject({
      decision: 'approved',
      by: 'alice',
      comment: 'databases verified',
    });
    expect(Date.parse(source.waves[1]?.approval?.decidedAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(source.waves[1]?.approval?.requestedAt ?? ''),
    );
    expect(source.waves[0]?.approval).toBeUndefined();
    // Every server of every wave.
    const perWave = Object.values(output.waves).map((w) => w.summary.totalServers);
    expect(perWave.every((n) => n > 0)).toBe(true);
    expect(source.totals.servers).toBe(perWave.reduce((a, b) => a + b, 0));
    expect(source.servers).toHaveLength(source.totals.servers);
    expect(source.waves.map((w) => w.totals.servers)).toEqual(perWave);
    // Accounts and DRS jobs, each with a start and an end, in every wave.
    for (const n of [1, 2, 3]) {
      const accounts = source.accounts.filter((a) => a.wave === n);
      const jobs = source.jobs.filter((j) => j.wave === n);
      expect(accounts.length).toBeGreaterThan(0);
      expect(jobs.length).toBeGreaterThan(0);
      expect(jobs.reduce((sum, j) => sum + j.servers, 0)).toBe(perWave[n - 1]);
    }
    for (const x of [...source.accounts, ...source.jobs]) {
      expect(Date.parse(x.endTime ?? '')).toBeGreaterThan(Date.parse(x.startTime));
    }
    // The page is rendered from exactly the stored source and prints its digest.
    expect(html).toContain(
      `<span class="digest" id="digest">${createHash('sha256').update(json).digest('hex')}</span>`,
    );

    // Each wave's main execution wrote its own report, with its input as given (read with
    // DescribeExecution of its own execution through the Step Functions API).
    const last = await reportOf(s3, { reportLocation: output.lastWaveOutput.reportLocation });
    expect(last.source.kind).toBe('action');
    expect(last.source.gaps).toEqual([]);
    expect(last.source.input).toMatchObject({ action: 'drill', tags: THREE_WAVES.waves[2]?.tags });

    // What a person sees: the timeline's bars, no console error, nothing fetched.
    const dir = await mkdtemp(join(tmpdir(), 'drs-runbook-report-'));
    const file = join(dir, 'report.html');
    await writeFile(file, html);
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith('file://')) requests.push(r.url());
      });
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      expect(await page.locator('tr.wave').count()).toBe(3);
      expect(await page.locator('rect[data-kind="wave"]').count()).toBe(3);
      expect(await page.locator('rect[data-kind="approval"]').count()).toBe(1);
      expect(await page.locator('rect[data-kind="account"]').count()).toBe(source.accounts.length);
      expect(await page.locator('rect[data-kind="job"]').count()).toBe(source.jobs.length);
      const widths = await page
        .locator('rect.bar')
        .evaluateAll((rs) => rs.map((r) => r.getBoundingClientRect().width));
      expect(widths.every((w) => w > 0)).toBe(true);
      expect(await page.locator('tr.wave').nth(1).textContent()).toContain('databases verified');
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
    sfn.destroy();
    s3.destroy();
  }, 240_000);

  it('a rejected runbook leaves its report: who rejected, when and why, and the waves not run', async () => {
    const { sfn, s3 } = await workflowsWorld();
    const executionArn = await start(
      sfn,
      {
        action: 'drill',
        approval: APPROVAL,
        waves: [
          { name: 'single', tags: { 'DR-Test': 'single' }, approval: true },
          { name: 'after', tags: { 'DR-Test': 'single' } },
        ],
      },
      'rb-report-rejected',
    );
    const token = await waitingToken(sfn, executionArn);
    await sfn.send(
      new SendTaskFailureCommand({
        taskToken: token,
        error: 'ApprovalRejected',
        cause: JSON.stringify({
          rejectedBy: 'bob',
          at: '2025-01-06T09:05:00.000Z',
          comment: 'change freeze',
        }),
      }),
    );
    const done = await executionEnd(sfn, executionArn);

    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output ?? '{}') as { status: string; reportLocation?: string };
    expect(output.status).toBe('rejected');
    // No correlation id given: the execution name keys the prefix.
    expect(output.reportLocation).toBe(
      `s3://${BUCKET}/results/rb-report-rejected/rb-report-rejected/report.html`,
    );
    const { source } = await reportOf(s3, output);
    expect(source.execution.outcome).toBe('rejected');
    expect(source.gaps).toEqual([]);
    expect(source.waves.map((w) => w.status)).toEqual(['not run', 'not run']);
    expect(source.waves[0]?.approval).toMatchObject({
      decision: 'rejected',
      by: 'bob',
      comment: 'change freeze',
    });
    expect(source.waves[0]?.approval?.requestedAt).toBeDefined();
    expect(source.totals).toMatchObject({ servers: 0, waves: 2, wavesRun: 0 });
    sfn.destroy();
    s3.destroy();
  }, 120_000);

  it('a failed runbook leaves its report: the wave that ran with its servers, the wave that failed with its error', async () => {
    const { sfn, s3 } = await workflowsWorld();
    const { done } = await run(
      sfn,
      // Refused by the main workflow's validation: its execution fails, and so does the wave.
      twoWaves({ name: 'broken', tags: { 'DR-Test': 'single' }, options: { parallelism: 'lots' } }),
      'rb-report-failed',
    );

    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output ?? '{}') as { status: string; reportLocation?: string };
    expect(output.status).toBe('failed');
    const { source } = await reportOf(s3, output);
    expect(source.execution.outcome).toBe('failed');
    expect(source.gaps).toEqual([]);
    expect(source.waves.map((w) => w.status)).toEqual(['success', 'failed']);
    expect(source.waves[1]?.message).toMatch(/parallelism/);
    expect(source.servers).toHaveLength(1);
    expect(source.accounts.filter((a) => a.wave === 1)).toHaveLength(1);
    expect(source.jobs.filter((j) => j.wave === 1)).toHaveLength(1);
    sfn.destroy();
    s3.destroy();
  }, 120_000);

  it("a wave 2 that asks for approval without /approval: wave 1 runs, the execution fails with ValidationError as before, and its report names wave 1's servers and the failure", async () => {
    const { sfn, s3 } = await workflowsWorld();
    const { executionArn, done } = await run(
      sfn,
      // Started without the CLI's checks: nothing asks whether /approval is there until wave 2.
      twoWaves({ name: 'gated', tags: { 'DR-Test': 'single' }, approval: true }),
      'rb-report-no-approval',
    );

    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('ValidationError');
    expect(done.cause).toBe(
      'invalid input: a wave asks for approval but /approval (topicArn, timeoutSeconds) is missing',
    );
    // Wave 1's servers, from its main execution's output as the waves execution received it.
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const waveOutputs = (history.events ?? [])
      .filter(
        (e) =>
          e.type === 'TaskSucceeded' && e.taskSucceededEventDetails?.resource === 'startExecution.sync:2',
      )
      .map(
        (e) =>
          (
            JSON.parse(e.taskSucceededEventDetails?.output ?? '{}') as {
              Output: { recoveryInstances: { sourceServerId: string; ec2InstanceId: string }[] };
            }
          ).Output,
      );
    expect(waveOutputs).toHaveLength(1);
    const wave1 = waveOutputs[0]?.recoveryInstances ?? [];
    expect(wave1).toHaveLength(1);

    // No output (the execution failed): the report sits under the execution's results prefix.
    const { html, json, source } = await reportOf(s3, {
      reportLocation: `s3://${BUCKET}/results/rb-report-no-approval/rb-report-no-approval/report.html`,
    });
    expect(source.kind).toBe('runbook');
    expect(source.gaps).toEqual([]);
    expect(source.execution).toMatchObject({
      arn: executionArn,
      status: 'FAILED',
      outcome: 'failed',
      reason: done.cause,
    });
    expect(source.waves.map((w) => [w.name, w.status])).toEqual([
      ['single', 'success'],
      ['gated', 'not run'],
    ]);
    expect(source.servers.map((s) => [s.wave, s.sourceServerId, s.instanceId, s.outcome])).toEqual([
      [1, wave1[0]?.sourceServerId, wave1[0]?.ec2InstanceId, 'succeeded'],
    ]);
    expect(source.totals).toMatchObject({ servers: 1, waves: 2, wavesRun: 1 });
    expect(html).toContain(createHash('sha256').update(json).digest('hex'));
    expect(html).toContain('/approval (topicArn, timeoutSeconds) is missing');
    sfn.destroy();
    s3.destroy();
  }, 120_000);

  it('an empty waves list fails with ValidationError as before, and still leaves its report', async () => {
    const { sfn, s3 } = await workflowsWorld();
    const { executionArn, done } = await run(
      sfn,
      { action: 'drill', waves: [], metadata: { correlationId: 'rb-empty', ticketId: 'CHG-10' } },
      'rb-report-no-waves',
    );

    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('ValidationError');
    expect(done.cause).toBe('invalid input: /waves must hold at least one wave');
    const { source } = await reportOf(s3, {
      reportLocation: `s3://${BUCKET}/results/rb-empty/rb-report-no-waves/report.html`,
    });
    expect(source.execution).toMatchObject({
      arn: executionArn,
      status: 'FAILED',
      outcome: 'failed',
      reason: done.cause,
    });
    expect(source.startedBy).toMatchObject({ correlationId: 'rb-empty', ticketId: 'CHG-10' });
    expect(source.gaps).toEqual([]);
    expect(source.waves).toEqual([]);
    expect(source.totals).toMatchObject({ servers: 0, waves: 0, wavesRun: 0 });
    sfn.destroy();
    s3.destroy();
  }, 120_000);
});
