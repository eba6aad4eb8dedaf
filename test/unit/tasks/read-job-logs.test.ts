/**
 * readJobLogs: a finished job's log is read once and kept with the job; a log DRS refuses costs the
 * evidence, not the recovery; a throttle is thrown for the task's Retry.
 */
import { describe, expect, it } from 'vitest';
import type { DrsPort } from '../../../src/aws/index.js';
import type { RecoveryRun } from '../../../src/core/model.js';
import { type RecoveryContext, readJobLogs } from '../../../src/tasks/recovery.js';

/** A context whose DRS answers DescribeJobLogItems with `answer` (and counts the calls). */
function context(answer: () => unknown, warnings: unknown[] = []) {
  const calls = { n: 0 };
  const drs = {
    describeJobLogItems: async () => {
      calls.n += 1;
      return answer();
    },
  } as unknown as DrsPort;
  const ctx = {
    drs,
    deps: { log: { warn: (...args: unknown[]) => warnings.push(args), info: () => {}, error: () => {} } },
  } as unknown as RecoveryContext;
  return { ctx, calls };
}

function run(): RecoveryRun {
  return {
    kind: 'recovery',
    deadline: '2025-01-06T10:00:00.000Z',
    pending: [],
    waiting: [],
    jobs: [
      { jobId: 'drsjob-1', serverIds: ['s-1'], finished: true },
      { jobId: 'drsjob-2', serverIds: ['s-2'] },
    ],
    failed: [],
    done: false,
    polls: 0,
  } as RecoveryRun;
}

const ITEM = {
  event: 'USING_PREVIOUS_SNAPSHOT',
  logDateTime: '2025-01-06T09:00:25.000Z',
  eventData: { sourceServerID: 's-1' },
};

describe('readJobLogs', () => {
  it('reads the log of a finished job once, keeping its notable items, and never a running job', async () => {
    const { ctx, calls } = context(() => ({
      items: [{ event: 'JOB_START', logDateTime: '2025-01-06T09:00:00.000Z' }, ITEM],
    }));
    const r = run();
    expect(await readJobLogs(ctx, r, ['drsjob-1', 'drsjob-2'])).toBe(true);
    expect(await readJobLogs(ctx, r, ['drsjob-1', 'drsjob-2'])).toBe(false);
    expect(calls.n).toBe(1);
    expect(r.jobs[0]?.logEvents).toEqual([
      { event: 'USING_PREVIOUS_SNAPSHOT', time: '2025-01-06T09:00:25.000Z', sourceServerID: 's-1' },
    ]);
    expect(r.jobs[1]?.logEvents).toBeUndefined();
  });

  it('leaves the items out, logs why and asks only once when DRS refuses the log (a role without drs:DescribeJobLogItems)', async () => {
    const warnings: unknown[] = [];
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    const { ctx, calls } = context(() => {
      throw denied;
    }, warnings);
    const r = run();
    expect(await readJobLogs(ctx, r, ['drsjob-1'])).toBe(true);
    expect(await readJobLogs(ctx, r, ['drsjob-1'])).toBe(false);
    expect(calls.n).toBe(1);
    expect(r.jobs[0]?.logEvents).toEqual([]);
    expect(JSON.stringify(warnings)).toContain('AccessDeniedException');
  });

  it('throws a throttle so that the task is retried', async () => {
    const throttled = Object.assign(new Error('slow down'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 429 },
    });
    const { ctx } = context(() => {
      throw throttled;
    });
    await expect(readJobLogs(ctx, run(), ['drsjob-1'])).rejects.toThrow('slow down');
  });
});
