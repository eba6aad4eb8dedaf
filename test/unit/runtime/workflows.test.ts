import { describe, expect, it } from 'vitest';
import { isMapRunChild } from '../../../src/runtime/arns.js';
import { type ApprovalRequest, type RuntimeEvent, runStateMachine } from '../../../src/runtime/index.js';
import { answerApprovals, type FakeAccount, fakeEnv, serverIds } from './fake-tasks.js';

const ACCOUNTS: FakeAccount[] = [
  { accountId: '111111111111', region: 'us-east-2', serverIds: serverIds(2), polls: 1 },
];
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:approvals';

type Json = Record<string, unknown>;

function mainInputs(log: { calls: { taskId: string; event: unknown }[] }): Json[] {
  return log.calls.filter((c) => c.taskId === 'validate').map((c) => (c.event as Json).input as Json);
}

describe('Workflow: waves', () => {
  it('runs every wave in order through the main machine and reports each', async () => {
    const { env, log } = fakeEnv(ACCOUNTS);

    const result = await runStateMachine({
      machine: 'waves',
      input: {
        action: 'failover',
        options: { maxWaitMinutes: 90 },
        waves: [{ tags: { 'DR-Wave': '1' } }, { tags: { 'DR-Wave': '2' }, options: { parallelism: 10 } }],
      },
      env,
      name: 'waves-1',
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({
      status: 'success',
      action: 'failover',
      totalWaves: 2,
      wavesRun: 2,
      nextPhaseReady: true,
      waves: { wave1: { status: 'success', nextPhaseReady: true }, wave2: { status: 'success' } },
      lastWaveOutput: { status: 'success' },
    });
    const inputs = mainInputs(log);
    expect(inputs.map((i) => i.tags)).toEqual([{ 'DR-Wave': '1' }, { 'DR-Wave': '2' }]);
    expect(inputs[1]?.options).toEqual({ maxWaitMinutes: 90, parallelism: 10 });
    expect(inputs[0]?.metadata).toEqual({ correlationId: 'waves-1', parentExecutionId: result.executionArn });
    expect(
      result.stats.executions.filter((e) => e.machine === 'main' && !isMapRunChild(e.executionArn)),
    ).toHaveLength(2);
  });

  it('stops after a wave that is not ready for the next phase', async () => {
    const accounts: FakeAccount[] = [{ ...(ACCOUNTS[0] as FakeAccount), failWith: 'DRSServiceError' }];
    const { env, log } = fakeEnv(accounts);

    const result = await runStateMachine({
      machine: 'waves',
      input: { action: 'drill', waves: [{ tags: { w: '1' } }, { tags: { w: '2' } }] },
      env,
    });

    expect(result.output).toMatchObject({
      status: 'stopped',
      wavesRun: 1,
      stoppedAtWave: 1,
      nextPhaseReady: false,
    });
    expect(mainInputs(log)).toHaveLength(1);
  });

  it('reports partial, not success, for a runbook whose waves all ran when one of them was partial', async () => {
    // Wave 1 ends partial but ready (continueOnFailure: some servers failed, the rest launched).
    const aggregate = (event: Json): unknown => {
      const request = event.request as Json;
      const partial = (request.tags as Json).w === '1';
      return {
        output: {
          status: partial ? 'partial' : 'success',
          action: request.action,
          summary: { totalServers: 2, succeeded: partial ? 1 : 2, failed: partial ? 1 : 0, skipped: 0 },
          nextPhaseReady: true,
        },
      };
    };
    const run = async (tags: string[]): Promise<Json> => {
      const { env } = fakeEnv(ACCOUNTS, { overrides: { aggregate } });
      const result = await runStateMachine({
        machine: 'waves',
        input: { action: 'drill', waves: tags.map((w) => ({ tags: { w } })) },
        env,
      });
      expect(result.status).toBe('SUCCEEDED');
      return result.output as Json;
    };

    expect(await run(['1', '2'])).toMatchObject({
      status: 'partial',
      wavesRun: 2,
      nextPhaseReady: true,
      waves: { wave1: { status: 'partial' }, wave2: { status: 'success' } },
    });
    // The flag is the runbook's, not the last wave's: a partial last wave counts too, and none is success.
    expect(await run(['2', '1'])).toMatchObject({ status: 'partial', wavesRun: 2 });
    expect(await run(['2', '2'])).toMatchObject({ status: 'success', wavesRun: 2 });
  });

  it('pauses for approval with the exact commands and one task token, then continues', async () => {
    const requests: ApprovalRequest[] = [];
    const events: RuntimeEvent[] = [];
    const { env, log } = fakeEnv(ACCOUNTS);

    const result = await runStateMachine({
      machine: 'waves',
      input: {
        action: 'failover',
        approval: { topicArn: TOPIC, timeoutSeconds: 3600 },
        waves: [{ tags: { w: '1' } }, { tags: { w: '2' }, approval: true }],
      },
      env,
      onEvent: answerApprovals(
        (request) => {
          requests.push(request);
          return { kind: 'success', output: { approved: true } };
        },
        (e) => events.push(e),
      ),
    });

    expect(result.output).toMatchObject({ status: 'success', wavesRun: 2 });
    expect(requests).toHaveLength(1);
    const [request] = requests;
    const token = request?.token ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect(request?.message).toContain(
      `aws stepfunctions send-task-success --task-token ${token} --task-output '{"approved":true}'`,
    );
    expect(request?.message).toContain(
      `aws stepfunctions send-task-failure --task-token ${token} --error ApprovalRejected`,
    );
    // What an operator needs: the previous wave's result and the drs-orch command too.
    expect(request?.message).toContain('Results of the waves so far: {"wave1":{"status":"success"');
    expect(request?.message).toMatch(
      /drs-orch approve arn:aws:states:[a-z0-9-]+:\d{12}:execution:drs-orchestration-waves:/,
    );
    expect(log.published).toEqual([
      expect.objectContaining({
        topicArn: TOPIC,
        subject: 'DRS orchestration: approve wave 2 of 2 (unnamed, failover)',
        attributes: { TaskToken: token },
      }),
    ]);
    expect(events.filter((e) => e.type === 'ApprovalRequested')).toHaveLength(1);
    // The approval came before wave 2 started.
    expect(mainInputs(log)).toHaveLength(2);
  });

  it('stops with status rejected when the approver says no', async () => {
    const { env, log } = fakeEnv(ACCOUNTS);

    const result = await runStateMachine({
      machine: 'waves',
      input: {
        action: 'failover',
        approval: { topicArn: TOPIC, timeoutSeconds: 60 },
        waves: [{ tags: { w: '1' }, approval: true }],
      },
      env,
      onEvent: answerApprovals(() => ({
        kind: 'failure',
        error: 'ApprovalRejected',
        cause: 'change freeze',
      })),
    });

    expect(result.output).toMatchObject({
      status: 'rejected',
      wavesRun: 0,
      stoppedAtWave: 1,
      reason: 'change freeze',
    });
    expect(mainInputs(log)).toHaveLength(0);
  });

  it('stops with status timeout when nobody answers within the timeout (virtual time)', async () => {
    const { env, log } = fakeEnv(ACCOUNTS, { timeScale: 100_000 });

    const result = await runStateMachine({
      machine: 'waves',
      input: {
        action: 'drill',
        approval: { topicArn: TOPIC, timeoutSeconds: 600 },
        waves: [{ tags: { w: '1' }, approval: true }],
      },
      env,
    });

    expect(result.output).toMatchObject({ status: 'timeout', stoppedAtWave: 1, nextPhaseReady: false });
    expect(mainInputs(log)).toHaveLength(0);
  });

  it('refuses a wave that asks for approval without an approval topic', async () => {
    const { env } = fakeEnv(ACCOUNTS);

    const result = await runStateMachine({
      machine: 'waves',
      input: { action: 'drill', waves: [{ tags: { w: '1' }, approval: true }] },
      env,
    });

    expect(result).toMatchObject({ status: 'FAILED', error: 'ValidationError' });
    expect(result.cause).toMatch(/\/approval/);
  });
});

describe('Workflow: drill-cleanup', () => {
  it('runs main with action terminate, drill instances only, older than the given age', async () => {
    const { env, log } = fakeEnv(ACCOUNTS);

    const result = await runStateMachine({
      machine: 'drill-cleanup',
      input: { tags: { 'DR-Wave': '1' }, olderThanMinutes: 120 },
      env,
      name: 'nightly',
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'success', action: 'terminate' });
    expect(mainInputs(log)).toEqual([
      {
        action: 'terminate',
        tags: { 'DR-Wave': '1' },
        options: { olderThanMinutes: 120, terminateNonDrill: false, continueOnFailure: true },
        metadata: {
          correlationId: 'nightly',
          parentExecutionId: result.executionArn,
          initiatedBy: 'drill-cleanup',
        },
        AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: result.executionArn,
      },
    ]);
    expect(log.calls.some((c) => c.taskId === 'terminate-instances')).toBe(true);
  });

  it('defaults the age to one day', async () => {
    const { env, log } = fakeEnv(ACCOUNTS);

    await runStateMachine({ machine: 'drill-cleanup', input: { tags: { a: 'b' } }, env });

    expect(mainInputs(log)[0]?.options).toMatchObject({ olderThanMinutes: 1440 });
  });
});
