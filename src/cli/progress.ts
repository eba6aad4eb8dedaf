/**
 * Progress on stderr: a live per-account view on a terminal (log-update), plain lines otherwise,
 * nothing with `--quiet`. Rendering only: the numbers come from the engine's events.
 */
import { createLogUpdate } from 'log-update';
import pc from 'picocolors';
import { inertText } from '../core/inert-text.js';
import { type CliWritable, rawWritable } from './io.js';
import type { ProgressEvent } from './session.js';

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  readonly stream: CliWritable;
  /** Live view (true) or plain lines (false). */
  readonly isTTY: boolean;
  /** No progress at all; messages still appear unless they are progress. */
  readonly quiet: boolean;
  /** Colors on (TTY without NO_COLOR). @default isTTY */
  readonly color?: boolean;
  /** Header of the live view, e.g. `drill DR-Wave=1 · sim (demo fleet, x1000)`. */
  readonly title: string;
  /** The target's clock (virtual on sim), for elapsed time. */
  readonly now: () => Date;
  /**
   * Milliseconds between redraws of the live view (it also redraws on events).
   * @default 250
   */
  readonly refreshMs?: number;
}

/** Least virtual time between two plain progress lines of one account (unless something notable happened). */
export const PLAIN_LINE_INTERVAL_MS = 60_000;

/** Live state of one staging account. */
interface AccountRow {
  state: string;
  discovered: number;
  launching: number;
  launched: number;
  failed: number;
  done?: 'succeeded' | 'failed';
}

/** What the renderer exposes. */
export interface Progress {
  /** Feeds one engine event. */
  readonly onEvent: (event: ProgressEvent) => void;
  /** Prints a message line (kept above the live view). */
  readonly message: (text: string) => void;
  /** Final redraw; stops the refresh timer. Idempotent. */
  readonly stop: () => void;
}

/** `HH:MM:SS` of a duration in milliseconds. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}

/**
 * Creates a progress renderer.
 *
 * @example
 * ```ts
 * const progress = createProgress({ stream: process.stderr, isTTY: true, quiet: false, title: 'drill', now: () => new Date() });
 * progress.onEvent({ type: 'AccountProgress', accountId: '111111111111', discovered: 5, launching: 5, launched: 0, failed: 0 });
 * progress.stop();
 * ```
 */
export function createProgress(options: ProgressOptions): Progress {
  const { stream, isTTY, quiet, title, now } = options;
  const colors = pc.createColors(options.color ?? isTTY);
  const accounts = new Map<string, AccountRow>();
  // The clock starts at the first event: setting up the target is not part of the run.
  let startedAt: number | undefined;
  let mainState = '';
  let stopped = false;
  const elapsed = (): string => formatElapsed(startedAt === undefined ? 0 : now().getTime() - startedAt);
  /** Virtual time of each account's last plain progress line. */
  const lastLine = new Map<string, number>();

  // Data in a progress line or in the live view's frame stays on its line: the live view writes
  // its own cursor controls (log-update) under the inert stream, so it makes every piece of data
  // inert itself, and a newline in data would start a line of its own.
  const one = (text: string): string => inertText(text, { newlines: false });

  const row = (accountId: string): AccountRow => {
    let r = accounts.get(accountId);
    if (!r) {
      r = { state: '', discovered: 0, launching: 0, launched: 0, failed: 0 };
      accounts.set(accountId, r);
    }
    return r;
  };

  /** Applies an event to the model; returns the plain line it deserves, if any. */
  const apply = (event: ProgressEvent): string | undefined => {
    startedAt ??= now().getTime();
    switch (event.type) {
      case 'ExecutionStarted':
        if (event.accountId !== undefined) {
          row(event.accountId).state = 'started';
          return `${event.accountId} executor started`;
        }
        return `${event.machine} execution started${event.name ? ` (${event.name})` : ''}`;
      case 'StateEntered':
        if (event.accountId !== undefined) {
          const r = row(event.accountId);
          if (r.state === event.state) return undefined;
          r.state = event.state;
          return `${event.accountId} ${event.state}`;
        }
        if (mainState === event.state) return undefined;
        mainState = event.state;
        return event.state;
      case 'StateExited':
        return undefined;
      case 'AccountProgress': {
        const r = row(event.accountId);
        if (
          r.discovered === event.discovered &&
          r.launching === event.launching &&
          r.launched === event.launched &&
          r.failed === event.failed
        ) {
          return undefined;
        }
        // Plain lines: at most one per account per virtual minute, but never hide a new failure,
        // a new batch or the end of the account's work.
        const at = now().getTime();
        const last = lastLine.get(event.accountId);
        const notable =
          event.failed !== r.failed ||
          event.launching > r.launching ||
          event.launching === 0 ||
          last === undefined;
        r.discovered = event.discovered;
        r.launching = event.launching;
        r.launched = event.launched;
        r.failed = event.failed;
        if (!notable && at - (last ?? 0) < PLAIN_LINE_INTERVAL_MS) return undefined;
        lastLine.set(event.accountId, at);
        return `${event.accountId} discovered ${event.discovered} launching ${event.launching} launched ${event.launched} failed ${event.failed}`;
      }
      case 'ExecutionSucceeded':
      case 'ExecutionFailed': {
        const ok = event.type === 'ExecutionSucceeded';
        const why = ok ? '' : `: ${[event.error, event.cause].filter(Boolean).join(': ') || 'failed'}`;
        if (event.accountId !== undefined) {
          const r = row(event.accountId);
          r.done = ok ? 'succeeded' : 'failed';
          r.state = ok ? 'done' : 'failed';
          return `${event.accountId} executor ${ok ? 'finished' : 'failed'}${why}`;
        }
        mainState = ok ? 'finished' : 'failed';
        return `${event.machine} execution ${ok ? 'finished' : 'failed'}${why}`;
      }
      case 'Message':
        return event.text;
    }
  };

  const frame = (): string => {
    const lines = [
      `${colors.bold(one(title))}  ${colors.dim('·')}  elapsed ${colors.cyan(elapsed())}${mainState ? `  ${colors.dim('·')}  ${one(mainState)}` : ''}`,
    ];
    if (accounts.size > 0) {
      lines.push(
        colors.dim(
          `  ${'ACCOUNT'.padEnd(14)}${'STATE'.padEnd(24)}${'DISCOVERED'.padStart(11)}${'LAUNCHING'.padStart(11)}${'LAUNCHED'.padStart(10)}${'FAILED'.padStart(8)}`,
        ),
      );
      for (const [id, r] of [...accounts].sort(([a], [b]) => a.localeCompare(b))) {
        const state = r.done === 'failed' ? colors.red(one(r.state).padEnd(24)) : one(r.state).padEnd(24);
        const failed = String(r.failed).padStart(8);
        lines.push(
          `  ${one(id).padEnd(14)}${state}${String(r.discovered).padStart(11)}${String(r.launching).padStart(11)}${colors.green(String(r.launched).padStart(10))}${r.failed > 0 ? colors.red(failed) : failed}`,
        );
      }
    }
    return lines.join('\n');
  };

  if (quiet) {
    return {
      onEvent: () => {},
      message: () => {},
      stop: () => {},
    };
  }

  if (!isTTY) {
    return {
      onEvent: (event) => {
        const line = apply(event);
        if (line !== undefined && !stopped)
          stream.write(`[${elapsed()}] ${event.type === 'Message' ? line : one(line)}\n`);
      },
      message: (text) => {
        stream.write(`${text}\n`);
      },
      stop: () => {
        stopped = true;
      },
    };
  }

  // A terminal that reports no size (some pseudo-terminals say 0 x 0) would make log-update draw nothing.
  const raw = rawWritable(stream);
  const terminal = {
    write: (chunk: string) => raw.write(chunk),
    get columns() {
      return stream.columns || 100;
    },
    get rows() {
      return stream.rows || 40;
    },
    isTTY: true,
  };
  const log = createLogUpdate(terminal as unknown as NodeJS.WritableStream);
  const redraw = (): void => {
    if (!stopped) log(frame());
  };
  const timer = setInterval(redraw, options.refreshMs ?? 250);
  timer.unref();
  redraw();
  return {
    onEvent: (event) => {
      const line = apply(event);
      if (event.type === 'Message' && line !== undefined && !stopped) log.persist(inertText(line));
      redraw();
    },
    message: (text) => {
      if (stopped) stream.write(`${text}\n`);
      else log.persist(inertText(text));
    },
    stop: () => {
      if (stopped) return;
      clearInterval(timer);
      log(frame());
      stopped = true;
      log.done();
    },
  };
}
