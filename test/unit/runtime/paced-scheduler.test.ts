/**
 * Paced virtual time (`drs-orch serve`, `--time-scale`): the clock runs at its time scale only
 * while every execution is idle, never past the earliest wake-up before it has woken, and a move
 * of the clock by hand wakes what became due. Driven with an injected wall clock: no real waiting
 * beyond the pace timers of a few milliseconds.
 */
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/emulator/clock.js';
import { DiscreteScheduler } from '../../../src/runtime/index.js';

const START = Date.parse('2025-01-06T09:00:00Z');

function world() {
  let wall = 0;
  const clock = new VirtualClock(START, 1000, () => wall);
  const scheduler = new DiscreteScheduler({ clock, paced: true, stallTimeoutMs: 0 });
  return {
    clock,
    scheduler,
    /** Moves the wall clock by `ms` real milliseconds. */
    pass: (ms: number) => {
      wall += ms;
    },
  };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

describe('Class: DiscreteScheduler (paced)', () => {
  it('stops the clock while a task of an execution is at work, whatever wall time passes', () => {
    const { clock, scheduler, pass } = world();
    const exec = scheduler.beginExecution();
    exec.beginTask('busy');

    pass(60_000);

    expect(clock.nowMs()).toBe(START);
    exec.end();
  });

  it('lets the clock run at its scale while everything is idle, and holds it at the earliest wake-up until that sleeper ran', async () => {
    const { clock, scheduler, pass } = world();
    const exec = scheduler.beginExecution();
    const task = exec.beginTask('poll');
    let woke = false;
    const slept = task.sleepUntil(START + 30_000).then(() => {
      woke = true;
    });

    pass(10); // 10 virtual seconds
    expect(clock.nowMs()).toBe(START + 10_000);
    pass(3_600_000); // an hour of wall time: the clock waits at the wake-up
    expect(clock.nowMs()).toBe(START + 30_000);
    await slept;
    await settle();

    expect(woke).toBe(true);
    // The woken task is at work again: the clock stands at its wake-up.
    pass(60_000);
    expect(clock.nowMs()).toBe(START + 30_000);
    exec.end();
  });

  it('wakes a 7-day timer at once when the clock is moved 8 days ahead by hand', async () => {
    const { clock, scheduler } = world();
    const exec = scheduler.beginExecution();
    const task = exec.beginTask('approval');
    let fired = false;
    void task.timer(START + 7 * 86_400_000).then(() => {
      fired = true;
    });
    const answered = task.blockOn(new Promise(() => {}), 'approval');
    void answered;

    clock.advance(8 * 86_400_000);
    await settle();

    expect(fired).toBe(true);
    exec.end();
  });

  it('runs freely when no execution runs', () => {
    const { clock, scheduler, pass } = world();
    void scheduler;

    pass(5);

    expect(clock.nowMs()).toBe(START + 5_000);
  });

  it('does not call a slow answer a stall: a request in flight is the server at work', async () => {
    const clock = new VirtualClock(START, 1000);
    const scheduler = new DiscreteScheduler({ clock, paced: true, stallTimeoutMs: 50 });
    const server = createServer((_req, res) => {
      setTimeout(() => res.end('late'), 400);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const stalls: string[] = [];
    const exec = scheduler.beginExecution({ onStall: (e) => stalls.push(e.message) });
    const task = exec.beginTask('slow call');

    // node:http, as the AWS SDK uses (the scheduler sees its requests).
    const answer = await task.run(
      () =>
        new Promise<string>((resolve, reject) => {
          get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => {
              body += c.toString();
            });
            res.on('end', () => resolve(body));
          }).on('error', reject);
        }),
    );
    task.end();
    exec.end();
    server.close();

    expect(answer).toBe('late');
    expect(stalls).toEqual([]);
  });

  it('refuses a clock it cannot hold', () => {
    expect(
      () =>
        new DiscreteScheduler({ clock: { nowMs: () => 0, advance: () => {}, timeScale: 1 }, paced: true }),
    ).toThrow(/paced virtual time needs a clock the scheduler can hold/);
  });
});
