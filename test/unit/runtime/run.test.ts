import { describe, expect, it } from 'vitest';
import { isMapRunChild } from '../../../src/runtime/arns.js';
import { type AslObject, type RuntimeEvent, runStateMachine } from '../../../src/runtime/index.js';
import { type FakeAccount, fakeEnv, serverIds } from './fake-tasks.js';

const ACCOUNTS: FakeAccount[] = [
  { accountId: '111111111111', region: 'us-east-2', serverIds: serverIds(3, 1), polls: 4 },
  { accountId: '222222222222', region: 'us-west-2', serverIds: serverIds(2, 2), polls: 2 },
];

/** `${Name}` as it appears in an ASL file. */
function placeholder(name: string): string {
  return `\${${name}}`;
}

function named(name: string, message = name): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

describe('Function: runStateMachine', () => {
  it('runs the main machine with one executor child execution per account and returns the aggregate output', async () => {
    const { env, log } = fakeEnv(ACCOUNTS);

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { 'DR-Wave': '1' } },
      env,
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'success', summary: { totalServers: 5, succeeded: 5 } });
    const executors = result.stats.executions.filter((e) => e.machine === 'executor');
    expect(executors.map((e) => e.accountId).sort()).toEqual(['111111111111', '222222222222']);
    expect(executors.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    expect(executors.map((e) => e.executionArn.split(':')[3]).sort()).toEqual(['us-east-2', 'us-west-2']);
    // Executor tasks got the deps of their own account; the main scope is the root's and each
    // account's map run child's (the Distributed Map runs every account as a child execution).
    const scopes = log.scopes.map((s) => (s.machine === 'executor' ? s.account.accountId : 'main')).sort();
    expect(scopes).toEqual(['111111111111', '222222222222', 'main', 'main', 'main']);
    const mapRun = result.stats.executions.filter((e) => isMapRunChild(e.executionArn));
    expect(mapRun.map((e) => e.executionArn.split(':')[6])).toEqual([
      'drs-orchestration-main/AccountExecutors',
      'drs-orchestration-main/AccountExecutors',
    ]);
  });

  it('fills the context object: execution id, name and the virtual start time', async () => {
    const { env, log, clock } = fakeEnv(ACCOUNTS);
    const startedAt = clock.now().getTime();

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'status', tags: { a: 'b' } },
      env,
      name: 'exec-1',
    });

    const validate = log.calls.find((c) => c.taskId === 'validate')?.event as {
      execution: Record<string, string>;
    };
    expect(validate.execution.id).toBe(result.executionArn);
    expect(result.executionArn).toBe(
      'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main:exec-1',
    );
    expect(validate.execution.name).toBe('exec-1');
    const start = Date.parse(validate.execution.startTime ?? '');
    // Virtual time (2025) rather than the wall clock the interpreter would put there.
    expect(start).toBeGreaterThanOrEqual(startedAt);
    expect(start).toBeLessThan(Date.parse('2026-01-01T00:00:00Z'));
  });

  it('passes the executor its input with the parent execution id', async () => {
    const { env, log } = fakeEnv(ACCOUNTS.slice(0, 1));

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { a: 'b' } },
      env,
    });

    const start = log.calls.find((c) => c.taskId === 'start-recovery')?.event as Record<string, unknown>;
    expect(Object.keys(start).sort()).toEqual(['account', 'execution', 'request']);
    expect(start.account).toMatchObject({ accountId: '111111111111', serverIds: ACCOUNTS[0]?.serverIds });
    const child = result.stats.executions.find((e) => e.machine === 'executor');
    expect(child?.executionArn).toMatch(
      /^arn:aws:states:us-east-2:111111111111:execution:drs-staging-account-executor:/,
    );
  });

  it('retries a task on the error name it throws, as many times as the Retry allows', async () => {
    let calls = 0;
    const { env } = fakeEnv(ACCOUNTS, {
      overrides: {
        discover: () => {
          calls += 1;
          throw named('ThrottlingException', 'slow down');
        },
      },
    });

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { a: 'b' } },
      env,
    });

    // 1 attempt + 5 retries (design 11.2), then caught: a failed output, not a failed execution.
    expect(calls).toBe(6);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'failed', error: { Error: 'ThrottlingException' } });
    const cause = JSON.parse((result.output as { error: { Cause: string } }).error.Cause);
    expect(cause).toMatchObject({ errorType: 'ThrottlingException', errorMessage: 'slow down' });
  });

  it('fails validation with the validation message as the cause', async () => {
    const { env, log } = fakeEnv(ACCOUNTS);

    const result = await runStateMachine({ machine: 'main', input: { tags: { a: 'b' } }, env });

    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'ValidationError',
      cause: 'invalid input: /action is required',
    });
    expect(log.calls.map((c) => c.taskId)).toEqual(['validate']);
  });

  it('turns a failed executor into a failed account summary and still aggregates', async () => {
    const accounts: FakeAccount[] = [
      {
        accountId: '111111111111',
        region: 'us-east-2',
        serverIds: serverIds(3, 1),
        failWith: 'CrossAccountAccessDenied',
      },
      { accountId: '222222222222', region: 'us-east-2', serverIds: serverIds(2, 2) },
    ];
    const { env, log } = fakeEnv(accounts);

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { a: 'b' } },
      env,
    });

    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as { status: string; stagingAccountResults: Record<string, unknown>[] };
    expect(output.status).toBe('partial');
    const failed = output.stagingAccountResults.find((r) => r.accountId === '111111111111');
    expect(failed).toMatchObject({
      status: 'failed',
      serversProcessed: 3,
      failed: 3,
      succeeded: 0,
      // The executor's own error name and message, sent back by its catch-all (SendTaskFailure).
      errorCode: 'CrossAccountAccessDenied',
      errorMessage: 'cannot act in 111111111111',
    });
    // It came back by callback: nobody had to describe the executor.
    expect(log.calls.some((c) => c.taskId === 'monitor-executor')).toBe(false);
  });

  it('costs at most 3 state transitions per account per polling minute; the main machine none per minute', async () => {
    // Discrete virtual time: the poll count depends on the schedule only, not on machine load.
    const run = async (polls: number) => {
      const { env } = fakeEnv(
        [{ accountId: '111111111111', region: 'us-east-2', serverIds: serverIds(5), polls }],
        { discrete: true },
      );
      const events: RuntimeEvent[] = [];
      const result = await runStateMachine({
        machine: 'main',
        input: { action: 'drill', tags: { a: 'b' } },
        env,
        onEvent: (e) => events.push(e),
      });
      return { result, events };
    };
    const polls = 20;
    const { result, events } = await run(polls);
    const longer = await run(2 * polls);

    const executor = result.stats.executions.find((e) => e.machine === 'executor');
    const pollingMinutes = (polls * 30) / 60;
    expect(executor?.transitions).toBeLessThanOrEqual(3 * pollingMinutes);
    // Every poll is one billed retry, not a Wait/Task/Choice loop; + the Parallel and the callback.
    expect(executor?.transitions).toBe(polls + 9);
    expect(result.stats.transitions.executor).toBe(executor?.transitions);
    // The main machine waits for the executor's callback in one Task: no poll, no retry, and the
    // same transitions however long the executor polls (it polled once a minute before).
    expect(events.filter((e) => e.type === 'StateRetried' && e.machine === 'main')).toHaveLength(0);
    expect(longer.result.stats.transitions.main).toBe(result.stats.transitions.main);
    expect(longer.result.stats.transitions.executor).toBe(2 * polls + 9);
  });

  it('streams state, progress and execution events for every execution', async () => {
    const { env } = fakeEnv(ACCOUNTS);
    const events: RuntimeEvent[] = [];

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { a: 'b' } },
      env,
      onEvent: (e) => events.push(e),
    });

    expect(events[0]).toMatchObject({
      type: 'ExecutionStarted',
      machine: 'main',
      executionArn: result.executionArn,
    });
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionSucceeded', machine: 'main' });
    const started = events.filter((e) => e.type === 'ExecutionStarted' && e.machine === 'executor');
    expect(started.map((e) => e.accountId).sort()).toEqual(['111111111111', '222222222222']);
    // Each executor is started by its account's map run child, itself a child of the root.
    const mapRun = events.filter((e) => e.type === 'ExecutionStarted' && isMapRunChild(e.executionArn));
    expect(
      mapRun.every((e) => e.type === 'ExecutionStarted' && e.parentExecutionArn === result.executionArn),
    ).toBe(true);
    const mapRunArns = new Set(mapRun.map((e) => e.executionArn));
    expect(mapRunArns.size).toBe(2);
    expect(
      started.every((e) => e.type === 'ExecutionStarted' && mapRunArns.has(e.parentExecutionArn ?? '')),
    ).toBe(true);
    const progress = events.filter((e) => e.type === 'AccountProgress');
    // One progress report per monitor call: polls + the final one.
    expect(progress.filter((e) => e.accountId === '111111111111')).toHaveLength(5);
    expect(progress[0]).toMatchObject({ progress: { discovered: expect.any(Number) } });
    const retried = events.filter((e) => e.type === 'StateRetried' && e.machine === 'executor');
    expect(
      retried.every(
        (e) => e.type === 'StateRetried' && e.error === 'JobInProgress' && e.state === 'MonitorRecovery',
      ),
    ).toBe(true);
    expect(retried).toHaveLength(6);
    // The main machine waits for each executor's callback: it never polls.
    expect(events.filter((e) => e.type === 'StateRetried' && e.machine === 'main')).toHaveLength(0);
    const entered = events
      .filter((e) => e.type === 'StateEntered' && e.machine === 'main')
      .map((e) => (e.type === 'StateEntered' ? e.state : ''));
    expect(entered.slice(0, 5)).toEqual([
      'ValidateInput',
      'NotifyStarted?',
      'DiscoverServers',
      'CheckServersFound',
      'PartitionByAccount',
    ]);
    expect(entered.filter((s) => s === 'RunAccountExecutor')).toHaveLength(2);
    expect(entered).not.toContain('CheckAccountExecutor');
    expect(entered.at(-1)).toBe('ReturnOutput');
    expect(result.stats.transitions.main).toBe(entered.length);
  });

  it('fails the execution, uncaught, when a state payload exceeds the limit', async () => {
    const { env, log } = fakeEnv(ACCOUNTS, { env: { limits: { maxPayloadBytes: 4_000 } } });

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { a: 'b' }, metadata: { note: 'x'.repeat(5_000) } },
      env,
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('PayloadTooLarge');
    expect(result.cause).toMatch(/bytes; step functions allows at most 4000/);
    expect(result.stats.largestPayloadBytes).toBeGreaterThan(4_000);
    // Nothing after the oversized state talked to DRS.
    expect(log.calls.some((c) => c.taskId === 'start-recovery')).toBe(false);
  });

  it('fails an execution whose history outgrows the limit', async () => {
    const { env } = fakeEnv(
      [{ accountId: '111111111111', region: 'us-east-2', serverIds: serverIds(1), polls: 50 }],
      {
        // The executor passes 160 events (~180 at 50 polls); the main machine, polling it once a
        // minute, stays under (~145).
        env: { limits: { maxHistoryEvents: 160 } },
      },
    );

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { a: 'b' } },
      env,
    });

    const executor = result.stats.executions.find((e) => e.machine === 'executor');
    expect(executor?.status).toBe('FAILED');
    expect(result.output).toMatchObject({ status: 'failed' });
    const summary = (result.output as { stagingAccountResults: { errorMessage: string }[] })
      .stagingAccountResults[0];
    expect(executor?.historyEvents).toBeGreaterThan(160);
    expect(JSON.parse(summary?.errorMessage ?? '{}')).toMatchObject({ errorType: 'HistoryLimitExceeded' });
  });

  it('publishes the started and final notifications when the tasks ask for them', async () => {
    const { env, log } = fakeEnv(ACCOUNTS);
    const topic = 'arn:aws:sns:us-east-1:123456789012:dr';

    await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { a: 'b' }, options: { notificationArn: topic } },
      env,
    });

    expect(log.published).toEqual([
      { topicArn: topic, subject: 'started', message: 'started' },
      { topicArn: topic, subject: 'done', message: 'done' },
    ]);
  });

  it('keeps going when a notification cannot be published', async () => {
    const { env } = fakeEnv(ACCOUNTS, {
      env: {
        publish: async () => {
          throw named('AuthorizationErrorException', 'denied');
        },
      },
    });

    const result = await runStateMachine({
      machine: 'main',
      input: {
        action: 'drill',
        tags: { a: 'b' },
        options: { notificationArn: 'arn:aws:sns:us-east-1:123456789012:dr' },
      },
      env,
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'success' });
  });

  it('rejects a definition with a task resource nothing binds', async () => {
    const definition: AslObject = {
      StartAt: 'Mystery',
      States: {
        Mystery: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:123456789012:function:unknown',
          End: true,
        },
      },
    };
    const { env } = fakeEnv(ACCOUNTS, { env: { definitions: { main: definition } } });

    const result = await runStateMachine({ machine: 'main', input: {}, env });

    expect(result.status).toBe('FAILED');
    expect(result.cause).toMatch(
      /task state "Mystery" has resource .*function:unknown, which no task or integration binds/,
    );
  });

  it('runs a SecondsPath Wait in time-scaled mode (the interpreter alone would sleep it unscaled)', async () => {
    const definition: AslObject = {
      StartAt: 'Hold',
      States: { Hold: { Type: 'Wait', SecondsPath: '$.wait', Next: 'Done' }, Done: { Type: 'Succeed' } },
    };
    const { env } = fakeEnv(ACCOUNTS, { timeScale: 10_000, env: { definitions: { main: definition } } });

    const result = await runStateMachine({ machine: 'main', input: { wait: 300, keep: 'me' }, env });

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { wait: 300, keep: 'me' } });
  });

  it('enforces a task timeout in virtual time', async () => {
    const definition: AslObject = {
      StartAt: 'Slow',
      States: {
        Slow: { Type: 'Task', Resource: placeholder('DiscoverFunctionArn'), TimeoutSeconds: 60, End: true },
      },
    };
    const { env } = fakeEnv(ACCOUNTS, {
      timeScale: 1_000,
      env: { definitions: { main: definition } },
      // Two virtual minutes of work at 1000x: 120 ms of wall time, beyond the 60 s timeout.
      overrides: { discover: () => new Promise((resolve) => setTimeout(resolve, 120)) },
    });

    const result = await runStateMachine({ machine: 'main', input: {}, env });

    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });

  it('refuses a time scale that is not positive', async () => {
    const { env } = fakeEnv(ACCOUNTS, { env: { timeScale: 0 } });

    await expect(runStateMachine({ machine: 'main', input: {}, env })).rejects.toThrow(
      /time scale 0 is invalid/,
    );
  });
});
