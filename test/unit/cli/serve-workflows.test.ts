import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadLocalWorkflows } from '../../../src/cli/targets/serve-workflows.js';
import { VirtualClock } from '../../../src/emulator/clock.js';
import type { SfnReportedEvent, StepFunctionsBackend } from '../../../src/emulator/index.js';

const ORCHESTRATOR = '123456789012';
const MAIN = `arn:aws:states:us-east-1:${ORCHESTRATOR}:stateMachine:drs-orchestration-main`;

async function backend(): Promise<StepFunctionsBackend> {
  const factory = await loadLocalWorkflows();
  return factory({
    // Nothing listens there: a task that ran would fail, and its events would be reported.
    endpoint: () => 'http://127.0.0.1:9',
    clock: new VirtualClock(Date.parse('2025-01-06T09:00:00Z'), 1000),
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    orchestrator: { accountId: ORCHESTRATOR, region: 'us-east-1' },
    stagingAccounts: [{ accountId: '111111111111', region: 'us-east-2' }],
  });
}

describe('the Step Functions backend of drs-orch serve', () => {
  it('hosts main, waves and drill-cleanup in the orchestrator account and an executor per staging account', async () => {
    const b = await backend();

    expect(b.stateMachines(ORCHESTRATOR).map((m) => m.name)).toEqual([
      'drs-orchestration-main',
      'drs-orchestration-waves',
      'drs-orchestration-drill-cleanup',
    ]);
    expect(b.stateMachines('111111111111')).toEqual([
      {
        arn: 'arn:aws:states:us-east-2:111111111111:stateMachine:drs-staging-account-executor',
        name: 'drs-staging-account-executor',
        accountId: '111111111111',
        region: 'us-east-2',
        machine: 'executor',
        // DescribeStateMachine answers the definition the backend runs: the executor's ASL file.
        definition: JSON.stringify(
          JSON.parse(readFileSync('statemachines/staging-account-executor.asl.json', 'utf8')),
        ),
      },
    ]);
  });

  it('runs nothing of an execution stopped before it started running', async () => {
    const b = await backend();
    const [main] = b.stateMachines(ORCHESTRATOR);
    const reported: SfnReportedEvent[] = [];
    const executionArn = `arn:aws:states:us-east-1:${ORCHESTRATOR}:execution:drs-orchestration-main:early`;

    const run = b.start(
      {
        executionArn,
        name: 'early',
        stateMachine: main ?? { arn: MAIN, name: '', accountId: '', region: '', machine: 'main' },
        input: '{}',
        parsedInput: {},
      },
      (e) => reported.push(e),
    );
    const stopped = b.stop(executionArn, { error: 'Manual' });
    await run;

    expect(stopped).toBe(false);
    expect(reported).toEqual([]);
  });

  it('reports the history of a running execution, numbered from 1, and stops it with ExecutionAborted', async () => {
    const b = await backend();
    const [main] = b.stateMachines(ORCHESTRATOR);
    const reported: SfnReportedEvent[] = [];
    const executionArn = `arn:aws:states:us-east-1:${ORCHESTRATOR}:execution:drs-orchestration-main:running`;
    let started!: () => void;
    const first = new Promise<void>((r) => {
      started = r;
    });

    const run = b.start(
      {
        executionArn,
        name: 'running',
        stateMachine: main ?? { arn: MAIN, name: '', accountId: '', region: '', machine: 'main' },
        input: '{}',
        parsedInput: { action: 'drill', tags: { a: 'b' } },
      },
      (e) => {
        reported.push(e);
        started();
      },
    );
    await first;
    const stopped = b.stop(executionArn, { error: 'Manual', cause: 'test' });
    await run;

    expect(stopped).toBe(true);
    const own = reported.filter((e) => e.executionArn === executionArn);
    expect(own[0]).toMatchObject({ id: 1, previousEventId: 0, type: 'ExecutionStarted' });
    expect(own.map((e) => e.id)).toEqual(own.map((_, i) => i + 1));
    expect(own.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      details: { error: 'Manual', cause: 'test' },
    });
    expect(b.stop(executionArn, {})).toBe(false);
  });

  it('answers unknown for a well-formed task token no Task waits for, invalid for a string that cannot be one', async () => {
    const b = await backend();
    const wellFormed = 'A'.repeat(64);

    expect(b.answerTask(wellFormed, { kind: 'success', output: '{}' })).toBe('unknown');
    expect(b.answerTask(wellFormed, { kind: 'heartbeat' })).toBe('unknown');
    expect(b.answerTask('no-such-token', { kind: 'success', output: '{}' })).toBe('invalid');
  });
});
