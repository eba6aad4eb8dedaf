/**
 * Following a deployed execution and the executions it starts, through the Step Functions API
 * alone: GetExecutionHistory of the root (waves or main) and of every main execution a waves
 * `RunWave` task started (its `TaskSubmitted` names the child), and ListExecutions of every
 * Distributed Map run of a main execution (`MapRunStarted` names it): one child per staging account,
 * whose `RunAccountExecutor` task waits for the account's executor. The histories become the same
 * history events the local runtime records.
 *
 * Calls per poll: one history page of the running main execution (of the waves execution when no
 * wave runs: it waits for its wave meanwhile) and one ListExecutions per running map run. A map child's history is read twice: when it is first listed (its account) and
 * when the listing shows it ended (its AccountSummary). The executors themselves run in the staging
 * accounts and Regions; their histories are not read (the operator's credentials need not reach them).
 * The histories go as they are to the live progress and, those of the root and its mains, to the
 * evidence report: nothing is translated.
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { RunHistoryListener } from '../reports.js';
import type { ProgressListener, RunOutcome } from '../session.js';

/** What an execution is to the CLI: the waves root, a wave's (or the action's) main, an account's map child. */
export type FollowedMachine = 'waves' | 'main' | 'executor';

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a JSON text of a history event; undefined when absent or not JSON. */
export function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const TERMINAL: Readonly<Record<string, RunOutcome['status']>> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

/** Whether a history event ends its execution. */
export function isTerminalEvent(event: HistoryEvent): boolean {
  return event.type !== undefined && TERMINAL[event.type] !== undefined;
}

/** How a terminal history event ended the execution. */
export function outcomeOfEvent(event: HistoryEvent): RunOutcome {
  const status = TERMINAL[event.type ?? ''] ?? 'FAILED';
  if (status === 'SUCCEEDED') {
    const output = parseJson(event.executionSucceededEventDetails?.output);
    return { status, ...(output !== undefined && { output }) };
  }
  const d =
    event.executionFailedEventDetails ??
    event.executionTimedOutEventDetails ??
    event.executionAbortedEventDetails ??
    {};
  return {
    status,
    ...(d.error !== undefined && { error: d.error }),
    ...(d.cause !== undefined && { cause: d.cause }),
  };
}

/** One execution as the follower knows it. */
export interface FollowedExecution {
  readonly arn: string;
  readonly machine: FollowedMachine;
  readonly parent?: string;
}

/** The child execution a `startExecution.sync` task started (its `TaskSubmitted` output). */
export function startedChildOf(event: HistoryEvent): string | undefined {
  const d = event.taskSubmittedEventDetails;
  if (
    event.type !== 'TaskSubmitted' ||
    d?.resourceType !== 'states' ||
    !d.resource?.startsWith('startExecution')
  )
    return undefined;
  const output = parseJson(d.output);
  return isRecord(output) && typeof output.ExecutionArn === 'string' ? output.ExecutionArn : undefined;
}

interface Node extends FollowedExecution {
  resumeToken: string | undefined;
  lastSeenId: number;
  ended: boolean;
  outcome?: RunOutcome;
  /** Status in the last map-run listing (map children). */
  listed?: string;
  readonly children: Node[];
  readonly mapRuns: MapRun[];
  /** Every event read (kept for the root only: it holds the approval tokens). */
  readonly events?: HistoryEvent[];
}

interface MapRun {
  readonly arn: string;
  /** Listed for the last time (the map run or its parent ended). */
  done: boolean;
  readonly children: Map<string, Node>;
}

/** Options of {@link ExecutionFollower}. */
export interface FollowerOptions {
  readonly client: SFNClient;
  readonly rootArn: string;
  readonly rootMachine: 'waves' | 'main';
  readonly onEvent: ProgressListener;
  /** Receives the history events of the root and its main executions (the evidence report's source). */
  readonly onHistory?: RunHistoryListener;
}

/**
 * Follows an execution tree, one {@link ExecutionFollower.poll} at a time.
 *
 * @example
 * const follower = new ExecutionFollower({ client, rootArn, rootMachine: 'main', onEvent: render });
 * while (!follower.ended) { await follower.poll(); await sleep(5000); }
 */
export class ExecutionFollower {
  readonly #opts: FollowerOptions;
  readonly #root: Node;
  /** Read the root's history on every poll from now on (it was asked to stop). */
  #wakeRoot = false;
  /** API calls made, by operation. */
  readonly calls: Record<string, number> = {};
  /** Rounds polled. */
  polls = 0;

  constructor(opts: FollowerOptions) {
    this.#opts = opts;
    this.#root = this.#node(opts.rootArn, opts.rootMachine, undefined, true);
  }

  /** Whether the root execution has ended (its terminal event was read). */
  get ended(): boolean {
    return this.#root.ended;
  }

  /** Whether every execution read so far has ended (a stopped root's children stop a little later). */
  get settled(): boolean {
    const open = (x: Node): boolean =>
      !x.ended || x.children.some(open) || x.mapRuns.some((r) => [...r.children.values()].some(open));
    return !open(this.#root);
  }

  /** How the root ended; undefined while it runs. */
  get outcome(): RunOutcome | undefined {
    return this.#root.outcome;
  }

  /** Every history event of the root read so far, oldest first. */
  get rootEvents(): readonly HistoryEvent[] {
    return this.#root.events ?? [];
  }

  /** The main executions started so far (a waves root's waves, or the root main), in order. */
  get mains(): readonly string[] {
    const all = this.#root.machine === 'main' ? [this.#root] : this.#root.children;
    return all.map((c) => c.arn);
  }

  #node(arn: string, machine: FollowedMachine, parent: string | undefined, keepEvents = false): Node {
    return {
      arn,
      machine,
      ...(parent !== undefined && { parent }),
      resumeToken: undefined,
      lastSeenId: 0,
      ended: false,
      children: [],
      mapRuns: [],
      ...(keepEvents && { events: [] }),
    };
  }

  #count(operation: string): void {
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
  }

  /** From now on reads the root's history on every poll (call after StopExecution). */
  watchRoot(): void {
    this.#wakeRoot = true;
  }

  /** One round: reads what is new in every running execution of the tree, emitting its events. */
  async poll(): Promise<void> {
    this.polls += 1;
    await this.#visit(this.#root);
  }

  /** Emits the events of `x` in order; its own end comes after its children's events. */
  async #visit(x: Node): Promise<void> {
    let terminal: HistoryEvent | undefined;
    // A waves execution does nothing while its wave's main execution runs (RunWave waits for it):
    // its history is read again once that main has ended, or when it was asked to stop.
    const waiting = x.machine === 'waves' && !this.#wakeRoot && x.children.some((c) => !c.ended);
    if (!x.ended && !waiting) {
      for (const event of await this.#drain(x)) {
        if (isTerminalEvent(event)) {
          terminal = event;
          continue;
        }
        this.#emit(x, event);
        const child = startedChildOf(event);
        if (child !== undefined && !x.children.some((c) => c.arn === child)) {
          x.children.push(this.#node(child, 'main', x.arn));
        }
        const mapRunArn =
          event.type === 'MapRunStarted' ? event.mapRunStartedEventDetails?.mapRunArn : undefined;
        if (mapRunArn !== undefined) x.mapRuns.push({ arn: mapRunArn, done: false, children: new Map() });
        if (
          event.type === 'MapRunSucceeded' ||
          event.type === 'MapRunFailed' ||
          event.type === 'MapRunAborted'
        ) {
          // The accounts' ends belong before what the main execution does next (aggregation).
          const run = x.mapRuns.at(-1);
          if (run && !run.done) await this.#visitMapRun(x, run, true);
        }
      }
    }
    for (const run of x.mapRuns) {
      if (!run.done) await this.#visitMapRun(x, run, terminal !== undefined || x.ended);
    }
    for (const child of x.children) await this.#visit(child);
    if (terminal !== undefined) {
      let outcome = outcomeOfEvent(terminal);
      // An output too large for the history event is still whole in DescribeExecution.
      if (
        outcome.status === 'SUCCEEDED' &&
        terminal.executionSucceededEventDetails?.outputDetails?.truncated
      ) {
        this.#count('DescribeExecution');
        const d = await this.#opts.client.send(new DescribeExecutionCommand({ executionArn: x.arn }));
        const output = parseJson(d.output);
        outcome = { status: 'SUCCEEDED', ...(output !== undefined && { output }) };
        terminal = {
          ...terminal,
          executionSucceededEventDetails: { output: d.output, outputDetails: { truncated: false } },
        };
      }
      x.ended = true;
      x.outcome = outcome;
      this.#emit(x, terminal);
    }
  }

  /** Lists a map run's children; reads a child's history when it is new and when it has ended. */
  async #visitMapRun(parent: Node, run: MapRun, last: boolean): Promise<void> {
    let nextToken: string | undefined;
    const listed: { executionArn: string; status: string }[] = [];
    do {
      this.#count('ListExecutions');
      const page = await this.#opts.client.send(
        new ListExecutionsCommand({
          mapRunArn: run.arn,
          maxResults: 1000,
          ...(nextToken !== undefined && { nextToken }),
        }),
      );
      for (const e of page.executions ?? []) {
        if (e.executionArn !== undefined)
          listed.push({ executionArn: e.executionArn, status: e.status ?? 'RUNNING' });
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    // Oldest first (the API lists newest first), so accounts appear in start order.
    for (const item of listed.reverse()) {
      let child = run.children.get(item.executionArn);
      const fresh = child === undefined;
      if (!child) {
        child = this.#node(item.executionArn, 'executor', parent.arn);
        run.children.set(item.executionArn, child);
      }
      const changed = child.listed !== item.status;
      child.listed = item.status;
      if (!child.ended && (fresh || (changed && item.status !== 'RUNNING') || last)) await this.#visit(child);
    }
    if (last) run.done = true;
  }

  #emit(x: Node, event: HistoryEvent): void {
    // The report reads the histories of the root and its main executions as they are; the
    // accounts' map children are read for the live view only.
    if (x.machine !== 'executor') this.#opts.onHistory?.(x.arn, event);
    this.#opts.onEvent({ arn: x.arn, machine: x.machine }, event);
  }

  /**
   * The events of `x` not seen yet. A page without nextToken is the end of the history so far;
   * the next read starts again from that page (its token is kept) and skips what was seen.
   */
  async #drain(x: Node): Promise<HistoryEvent[]> {
    const fresh: HistoryEvent[] = [];
    let token = x.resumeToken;
    for (;;) {
      this.#count('GetExecutionHistory');
      const page = await this.#opts.client.send(
        new GetExecutionHistoryCommand({
          executionArn: x.arn,
          maxResults: 1000,
          ...(token !== undefined && { nextToken: token }),
        }),
      );
      for (const event of page.events ?? []) {
        if ((event.id ?? 0) <= x.lastSeenId) continue;
        x.lastSeenId = event.id ?? x.lastSeenId;
        fresh.push(event);
        x.events?.push(event);
      }
      if (page.nextToken === undefined) {
        x.resumeToken = token;
        return fresh;
      }
      token = page.nextToken;
    }
  }
}
