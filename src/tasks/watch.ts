/**
 * The one loop that watches an account's DRS work (recovery and drill launches, terminations,
 * failbacks). Step Functions drives it: each poll is one invocation of a monitor task, which
 * either returns the run to keep (something changed, the work is done, or the executor should wait
 * longer) or throws `JobInProgress` so the state's Retry polls again (one transition). What each
 * kind of work reads from DRS and how it advances is its own (monitor-job.ts, terminate-instances.ts,
 * start-failback.ts); the poll around it is this.
 */
import { JobInProgress } from '../contract/errors.js';
import { sendHeartbeat } from './callbacks.js';
import type { TaskDeps } from './deps.js';
import type { AccountEvent } from './types.js';

/** What every watched run carries between polls. */
export interface WatchedRun {
  done?: boolean;
  /** Polls that returned the run (each a recorded step of the executor). */
  polls: number;
  /** ISO time at which what is still pending is given up (`maxWaitMinutes`). */
  deadline: string;
}

/** A poll that found nothing to record: the state's Retry polls again. */
export class StillRunning {
  /**
   * @param message what is still under way (the `JobInProgress` message)
   * @param operation the DRS call that will tell (`drs:DescribeJobs`, ...)
   */
  constructor(
    readonly message: string,
    readonly operation: string,
  ) {}
}

/** What a poll may ask of the loop. */
export interface PollContext {
  /** Whether the run's deadline has passed, now (virtual time moves during the calls). */
  expired(): boolean;
}

/**
 * One poll of a watched run: tells the main execution's waiting Task the executor is alive (each
 * poll, no transition), then lets `poll` advance a copy of the run. A run it returns is counted as
 * a poll and kept; {@link StillRunning} becomes `JobInProgress`. A run already done is returned
 * as it is.
 *
 * @throws {JobInProgress} while the work runs and nothing needs recording.
 */
export async function watchRun<R extends WatchedRun>(
  event: AccountEvent & { run: R },
  deps: TaskDeps,
  poll: (run: R, ctx: PollContext) => Promise<R | StillRunning>,
): Promise<R> {
  await sendHeartbeat(event, deps);
  const run: R = structuredClone(event.run);
  if (run.done) return run;
  const result = await poll(run, { expired: () => deps.now().getTime() >= Date.parse(run.deadline) });
  if (result instanceof StillRunning) {
    throw new JobInProgress(result.message, {
      accountId: event.account.accountId,
      operation: result.operation,
    });
  }
  result.polls += 1;
  return result;
}
