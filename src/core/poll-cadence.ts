/**
 * When to poll an account's DRS jobs next. Polling every 30 s from the first second costs a
 * DescribeJobs call per account per 30 s although no job of 100 servers can complete for about
 * 40 minutes. The cadence waits longer while no open job can plausibly have completed yet (by the
 * typical launch times), and returns to the base interval near the expected completions, as soon
 * as a job's servers are nearly all launched, or while servers wait for replication. Pure.
 */
import { jobMinutes, type LaunchTimes, POLL_INTERVAL_SECONDS, TYPICAL_LAUNCH_TIMES } from './launch-times.js';

/** One open (not yet COMPLETED) job as the monitor last saw it. */
export interface OpenJobView {
  /** When StartRecovery created it (epoch ms); unknown for some adopted jobs. */
  readonly createdMs?: number;
  /** Servers in the job. */
  readonly servers: number;
  /** Of those, `LAUNCHED` (or FAILED: finished either way) at the last poll. */
  readonly finished: number;
}

/** What the cadence decides from. */
export interface CadenceInput {
  readonly nowMs: number;
  readonly jobs: readonly OpenJobView[];
  /**
   * Things re-checked every poll that may change any minute (servers waiting for replication,
   * launched instances waiting for EC2 status checks): while any, the base interval.
   */
  readonly waiting: number;
}

/** Settings of the cadence. */
export interface CadenceSettings {
  /** The interval near completions (the executor's Retry interval). */
  readonly baseSeconds: number;
  /** The longest wait between two polls; at or below `baseSeconds` the cadence is fixed. */
  readonly maxSeconds: number;
  /**
   * A job is not expected to complete before this quantile of its typical duration: with 100
   * servers the 5 % quantile is about 43 minutes, with 1 server about 5.
   */
  readonly earlyQuantile: number;
  /** Share of a job's servers finished from which its completion is taken to be near. */
  readonly nearShare: number;
  readonly times: LaunchTimes;
}

/** Default longest wait between two polls (`MAX_POLL_INTERVAL_SECONDS` overrides it). */
export const DEFAULT_MAX_POLL_SECONDS = 300;

/** The cadence the executor uses unless told otherwise. */
export const DEFAULT_CADENCE: CadenceSettings = Object.freeze({
  baseSeconds: POLL_INTERVAL_SECONDS,
  maxSeconds: DEFAULT_MAX_POLL_SECONDS,
  earlyQuantile: 0.05,
  nearShare: 0.9,
  times: TYPICAL_LAUNCH_TIMES,
});

/**
 * Seconds until the next poll: `baseSeconds` when a completion may come within the next base
 * interval, otherwise the time until the earliest plausible completion of any open job, capped at
 * `maxSeconds`. Whole seconds, never below `baseSeconds`.
 *
 * @example
 * ```ts
 * // Three 100-server jobs just started: nothing can complete for ~43 minutes.
 * nextPollSeconds({ nowMs: 0, jobs: [{ createdMs: 0, servers: 100, finished: 0 }], waiting: 0 }); // 300
 * // 42 minutes in: completions are near.
 * nextPollSeconds({ nowMs: 42 * 60_000, jobs: [{ createdMs: 0, servers: 100, finished: 97 }], waiting: 0 }); // 30
 * ```
 */
export function nextPollSeconds(input: CadenceInput, settings: CadenceSettings = DEFAULT_CADENCE): number {
  const base = settings.baseSeconds;
  if (settings.maxSeconds <= base || input.waiting > 0 || input.jobs.length === 0) return base;
  let wait = settings.maxSeconds;
  for (const job of input.jobs) {
    if (job.createdMs === undefined) return base;
    const left = job.servers - job.finished;
    if (job.finished > 0 && left <= Math.ceil(job.servers * (1 - settings.nearShare))) return base;
    const earliestMs =
      job.createdMs + jobMinutes(job.servers, settings.earlyQuantile, settings.times) * 60_000;
    const untilEarliest = (earliestMs - input.nowMs) / 1000;
    if (untilEarliest <= base) return base;
    wait = Math.min(wait, untilEarliest);
  }
  return Math.max(base, Math.floor(wait));
}

/**
 * Longest allowed wait between two polls: every poll sends the main execution a heartbeat, whose
 * waiting Task gives up after 900 s without one (`HeartbeatSeconds` in main-orchestrator.asl.json),
 * so a poll must come well within that.
 */
export const MAX_POLL_SECONDS_LIMIT = 600;

/**
 * Reads `MAX_POLL_INTERVAL_SECONDS` (whole seconds; at or below the base interval the cadence is
 * the fixed 30 s of earlier versions; above {@link MAX_POLL_SECONDS_LIMIT} the limit). Anything
 * else gives the default.
 */
export function maxPollSecondsFrom(value: string | undefined): number {
  const n = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_POLL_SECONDS_LIMIT) : DEFAULT_MAX_POLL_SECONDS;
}
