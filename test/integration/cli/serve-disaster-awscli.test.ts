/**
 * Disaster day on `drs-orch serve`, driven by the AWS CLI as an operator would: a failover of a
 * server whose site is gone, started with `aws stepfunctions start-execution`, succeeds and reports
 * the recovery point it used.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { assertOrchestrationOutput } from '../../../src/contract/index.js';
import { demoFleet } from '../../../src/emulator/fleet/demo.js';
import { startServeProcess, stopServeProcesses } from '../../_helpers/serve-process.js';

const run = promisify(execFile);
const MAIN = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main';

afterEach(stopServeProcesses);

async function aws(endpoint: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    'aws',
    ['--endpoint-url', endpoint, '--region', 'us-east-1', '--output', 'json', ...args],
    {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PAGER: '' },
    },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('drs-orch serve with the AWS CLI: failover of a server whose site is gone', () => {
  it('start-execution of a failover of a STALLED server succeeds with its recovery point in the output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drs-disaster-'));
    const fleetPath = join(dir, 'fleet.json');
    writeFileSync(
      fleetPath,
      JSON.stringify({ ...demoFleet(), siteOutages: [{ tags: { 'DR-Test': 'single' } }] }),
    );
    const { endpoint } = await startServeProcess(['--fleet', fleetPath, '--time-scale', '600']);

    const started = await aws(endpoint, [
      'stepfunctions',
      'start-execution',
      '--state-machine-arn',
      MAIN,
      '--input',
      JSON.stringify({ action: 'failover', tags: { 'DR-Test': 'single' } }),
    ]);
    let described: Record<string, unknown> = {};
    for (let i = 0; i < 600; i++) {
      described = await aws(endpoint, [
        'stepfunctions',
        'describe-execution',
        '--execution-arn',
        String(started.executionArn),
      ]);
      if (described.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 200));
    }

    expect(described.status).toBe('SUCCEEDED');
    const out: unknown = JSON.parse(String(described.output));
    assertOrchestrationOutput(out);
    expect(out.status).toBe('success');
    const [recovered] = out.recoveryInstances;
    expect(recovered?.status).toBe('launched');
    // The site was down from the fleet's start: the recovery point is no newer than that.
    expect(Date.parse(recovered?.recoveryPointTime ?? '')).toBeLessThanOrEqual(
      Date.parse(out.timing.startTime),
    );
    // Data loss runs from the recovery point to when the site went dark, not to the failover.
    expect(recovered?.usedPreviousSnapshot).toBe(true);
    expect(recovered?.dataLossSeconds).toBe(
      (Date.parse(recovered?.replicatedUntil ?? '') - Date.parse(recovered?.recoveryPointTime ?? '')) / 1000,
    );
    expect(out.summary.worstDataLossSeconds).toBe(recovered?.dataLossSeconds);
  });
});
