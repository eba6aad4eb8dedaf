/**
 * Progress on stderr: a live per-account view on a terminal (log-update), plain lines otherwise,
 * nothing with `--quiet`. It reads the run's Step Functions history events (the same events the
 * evidence report is built from, on every target): each execution's start and end, the states it
 * enters, an executor's run state as its tasks leave it (the account's counts while it works) and
 * an account's summary when it ends.
 */
import { createLogUpdate } from 'log-update';
import pc from 'picocolors';
import { inertText } from '../core/inert-text.js';
import { type HistoryEventLike, historyDetails, parsedJson, TERMINAL_STATUS } from '../report/index.js';
import { type CliWritable, rawWritable } from './io.js';
import type { ExecutionRef } from './session.js';

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
  /** Feeds one history event of one execution of the run. */
  readonly onEvent: (execution: ExecutionRef, event: HistoryEventLike) => void;
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

type Rec = Record<string, unknown>;

function recordOf(v: unknown): Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : {};
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** An account's figures in the live view. */
interface AccountCounts {
  discovered: number;
  launching: number;
  launched: number;
  failed: number;
}

/**
 * The account's counts in an executor state's output, from its run state (`$.run`, as
 * StartRecovery, MonitorRecovery, TerminateInstances and MonitorTermination leave it): servers in
 * DRS jobs that have not finished, servers launched by the finished ones, failures so far.
 */
export function countsOfRun(output: Rec, before: AccountCounts): AccountCounts | undefined {
  const run = recordOf(output.run);
  if (!Array.isArray(run.jobs) || !Array.isArray(run.failed)) return undefined;
  const jobs = run.jobs.map(recordOf);
  const open = jobs.filter((j) => j.finished !== true);
  const servers = (j: Rec): number =>
    Array.isArray(j.serverIds)
      ? j.serverIds.length
      : Array.isArray(j.recoveryInstanceIds)
        ? j.recoveryInstanceIds.length
        : 0;
  return {
    discovered: before.discovered,
    launching: open.reduce((n, j) => n + servers(j), 0),
    launched: run.kind === 'recovery' ? jobs.reduce((n, j) => n + num(j.launched), 0) : before.launched,
    failed: run.failed.length,
  };
}

/** An account's AccountSummary in an execution's output (the map child's, or an executor's). */
function summaryOf(output: unknown): Rec | undefined {
  const o = recordOf(output);
  if (typeof o.serversProcessed === 'number') return o;
  const inner = recordOf(o.summary);
  return typeof inner.serversProcessed === 'number' ? inner : undefined;
}

/**
 * Creates a progress renderer.
 *
 * @example
 * ```ts
 * const progress = createProgress({ stream: process.stderr, isTTY: true, quiet: false, title: 'drill', now: () => new Date() });
 * progress.onEvent({ arn, machine: 'main' }, { type: 'TaskStateEntered', details: { name: 'DiscoverServers' } });
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

  /** The staging account of each executor (from the target, else its input's `account`). */
  const accountOf = new Map<string, string>();

  /** Applies new counts of an account; returns the plain line they deserve, if any. */
  const counts = (accountId: string, c: AccountCounts): string | undefined => {
    const r = row(accountId);
    if (
      r.discovered === c.discovered &&
      r.launching === c.launching &&
      r.launched === c.launched &&
      r.failed === c.failed
    ) {
      return undefined;
    }
    // Plain lines: at most one per account per virtual minute, but never hide a new failure,
    // a new batch or the end of the account's work.
    const at = now().getTime();
    const last = lastLine.get(accountId);
    const notable =
      c.failed !== r.failed || c.launching > r.launching || c.launching === 0 || last === undefined;
    Object.assign(r, c);
    if (!notable && at - (last ?? 0) < PLAIN_LINE_INTERVAL_MS) return undefined;
    lastLine.set(accountId, at);
    return `${accountId} discovered ${c.discovered} launching ${c.launching} launched ${c.launched} failed ${c.failed}`;
  };

  /** Applies a history event to the model; returns the plain lines it deserves. */
  const apply = (x: ExecutionRef, event: HistoryEventLike): string[] => {
    startedAt ??= now().getTime();
    const type = event.type ?? '';
    const d = historyDetails(event);
    if (x.accountId !== undefined) accountOf.set(x.arn, x.accountId);
    if (type === 'ExecutionStarted') {
      if (x.machine !== 'executor')
        return [`${x.machine} execution started (${x.arn.split(':').pop() ?? x.arn})`];
      const account = recordOf(recordOf(parsedJson(d.input)).account);
      if (typeof account.accountId === 'string' && !accountOf.has(x.arn))
        accountOf.set(x.arn, account.accountId);
      const accountId = accountOf.get(x.arn);
      if (accountId === undefined) return ['executor started'];
      row(accountId).state = 'started';
      if (Array.isArray(account.serverIds)) row(accountId).discovered = account.serverIds.length;
      return [`${accountId} executor started`];
    }
    const accountId = x.machine === 'executor' ? accountOf.get(x.arn) : undefined;
    if (type.endsWith('StateEntered') && typeof d.name === 'string') {
      if (accountId !== undefined) {
        const r = row(accountId);
        if (r.state === d.name) return [];
        r.state = d.name;
        return [`${accountId} ${d.name}`];
      }
      if (x.machine === 'executor' || mainState === d.name) return [];
      mainState = d.name;
      return [d.name];
    }
    if (type.endsWith('StateExited')) {
      // An executor's run state as a task left it: the account's counts while it works.
      const c =
        accountId !== undefined ? countsOfRun(recordOf(parsedJson(d.output)), row(accountId)) : undefined;
      const line = accountId !== undefined && c !== undefined ? counts(accountId, c) : undefined;
      return line === undefined ? [] : [line];
    }
    if (type === 'TaskScheduled' && d.resource === 'publish.waitForTaskToken') {
      const subject = recordOf(parsedJson(d.parameters)).Subject;
      return [`waiting for approval${typeof subject === 'string' ? `: ${subject}` : ''}`];
    }
    const status = TERMINAL_STATUS[type];
    if (status === undefined) return [];
    let ok = status === 'SUCCEEDED';
    let why = ok
      ? ''
      : `: ${[d.error, d.cause].filter((v) => typeof v === 'string' && v !== '').join(': ') || status.toLowerCase()}`;
    if (x.machine !== 'executor') {
      mainState = ok ? 'finished' : 'failed';
      return [`${x.machine} execution ${ok ? 'finished' : 'failed'}${why}`];
    }
    if (accountId === undefined) return [`executor ${ok ? 'finished' : 'failed'}${why}`];
    const lines: string[] = [];
    // An account's end: its AccountSummary (the map child's output, or the executor's own).
    const summary = summaryOf(parsedJson(d.output));
    if (summary !== undefined) {
      const line = counts(accountId, {
        discovered: num(summary.serversProcessed),
        launching: 0,
        launched: num(summary.succeeded),
        failed: num(summary.failed) + num(summary.timedOut),
      });
      if (line !== undefined) lines.push(line);
      if (summary.status === 'failed') {
        ok = false;
        why = `: ${[summary.errorCode ?? 'failed', summary.errorMessage].filter((v) => typeof v === 'string').join(': ')}`;
      }
    }
    const r = row(accountId);
    r.done = ok ? 'succeeded' : 'failed';
    r.state = ok ? 'done' : 'failed';
    lines.push(`${accountId} executor ${ok ? 'finished' : 'failed'}${why}`);
    return lines;
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
      onEvent: (x, event) => {
        for (const line of apply(x, event)) if (!stopped) stream.write(`[${elapsed()}] ${one(line)}\n`);
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
    onEvent: (x, event) => {
      const lines = apply(x, event);
      // An approval asked is kept above the live view (the operator must see it).
      if (event.type === 'TaskScheduled' && !stopped) for (const line of lines) log.persist(inertText(line));
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
