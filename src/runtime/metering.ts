/**
 * Payload and history metering: what Step Functions counts and limits (256 KiB per payload,
 * 25,000 history events per execution), measured as the run goes, with the figures of the run.
 */
import type { MachineName } from './definitions.js';
import { HistoryLimitReached, PayloadLimitExceeded } from './errors.js';
import type { ExecutionStats, PayloadRecord, RuntimeLimits, RuntimeStats } from './types.js';

/** Step Functions' limit on a state's input or output (bytes of UTF-8 JSON). */
export const MAX_PAYLOAD_BYTES = 262_144;
/** Step Functions' limit on the events of one execution's history. */
export const MAX_HISTORY_EVENTS = 25_000;

/** Bytes of `value` as UTF-8 JSON. */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}

/** Whether `value` is a JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON copy: what crosses a Lambda or service boundary. `undefined` becomes `null`. */
export function asJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

/** What the meter keeps per execution. */
export interface MeteredExecution {
  readonly arn: string;
  readonly machine: MachineName;
  transitions: number;
  historyEvents: number;
  largestPayloadBytes: number;
  /** The first limit the execution broke: it fails with this error. */
  limitError?: Error;
}

/** The figures of one run (root execution and children) and its limit checks. */
export class Meter {
  readonly #maxPayload: number;
  readonly #maxHistory: number;
  readonly #executions: ExecutionStats[] = [];
  readonly #transitions: Record<MachineName, number> = { main: 0, executor: 0, waves: 0, 'drill-cleanup': 0 };
  #largest: PayloadRecord | undefined;
  #maxHistoryEvents = 0;

  constructor(limits: RuntimeLimits = {}) {
    this.#maxPayload = limits.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
    this.#maxHistory = limits.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
  }

  /** Measures a payload; one over the limit sets the execution's limit error. */
  payload(exec: MeteredExecution, state: string, kind: PayloadRecord['kind'], value: unknown): void {
    const bytes = jsonBytes(value);
    if (bytes > exec.largestPayloadBytes) exec.largestPayloadBytes = bytes;
    if (!this.#largest || bytes > this.#largest.bytes)
      this.#largest = { bytes, machine: exec.machine, state, kind };
    if (bytes > this.#maxPayload && !exec.limitError) {
      exec.limitError = new PayloadLimitExceeded(
        `${kind} of state ${state} in ${exec.machine} is ${bytes} bytes; step functions allows at most ${this.#maxPayload} (States.DataLimitExceeded)`,
      );
    }
  }

  /** Counts history events; one over the limit sets the execution's limit error. */
  history(exec: MeteredExecution, events: number): void {
    exec.historyEvents += events;
    if (exec.historyEvents > this.#maxHistory && !exec.limitError) {
      exec.limitError = new HistoryLimitReached(
        `execution ${exec.arn} has more than ${this.#maxHistory} history events; step functions fails it`,
      );
    }
  }

  /** Counts a billed state transition (a state entered, a retry). */
  transition(exec: MeteredExecution): void {
    exec.transitions += 1;
    this.#transitions[exec.machine] += 1;
  }

  /** Records an execution that ended. */
  ended(stats: ExecutionStats): void {
    this.#maxHistoryEvents = Math.max(this.#maxHistoryEvents, stats.historyEvents);
    this.#executions.push(stats);
  }

  /** The run's figures so far. */
  stats(): RuntimeStats {
    return {
      transitions: { ...this.#transitions },
      largestPayloadBytes: this.#largest?.bytes ?? 0,
      ...(this.#largest ? { largestPayload: this.#largest } : {}),
      maxHistoryEvents: this.#maxHistoryEvents,
      executions: [...this.#executions],
    };
  }
}
