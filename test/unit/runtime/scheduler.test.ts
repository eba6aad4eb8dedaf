import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/emulator/clock.js';
import { isMapRunChild } from '../../../src/runtime/arns.js';
import {
  type AslObject,
  answerTaskToken,
  DiscreteScheduler,
  type RuntimeEvent,
  runStateMachine,
} from '../../../src/runtime/index.js';
import { answerApprovals, FAKE_START_MS, type FakeAccount, fakeEnv, serverIds } from './fake-tasks.js';

type Json = Record<string, unknown>;
type Deps = { now: () => Date; sleep: (ms: number) => Promise<void> };

const A = '111111111111';
const B = '222222222222';
const ACCOUNTS: FakeAccount[] = [
  { accountId: A, region: 'us-east-2', serverIds: serverIds(3, 1) },
  { accountId: B, region: 'us-west-2', serverIds: serverIds(2, 2) },
];

/** A waves input: one wave that waits up to 600 s for its approval. */
const ONE_APPROVAL_WAVE = {
  action: 'drill',
  approval: { topicArn: 'arn:aws:sns:us-east-1:123456789012:approvals', timeoutSeconds: 600 },
  waves: [{ tags: { w: '1' }, approval: true }],
};

function named(name: string, message = name): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

function placeholder(name: string): string {
  return `\${${name}}`;
}

function depsOf(deps: Json): Deps {
  return deps as unknown as Deps;
}

/** Virtual seconds since the fakes' start. */
function elapsedSeconds(ms: number): number {
  return (ms - FAKE_START_MS) / 1000;
}

/**
 * Recovery that takes `seconds[account]` of virtual time: start-recovery stamps the start, the
 * monitor throws JobInProgress (Retry every 30 s in the executor ASL) until the time has passed.
 */
function timedRecovery(
  seconds: Record<string, number>,
  extra: Partial<Record<string, (event: Json, deps: Json) => unknown>> = {},
) {
  return {
    'start-recovery': async (event: Json, deps: Json) => {
      const account = event.account as Json;
      await extra['start-recovery']?.(event, deps);
      return {
        kind: 'recovery',
        deadline: '2100-01-01T00:00:00.000Z',
        pending: account.serverIds,
        waiting: [],
        jobs: [],
        failed: [],
        done: false,
        polls: 0,
        startedMs: depsOf(deps).now().getTime(),
      };
    },
    'monitor-job': async (event: Json, deps: Json) => {
      const run = event.run as Json;
      const account = event.account as Json;
      await extra['monitor-job']?.(event, deps);
      const took = depsOf(deps).now().getTime() - Number(run.startedMs);
      if (took < (seconds[String(account.accountId)] ?? 0) * 1000) throw named('JobInProgress');
      return {
        ...run,
        pending: [],
        jobs: [{ jobId: `drsjob-${account.accountId}`, serverIds: account.serverIds, finished: true }],
        done: true,
      };
    },
  };
}

/** Each execution's events as `machine account type state +seconds`, sorted (executions interleave). */
function timeline(events: RuntimeEvent[]): string[] {
  return events
    .map((e) => {
      const state = 'state' in e ? e.state : '';
      return `${e.machine} ${e.accountId ?? '-'} ${e.type} ${state} +${elapsedSeconds(Date.parse(e.time))}`;
    })
    .sort();
}

describe('Class: DiscreteScheduler', () => {
  it('wakes two concurrent sleepers at 30 s and 45 s of virtual time, not 75 s', async () => {
    const clock = new VirtualClock(FAKE_START_MS, 0);
    const scheduler = new DiscreteScheduler({ clock });
    const woke: number[] = [];

    await Promise.all([
      scheduler.sleep(45_000).then(() => woke.push(elapsedSeconds(clock.nowMs()))),
      scheduler.sleep(30_000).then(() => woke.push(elapsedSeconds(clock.nowMs()))),
    ]);

    expect(woke).toEqual([30, 45]);
    expect(elapsedSeconds(clock.nowMs())).toBe(45);
    expect(scheduler.stats()).toMatchObject({ advances: 2, advancedMs: 45_000, sleeps: 2 });
  });

  it('refuses a clock that is not frozen', () => {
    const clock = new VirtualClock(FAKE_START_MS, 60);

    expect(() => new DiscreteScheduler({ clock })).toThrow(
      /clock runs at time scale 60; discrete virtual time needs a frozen clock/,
    );
  });
});

describe('Function: runStateMachine in discrete virtual time', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });

  it('runs concurrent executor children side by side: 60 s and 90 s of polling end at 60 s and 90 s', async () => {
    const { env, clock } = fakeEnv(ACCOUNTS, {
      discrete: true,
      overrides: timedRecovery({ [A]: 60, [B]: 90 }),
    });

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { w: '1' } },
      env,
    });

    expect(result.status).toBe('SUCCEEDED');
    const executors = result.stats.executions.filter((e) => e.machine === 'executor');
    const took = Object.fromEntries(
      executors.map((e) => [e.accountId, (Date.parse(e.stopTime) - Date.parse(e.startTime)) / 1000]),
    );
    expect(took).toEqual({ [A]: 60, [B]: 90 });
    // The main machine hears of the last executor's end by its callback, at once.
    expect(elapsedSeconds(clock.nowMs())).toBe(90);
  });

  it('nests children two levels deep (waves, main, executors) without adding their waits up', async () => {
    const { env, clock } = fakeEnv(ACCOUNTS, {
      discrete: true,
      overrides: timedRecovery({ [A]: 60, [B]: 90 }),
    });

    const result = await runStateMachine({
      machine: 'waves',
      input: { action: 'drill', waves: [{ tags: { w: '1' } }, { tags: { w: '2' } }] },
      env,
    });

    expect(result.output).toMatchObject({ status: 'success', wavesRun: 2 });
    const mains = result.stats.executions.filter(
      (e) => e.machine === 'main' && !isMapRunChild(e.executionArn),
    );
    // Each main ends when its 90 s executor calls back: 90 s, not the sum of waits.
    expect(mains.map((e) => (Date.parse(e.stopTime) - Date.parse(e.startTime)) / 1000)).toEqual([90, 90]);
    expect(result.stats.executions.filter((e) => e.machine === 'executor')).toHaveLength(4);
    expect(elapsedSeconds(clock.nowMs())).toBe(180);
  });

  it('does not move virtual time while a task does slow real work, even with sleepers pending', async () => {
    const seen: { before: number; after: number }[] = [];
    const slowStart = async (event: Json, deps: Json): Promise<void> => {
      if ((event.account as Json).accountId !== B) return;
      const before = depsOf(deps).now().getTime();
      // Real wall time: a busy machine or a slow call. Account A's 30 s retry is pending meanwhile.
      await new Promise((r) => setTimeout(r, 150));
      seen.push({ before, after: depsOf(deps).now().getTime() });
    };
    const { env } = fakeEnv(ACCOUNTS, {
      discrete: true,
      overrides: timedRecovery(
        { [A]: 30, [B]: 30 },
        { 'monitor-job': slowStart, 'start-recovery': slowStart },
      ),
    });

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { w: '1' } },
      env,
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const s of seen) expect(s.after).toBe(s.before);
  });

  it("waits a Wait state's SecondsPath in virtual time and passes its input through unchanged", async () => {
    const definition: AslObject = {
      StartAt: 'Hold',
      States: { Hold: { Type: 'Wait', SecondsPath: '$.run.waitSeconds', End: true } },
    };
    const { env, clock } = fakeEnv(ACCOUNTS, { discrete: true, env: { definitions: { main: definition } } });

    const result = await runStateMachine({
      machine: 'main',
      input: { run: { waitSeconds: 270, x: 1 } },
      env,
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ run: { waitSeconds: 270, x: 1 } });
    expect(elapsedSeconds(clock.nowMs())).toBe(270);
  });

  it('fails a SecondsPath Wait whose value is not a whole number of seconds with States.Runtime', async () => {
    const definition: AslObject = {
      StartAt: 'Hold',
      States: { Hold: { Type: 'Wait', SecondsPath: '$.run.waitSeconds', End: true } },
    };
    const { env } = fakeEnv(ACCOUNTS, { discrete: true, env: { definitions: { main: definition } } });

    const result = await runStateMachine({ machine: 'main', input: { run: { waitSeconds: -4 } }, env });

    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(result.cause).toMatch(/SecondsPath of wait state Hold gave -4; expected an integer >= 0/);
  });

  it('keeps time still while an HTTP call is in flight in one branch of a task that sleeps in another', async () => {
    server = createServer((_req, res) => setTimeout(() => res.end('ok'), 150));
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    let answeredAt: number | undefined;
    let startedAt: number | undefined;
    const definition: AslObject = {
      StartAt: 'Discover',
      States: { Discover: { Type: 'Task', Resource: placeholder('DiscoverFunctionArn'), End: true } },
    };
    const { env, clock } = fakeEnv(ACCOUNTS, {
      discrete: true,
      env: { definitions: { main: definition } },
      overrides: {
        discover: async (_event, deps) => {
          const { now, sleep } = depsOf(deps);
          startedAt = now().getTime();
          const call = new Promise<void>((resolve, reject) => {
            get({ host: '127.0.0.1', port, path: '/' }, (res) => {
              res.resume();
              res.on('end', () => {
                answeredAt = now().getTime();
                resolve();
              });
            }).on('error', reject);
          });
          await Promise.all([sleep(10_000), call]);
          return { ok: true };
        },
      },
    });

    const result = await runStateMachine({ machine: 'main', input: {}, env });

    expect(result.status).toBe('SUCCEEDED');
    expect(answeredAt).toBe(startedAt);
    expect(elapsedSeconds(clock.nowMs())).toBe(10);
  });

  it('gives the same event timeline twice, whatever the wall time the tasks take', async () => {
    const runOnce = async (): Promise<string[]> => {
      // Random wall delays stand in for a loaded machine; they must not show in virtual time.
      const jitter = async (): Promise<void> => {
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));
      };
      const { env } = fakeEnv(ACCOUNTS, {
        discrete: true,
        overrides: timedRecovery({ [A]: 120, [B]: 75 }, { 'monitor-job': jitter, 'start-recovery': jitter }),
      });
      const events: RuntimeEvent[] = [];
      await runStateMachine({
        machine: 'main',
        input: { action: 'drill', tags: { w: '1' } },
        env,
        onEvent: (e) => events.push(e),
      });
      return timeline(events);
    };

    const first = await runOnce();
    const second = await runOnce();

    expect(first.length).toBeGreaterThan(20);
    expect(second).toEqual(first);
    expect(first.filter((line) => line.includes('executor 222222222222 ExecutionSucceeded'))).toEqual([
      'executor 222222222222 ExecutionSucceeded  +90',
    ]);
  });

  it('waits out Retry intervals with their backoff and MaxDelaySeconds in virtual time', async () => {
    const calls: number[] = [];
    const definition: AslObject = {
      StartAt: 'Discover',
      States: {
        Discover: {
          Type: 'Task',
          Resource: placeholder('DiscoverFunctionArn'),
          Retry: [
            { ErrorEquals: ['Flaky'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 3 },
            {
              ErrorEquals: ['Slow'],
              IntervalSeconds: 10,
              BackoffRate: 10,
              MaxDelaySeconds: 60,
              MaxAttempts: 2,
            },
          ],
          End: true,
        },
      },
    };
    const { env } = fakeEnv(ACCOUNTS, {
      discrete: true,
      env: { definitions: { main: definition } },
      overrides: {
        discover: (_event, deps) => {
          calls.push(elapsedSeconds(depsOf(deps).now().getTime()));
          // Three Flaky (2, 6, 18 s apart), then Slow until its retries run out (10, then 60 s capped).
          if (calls.length <= 3) throw named('Flaky');
          throw named('Slow');
        },
      },
    });

    const result = await runStateMachine({ machine: 'main', input: {}, env });

    expect(result).toMatchObject({ status: 'FAILED', error: 'Slow' });
    expect(calls).toEqual([0, 2, 8, 26, 36, 96]);
  });

  it('runs a Wait state in virtual time and still reports it as a Wait', async () => {
    const definition: AslObject = {
      StartAt: 'Pause',
      States: {
        Pause: { Type: 'Wait', Seconds: 120, Next: 'Discover' },
        Discover: { Type: 'Task', Resource: placeholder('DiscoverFunctionArn'), End: true },
      },
    };
    const events: RuntimeEvent[] = [];
    const { env } = fakeEnv(ACCOUNTS, { discrete: true, env: { definitions: { main: definition } } });

    const result = await runStateMachine({
      machine: 'main',
      input: { x: 1 },
      env,
      onEvent: (e) => events.push(e),
    });

    expect(result.status).toBe('SUCCEEDED');
    const entered = events.filter((e) => e.type === 'StateEntered');
    expect(entered.map((e) => ('stateType' in e ? `${e.state}:${e.stateType}` : ''))).toEqual([
      'Pause:Wait',
      'Discover:Task',
    ]);
    expect(entered.map((e) => elapsedSeconds(Date.parse(e.time)))).toEqual([0, 120]);
  });

  it('times a task out in virtual time and drops the sleep it was in', async () => {
    const definition: AslObject = {
      StartAt: 'Slow',
      States: {
        Slow: { Type: 'Task', Resource: placeholder('DiscoverFunctionArn'), TimeoutSeconds: 60, End: true },
      },
    };
    const { env, clock } = fakeEnv(ACCOUNTS, {
      discrete: true,
      env: { definitions: { main: definition } },
      overrides: { discover: async (_event, deps) => depsOf(deps).sleep(120_000) },
    });

    const result = await runStateMachine({ machine: 'main', input: {}, env });

    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(elapsedSeconds(clock.nowMs())).toBe(60);
  });

  it('lets an unanswered approval run into its timeout in virtual time', async () => {
    const { env, clock } = fakeEnv(ACCOUNTS, { discrete: true });

    const result = await runStateMachine({
      machine: 'waves',
      input: ONE_APPROVAL_WAVE,
      env,
    });

    expect(result.output).toMatchObject({ status: 'timeout', stoppedAtWave: 1 });
    expect(elapsedSeconds(clock.nowMs())).toBe(600);
  });
});

describe('Safety net: DiscreteScheduler stall detection', () => {
  it('fails the run with SchedulerStalled naming the task that awaits neither HTTP nor a sleep', async () => {
    const definition: AslObject = {
      StartAt: 'Discover',
      States: { Discover: { Type: 'Task', Resource: placeholder('DiscoverFunctionArn'), End: true } },
    };
    const { env } = fakeEnv(ACCOUNTS, {
      discrete: true,
      scheduler: { stallTimeoutMs: 200 },
      env: { definitions: { main: definition } },
      // A task stuck on something the scheduler cannot see (a promise nobody resolves).
      overrides: { discover: () => new Promise(() => {}) },
    });

    const result = await runStateMachine({ machine: 'main', input: {}, env, name: 'stuck' });

    expect(result).toMatchObject({ status: 'FAILED', error: 'SchedulerStalled' });
    expect(result.cause).toMatch(/^discrete scheduler stalled: nothing moved for [\d.]+ s of real time/);
    expect(result.cause).toContain(
      'main execution stuck: task Discover running, awaiting neither HTTP nor a scheduler sleep',
    );
    expect(result.cause).toContain('0 HTTP request(s) in flight; 0 wake-up(s) pending');
  });

  it('names what every execution of a stalled tree waits on: the parent its callback, the child its sleep', async () => {
    const { env } = fakeEnv(ACCOUNTS, {
      discrete: true,
      scheduler: { stallTimeoutMs: 200 },
      overrides: {
        // Account A sleeps 30 s (a wake-up is pending); account B's task hangs, so time never moves.
        'start-recovery': (event, deps) =>
          (event.account as Json).accountId === A ? depsOf(deps).sleep(30_000) : new Promise(() => {}),
      },
    });

    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { w: '1' } },
      env,
      name: 'tree',
    });

    expect(result).toMatchObject({ status: 'FAILED', error: 'SchedulerStalled' });
    const lines = (result.cause ?? '').split('\n');
    const executor = (account: string): string | undefined =>
      lines
        .find((l) => l.startsWith(`executor ${account} execution `))
        ?.replace(/execution \S+:/, 'execution:');
    expect(executor(A)).toBe(
      `executor ${A} execution: task StartRecovery blocked on a sleep until 2025-01-06T09:00:30.000Z`,
    );
    expect(executor(B)).toBe(
      `executor ${B} execution: task StartRecovery running, awaiting neither HTTP nor a scheduler sleep`,
    );
    // The main machine's Distributed Map waits for its two account children (map run child
    // executions), and each of those waits for its executor's callback.
    expect(lines.filter((l) => l.startsWith('main execution tree:'))).toEqual([
      'main execution tree: task ExecutePerAccount (map run child) blocked on its map run child execution (AccountExecutors)',
      'main execution tree: task ExecutePerAccount (map run child) blocked on its map run child execution (AccountExecutors)',
    ]);
    expect(
      lines
        .filter((l) => /^main execution [0-9a-f-]{36}:/.test(l))
        .map((l) => l.replace(/^main execution \S+:/, '')),
    ).toEqual([
      ' task RunAccountExecutor blocked on the answer to its task token',
      ' task RunAccountExecutor blocked on the answer to its task token',
    ]);
    // A's sleep, and each waiting Task's heartbeat and timeout timers.
    expect(lines.at(-1)).toMatch(
      /^0 HTTP request\(s\) in flight; 5 wake-up\(s\) pending, the earliest at 2025-01-06T09:00:30.000Z/,
    );
  });

  it('does not call a long synchronous computation a stall', async () => {
    const definition: AslObject = {
      StartAt: 'Discover',
      States: { Discover: { Type: 'Task', Resource: placeholder('DiscoverFunctionArn'), End: true } },
    };
    const { env } = fakeEnv(ACCOUNTS, {
      discrete: true,
      scheduler: { stallTimeoutMs: 100 },
      env: { definitions: { main: definition } },
      overrides: {
        discover: async (_event, deps) => {
          await depsOf(deps).sleep(1000);
          // The event loop is blocked for five stall timeouts: no watchdog tick can run meanwhile.
          const until = Date.now() + 500;
          while (Date.now() < until) {
            /* busy, like a large aggregate on a slow machine */
          }
          return { ok: true };
        },
      },
    });

    const result = await runStateMachine({ machine: 'main', input: {}, env });

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { ok: true } });
  });

  it('does not call a pending approval with nothing else to wake a stall: a human may answer late', async () => {
    const definition: AslObject = {
      StartAt: 'Approve',
      States: {
        Approve: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
          Parameters: {
            TopicArn: 'arn:aws:sns:us-east-1:123456789012:approvals',
            'Message.$': '$$.Task.Token',
          },
          End: true,
        },
      },
    };
    const { env } = fakeEnv(ACCOUNTS, {
      discrete: true,
      scheduler: { stallTimeoutMs: 50 },
      env: {
        definitions: { main: definition },
      },
    });

    const result = await runStateMachine({
      machine: 'main',
      input: {},
      env,
      // Answers after many stall timeouts of real time.
      onEvent: answerApprovals(
        () => new Promise((r) => setTimeout(() => r({ kind: 'success', output: { ok: 1 } }), 600)),
      ),
    });

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { ok: 1 } });
  });

  it('holds the clock while a person decides: the approval timeout does not come, the wait is no stall, and describe() says why', async () => {
    const { env, scheduler } = fakeEnv(ACCOUNTS, { discrete: true, scheduler: { stallTimeoutMs: 50 } });
    let described = '';
    const approvalTimes: string[] = [];

    const result = await runStateMachine({
      machine: 'waves',
      input: ONE_APPROVAL_WAVE,
      env,
      // Held from the announcement; answered after many stall timeouts of real time.
      onEvent: (event) => {
        if (
          (event.type === 'StateEntered' || event.type === 'StateExited') &&
          event.state === 'RequestApproval'
        )
          approvalTimes.push(event.time);
        if (event.type !== 'ApprovalRequested') return;
        const release = scheduler?.hold('the operator decides on wave 1');
        setTimeout(() => {
          described = scheduler?.describe() ?? '';
          answerTaskToken(event.request.token, { kind: 'success', output: { approved: true } });
          release?.();
        }, 600);
      },
    });

    expect(result.output).toMatchObject({ status: 'success', wavesRun: 1 });
    expect(described).toContain('clock held: the operator decides on wave 1');
    // Virtual time stood still from the question to the answer.
    expect(approvalTimes).toHaveLength(2);
    expect(approvalTimes[1]).toBe(approvalTimes[0]);
  });

  it('refuses a negative stall timeout', () => {
    const clock = new VirtualClock(FAKE_START_MS, 0);

    expect(() => new DiscreteScheduler({ clock, stallTimeoutMs: -1 })).toThrow(
      /stall timeout -1 ms is invalid; expected a finite number >= 0/,
    );
  });
});
