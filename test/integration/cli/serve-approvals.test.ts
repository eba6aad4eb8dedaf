/**
 * Approving a waiting waves execution on `drs-orch serve`'s Step Functions API with the real SFN
 * client (what `aws stepfunctions send-task-success` sends) and with `drs-orch approve`, plus the
 * errors Step Functions gives for tokens that are malformed, unknown or already answered.
 */
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import {
  executionEnd,
  stopWorkflowsWorlds,
  APPROVAL_TOPIC as TOPIC,
  WAVES_ARN as WAVES,
  waitingToken,
  workflowsWorld,
} from '../../_helpers/workflows-emulator.js';
import { Capture } from '../../unit/cli/fakes.js';

const INPUT = {
  action: 'drill',
  // A day of virtual time (2.4 wall minutes at x600): the approval must not time out while a loaded
  // machine is slow to answer it (an hour was 6 wall seconds).
  approval: { topicArn: TOPIC, timeoutSeconds: 86_400 },
  waves: [{ name: 'single', tags: { 'DR-Test': 'single' }, approval: true }],
};

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

afterEach(stopWorkflowsWorlds);

describe('drs-orch serve: approving a waiting waves execution', () => {
  it('waits for the approval, then SendTaskSuccess lets the wave run and the decision stays in the output', async () => {
    const { sfn } = await workflowsWorld();
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: WAVES, input: JSON.stringify(INPUT) }),
    );
    const token = await waitingToken(sfn, executionArn);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    const output = JSON.stringify({ approved: true, approvedBy: 'alice', comment: 'go' });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output }));
    const done = await executionEnd(sfn, executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '{}')).toMatchObject({
      status: 'success',
      waves: {
        wave1: { name: 'single', status: 'success', approval: { approvedBy: 'alice', comment: 'go' } },
      },
    });
    // The token is spent: Step Functions answers TaskTimedOut for a closed task.
    expect(await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })))).toMatch(
      /^TaskTimedOut: /,
    );
    sfn.destroy();
  }, 60_000);

  it('answers malformed, unknown and bad-output calls with the errors of the Step Functions model', async () => {
    const { sfn } = await workflowsWorld();
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: WAVES, input: JSON.stringify(INPUT) }),
    );
    const token = await waitingToken(sfn, executionArn);

    expect(
      await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: 'not a token', output: '{}' }))),
    ).toMatch(/^InvalidToken: /);
    expect(
      await errorOf(sfn.send(new SendTaskFailureCommand({ taskToken: 'A'.repeat(64), error: 'X' }))),
    ).toMatch(/^TaskDoesNotExist: /);
    expect(await errorOf(sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'B'.repeat(64) })))).toMatch(
      /^TaskDoesNotExist: /,
    );
    expect(
      await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{not json' }))),
    ).toMatch(/^InvalidOutput: /);
    expect(await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: '', output: '{}' })))).toMatch(
      /^ValidationException: /,
    );
    // None of those answered it: it still waits.
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    sfn.destroy();
  }, 60_000);

  it('drs-orch approve --reject stops the runbook with the rejection, who and why in the output', async () => {
    const { sfn, endpoint } = await workflowsWorld();
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: WAVES, input: JSON.stringify(INPUT) }),
    );
    await waitingToken(sfn, executionArn);
    const stderr = new Capture();
    const code = await main(
      [
        'approve',
        executionArn,
        '--reject',
        '--comment',
        'change freeze',
        '--by',
        'bob',
        '--endpoint',
        endpoint,
      ],
      {
        stdout: new Capture(),
        stderr,
        env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
        isTTY: false,
      },
    );
    const done = await executionEnd(sfn, executionArn);

    expect(code).toBe(0);
    expect(stderr.text).toContain('rejected by bob: change freeze');
    const out = JSON.parse(done.output ?? '{}') as { status: string; reason: string; wavesRun: number };
    expect(out).toMatchObject({ status: 'rejected', wavesRun: 0 });
    expect(JSON.parse(out.reason)).toMatchObject({ rejectedBy: 'bob', comment: 'change freeze' });
    // Nothing waits any more: a second answer is refused, naming why.
    const again = new Capture();
    const second = await main(['approve', executionArn, '--endpoint', endpoint], {
      stdout: new Capture(),
      stderr: again,
      env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
      isTTY: false,
    });
    expect(second).toBe(64);
    expect(again.text).toContain('is not waiting for an approval');
    sfn.destroy();
  }, 60_000);

  it('StopExecution while the approval waits closes its token: a SendTaskSuccess or heartbeat after it gets TaskTimedOut', async () => {
    const { emu, sfn } = await workflowsWorld();
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: WAVES, input: JSON.stringify(INPUT) }),
    );
    const token = await waitingToken(sfn, executionArn);

    await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Manual', cause: 'change window closed' }),
    );
    const done = await executionEnd(sfn, executionArn);

    expect(done.status).toBe('ABORTED');
    expect(
      await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }))),
    ).toMatch(/^TaskTimedOut: /);
    expect(await errorOf(sfn.send(new SendTaskHeartbeatCommand({ taskToken: token })))).toMatch(
      /^TaskTimedOut: /,
    );
    // Nothing ran: the approval was never given.
    expect(emu.drs.instances()).toHaveLength(0);
    sfn.destroy();
  }, 60_000);
});
