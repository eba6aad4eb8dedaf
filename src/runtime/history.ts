/**
 * Execution history as Step Functions records it: numbered events (`id` from 1), each naming the
 * event that caused it (`previousEventId`), per execution ARN. The runtime records them where it
 * knows them (the lifecycle, the interpreter's event stream, each Task invocation), counts them
 * against the history limit, and hands them to whoever listens (the emulator's Step Functions API).
 */
import type { MachineName } from './definitions.js';

/** One history event (the model's `HistoryEvent`; details are the `<x>EventDetails` member). */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  /** The model's `HistoryEventType`, e.g. `TaskStateEntered`, `LambdaFunctionScheduled`. */
  readonly type: string;
  /** Virtual time, epoch milliseconds. */
  readonly timestampMs: number;
  /** The event's details (`input`/`output` as JSON strings, `error`, `cause`, ...). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The execution a history event belongs to. */
export interface HistoryExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly machine: MachineName;
  /** The staging account of an executor. */
  readonly accountId?: string;
  /** The execution whose `.sync:2` Task started this one. */
  readonly parentExecutionArn?: string;
}

/** Receives every history event of a run (root and children), in each execution's order. */
export type HistoryListener = (execution: HistoryExecution, event: HistoryEvent) => void;

/** A JSON string as history details carry data (`undefined` is `null`). */
export function historyJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/** The terminal event of each final status. */
export const TERMINAL_EVENT = {
  SUCCEEDED: 'ExecutionSucceeded',
  FAILED: 'ExecutionFailed',
  ABORTED: 'ExecutionAborted',
  TIMED_OUT: 'ExecutionTimedOut',
} as const;

/** The history of one execution. Keeps only its size; listeners get the events. */
export class ExecutionHistory {
  readonly execution: HistoryExecution;
  readonly #now: () => number;
  readonly #listener: HistoryListener | undefined;
  readonly #counted: (events: number) => void;
  #lastId = 0;
  #closed = false;

  /**
   * @param counted called with 1 for each recorded event (the history limit is checked there)
   */
  constructor(
    execution: HistoryExecution,
    now: () => number,
    listener: HistoryListener | undefined,
    counted: (events: number) => void,
  ) {
    this.execution = execution;
    this.#now = now;
    this.#listener = listener;
    this.#counted = counted;
  }

  /** Events recorded so far (the id of the newest). */
  get size(): number {
    return this.#lastId;
  }

  /** Whether the terminal event is recorded (later events are dropped). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Appends an event. Details are built only when someone listens (they serialise payloads).
   *
   * @param previousEventId the causing event @default the newest event
   * @returns the new event's id, or 0 once the history is closed
   */
  record(type: string, details?: () => Record<string, unknown>, previousEventId?: number): number {
    if (this.#closed) return 0;
    const previous = previousEventId ?? this.#lastId;
    this.#lastId += 1;
    const id = this.#lastId;
    if (type in TERMINAL_EVENT_TYPES) this.#closed = true;
    this.#counted(1);
    if (this.#listener) {
      const event: HistoryEvent = {
        id,
        previousEventId: previous,
        type,
        timestampMs: this.#now(),
        ...(details ? { details: details() } : {}),
      };
      try {
        this.#listener(this.execution, event);
      } catch {
        // A listener that throws must not change the outcome of a disaster-recovery run.
      }
    }
    return id;
  }
}

const TERMINAL_EVENT_TYPES: Readonly<Record<string, true>> = Object.fromEntries(
  Object.values(TERMINAL_EVENT).map((t) => [t, true]),
);

/**
 * Pairs each Task invocation with the interpreter event that caused it: the `StateEntered` of its
 * state (first attempt) or its `StateRetried` (a retry). The interpreter dispatches that event
 * before it calls the handler, but the runtime reads its events asynchronously; an invocation
 * therefore waits (a few microtasks, never a timer) until the event is recorded, so that its
 * Task events follow its `TaskStateEntered` and name it as their cause.
 */
export class TaskCauses {
  readonly #ready = new Map<string, number[]>();
  readonly #waiting = new Map<string, ((id: number | undefined) => void)[]>();
  #ended = false;

  /** The interpreter event for a Task invocation of `state` is recorded as `id`. */
  offer(state: string, id: number): void {
    const waiter = this.#waiting.get(state)?.shift();
    if (waiter) waiter(id);
    else this.#ready.set(state, [...(this.#ready.get(state) ?? []), id]);
  }

  /** The causing event of an invocation of `state` (undefined when the execution's events ended). */
  take(state: string): Promise<number | undefined> {
    const ready = this.#ready.get(state);
    if (ready && ready.length > 0) return Promise.resolve(ready.shift());
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#waiting.set(state, [...(this.#waiting.get(state) ?? []), resolve]);
    });
  }

  /** The interpreter's events ended: nobody waits any more. */
  end(): void {
    this.#ended = true;
    for (const waiters of this.#waiting.values()) for (const w of waiters) w(undefined);
    this.#waiting.clear();
  }
}
