/**
 * One run, one evidence model: an execution hosted by `drs-orch serve` (the deployed path: the
 * workflow's own write-report task builds report.json from its histories) and the report the CLI
 * builds of the same execution from the histories it follows (src/cli/reports.ts, as on `--target
 * sfn` when the workflow's report is missing) carry the same facts, field by field.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { RunRecord, recordReport } from '../../../src/cli/reports.js';
import { ExecutionFollower } from '../../../src/cli/targets/sfn-follow.js';
import type { ReportSource } from '../../../src/report/index.js';
import {
  RESULTS_BUCKET as BUCKET,
  executionEnd,
  stopWorkflowsWorlds,
  WAVES_ARN,
  workflowsWorld,
} from '../../_helpers/workflows-emulator.js';

const MAIN_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main';

afterEach(stopWorkflowsWorlds);

async function object(s3: S3Client, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await got.Body?.transformToString('utf8')) ?? '';
}

/** Runs `input` on a state machine of serve to its end; the workflow's own report.json. */
async function deployedRun(
  sfn: SFNClient,
  s3: S3Client,
  stateMachineArn: string,
  input: unknown,
  name: string,
): Promise<{ executionArn: string; deployed: ReportSource }> {
  const { executionArn = '' } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
  );
  const done = await executionEnd(sfn, executionArn);
  expect(done.status).toBe('SUCCEEDED');
  const output = JSON.parse(done.output ?? '{}') as { reportLocation?: string };
  const key = String(output.reportLocation).replace(`s3://${BUCKET}/`, '');
  const deployed = JSON.parse(await object(s3, key.replace(/report\.html$/, 'report.json'))) as ReportSource;
  return { executionArn, deployed };
}

/** The report the CLI builds of the same execution from the histories its follower reads. */
async function cliReport(
  sfn: SFNClient,
  s3: S3Client,
  executionArn: string,
  kind: 'action' | 'runbook',
  generatedAt: string,
): Promise<ReportSource> {
  const record = new RunRecord();
  const follower = new ExecutionFollower({
    client: sfn,
    rootArn: executionArn,
    rootMachine: kind === 'runbook' ? 'waves' : 'main',
    onEvent: () => {},
    onHistory: record.onHistory,
  });
  for (let i = 0; i < 20 && !(follower.ended && follower.settled); i++) await follower.poll();
  expect(follower.ended).toBe(true);
  const cwd = await mkdtemp(join(tmpdir(), 'evidence-parity-'));
  const written = await recordReport(
    record,
    { kind, generatedAt },
    cwd,
    {
      fetchResult: async (location) =>
        JSON.parse(await object(s3, location.replace(`s3://${BUCKET}/`, ''))) as unknown,
    },
    () => {},
  );
  expect(written).toBeDefined();
  return JSON.parse(await readFile(join(cwd, written?.json ?? ''), 'utf8')) as ReportSource;
}

describe('one evidence model: the deployed report and the CLI report of one run', () => {
  it('a drill hosted by serve: the write-report task and the CLI build the same report.json, field by field', async () => {
    const { sfn, s3 } = await workflowsWorld();
    const input = {
      action: 'drill',
      tags: { 'DR-Wave': '1', 'DR-Application': 'Connectors' },
      metadata: { correlationId: 'parity-1', initiatedBy: 'ops@example.com', ticketId: 'CHG-1' },
    };
    const { executionArn, deployed } = await deployedRun(sfn, s3, MAIN_ARN, input, 'parity-run-1');
    const local = await cliReport(sfn, s3, executionArn, 'action', deployed.generatedAt);

    expect(deployed.gaps).toEqual([]);
    expect(deployed.servers.length).toBeGreaterThan(0);
    expect(deployed.jobs.length).toBeGreaterThan(0);
    expect(deployed.waves[0]?.steps?.map((s) => s.step)).toEqual(
      expect.arrayContaining(['discover', 'batches', 'accounts', 'aggregate', 'health checks']),
    );
    for (const key of Object.keys(deployed) as (keyof ReportSource)[]) {
      expect({ [key]: local[key] }).toEqual({ [key]: deployed[key] });
    }
    expect(Object.keys(local).sort()).toEqual(Object.keys(deployed).sort());
  });

  it('a two-wave runbook hosted by serve: the write-runbook-report task and the CLI build the same report.json', async () => {
    const { sfn, s3 } = await workflowsWorld();
    const input = {
      name: 'parity runbook',
      description: 'two waves, compared',
      action: 'drill',
      metadata: { correlationId: 'parity-2', initiatedBy: 'ops@example.com' },
      waves: [
        { name: 'databases', tags: { 'DR-Wave': '1', 'DR-Application': 'Connectors' } },
        { name: 'single', tags: { 'DR-Test': 'single' } },
      ],
    };
    const { executionArn, deployed } = await deployedRun(sfn, s3, WAVES_ARN, input, 'parity-run-2');
    const local = await cliReport(sfn, s3, executionArn, 'runbook', deployed.generatedAt);

    expect(deployed.gaps).toEqual([]);
    expect(deployed.description).toBe('two waves, compared');
    expect(deployed.waves.map((w) => w.status)).toEqual(['success', 'success']);
    for (const key of Object.keys(deployed) as (keyof ReportSource)[]) {
      expect({ [key]: local[key] }).toEqual({ [key]: deployed[key] });
    }
    expect(Object.keys(local).sort()).toEqual(Object.keys(deployed).sort());
  });
});
