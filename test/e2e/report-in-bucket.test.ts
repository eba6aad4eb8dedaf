/**
 * The evidence report reaches the results bucket: the main workflow's WriteReport task writes the
 * HTML page and its JSON source under the execution's results prefix (read back here over the S3
 * SDK, as `aws s3 ls` would), the output names it, and the completion notification links to it. A
 * report that cannot be written never costs the run its result.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES } from '../../src/runtime/index.js';
import { output } from './helpers.js';
import { RESULTS_BUCKET, startWorld, TOPIC_ARN, type World } from './world.js';

function s3Of(world: World): S3Client {
  return new S3Client({
    endpoint: world.emu.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: world.emu.credentials,
  });
}

async function text(s3: S3Client, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: RESULTS_BUCKET, Key: key }));
  return (await got.Body?.transformToString('utf8')) ?? '';
}

describe('E2E: the evidence report in the results bucket', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('writes the report and its JSON source under the execution prefix, names it in the output and links it in the notification', async () => {
    world = await startWorld();

    const result = await world.run(
      'main',
      {
        action: 'drill',
        tags: { 'DR-Wave': '1' },
        options: { notificationArn: TOPIC_ARN },
        metadata: { correlationId: 'report-bucket-1', ticketId: 'CHG-42', initiatedBy: 'ops@example.com' },
      },
      'report-run-1',
    );

    const out = output(result.output);
    const s3 = s3Of(world);
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: RESULTS_BUCKET, Prefix: 'results/report-bucket-1/report-run-1/' }),
    );
    const keys = (listed.Contents ?? []).map((o) => o.Key).sort();
    const html = await text(s3, 'results/report-bucket-1/report-run-1/report.html');
    const source = await text(s3, 'results/report-bucket-1/report-run-1/report.json');
    const parsed = JSON.parse(source) as {
      totals: { servers: number; succeeded: number };
      startedBy: { ticketId?: string; correlationId?: string };
      servers: { jobId?: string }[];
      accounts: { accountId: string; startTime: string; endTime?: string }[];
      jobs: { accountId: string; jobId: string; servers: number; startTime: string; endTime?: string }[];
    };
    const messages = (
      (await (
        await fetch(`${world.emu.endpoint}/_emulator/sns/messages?topicArn=${encodeURIComponent(TOPIC_ARN)}`)
      ).json()) as { messages: { subject?: string; message: string }[] }
    ).messages;
    const completion = messages.find((m) => m.subject === 'DRS Orchestration success: drill');

    expect(out.status).toBe('success');
    expect(out.reportLocation).toBe(
      `s3://${RESULTS_BUCKET}/results/report-bucket-1/report-run-1/report.html`,
    );
    expect(keys.filter((k) => !/\/(accounts|work)\//.test(k ?? ''))).toEqual([
      'results/report-bucket-1/report-run-1/output.json',
      'results/report-bucket-1/report-run-1/report.html',
      'results/report-bucket-1/report-run-1/report.json',
    ]);
    // The page is rendered from exactly the stored source, and says so with its digest.
    expect(html).toContain(createHash('sha256').update(source).digest('hex'));
    expect(parsed.totals.servers).toBe(out.summary.totalServers);
    expect(parsed.totals.succeeded).toBe(out.summary.succeeded);
    expect(parsed.servers).toHaveLength(out.summary.totalServers);
    expect(parsed.startedBy).toMatchObject({ ticketId: 'CHG-42', correlationId: 'report-bucket-1' });
    // The timeline: every staging account's executor and every DRS job, each with its start and
    // end (the executors report their own times and the jobs' DRS times in their summaries).
    expect(parsed.accounts.map((a) => a.accountId).sort()).toEqual(
      out.stagingAccountResults.map((a) => a.accountId).sort(),
    );
    for (const a of parsed.accounts) {
      expect(Date.parse(a.endTime ?? '')).toBeGreaterThan(Date.parse(a.startTime));
    }
    const jobIds = [...new Set(parsed.servers.map((s) => s.jobId))].sort();
    expect(parsed.jobs.map((j) => j.jobId).sort()).toEqual(jobIds);
    expect(parsed.jobs.reduce((n, j) => n + j.servers, 0)).toBe(out.summary.totalServers);
    for (const j of parsed.jobs) {
      expect(Date.parse(j.endTime ?? '')).toBeGreaterThan(Date.parse(j.startTime));
    }
    expect(html.match(/data-kind="account"/g)).toHaveLength(parsed.accounts.length);
    expect(html.match(/data-kind="job"/g)).toHaveLength(parsed.jobs.length);
    expect(completion?.message).toContain(`Evidence report: ${out.reportLocation}`);
    expect(completion?.message).toContain(
      `https://console.aws.amazon.com/s3/object/${RESULTS_BUCKET}?region=us-east-1&bucketType=general&prefix=results%2Freport-bucket-1%2Freport-run-1%2Freport.html`,
    );
  });

  it('a report that cannot be written: the result still arrives, stored, with a warning and no reportLocation', async () => {
    // How many objects a run stores before its report (records per account, the output).
    const probe = await startWorld();
    await probe.run('main', { action: 'drill', tags: { 'DR-Test': 'single' } });
    const before = probe.emu.state.callTotal({ service: 's3', operation: 'PutObject' }) - 2;
    await probe.stop();
    world = await startWorld();
    world.emu.faults.set({
      errors: [{ service: 's3', operation: 'PutObject', status: 503, afterCalls: before, count: 1000 }],
    });

    const result = await world.run('main', {
      action: 'drill',
      tags: { 'DR-Test': 'single' },
      options: { notificationArn: TOPIC_ARN },
    });

    expect(result.status).toBe('SUCCEEDED');
    const out = output(result.output);
    expect(out.status).toBe('success');
    expect(out.summary.succeeded).toBe(1);
    expect(out.reportLocation).toBeUndefined();
    expect(out.warnings?.join('\n')).toMatch(
      new RegExp(`the evidence report could not be written to the results bucket ${RESULTS_BUCKET} \\(`),
    );
    expect(out.warnings?.join('\n')).not.toMatch(/the result could not be stored/);
  });

  it('a 130 KiB request (its metadata comes back in the output) still gets its report: no state carries the input next to the output', async () => {
    world = await startWorld();
    // 130 KiB of metadata is in the input and again in the output (metadata passes through):
    // input and output side by side in one task's parameters would be about 261 KiB.
    const notes = 'n'.repeat(130 * 1024);

    const result = await world.run(
      'main',
      {
        action: 'drill',
        tags: { 'DR-Test': 'single' },
        metadata: { correlationId: 'report-big-input', notes },
      },
      'report-big-input-1',
    );

    expect(result.error ?? '').toBe('');
    expect(result.status).toBe('SUCCEEDED');
    const out = output(result.output);
    expect(out.status).toBe('success');
    expect(out.reportLocation).toBe(
      `s3://${RESULTS_BUCKET}/results/report-big-input/report-big-input-1/report.html`,
    );
    expect(result.stats.largestPayloadBytes).toBeGreaterThan(130 * 1024);
    expect(result.stats.largestPayloadBytes).toBeLessThan(MAX_PAYLOAD_BYTES);
    const source = JSON.parse(
      await text(s3Of(world), 'results/report-big-input/report-big-input-1/report.json'),
    ) as { startedBy: { correlationId?: string } };
    expect(source.startedBy.correlationId).toBe('report-big-input');
  });

  it('a runbook run in-process (no Step Functions API hosts it) still gets its report, with the missing history named as a gap', async () => {
    world = await startWorld();

    const result = await world.run(
      'waves',
      { action: 'drill', waves: [{ name: 'single', tags: { 'DR-Test': 'single' } }] },
      'runbook-in-process',
    );

    expect(result.status).toBe('SUCCEEDED');
    const out = result.output as { status: string; reportLocation?: string };
    expect(out.status).toBe('success');
    expect(out.reportLocation).toBe(
      `s3://${RESULTS_BUCKET}/results/runbook-in-process/runbook-in-process/report.html`,
    );
    const source = JSON.parse(
      await text(s3Of(world), 'results/runbook-in-process/runbook-in-process/report.json'),
    ) as { kind: string; gaps: string[]; waves: { name: string; status: string }[] };
    expect(source.kind).toBe('runbook');
    expect(source.gaps.join('\n')).toMatch(
      /the runbook's history could not be read \(GetExecutionHistory of .*ExecutionDoesNotExist/,
    );
    // The wave's outcome still comes from the runbook's output.
    expect(source.waves).toMatchObject([{ name: 'single', status: 'success' }]);
  });

  it('a runbook report that cannot be written leaves the runbook result as it was, with a warning', async () => {
    const input = { action: 'drill', waves: [{ name: 'single', tags: { 'DR-Test': 'single' } }] };
    const probe = await startWorld();
    await probe.run('waves', input);
    // Every object a runbook stores before its own report (the wave's records, output, report).
    const before = probe.emu.state.callTotal({ service: 's3', operation: 'PutObject' }) - 2;
    await probe.stop();
    world = await startWorld();
    world.emu.faults.set({
      errors: [{ service: 's3', operation: 'PutObject', status: 503, afterCalls: before, count: 1000 }],
    });

    const result = await world.run('waves', input);

    expect(result.status).toBe('SUCCEEDED');
    const out = result.output as {
      status: string;
      reportLocation?: string;
      warnings?: string[];
      waves: unknown;
    };
    expect(out.status).toBe('success');
    expect(out.waves).toMatchObject({ wave1: { status: 'success', summary: { succeeded: 1 } } });
    expect(out.reportLocation).toBeUndefined();
    expect(out.warnings?.join('\n')).toMatch(
      new RegExp(`the evidence report could not be written to the results bucket ${RESULTS_BUCKET} \\(`),
    );
  });
});
