import { describe, expect, it } from 'vitest';
import {
  type HistoryEvent,
  type HistoryExecution,
  runStateMachine,
  startStateMachine,
} from '../../../src/runtime/index.js';
import { type FakeAccount, fakeEnv, serverIds } from './fake-tasks.js';

const ACCOUNTS: FakeAccount[] = [
  { accountId: '111111111111', region: 'us-east-2', serverIds: serverIds(3, 1), polls: 3 },
  { accountId: '222222222222', region: 'us-west-2', serverIds: serverIds(2, 2), polls: 1 },
];

/** Every history event of a run, by execution ARN, with who each execution is. */
function collector() {
  const byArn = new Map<string, { execution: HistoryExecution; events: HistoryEvent[] }>();
  const onHistory = (execution: HistoryExecution, event: HistoryEvent): void => {
    const entry = byArn.get(execution.executionArn) ?? { execution, events: [] };
    entry.events.push(event);
    byArn.set(execution.executionArn, entry);
  };
  return { byArn, onHistory };
}

describe('execution history recorded by the runtime', () => {
  it('numbers each execution history from 1, started first, terminal last, as many as the stats count', async () => {
    const { env } = fakeEnv(ACCOUNTS);
    const { byArn, onHistory } = collector();

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { a: 'b' } },
      env,
      onHistory,
    });

    expect(result.status).toBe('SUCCEEDED');
    // The root, one map run child per account, one executor per account.
    expect(byArn.size).toBe(5);
    for (const stats of result.stats.executions) {
      const { events } = byArn.get(stats.executionArn) ?? { events: [] };
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
      expect(events.every((e) => e.previousEventId < e.id)).toBe(true);
      expect(events[0]?.type).toBe('ExecutionStarted');
      expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
      expect(stats.historyEvents).toBe(events.length);
    }
    expect(result.stats.maxHistoryEvents).toBe(Math.max(...[...byArn.values()].map((x) => x.events.length)));
  });

  it('runs each Distributed Map item as a child execution with its own history: the root records only the map run', async () => {
    const { env } = fakeEnv(ACCOUNTS);
    const { byArn, onHistory } = collector();

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { a: 'b' } },
      env,
      onHistory,
    });

    const root = byArn.get(result.executionArn)?.events.map((e) => e.type) ?? [];
    expect(root).toContain('MapRunStarted');
    expect(root).toContain('MapRunSucceeded');
    expect(root.filter((t) => t.startsWith('MapIteration') || t === 'MapStateStarted')).toEqual([]);
    // Nothing of an account's iteration is in the root's history.
    const rootEntered = (byArn.get(result.executionArn)?.events ?? [])
      .filter((e) => e.type === 'TaskStateEntered')
      .map((e) => (e.details as { name?: string } | undefined)?.name);
    expect(rootEntered).toEqual(
      expect.arrayContaining(['ValidateInput', 'DiscoverServers', 'AggregateResults']),
    );
    expect(rootEntered).not.toContain('RunAccountExecutor');
    const children = [...byArn.values()].filter((x) =>
      x.execution.executionArn.includes('/AccountExecutors:'),
    );
    expect(children).toHaveLength(ACCOUNTS.length);
    for (const child of children) {
      expect(child.execution.parentExecutionArn).toBe(result.executionArn);
      expect(child.execution.stateMachineArn).toMatch(
        /:stateMachine:drs-orchestration-main\/AccountExecutors$/,
      );
      // The account's one waiting Task (the executor calls back; no poll).
      expect(
        child.events
          .filter((e) => e.type === 'TaskStateEntered')
          .map((e) => (e.details as { name?: string } | undefined)?.name),
      ).toEqual(['RunAccountExecutor']);
    }
  });

  it('chains every Lambda invocation to its TaskStateEntered, and each retry to the failure before it', async () => {
    const { env } = fakeEnv(ACCOUNTS.slice(0, 1));
    const { byArn, onHistory } = collector();

    await runStateMachine({ machine: 'main', input: { action: 'drill', tags: { a: 'b' } }, env, onHistory });

    const executor = [...byArn.values()].find((x) => x.execution.machine === 'executor');
    const events = executor?.events ?? [];
    const byId = new Map(events.map((e) => [e.id, e]));
    const scheduled = events.filter((e) => e.type === 'LambdaFunctionScheduled');
    expect(scheduled.length).toBeGreaterThan(3);
    for (const e of scheduled) {
      const cause = byId.get(e.previousEventId);
      expect(['TaskStateEntered', 'LambdaFunctionFailed']).toContain(cause?.type);
      expect(byId.get(e.id + 1)).toMatchObject({ type: 'LambdaFunctionStarted', previousEventId: e.id });
    }
    // The monitor polled 3 times in progress (JobInProgress), then once more: 4 invocations, 3 failed.
    const monitor = events.filter(
      (e) =>
        e.type === 'LambdaFunctionScheduled' &&
        String(e.details?.resource).endsWith(':function:drs-monitor-job'),
    );
    expect(monitor).toHaveLength(4);
    expect(monitor.slice(1).map((e) => byId.get(e.previousEventId)?.type)).toEqual([
      'LambdaFunctionFailed',
      'LambdaFunctionFailed',
      'LambdaFunctionFailed',
    ]);
    const failed = events.filter((e) => e.type === 'LambdaFunctionFailed');
    expect(failed.map((e) => e.details?.error)).toEqual(['JobInProgress', 'JobInProgress', 'JobInProgress']);
    expect(JSON.parse(String(failed[0]?.details?.cause))).toMatchObject({ errorType: 'JobInProgress' });
  });

  it('links a .sync:2 child to its parent: TaskSubmitted names the child, whose history says who started it', async () => {
    const { env } = fakeEnv(ACCOUNTS.slice(0, 1));
    const { byArn, onHistory } = collector();

    // drill-cleanup runs the main machine with .sync:2 (the executors are started by a task
    // function now, in their own Region: no .sync:2 there).
    const result = await runStateMachine({
      machine: 'drill-cleanup',
      input: { tags: { a: 'b' } },
      env,
      onHistory,
    });

    const main = byArn.get(result.executionArn)?.events ?? [];
    const submitted = main.find((e) => e.type === 'TaskSubmitted');
    const childArn = JSON.parse(String(submitted?.details?.output)).ExecutionArn as string;
    const child = byArn.get(childArn);
    expect(child?.execution).toMatchObject({ machine: 'main', parentExecutionArn: result.executionArn });
    expect(childArn).toMatch(/^arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main:/);
    const chain = ['TaskSucceeded', 'TaskSubmitted', 'TaskStarted', 'TaskScheduled', 'TaskStateEntered'];
    const byId = new Map(main.map((e) => [e.id, e]));
    const seen: string[] = [];
    for (let e = main.find((x) => x.type === 'TaskSucceeded'); e; e = byId.get(e.previousEventId)) {
      seen.push(e.type);
      if (e.type === 'TaskStateEntered') break;
    }
    expect(seen).toEqual(chain);
    expect(byId.get(submitted?.previousEventId ?? 0)?.details).toMatchObject({
      resourceType: 'states',
      resource: 'startExecution.sync:2',
    });
  });

  it('records ExecutionStarted before startStateMachine returns', () => {
    const { env } = fakeEnv(ACCOUNTS);
    const { byArn, onHistory } = collector();

    const started = startStateMachine({
      machine: 'main',
      input: { action: 'status', tags: {} },
      env,
      onHistory,
    });

    expect(byArn.get(started.executionArn)?.events.map((e) => e.type)).toEqual(['ExecutionStarted']);
    return started.result;
  });

  it('stops an execution: ExecutionAborted at once with the given error and cause, nothing after it', async () => {
    const { env } = fakeEnv([
      { accountId: '111111111111', region: 'us-east-2', serverIds: serverIds(1), polls: 500 },
    ]);
    const { byArn, onHistory } = collector();
    let children = 0;
    const started = startStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { a: 'b' } },
      env,
      onHistory: (execution, event) => {
        onHistory(execution, event);
        if (event.type === 'ExecutionStarted' && execution.parentExecutionArn !== undefined) children += 1;
      },
    });
    while (children === 0) await new Promise((r) => setTimeout(r, 5));

    const stopped = started.stop(started.executionArn, { error: 'Manual', cause: 'test stop' });
    const last = byArn.get(started.executionArn)?.events.at(-1);
    const result = await started.result;

    expect(stopped).toBe(true);
    expect(last).toMatchObject({
      type: 'ExecutionAborted',
      details: { error: 'Manual', cause: 'test stop' },
    });
    expect(byArn.get(started.executionArn)?.events.at(-1)).toBe(last);
    expect(result).toMatchObject({ status: 'ABORTED', error: 'Manual', cause: 'test stop' });
    // The child executor was aborted with it.
    const child = [...byArn.values()].find((x) => x.execution.machine === 'executor');
    expect(child?.events.at(-1)?.type).toBe('ExecutionAborted');
    expect(started.stop(started.executionArn)).toBe(false);
  });
});
