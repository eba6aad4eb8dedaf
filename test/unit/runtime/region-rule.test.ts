/**
 * What Step Functions refuses, refused locally: an integration whose resource is in another Region
 * (or partition) than the execution, `Credentials` or not.
 */
import { describe, expect, it } from 'vitest';
import { type AslObject, loadDefinition, runStateMachine } from '../../../src/runtime/index.js';
import { fakeEnv, serverIds } from './fake-tasks.js';

/** `${Name}` as it appears in an ASL file. */
function ph(name: string): string {
  return `\${${name}}`;
}

/** The main machine as it was before issue 15: each account's executor run by `.sync:2` with Credentials. */
function mainWithSyncExecutors(): AslObject {
  const main = structuredClone(loadDefinition('main')) as unknown as {
    States: { ExecutePerAccount: { ItemProcessor: { StartAt: string; States: Record<string, unknown> } } };
  };
  const processor = main.States.ExecutePerAccount.ItemProcessor as {
    StartAt: string;
    States: Record<string, unknown>;
    ProcessorConfig?: unknown;
  };
  // Then an inline Map: the States.Runtime of its iteration fails the whole execution.
  processor.ProcessorConfig = { Mode: 'INLINE' };
  processor.StartAt = 'StartAccountExecutor';
  processor.States = {
    StartAccountExecutor: {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Credentials: {
        'RoleArn.$': `States.Format('arn:${ph('Partition')}:iam::{}:role/${ph('ExecutorStartRoleName')}', $.account.accountId)`,
      },
      Parameters: {
        'StateMachineArn.$': `States.Format('arn:${ph('Partition')}:states:{}:{}:stateMachine:${ph('ExecutorStateMachineName')}', $.account.region, $.account.accountId)`,
        Input: { 'request.$': '$.request', 'execution.$': '$.execution', 'account.$': '$.account' },
      },
      ResultSelector: { 'summary.$': '$.Output' },
      OutputPath: '$.summary',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'AccountFailed' }],
      End: true,
    },
    AccountFailed: (processor.States as Record<string, unknown>).AccountFailed,
  };
  return main as unknown as AslObject;
}

describe('Rule: Step Functions integrations stay in the execution’s Region', () => {
  it('fails the old cross-Region .sync:2 executor start with States.Runtime, which no Catch handles', async () => {
    const { env, log } = fakeEnv(
      [{ accountId: '111111111111', region: 'us-east-2', serverIds: serverIds(2), polls: 1 }],
      { discrete: true, env: { definitions: { main: mainWithSyncExecutors() } } },
    );

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { a: 'b' } },
      env,
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toBe(
      "An error occurred while executing the state 'StartAccountExecutor'. The resource belongs to a different region from the running execution. Expected 'us-east-1', was 'us-east-2'.",
    );
    // Nothing ran in the staging account, and the Map's Catch did not turn it into an account failure.
    expect(result.stats.executions.filter((e) => e.machine === 'executor')).toHaveLength(0);
    expect(log.calls.some((c) => c.taskId === 'aggregate')).toBe(false);
  });

  it('still runs the old .sync:2 start when the staging account is in the orchestrator’s Region', async () => {
    const { env } = fakeEnv(
      [{ accountId: '111111111111', region: 'us-east-1', serverIds: serverIds(2), polls: 1 }],
      { discrete: true, env: { definitions: { main: mainWithSyncExecutors() } } },
    );

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { a: 'b' } },
      env,
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'success' });
  });

  it('runs executors in several Regions, none of them the orchestrator’s, through start-executor and monitor-executor', async () => {
    const { env, log } = fakeEnv(
      [
        { accountId: '111111111111', region: 'us-east-2', serverIds: serverIds(2, 1), polls: 2 },
        { accountId: '222222222222', region: 'eu-west-1', serverIds: serverIds(3, 2), polls: 3 },
      ],
      { discrete: true },
    );

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { a: 'b' } },
      env,
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'success', summary: { succeeded: 5 } });
    const executors = result.stats.executions.filter((e) => e.machine === 'executor');
    expect(executors.map((e) => e.executionArn.split(':').slice(3, 5).join(':')).sort()).toEqual([
      'eu-west-1:222222222222',
      'us-east-2:111111111111',
    ]);
    const starts = log.calls.filter((c) => c.taskId === 'start-executor');
    expect(starts.map((c) => c.accountId).sort()).toEqual(['111111111111', '222222222222']);
  });

  it('fails the partition rule the way AWS words it', async () => {
    const main = mainWithSyncExecutors() as unknown as Record<string, unknown>;
    const text = JSON.stringify(main).replace(`'arn:${ph('Partition')}:states:{}`, "'arn:aws-cn:states:{}");
    const { env } = fakeEnv(
      [{ accountId: '111111111111', region: 'us-east-1', serverIds: serverIds(1), polls: 1 }],
      { discrete: true, env: { definitions: { main: JSON.parse(text) as AslObject } } },
    );

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { a: 'b' } },
      env,
    });

    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toContain(
      "The resource belongs to a different partition from the running execution. Expected 'aws', was 'aws-cn'.",
    );
  });
});
