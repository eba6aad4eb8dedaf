/**
 * `lambda:invoke.waitForTaskToken` in the local runtime: the function is invoked, the Task waits for
 * the answer to its token (SendTaskSuccess / SendTaskFailure), each heartbeat restarts the
 * `HeartbeatSeconds` clock, and a Task without one in time fails with `States.HeartbeatTimeout`.
 * The waiting main execution and the executor that answers run in one discrete-time scheduler.
 */
import { describe, expect, it } from 'vitest';
import {
  type AslObject,
  answerTaskToken,
  type HistoryEvent,
  runStateMachine,
  TASK_TOKEN_FORMAT,
  taskTokenOwner,
} from '../../../src/runtime/index.js';
import type { TaskCallbacksPort } from '../../../src/tasks/callbacks.js';
import type { ExecutorsPort } from '../../../src/tasks/executors.js';
import { fakeEnv } from './fake-tasks.js';

type Json = Record<string, unknown>;

const STAGING = {
  accountId: '111111111111',
  region: 'us-east-1',
  roleArn: 'arn:aws:iam::111111111111:role/x',
};
const CALLBACK_ROLE = 'arn:aws:iam::123456789012:role/DRS-Orchestration-Executor-Callback';

/** `${Name}` as it appears in an ASL file. */
function ph(name: string): string {
  return `\${${name}}`;
}

/** The main machine: one Task that starts the executor and waits for its answer. */
function waitingMain(functionName = ph('StartExecutorFunctionArn')): AslObject {
  return {
    StartAt: 'WaitForExecutor',
    States: {
      WaitForExecutor: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: functionName,
          Payload: { 'token.$': '$$.Task.Token', 'gap.$': '$.gap', 'outcome.$': '$.outcome' },
        },
        HeartbeatSeconds: 60,
        TimeoutSeconds: 3600,
        End: true,
      },
    },
  };
}

/** The executor: three polls `gap` seconds apart (each a heartbeat), then the answer. */
function beatingExecutor(): AslObject {
  const states: Json = {};
  for (let i = 1; i <= 3; i++) {
    states[`Gap${i}`] = { Type: 'Wait', SecondsPath: '$.gap', Next: `Poll${i}` };
    states[`Poll${i}`] = {
      Type: 'Task',
      Resource: ph('MonitorJobFunctionArn'),
      ResultPath: null,
      Next: i < 3 ? `Gap${i + 1}` : 'Report',
    };
  }
  states.Report = { Type: 'Task', Resource: ph('FormatOutputFunctionArn'), End: true };
  return { StartAt: 'Gap1', States: states };
}

function callbackOf(event: Json): { taskToken: string; region: string; roleArn: string } {
  return (event.execution as Json).callback as { taskToken: string; region: string; roleArn: string };
}

/** A world where start-executor starts the beating executor and the executor answers `outcome`. */
function world() {
  const history: { machine: string; event: HistoryEvent }[] = [];
  const { env } = fakeEnv([], {
    discrete: true,
    env: { definitions: { main: waitingMain(), executor: beatingExecutor() } },
    overrides: {
      'start-executor': async (event, deps) => {
        await (deps.executors as ExecutorsPort).start(STAGING, 'executor-1', {
          execution: { callback: { taskToken: event.token, region: 'us-east-1', roleArn: CALLBACK_ROLE } },
          gap: event.gap,
          outcome: event.outcome,
        });
        return { started: true };
      },
      'monitor-job': async (event, deps) => {
        await (deps.callbacks as TaskCallbacksPort).heartbeat(callbackOf(event));
        return {};
      },
      'format-output': async (event, deps) => {
        const callbacks = deps.callbacks as TaskCallbacksPort;
        if (event.outcome === 'success')
          await callbacks.success(callbackOf(event), { accountId: 'a', ok: true });
        else await callbacks.failure(callbackOf(event), 'StagingAccountOverCapacity', 'too many servers');
        return {};
      },
    },
  });
  return {
    env,
    history,
    onHistory: (e: { machine: string }, event: HistoryEvent) => history.push({ machine: e.machine, event }),
  };
}

describe('lambda:invoke.waitForTaskToken', () => {
  it('returns what the executor sends with SendTaskSuccess, its heartbeats keeping the Task alive past HeartbeatSeconds', async () => {
    const { env, history, onHistory } = world();

    // Three 50 s gaps: 150 s of waiting, more than HeartbeatSeconds (60) without the heartbeats.
    const result = await runStateMachine({
      machine: 'main',
      input: { gap: 50, outcome: 'success' },
      env,
      onHistory,
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ accountId: 'a', ok: true });
    const main = history.filter((h) => h.machine === 'main').map((h) => h.event.type);
    expect(main).toEqual(
      expect.arrayContaining(['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded']),
    );
    expect(main).not.toContain('TaskTimedOut');
    // One billed transition for the whole wait, however long the executor works.
    expect(result.stats.executions.find((e) => e.machine === 'main')?.transitions).toBe(1);
  });

  it('fails with the error name and cause the executor sends with SendTaskFailure', async () => {
    const { env, onHistory } = world();

    const result = await runStateMachine({
      machine: 'main',
      input: { gap: 10, outcome: 'failure' },
      env,
      onHistory,
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('StagingAccountOverCapacity');
    expect(result.cause).toBe('too many servers');
  });

  it('fails with States.HeartbeatTimeout when no heartbeat comes within HeartbeatSeconds, and a late answer finds the Task gone', async () => {
    const { env, history, onHistory } = world();
    let token = '';
    const base = env.tasks as unknown as Record<string, (event: Json, deps: Json) => unknown>;
    const tasks = {
      ...base,
      'start-executor': (event: Json, deps: Json) => {
        token = String(event.token);
        return base['start-executor']?.(event, deps);
      },
    };

    // 70 s between heartbeats: the first gap already passes HeartbeatSeconds (60).
    const result = await runStateMachine({
      machine: 'main',
      input: { gap: 70, outcome: 'success' },
      env: { ...env, tasks: tasks as never },
      onHistory,
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.HeartbeatTimeout');
    expect(history.filter((h) => h.machine === 'main').map((h) => h.event.type)).toContain('TaskTimedOut');
    expect(token).toMatch(TASK_TOKEN_FORMAT);
    expect(taskTokenOwner(token)).toBe(
      'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main',
    );
    expect(answerTaskToken(token, { kind: 'success', output: {} })).toBe('closed');
  });

  it('tells a token it never issued from a string that cannot be a token', () => {
    expect(answerTaskToken('A'.repeat(64), { kind: 'heartbeat' })).toBe('unknown');
    expect(answerTaskToken('not a token', { kind: 'heartbeat' })).toBe('invalid');
  });

  it('refuses a function in another Region with States.Runtime, as Step Functions does', async () => {
    const { env } = world();
    const main = waitingMain(
      'arn:aws:lambda:us-east-2:123456789012:function:drs-orchestration-start-executor',
    );

    const result = await runStateMachine({
      machine: 'main',
      input: { gap: 10, outcome: 'success' },
      env: { ...env, definitions: { ...env.definitions, main } },
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toContain("Expected 'us-east-1', was 'us-east-2'");
  });
});

describe('Rule: sns:publish reaches no topic in another Region', () => {
  const publishTo = (topicArn: string): AslObject => ({
    StartAt: 'Notify',
    States: {
      Notify: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish',
        Parameters: { TopicArn: topicArn, Message: 'hello' },
        End: true,
      },
    },
  });

  it('fails the execution with States.Runtime and publishes nothing when the topic is in another Region', async () => {
    const { env, log } = fakeEnv([], {
      discrete: true,
      env: { definitions: { main: publishTo('arn:aws:sns:us-west-2:123456789012:drs-notifications') } },
    });

    const result = await runStateMachine({ machine: 'main', input: {}, env });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toContain(
      "different region from the running execution. Expected 'us-east-1', was 'us-west-2'",
    );
    expect(log.published).toHaveLength(0);
  });

  it('publishes to a topic in the execution’s Region', async () => {
    const { env, log } = fakeEnv([], {
      discrete: true,
      env: { definitions: { main: publishTo('arn:aws:sns:us-east-1:123456789012:drs-notifications') } },
    });

    const result = await runStateMachine({ machine: 'main', input: {}, env });

    expect(result.status).toBe('SUCCEEDED');
    expect(log.published).toHaveLength(1);
  });
});
