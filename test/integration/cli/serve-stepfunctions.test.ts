import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { assertOrchestrationOutput } from '../../../src/contract/index.js';
import { generateFleet } from '../../../src/emulator/fleet/generate.js';
import { startServeProcess, stopServeProcesses } from '../../_helpers/serve-process.js';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main';

afterEach(stopServeProcesses);

const serve = startServeProcess;

/** The 14.2 script's "wait and check result", with DescribeExecution instead of `sleep 300`. */
async function waitForEnd(sfn: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  for (;;) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('drs-orch serve hosts the Step Functions API (design 14.2 script)', () => {
  it('runs the status check and the single-server drill started with the SFN client', async () => {
    const { child, endpoint } = await serve(['--fleet', 'demo', '--time-scale', '600']);
    const sfn = new SFNClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });

    // Test 1: Status check (non-destructive)
    const status = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: STATE_MACHINE_ARN,
        input: JSON.stringify({ action: 'status', tags: { 'DR-Wave': '1' } }),
      }),
    );
    // Test 2: Single server drill
    const drill = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: STATE_MACHINE_ARN,
        input: JSON.stringify({ action: 'drill', tags: { 'DR-Test': 'single' }, options: { isDrill: true } }),
      }),
    );
    // Wait and check result
    const statusDone = await waitForEnd(sfn, status.executionArn ?? '');
    const drillDone = await waitForEnd(sfn, drill.executionArn ?? '');
    const instances = (await (await fetch(`${endpoint}/_emulator/instances`)).json()) as {
      instances: { isDrill: boolean }[];
    };
    // What `aws s3 ls s3://<bucket>/ --recursive` shows: the reports the workflows wrote.
    const s3 = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: 'drs-orchestration-results-123456789012' }),
    );
    const reports = (listed.Contents ?? []).map((o) => o.Key ?? '').filter((k) => k.endsWith('/report.html'));
    sfn.destroy();
    s3.destroy();
    child.kill('SIGTERM');

    expect(reports).toHaveLength(2);
    expect(status.executionArn).toMatch(
      /^arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main:/,
    );
    expect(statusDone.status).toBe('SUCCEEDED');
    const statusOutput: unknown = JSON.parse(statusDone.output ?? 'null');
    assertOrchestrationOutput(statusOutput);
    expect(statusOutput.action).toBe('status');
    expect(statusOutput.summary.totalServers).toBeGreaterThan(1);
    expect(drillDone.status).toBe('SUCCEEDED');
    const drillOutput: unknown = JSON.parse(drillDone.output ?? 'null');
    assertOrchestrationOutput(drillOutput);
    // The message names the failed servers when a loaded machine lets a drill time out.
    expect(drillOutput, JSON.stringify(drillOutput.failedServers)).toMatchObject({
      status: 'success',
      action: 'drill',
    });
    expect(drillOutput.summary).toMatchObject({ totalServers: 1, succeeded: 1, failed: 0 });
    expect(drillOutput.recoveryInstances).toHaveLength(1);
    expect(instances.instances.filter((i) => i.isDrill)).toHaveLength(1);
    expect(reports).toContain(
      `${(drillOutput.reportLocation ?? '').replace('s3://drs-orchestration-results-123456789012/', '')}`,
    );
  }, 120_000);

  it('drills a fleet with staging accounts in two Regions, started with the SFN client (issue 15)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drs-two-regions-'));
    const fleetFile = join(dir, 'fleet.json');
    writeFileSync(
      fleetFile,
      JSON.stringify(
        generateFleet({ accounts: 2, serversPerAccount: 8, regions: ['us-east-2', 'us-west-2'], seed: 5 }),
      ),
    );
    const { child, endpoint } = await serve(['--fleet', fleetFile, '--time-scale', '600']);
    const sfn = new SFNClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });

    const drill = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: STATE_MACHINE_ARN,
        input: JSON.stringify({ action: 'drill', tags: { 'DR-Wave': '1' }, options: { isDrill: true } }),
      }),
    );
    const done = await waitForEnd(sfn, drill.executionArn ?? '');
    sfn.destroy();
    child.kill('SIGTERM');

    expect(done.status).toBe('SUCCEEDED');
    const out: unknown = JSON.parse(done.output ?? 'null');
    assertOrchestrationOutput(out);
    expect(out, JSON.stringify(out.failedServers)).toMatchObject({ status: 'success', action: 'drill' });
    expect(out.stagingAccountResults.map((r) => `${r.accountId}@${r.region}`).sort()).toEqual([
      '111111111111@us-east-2',
      '222222222222@us-west-2',
    ]);
  }, 120_000);
});
