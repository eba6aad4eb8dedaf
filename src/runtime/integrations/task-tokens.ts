/**
 * The one `.waitForTaskToken` mechanism of the runtime: every such Task (`lambda:invoke` handing
 * its token to an executor, `sns:publish` announcing an approval) opens its token here and waits
 * in {@link waitForTaskToken}; SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat reach it
 * through {@link answerTaskToken}: from the emulator's Step Functions service (its backend port,
 * {@link taskTokenBackend}, or `drs-orch serve`'s), from the executors' tasks in-process
 * ({@link inProcessCallbacks}, against real AWS, which cannot know a local token), or from the
 * CLI's approval prompt. One registry per process.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskCallbacksPort } from '../../aws/task-ports.js';
import type { SfnTaskAnswer, StepFunctionsBackendFactory } from '../../emulator/index.js';
import { namedError } from '../errors.js';
import type { Execution, ExecutionHost } from '../execution-host.js';
import type { ScheduledTask } from '../scheduler.js';

/** What the runtime's task tokens look like (48 random bytes, base64url). */
export const TASK_TOKEN_FORMAT = /^[A-Za-z0-9_-]{64}$/;

/** The answer to a task token, as the waiting Task receives it. */
export type TaskTokenAnswer =
  | { readonly kind: 'success'; readonly output: unknown }
  | { readonly kind: 'failure'; readonly error?: string; readonly cause?: string }
  | { readonly kind: 'heartbeat' };

/** `ok`, or why a token cannot be answered (the emulator's TaskTimedOut, TaskDoesNotExist, InvalidToken). */
export type TaskTokenResult = 'ok' | 'closed' | 'unknown' | 'invalid';

interface Waiting {
  /** The state machine of the execution whose Task waits (what IAM authorizes SendTask* on). */
  readonly stateMachineArn: string;
  readonly answer: (answer: TaskTokenAnswer) => void;
  /** Aborted when the Task stops waiting, for whoever is preparing an answer. */
  readonly over: AbortController;
}

const waiting = new Map<string, Waiting>();
/**
 * Tokens whose Task is over (answered, timed out, execution stopped), with their state machine (a
 * late answer is still authorized on it, as AWS's tokens carry it); bounded, oldest dropped.
 */
const closed = new Map<string, string>();
const MAX_CLOSED = 10_000;

/**
 * Registers a waiting Task's token; `answer` receives every answer until {@link closeTaskToken}.
 */
export function openTaskToken(
  token: string,
  stateMachineArn: string,
  answer: (answer: TaskTokenAnswer) => void,
): void {
  waiting.set(token, { stateMachineArn, answer, over: new AbortController() });
}

/** The Task is over: later answers get TaskTimedOut, as on AWS. */
export function closeTaskToken(token: string): void {
  const found = waiting.get(token);
  if (!found) return;
  waiting.delete(token);
  closed.set(token, found.stateMachineArn);
  if (closed.size > MAX_CLOSED) closed.delete(closed.keys().next().value as string);
  found.over.abort();
}

/**
 * A signal that aborts when the Task waiting on `token` stops waiting (answered, timed out,
 * execution stopped): an operator's prompt for it can then be withdrawn. Undefined when no Task
 * waits on it (already over, or never issued).
 */
export function taskTokenWaitSignal(token: string): AbortSignal | undefined {
  return waiting.get(token)?.over.signal;
}

/** Answers a waiting Task's token. A success or failure closes it. */
export function answerTaskToken(token: string, answer: TaskTokenAnswer): TaskTokenResult {
  const found = waiting.get(token);
  if (!found) {
    if (closed.has(token)) return 'closed';
    return TASK_TOKEN_FORMAT.test(token) ? 'unknown' : 'invalid';
  }
  if (answer.kind !== 'heartbeat') closeTaskToken(token);
  found.answer(answer);
  return 'ok';
}

/** The state machine whose Task holds or held `token` (SendTask* are authorized on it), if any. */
export function taskTokenOwner(token: string): string | undefined {
  return waiting.get(token)?.stateMachineArn ?? closed.get(token);
}

/** How a Task waits for the answer to its token: see {@link waitForTaskToken}. */
export interface TaskTokenWait {
  readonly host: ExecutionHost;
  /** The execution whose Task waits: the token belongs to its state machine. */
  readonly exec: Execution;
  readonly token: string;
  /** The state's `HeartbeatSeconds` (virtual): the longest gap allowed between answers. */
  readonly heartbeatSeconds: number | undefined;
  /** Aborted when the Task ends otherwise (its `TimeoutSeconds`, the execution stopped). */
  readonly signal: AbortSignal;
  readonly scheduled: ScheduledTask | undefined;
  /**
   * What the scheduler is told the Task is blocked on (`APPROVAL_WAIT` for a person, who may
   * take their time without the run being called stalled).
   */
  readonly waitingFor: string;
}

/**
 * A `.waitForTaskToken` Task as its integration receives it (the token aside: sns:publish without
 * `.waitForTaskToken` has none): what {@link waitForTaskToken} needs, plus the state and its input.
 */
export interface TokenTaskCall extends Omit<TaskTokenWait, 'token' | 'waitingFor'> {
  readonly stateName: string;
  /** The state's resolved Parameters. */
  readonly input: unknown;
  /** Told the integration's immediate response (the history's TaskSubmitted) once it returned. */
  readonly submitted: (output: unknown) => void;
}

/**
 * A `.waitForTaskToken` Task: opens `token` for the execution's state machine, runs `handOn`
 * (which gives the token to whoever answers: a Lambda's payload, an SNS message), then waits for
 * SendTaskSuccess (its output is the Task's result) or SendTaskFailure (the Task fails with its
 * error and cause). Every SendTaskHeartbeat restarts the `heartbeatSeconds` clock; without an
 * answer in time the Task fails with `States.HeartbeatTimeout`. The caller enforces the state's
 * `TimeoutSeconds` around this call (aborting `signal`). The token is closed whenever the Task
 * ends, so a late answer gets TaskTimedOut.
 *
 * @throws what `handOn` throws, the failure's error, `States.HeartbeatTimeout`
 */
export async function waitForTaskToken(wait: TaskTokenWait, handOn: () => Promise<void>): Promise<unknown> {
  const { token } = wait;
  let waiter: ((answer: TaskTokenAnswer) => void) | undefined;
  const queued: TaskTokenAnswer[] = [];
  // Open before handing the token on: the answer may come back before `handOn` returns.
  openTaskToken(token, wait.exec.stateMachineArn, (answer) => {
    const wake = waiter;
    waiter = undefined;
    if (wake) wake(answer);
    else queued.push(answer);
  });
  try {
    await handOn();
    for (;;) {
      const answer =
        queued.shift() ??
        (await nextAnswer(wait, (fn) => {
          waiter = fn;
        }));
      if (answer.kind === 'heartbeat') continue;
      if (answer.kind === 'success') return answer.output;
      throw namedError(answer.error ?? '', answer.cause ?? '');
    }
  } finally {
    closeTaskToken(token);
  }
}

/** The next answer to the token, or `States.HeartbeatTimeout` after `heartbeatSeconds` (virtual). */
async function nextAnswer(
  wait: TaskTokenWait,
  listen: (fn: (answer: TaskTokenAnswer) => void) => void,
): Promise<TaskTokenAnswer> {
  const { host, heartbeatSeconds, scheduled } = wait;
  // Ended while the token was being handed on: no listener would ever hear of it.
  if (wait.signal.aborted) throw namedError('States.Runtime', 'the wait for the task token ended');
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  wait.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const racers: Promise<TaskTokenAnswer>[] = [
      new Promise((resolve, reject) => {
        listen(resolve);
        stop.signal.addEventListener(
          'abort',
          () => reject(namedError('States.Runtime', 'the wait for the task token ended')),
          { once: true },
        );
      }),
    ];
    if (heartbeatSeconds !== undefined) {
      const late = (): never => {
        throw namedError('States.HeartbeatTimeout', `no heartbeat for ${heartbeatSeconds} seconds`);
      };
      const wakeMs = host.env.now().getTime() + heartbeatSeconds * 1000;
      racers.push(
        scheduled
          ? scheduled.timer(wakeMs, stop.signal).then(late)
          : sleep((heartbeatSeconds * 1000) / host.env.timeScale, undefined, { signal: stop.signal }).then(
              late,
              () => new Promise<never>(() => {}),
            ),
      );
    }
    const race = Promise.race(racers);
    // Discrete time: a Task waiting for its answer is idle, so the heartbeat and timeout timers can come.
    return await (scheduled ? scheduled.blockOn(race, wait.waitingFor) : race);
  } finally {
    stop.abort();
    wait.signal.removeEventListener('abort', onAbort);
  }
}

/** A wire answer (output as a JSON string) as the waiting Task receives it. */
export function fromWireAnswer(answer: SfnTaskAnswer): TaskTokenAnswer {
  if (answer.kind === 'success') return { kind: 'success', output: JSON.parse(answer.output) as unknown };
  return answer;
}

/**
 * The emulator's Step Functions backend for local runs whose executions run in this process (the
 * embedded emulator of `--target sim`, the tests, the bench): it hosts no state machine and only
 * routes SendTaskSuccess/Failure/Heartbeat to the waiting Tasks (IAM checked on their machine).
 *
 * @example const emu = await startEmulator({ fleet: 'demo', timeScale: 0, stepFunctions: taskTokenBackend });
 */
export const taskTokenBackend: StepFunctionsBackendFactory = () => ({
  stateMachines: () => [],
  start: () => Promise.reject(new Error('this backend runs no executions')),
  stop: () => false,
  answerTask: (token, answer) => answerTaskToken(token, fromWireAnswer(answer)),
  taskOwner: taskTokenOwner,
});

/** The error Step Functions answers SendTask* with, for a token that cannot be answered. */
function tokenError(result: Exclude<TaskTokenResult, 'ok'>): Error {
  switch (result) {
    case 'closed':
      return namedError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    case 'unknown':
      return namedError('TaskDoesNotExist', 'Task does not exist');
    default:
      return namedError('InvalidToken', "Invalid Token: 'Invalid token'");
  }
}

/**
 * The task-callbacks port of executors that run in this process against real AWS: AWS cannot
 * know a local token, so the answer goes straight to the waiting Task (no role, no wire).
 */
export function inProcessCallbacks(): TaskCallbacksPort {
  const send = async (token: string, answer: TaskTokenAnswer): Promise<void> => {
    const result = answerTaskToken(token, answer);
    if (result !== 'ok') throw tokenError(result);
  };
  return {
    // A JSON copy, as the wire would carry it.
    success: (callback, output) =>
      send(callback.taskToken, { kind: 'success', output: JSON.parse(JSON.stringify(output ?? null)) }),
    failure: (callback, error, cause) => send(callback.taskToken, { kind: 'failure', error, cause }),
    heartbeat: (callback) => send(callback.taskToken, { kind: 'heartbeat' }),
  };
}
