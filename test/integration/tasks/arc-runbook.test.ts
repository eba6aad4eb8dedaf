/**
 * The ARC Region switch block's function against `drs-orch serve`'s Step Functions (the real SDK):
 * Region switch invokes it again after each retry interval until it succeeds or times out, so it
 * starts the runbook once per invocation event and answers by that execution.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../../src/aws/index.js';
import { loadLocalWorkflows } from '../../../src/cli/targets/serve-workflows.js';
import { parseRunbook, wavesInput } from '../../../src/contract/index.js';
import { type Emulator, startEmulator } from '../../../src/emulator/index.js';
import { arcExecutionName, arcRunbook } from '../../../src/tasks/arc-runbook.js';

const WAVES = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-waves';
const KEYS = { accessKeyId: 'test', secretAccessKey: 'test' };
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ fleet: 'demo', timeScale: 600, stepFunctions: await loadLocalWorkflows() });
});
afterAll(async () => {
  await emu?.stop();
});

function states() {
  return createAwsPorts({
    endpoint: emu.endpoint,
    credentials: KEYS,
    region: 'us-east-1',
    now: () => emu.clock.now(),
    sleep: async (ms) => {
      await sleep(ms / 600);
    },
  }).orchestrator.states;
}

const input = (steps: unknown[]) =>
  JSON.stringify(wavesInput(parseRunbook({ action: 'drill', waves: [{ name: 'cutover', steps }] })));

/** Invokes the block the way Region switch does: again after each "retry interval" until it succeeds or fails otherwise. */
async function invokeUntilDone(
  event: unknown,
  runbook: string,
): Promise<{ calls: number; result?: unknown; error?: Error }> {
  for (let calls = 1; calls < 200; calls++) {
    try {
      return {
        calls,
        result: await arcRunbook(event, { states: states() }, { stateMachineArn: WAVES, input: runbook }),
      };
    } catch (err) {
      if ((err as Error).name !== 'RunbookRunning') return { calls, error: err as Error };
      await sleep(50);
    }
  }
  throw new Error('the runbook never ended');
}

describe('Function: arcRunbook (ARC Region switch custom-action block)', () => {
  it('starts the runbook once for an invocation, answers RunbookRunning until it ends, then success', async () => {
    const event = { planExecution: 'exec-1', step: 'run-drs-runbook' };
    const done = await invokeUntilDone(event, input([{ name: 'settle', kind: 'wait', minutes: 10 }]));
    expect(done.error).toBeUndefined();
    expect(done.calls).toBeGreaterThan(1);
    expect(done.result).toMatchObject({
      status: 'success',
      runbookStatus: 'success',
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:${arcExecutionName(event)}`,
    });
    // Every retry found the same execution: one was started.
    const sfn = new SFNClient({ endpoint: emu.endpoint, region: 'us-east-1', credentials: KEYS });
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: WAVES }));
    expect(listed.executions?.filter((e) => e.name === arcExecutionName(event))).toHaveLength(1);
  });

  it('fails the block with RunbookFailed, the runbook status and reason, when the runbook does not succeed', async () => {
    const done = await invokeUntilDone(
      { planExecution: 'exec-2' },
      input([{ name: 'check', kind: 'lambda', function: 'no-such-function' }]),
    );
    expect(done.error?.name).toBe('RunbookFailed');
    expect(done.error?.message).toMatch(
      /ended stopped \(step check \(lambda\) failed: Lambda\.ResourceNotFoundException/,
    );
  });

  it('refuses a function configured without a runbook, naming the setting', async () => {
    await expect(
      arcRunbook({}, { states: states() }, { stateMachineArn: WAVES, input: '{}' }),
    ).rejects.toThrow('/DRS_RUNBOOK_INPUT must be the waves input of a runbook');
  });
});
