import { StateMachine } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../../src/runtime/polyfill.js';
import {
  ensureInterpreterErrors,
  HistoryLimitReached,
  namedError,
  PayloadLimitExceeded,
  statesRuntimeError,
  statesTimeoutError,
} from '../../../src/runtime/errors.js';
import { type AslObject, runStateMachine } from '../../../src/runtime/index.js';
import { planRetry, retrierMatches } from '../../../src/runtime/retry.js';
import { fakeEnv } from './fake-tasks.js';

/** `${Name}` as it appears in an ASL file. */
function placeholder(name: string): string {
  return `\${${name}}`;
}

const ERROR_EQUALS = [
  ['Boom'],
  ['Other'],
  ['States.ALL'],
  ['States.TaskFailed'],
  ['States.Timeout'],
  ['States.Runtime'],
  ['Other', 'States.TaskFailed'],
] as const;

const ERRORS: Record<string, () => Error> = {
  'a task error named Boom': () => namedError('Boom', 'boom'),
  'States.Timeout raised by the runtime': () => statesTimeoutError('task timed out after 5 seconds'),
  'States.Runtime': () => statesRuntimeError('bad TimeoutSecondsPath'),
  'a payload over the limit': () => new PayloadLimitExceeded('too big'),
  'a history over the limit': () => new HistoryLimitReached('too long'),
};

/** Whether the interpreter itself retries a Task that throws `error` once, with one retrier. */
async function interpreterRetries(errorEquals: readonly string[], error: Error): Promise<boolean> {
  let calls = 0;
  const machine = new StateMachine(
    {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:123456789012:function:t',
          Retry: [{ ErrorEquals: [...errorEquals], MaxAttempts: 1 }],
          End: true,
        },
      },
    } as never,
    { validationOptions: { noValidate: true } },
  );
  const run = machine.run({} as never, {
    overrides: {
      taskResourceLocalHandlers: {
        T: async () => {
          calls += 1;
          if (calls === 1) throw error;
          return 'ok';
        },
      } as never,
      retryIntervalOverrides: { T: 0 },
    },
  });
  await run.result.catch(() => undefined);
  return calls === 2;
}

describe('retry matching', () => {
  beforeAll(() => ensureInterpreterErrors());

  for (const [label, make] of Object.entries(ERRORS)) {
    for (const errorEquals of ERROR_EQUALS) {
      it(`decides as the interpreter does for ${label} against ${JSON.stringify(errorEquals)}`, async () => {
        expect(retrierMatches(errorEquals, make())).toBe(await interpreterRetries(errorEquals, make()));
      });
    }
  }

  it('keeps States.Timeout out of States.TaskFailed but in States.ALL and by its name, as AWS does', () => {
    const timeout = statesTimeoutError('task timed out after 5 seconds');

    expect(timeout.name).toBe('States.Timeout');
    expect(retrierMatches(['States.TaskFailed'], timeout)).toBe(false);
    expect(retrierMatches(['States.ALL'], timeout)).toBe(true);
    expect(retrierMatches(['States.Timeout'], timeout)).toBe(true);
    expect(retrierMatches(['States.TaskFailed'], namedError('Boom', 'x'))).toBe(true);
  });

  it('never retries States.Runtime or a limit error, not even on States.ALL', () => {
    expect(retrierMatches(['States.ALL'], statesRuntimeError('x'))).toBe(false);
    expect(retrierMatches(['States.ALL'], new PayloadLimitExceeded('x'))).toBe(false);
    expect(retrierMatches(['States.ALL'], new HistoryLimitReached('x'))).toBe(false);
  });

  it('plans the backoff series of the first matching retrier, capped, up to MaxAttempts', () => {
    const retriers = [
      { errorEquals: ['Other'], intervalSeconds: 1, maxAttempts: 9, backoffRate: 1 },
      { errorEquals: ['Boom'], intervalSeconds: 10, maxAttempts: 3, backoffRate: 2, maxDelaySeconds: 30 },
    ];
    const boom = namedError('Boom', 'x');
    const waits: number[] = [];
    let plan = planRetry(retriers, undefined, boom, 0);
    while (plan) {
      waits.push(plan.wakeMs ?? -1);
      plan = planRetry(retriers, plan, boom, 0);
    }

    expect(waits).toEqual([10_000, 20_000, 30_000]);
  });
});

describe('retry of a Task that times out (runtime, both time modes)', () => {
  const definition = (errorEquals: string[]): AslObject => ({
    StartAt: 'Slow',
    States: {
      Slow: {
        Type: 'Task',
        Resource: placeholder('DiscoverFunctionArn'),
        TimeoutSeconds: 60,
        Retry: [{ ErrorEquals: errorEquals, IntervalSeconds: 1, MaxAttempts: 2 }],
        End: true,
      },
    },
  });

  for (const discrete of [true, false]) {
    const mode = discrete ? 'discrete time' : 'scaled time';

    it(`does not retry States.Timeout on States.TaskFailed (${mode})`, async () => {
      let calls = 0;
      const { env } = fakeEnv([], {
        ...(discrete ? { discrete: true } : { timeScale: 100_000 }),
        env: { definitions: { main: definition(['States.TaskFailed']) } },
        overrides: {
          // An hour of work (in virtual time): beyond the state's 60 s timeout.
          discover: (_event, deps) => {
            calls += 1;
            return (deps.sleep as (ms: number) => Promise<void>)(3_600_000);
          },
        },
      });

      const result = await runStateMachine({ machine: 'main', input: {}, env });

      expect(result).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
      expect(calls).toBe(1);
    });

    it(`retries States.Timeout when the Retry names it (${mode})`, async () => {
      let calls = 0;
      const { env } = fakeEnv([], {
        ...(discrete ? { discrete: true } : { timeScale: 100_000 }),
        env: { definitions: { main: definition(['States.Timeout']) } },
        overrides: {
          // An hour of work (in virtual time): beyond the state's 60 s timeout.
          discover: (_event, deps) => {
            calls += 1;
            return (deps.sleep as (ms: number) => Promise<void>)(3_600_000);
          },
        },
      });

      const result = await runStateMachine({ machine: 'main', input: {}, env });

      expect(result).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
      expect(calls).toBe(3);
    });
  }
});
