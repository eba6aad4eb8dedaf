import { describe, expect, it } from 'vitest';
import type { ExecutionDescription } from '../../../src/aws/ports.js';
import type { AccountRef } from '../../../src/core/model.js';
import {
  type ExecutorsPort,
  executorExecutionArn,
  executorExecutionName,
  executorStarterRoleArn,
  executorStateMachineArn,
} from '../../../src/tasks/executors.js';
import type { TaskDeps } from '../../../src/tasks/index.js';
import { EXECUTOR_GRACE_MINUTES, monitorExecutor } from '../../../src/tasks/monitor-executor.js';
import { runtimeNamesFrom } from '../../../src/tasks/names.js';
import { executorCallbackOf, startExecutor } from '../../../src/tasks/start-executor.js';

const ACCOUNT = {
  accountId: '111111111111',
  region: 'eu-west-1',
  roleArn: 'arn:aws:iam::111111111111:role/DRS-Orchestration-Role',
  serverIds: ['s-00000000000000001'],
};
const START = '2025-01-06T09:00:00.000Z';
const REQUEST = { action: 'drill', tags: { a: 'b' }, options: { maxWaitMinutes: 120 }, metadata: {} };
const EXECUTION = {
  id: 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main:run-1',
  name: 'run-1',
  startTime: START,
};

/** An executors port over a scripted DescribeExecution answer, recording every call. */
function port(answer: Partial<ExecutionDescription>, opts: { alreadyExists?: boolean } = {}) {
  const calls: string[] = [];
  const executors: ExecutorsPort = {
    async start(account, name) {
      calls.push(`start ${account.region} ${name}`);
      if (opts.alreadyExists) {
        const err = new Error('wrapped') as Error & { cause?: unknown };
        err.name = 'DRSServiceError';
        err.cause = Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' });
        throw err;
      }
      return { executionArn: executorExecutionArn(account as AccountRef, name), startDate: new Date(START) };
    },
    async describe(_account, executionArn) {
      calls.push(`describe ${executionArn}`);
      return {
        executionArn,
        status: 'RUNNING',
        startDate: new Date(START),
        ...answer,
      } as ExecutionDescription;
    },
    async stop(_account, executionArn, error) {
      calls.push(`stop ${executionArn} ${error}`);
    },
  };
  return { executors, calls };
}

function deps(executors: ExecutorsPort, nowIso = START): TaskDeps {
  return { executors, now: () => new Date(nowIso), sleep: async () => {} } as unknown as TaskDeps;
}

const EXECUTOR = {
  executionArn: executorExecutionArn(ACCOUNT, 'run-1-111111111111'),
  startDate: START,
};

describe('Function: startExecutor', () => {
  it("starts the account's executor in the account's own Region under a name derived from the main execution", async () => {
    const { executors, calls } = port({});
    const ref = await startExecutor(
      { request: REQUEST, execution: EXECUTION, account: ACCOUNT } as never,
      deps(executors),
    );
    expect(calls).toEqual(['start eu-west-1 run-1-111111111111']);
    expect(ref).toEqual({
      executionArn:
        'arn:aws:states:eu-west-1:111111111111:execution:drs-staging-account-executor:run-1-111111111111',
      startDate: START,
    });
  });

  it('adopts the execution a previous attempt started instead of starting a second one', async () => {
    const { executors, calls } = port({ status: 'SUCCEEDED' }, { alreadyExists: true });
    const ref = await startExecutor(
      { request: REQUEST, execution: EXECUTION, account: ACCOUNT } as never,
      deps(executors),
    );
    expect(calls).toEqual(['start eu-west-1 run-1-111111111111', `describe ${EXECUTOR.executionArn}`]);
    expect(ref.executionArn).toBe(EXECUTOR.executionArn);
  });
});

describe('Function: monitorExecutor', () => {
  const event = { request: REQUEST, execution: EXECUTION, account: ACCOUNT, executor: EXECUTOR } as never;

  it("returns the executor's AccountSummary when it succeeded", async () => {
    const summary = { accountId: ACCOUNT.accountId, status: 'success', succeeded: 1 };
    const { executors } = port({ status: 'SUCCEEDED', output: summary });
    await expect(monitorExecutor(event, deps(executors))).resolves.toEqual(summary);
  });

  it('asks to be polled again (ExecutorRunning) while the executor runs', async () => {
    const { executors, calls } = port({ status: 'RUNNING' });
    await expect(monitorExecutor(event, deps(executors, '2025-01-06T10:00:00.000Z'))).rejects.toMatchObject({
      name: 'ExecutorRunning',
    });
    expect(calls.some((c) => c.startsWith('stop'))).toBe(false);
  });

  it(`stops an executor still running ${EXECUTOR_GRACE_MINUTES} minutes past maxWaitMinutes and fails the account with ExecutorTimedOut`, async () => {
    const { executors, calls } = port({ status: 'RUNNING' });
    // 120 + 30 minutes after the start.
    const late = '2025-01-06T11:30:00.000Z';
    await expect(monitorExecutor(event, deps(executors, late))).rejects.toMatchObject({
      name: 'ExecutorTimedOut',
    });
    expect(calls.at(-1)).toBe(`stop ${EXECUTOR.executionArn} ExecutorTimedOut`);
  });

  it("fails with the executor's own error name, so the account's errorCode is the real cause", async () => {
    const { executors } = port({ status: 'FAILED', error: 'ThrottlingException', cause: 'rate exceeded' });
    await expect(monitorExecutor(event, deps(executors))).rejects.toMatchObject({
      name: 'ThrottlingException',
      message: 'rate exceeded',
    });
  });

  it.each([
    [
      { status: 'FAILED', error: 'States.Runtime', cause: 'bad path' },
      'ExecutorFailed',
      'States.Runtime: bad path',
    ],
    [{ status: 'TIMED_OUT' }, 'ExecutorTimedOut', 'timed out'],
    [{ status: 'ABORTED', cause: 'operator' }, 'ExecutorAborted', 'was stopped: operator'],
  ] as const)('maps %j to %s', async (answer, name, message) => {
    const { executors } = port(answer as Partial<ExecutionDescription>);
    const err = (await monitorExecutor(event, deps(executors)).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe(name);
    expect(err.message).toContain(message);
  });
});

describe('Executor names and ARNs', () => {
  it('keeps an executor name within 80 characters, distinct for two long main names sharing a prefix', () => {
    const long = 'x'.repeat(70);
    const a = executorExecutionName(`${long}-a`, '111111111111');
    const b = executorExecutionName(`${long}-b`, '111111111111');
    expect(a.length).toBeLessThanOrEqual(80);
    expect(b.length).toBeLessThanOrEqual(80);
    expect(a).not.toBe(b);
    expect(a.endsWith('-111111111111')).toBe(true);
    expect(executorExecutionName('short', '111111111111')).toBe('short-111111111111');
  });

  it("names the executor, its executions and the starter role in the account's partition and Region", () => {
    const cn = {
      ...ACCOUNT,
      region: 'cn-north-1',
      roleArn: 'arn:aws-cn:iam::111111111111:role/DRS-Orchestration-Role',
    };
    expect(executorStateMachineArn(cn)).toBe(
      'arn:aws-cn:states:cn-north-1:111111111111:stateMachine:drs-staging-account-executor',
    );
    expect(executorStarterRoleArn(cn)).toBe(
      'arn:aws-cn:iam::111111111111:role/DRS-Orchestration-Executor-Starter',
    );
  });

  it('uses the names a prefixed deployment passes in its environment, and the default names without them', async () => {
    const names = runtimeNamesFrom({
      DRS_EXECUTOR_STATE_MACHINE_NAME: 'acme-dr-executor',
      DRS_EXECUTOR_STARTER_ROLE_NAME: 'acme-dr-executor-starter',
      DRS_EXECUTOR_CALLBACK_ROLE_NAME: 'acme-dr-executor-callback',
    });
    expect(executorStateMachineArn(ACCOUNT, names)).toBe(
      'arn:aws:states:eu-west-1:111111111111:stateMachine:acme-dr-executor',
    );
    expect(executorStarterRoleArn(ACCOUNT, names)).toBe(
      'arn:aws:iam::111111111111:role/acme-dr-executor-starter',
    );
    expect(executorCallbackOf(EXECUTION.id, 't', names).roleArn).toBe(
      'arn:aws:iam::123456789012:role/acme-dr-executor-callback',
    );
    expect(runtimeNamesFrom({}).executorCallbackRole).toBe('DRS-Orchestration-Executor-Callback');
    const { executors, calls } = port({ status: 'SUCCEEDED' }, { alreadyExists: true });
    const ref = await startExecutor({ request: REQUEST, execution: EXECUTION, account: ACCOUNT } as never, {
      ...deps(executors),
      env: { stagingAccountsPath: '/acme-dr/staging-accounts', names },
    });
    expect(ref.executionArn).toBe(
      'arn:aws:states:eu-west-1:111111111111:execution:acme-dr-executor:run-1-111111111111',
    );
    expect(calls[1]).toBe(`describe ${ref.executionArn}`);
  });
});
