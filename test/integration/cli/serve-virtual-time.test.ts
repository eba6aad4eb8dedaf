/**
 * Virtual time on `drs-orch serve` follows the work, not the wall clock: a busy server slows it
 * down instead of timing out work it had no chance to do (a time scale never changes a result),
 * and a move of the clock by hand reaches the timeouts of waiting executions.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { runConcurrentDrills } from '../../_helpers/concurrent-drills.js';
import { stopServeProcesses } from '../../_helpers/serve-process.js';
import {
  executionEnd,
  stopWorkflowsWorlds,
  APPROVAL_TOPIC as TOPIC,
  WAVES_ARN as WAVES,
  waitingToken,
  workflowsWorld,
} from '../../_helpers/workflows-emulator.js';

afterEach(async () => {
  stopServeProcesses();
  await stopWorkflowsWorlds();
});

describe('drs-orch serve: virtual time cannot outrun a busy server', () => {
  it('runs 10 concurrent 4-server drills at the default time scale with every server recovered, none timed out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drs-orch-concurrent-'));

    const outcomes = await runConcurrentDrills({ executions: 10, serversPerExecution: 4, dir });

    // What every one of them gives at x100 (and in discrete time): all four servers launched.
    expect(outcomes).toHaveLength(10);
    for (const outcome of outcomes) {
      expect(outcome).toMatch(
        /^SUCCEEDED success totalServers=4,succeeded=4,failed=0,skipped=0,timedOut=0 recovered=\[s-\w+,s-\w+,s-\w+,s-\w+\] failed=\[\]$/,
      );
    }
  }, 240_000);

  it('times out an approval with a 7-day timeout once the clock is moved 8 days ahead', async () => {
    const { sfn, endpoint } = await workflowsWorld();
    const input = {
      action: 'drill',
      approval: { topicArn: TOPIC, timeoutSeconds: 7 * 86_400 },
      waves: [{ name: 'single', tags: { 'DR-Test': 'single' }, approval: true }],
    };
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: WAVES, input: JSON.stringify(input) }),
    );
    await waitingToken(sfn, executionArn);

    const moved = await fetch(`${endpoint}/_emulator/time/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ minutes: 8 * 24 * 60 }),
    });
    expect(moved.status).toBe(200);
    // At x600 the 7 days would otherwise last 17 wall minutes: the test's timeout is far shorter.
    const done = await executionEnd(sfn, executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '{}')).toMatchObject({
      status: 'timeout',
      wavesRun: 0,
      stoppedAtWave: 1,
      reason: 'no approval decision before the timeout',
    });
    sfn.destroy();
  }, 60_000);
});
