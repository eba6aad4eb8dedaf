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

      progress.onEvent({ type: 'ExecutionStarted', machine: 'main', name: 'run-1' });
      progress.onEvent({ type: 'StateEntered', machine: 'main', state: 'DiscoverServers' });
      clock.advance(90_000);
      progress.onEvent({
        type: 'StateEntered',
        machine: 'executor',
        accountId: '111111111111',
        state: 'StartRecovery',
      });
      progress.onEvent({
        type: 'AccountProgress',
        accountId: '111111111111',
        discovered: 10,
        launching: 10,
        launched: 0,
        failed: 0,
      });
      clock.advance(20 * 60_000);
      progress.onEvent({
        type: 'AccountProgress',
        accountId: '111111111111',
        discovered: 10,
        launching: 0,
        launched: 9,
        failed: 1,
      });
      progress.onEvent({ type: 'ExecutionSucceeded', machine: 'executor', accountId: '111111111111' });
      progress.stop();

      expect(stream.text.split('\n').filter(Boolean)).toEqual([
        '[00:00:00] main execution started (run-1)',
        '[00:00:00] DiscoverServers',
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
      const tick = (launched: number, failed = 0, launching = 100 - launched - failed) =>
        progress.onEvent({
          type: 'AccountProgress',
          accountId: '111111111111',
          discovered: 100,
          launching,
          launched,
          failed,
        });

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
      const tick = {
        type: 'AccountProgress',
        accountId: '222222222222',
        discovered: 5,
        launching: 5,
        launched: 0,
        failed: 0,
      } as const;

      progress.onEvent(tick);
      progress.onEvent(tick);
      progress.onEvent({
        type: 'StateEntered',
        machine: 'executor',
        accountId: '222222222222',
        state: 'MonitorRecovery',
      });
      progress.onEvent({
        type: 'StateEntered',
        machine: 'executor',
        accountId: '222222222222',
        state: 'MonitorRecovery',
      });
      progress.onEvent({
        type: 'StateExited',
        machine: 'executor',
        accountId: '222222222222',
        state: 'MonitorRecovery',
      });

      expect(stream.text.split('\n').filter(Boolean)).toHaveLength(2);
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

      progress.onEvent({
        type: 'ExecutionFailed',
        machine: 'executor',
        accountId: '333333333333',
        error: 'CrossAccountAccessDenied',
        cause: 'role cannot be assumed',
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

      progress.onEvent({ type: 'StateEntered', machine: 'main', state: 'ExecutePerAccount' });
      progress.onEvent({
        type: 'AccountProgress',
        accountId: '222222222222',
        discovered: 4,
        launching: 4,
        launched: 0,
        failed: 0,
      });
      progress.onEvent({
        type: 'AccountProgress',
        accountId: '111111111111',
        discovered: 6,
        launching: 2,
        launched: 3,
        failed: 1,
      });
      clock.advance(5 * 60_000);
      progress.stop();

      const text = stripAnsi(stream.text);
      expect(text).toContain('drill DR-Wave=1');
      expect(text).toContain('elapsed 00:05:00');
      expect(text).toContain('ExecutePerAccount');
      expect(text).toMatch(/ACCOUNT\s+STATE\s+DISCOVERED\s+LAUNCHING\s+LAUNCHED\s+FAILED/);
      expect(text).toMatch(/111111111111\s+6\s+2\s+3\s+1/);
      expect(text).toMatch(/222222222222\s+4\s+4\s+0\s+0/);
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

      progress.onEvent({
        type: 'AccountProgress',
        accountId: '111111111111',
        discovered: 1,
        launching: 0,
        launched: 0,
        failed: 1,
      });
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

    progress.onEvent({ type: 'StateEntered', machine: 'main', state: 'DiscoverServers' });
    progress.message('hello');
    progress.stop();

    expect(stream.text).toBe('');
  });
});
