import { describe, expect, it } from 'vitest';
import { createProgress, formatElapsed } from '../../../src/cli/progress.js';
import { Capture } from './fakes.js';

/** A clock the test moves by hand. */
function manualClock(startIso = '2025-01-06T09:00:00Z') {
  let now = Date.parse(startIso);
  return {
    now: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const MAIN = {
  arn: 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main:run-1',
  machine: 'main',
};
/** An account's executor as the local runtime names it (its account known). */
const executor = (accountId: string) => ({
  arn: `arn:aws:states:us-east-1:${accountId}:execution:drs-staging-account-executor:run-1-${accountId}`,
  machine: 'executor',
  accountId,
});
const started = (serverCount = 0, accountId?: string) => ({
  type: 'ExecutionStarted',
  details: {
    input: JSON.stringify({
      account: {
        ...(accountId !== undefined && { accountId }),
        serverIds: Array.from({ length: serverCount }, (_, i) => `s-${i}`),
      },
    }),
  },
});
const entered = (name: string) => ({ type: 'TaskStateEntered', details: { name } });
/** A task of the executor leaving its run state: `launching` servers in an open job, `launched` by a finished one. */
const runState = (launching: number, launched: number, failed: number, name = 'MonitorRecovery') => ({
  type: 'TaskStateExited',
  details: {
    name,
    output: JSON.stringify({
      run: {
        kind: 'recovery',
        jobs: [
          { jobId: 'drsjob-open', serverIds: Array.from({ length: launching }, (_, i) => `s-${i}`) },
          { jobId: 'drsjob-done', serverIds: [], finished: true, launched },
        ],
        failed: Array.from({ length: failed }, (_, i) => ({ id: `s-f${i}` })),
      },
    }),
  },
});
const succeeded = (output: unknown = {}) => ({
  type: 'ExecutionSucceeded',
  details: { output: JSON.stringify(output) },
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what we strip
const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

describe('Function: formatElapsed', () => {
  it('formats milliseconds as HH:MM:SS', () => {
    expect(formatElapsed(0)).toBe('00:00:00');
    expect(formatElapsed(61_999)).toBe('00:01:01');
    expect(formatElapsed(2 * 3600_000 + 5 * 60_000 + 7_000)).toBe('02:05:07');
  });

  it('treats negative durations as zero', () => {
    expect(formatElapsed(-5_000)).toBe('00:00:00');
  });
});

describe('Function: createProgress', () => {
  describe('plain lines (not a TTY)', () => {
    it('prints one line per change with the elapsed virtual time', () => {
      const stream = new Capture(false);
      const clock = manualClock();
      const progress = createProgress({ stream, isTTY: false, quiet: false, title: 'drill', now: clock.now });

      const account = executor('111111111111');
      progress.onEvent(MAIN, started());
      progress.onEvent(MAIN, entered('DiscoverServers'));
      clock.advance(90_000);
      progress.onEvent(account, started(10));
      progress.onEvent(account, entered('StartRecovery'));
      progress.onEvent(account, runState(10, 0, 0, 'StartRecovery'));
      clock.advance(20 * 60_000);
      progress.onEvent(account, runState(0, 9, 1));
      progress.onEvent(
        account,
        succeeded({ summary: { serversProcessed: 10, succeeded: 9, failed: 1, timedOut: 0 } }),
      );
      progress.stop();

      expect(stream.text.split('\n').filter(Boolean)).toEqual([
        '[00:00:00] main execution started (run-1)',
        '[00:00:00] DiscoverServers',
        '[00:01:30] 111111111111 executor started',
        '[00:01:30] 111111111111 StartRecovery',
        '[00:01:30] 111111111111 discovered 10 launching 10 launched 0 failed 0',
        '[00:21:30] 111111111111 discovered 10 launching 0 launched 9 failed 1',
        '[00:21:30] 111111111111 executor finished',
      ]);
    });

    it('prints at most one progress line per account per virtual minute unless something notable happens', () => {
      const stream = new Capture(false);
      const clock = manualClock();
      const progress = createProgress({ stream, isTTY: false, quiet: false, title: 'drill', now: clock.now });
      const account = executor('111111111111');
      progress.onEvent(account, started(100));
      const tick = (launched: number, failed = 0, launching = 100 - launched - failed) =>
        progress.onEvent(account, runState(launching, launched, failed));

      tick(0); // first: printed
      for (let launched = 1; launched <= 20; launched++) {
        clock.advance(2_000);
        tick(launched); // 40 s of small steps: hidden
      }
      clock.advance(30_000);
      tick(21); // a minute after the last line: printed
      clock.advance(1_000);
      tick(21, 1); // a failure: printed
      clock.advance(1_000);
      tick(99, 1, 0); // done: printed

      expect(stream.text.split('\n').filter(Boolean)).toEqual([
        '[00:00:00] 111111111111 executor started',
        '[00:00:00] 111111111111 discovered 100 launching 100 launched 0 failed 0',
        '[00:01:10] 111111111111 discovered 100 launching 79 launched 21 failed 0',
        '[00:01:11] 111111111111 discovered 100 launching 78 launched 21 failed 1',
        '[00:01:12] 111111111111 discovered 100 launching 0 launched 99 failed 1',
      ]);
    });

    it('skips events that change nothing', () => {
      const stream = new Capture(false);
      const progress = createProgress({
        stream,
        isTTY: false,
        quiet: false,
        title: 'drill',
        now: manualClock().now,
      });
      const account = executor('222222222222');
      progress.onEvent(account, runState(5, 0, 0));
      progress.onEvent(account, runState(5, 0, 0));
      progress.onEvent(account, entered('MonitorRecovery'));
      progress.onEvent(account, entered('MonitorRecovery'));
      progress.onEvent(account, { type: 'LambdaFunctionScheduled', details: {} });

      expect(stream.text.split('\n').filter(Boolean)).toHaveLength(2);
    });

    it("reads an account's map child as sfn follows it: the account from its input, its counts from its AccountSummary", () => {
      const stream = new Capture(false);
      const progress = createProgress({
        stream,
        isTTY: false,
        quiet: false,
        title: 'drill',
        now: manualClock().now,
      });
      const child = { arn: `${MAIN.arn}/ExecutePerAccount:1`, machine: 'executor' };

      progress.onEvent(child, started(3, '444444444444'));
      progress.onEvent(child, entered('RunAccountExecutor'));
      progress.onEvent(
        child,
        succeeded({
          accountId: '444444444444',
          status: 'failed',
          serversProcessed: 3,
          succeeded: 1,
          failed: 1,
          timedOut: 1,
          errorCode: 'JobTimeout',
        }),
      );

      expect(stream.text.split('\n').filter(Boolean)).toEqual([
        '[00:00:00] 444444444444 executor started',
        '[00:00:00] 444444444444 RunAccountExecutor',
        '[00:00:00] 444444444444 discovered 3 launching 0 launched 1 failed 2',
        '[00:00:00] 444444444444 executor failed: JobTimeout',
      ]);
    });

    it('says an approval is asked from the approval task the history schedules', () => {
      const stream = new Capture(false);
      const progress = createProgress({
        stream,
        isTTY: false,
        quiet: false,
        title: 'drill',
        now: manualClock().now,
      });

      progress.onEvent(MAIN, {
        type: 'TaskScheduled',
        details: {
          resourceType: 'sns',
          resource: 'publish.waitForTaskToken',
          parameters: JSON.stringify({ Subject: 'DRS orchestration: approve wave 2 (app)' }),
        },
      });

      expect(stream.text).toBe('[00:00:00] waiting for approval: DRS orchestration: approve wave 2 (app)\n');
    });

    it('names the error of a failed execution', () => {
      const stream = new Capture(false);
      const progress = createProgress({
        stream,
        isTTY: false,
        quiet: false,
        title: 'drill',
        now: manualClock().now,
      });

      progress.onEvent(executor('333333333333'), {
        type: 'ExecutionFailed',
        details: { error: 'CrossAccountAccessDenied', cause: 'role cannot be assumed' },
      });

      expect(stream.text).toBe(
        '[00:00:00] 333333333333 executor failed: CrossAccountAccessDenied: role cannot be assumed\n',
      );
    });
  });

  describe('live view (TTY)', () => {
    it('redraws a row per staging account with the counters and elapsed time', () => {
      const stream = new Capture(true);
      const clock = manualClock();
      const progress = createProgress({
        stream,
        isTTY: true,
        quiet: false,
        title: 'drill DR-Wave=1',
        now: clock.now,
        color: false,
      });

      progress.onEvent(MAIN, { type: 'MapStateEntered', details: { name: 'ExecutePerAccount' } });
      progress.onEvent(executor('222222222222'), started(4));
      progress.onEvent(executor('222222222222'), runState(4, 0, 0));
      progress.onEvent(executor('111111111111'), started(6));
      progress.onEvent(executor('111111111111'), runState(2, 3, 1));
      clock.advance(5 * 60_000);
      progress.stop();

      const text = stripAnsi(stream.text);
      expect(text).toContain('drill DR-Wave=1');
      expect(text).toContain('elapsed 00:05:00');
      expect(text).toContain('ExecutePerAccount');
      expect(text).toMatch(/ACCOUNT\s+STATE\s+DISCOVERED\s+LAUNCHING\s+LAUNCHED\s+FAILED/);
      expect(text).toMatch(/111111111111\s+started\s+6\s+2\s+3\s+1/);
      expect(text).toMatch(/222222222222\s+started\s+4\s+4\s+0\s+0/);
      // Accounts are listed in order in the final frame.
      const last = text.slice(text.lastIndexOf('drill DR-Wave=1'));
      expect(last.indexOf('111111111111')).toBeLessThan(last.indexOf('222222222222'));
    });

    it('keeps messages above the live view', () => {
      const stream = new Capture(true);
      const progress = createProgress({
        stream,
        isTTY: true,
        quiet: false,
        title: 'drill',
        now: manualClock().now,
        color: false,
      });

      progress.message('emulator loaded from .drs-orch/sim.json');
      progress.stop();
      progress.message('result written to out.json');

      const text = stripAnsi(stream.text);
      expect(text).toContain('emulator loaded from .drs-orch/sim.json\n');
      expect(text.endsWith('result written to out.json\n')).toBe(true);
    });

    it('colors failures when colors are on', () => {
      const stream = new Capture(true);
      const progress = createProgress({
        stream,
        isTTY: true,
        quiet: false,
        title: 'drill',
        now: manualClock().now,
        color: true,
      });

      progress.onEvent(executor('111111111111'), started(1));
      progress.onEvent(executor('111111111111'), runState(0, 0, 1));
      progress.stop();

      expect(stream.text).toContain('\u001b[31m');
    });
  });

  it('writes nothing with quiet', () => {
    const stream = new Capture(true);
    const progress = createProgress({
      stream,
      isTTY: true,
      quiet: true,
      title: 'drill',
      now: manualClock().now,
    });

    progress.onEvent(MAIN, entered('DiscoverServers'));
    progress.message('hello');
    progress.stop();

    expect(stream.text).toBe('');
  });
});
