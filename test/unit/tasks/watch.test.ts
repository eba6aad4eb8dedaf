import { describe, expect, it } from 'vitest';
import type { TaskDeps } from '../../../src/tasks/deps.js';
import type { AccountEvent } from '../../../src/tasks/types.js';
import { StillRunning, type WatchedRun, watchRun } from '../../../src/tasks/watch.js';

const NOW = new Date('2026-01-01T10:00:00Z');
const deps = { now: () => NOW } as unknown as TaskDeps;

function eventOf(run: WatchedRun & { note?: string }): AccountEvent & { run: typeof run } {
  return {
    request: {} as AccountEvent['request'],
    execution: { id: 'x', name: 'x', startTime: NOW.toISOString() },
    account: { accountId: '111111111111', region: 'us-east-1', roleArn: 'r', serverIds: [] },
    run,
  } as unknown as AccountEvent & { run: typeof run };
}

describe('watchRun: the one poll loop of recovery, terminate and failback runs', () => {
  it('returns a done run as it is, without polling DRS', async () => {
    let polled = 0;
    const run = await watchRun(
      eventOf({ done: true, polls: 3, deadline: NOW.toISOString() }),
      deps,
      async (r) => {
        polled += 1;
        return r;
      },
    );

    expect(run).toEqual({ done: true, polls: 3, deadline: NOW.toISOString() });
    expect(polled).toBe(0);
  });

  it('counts a poll that returns the run, on a copy: the event is left as it was', async () => {
    const event = eventOf({ polls: 1, deadline: '2026-01-01T11:00:00Z' });

    const run = await watchRun(event, deps, async (r) => Object.assign(r, { note: 'launched' }));

    expect(run).toEqual({ polls: 2, deadline: '2026-01-01T11:00:00Z', note: 'launched' });
    expect(event.run).toEqual({ polls: 1, deadline: '2026-01-01T11:00:00Z' });
  });

  it('turns a poll that found nothing to record into JobInProgress naming the account and the DRS call', async () => {
    const event = eventOf({ polls: 1, deadline: '2026-01-01T11:00:00Z' });

    const failure = await watchRun(
      event,
      deps,
      async () => new StillRunning('2 jobs still running', 'drs:DescribeJobs'),
    ).catch((err: unknown) => err);

    expect(failure).toMatchObject({
      name: 'JobInProgress',
      message: expect.stringContaining('2 jobs still running'),
    });
    expect(JSON.stringify(failure)).toContain('drs:DescribeJobs');
  });

  it('tells the poll whether the deadline has passed', async () => {
    const seen: boolean[] = [];
    for (const deadline of ['2026-01-01T09:59:59Z', '2026-01-01T10:00:01Z']) {
      await watchRun(eventOf({ polls: 0, deadline }), deps, async (r, { expired }) => {
        seen.push(expired());
        return r;
      });
    }

    expect(seen).toEqual([true, false]);
  });
});
