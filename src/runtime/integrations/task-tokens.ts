/**
 * Task tokens of `lambda:invoke.waitForTaskToken` Tasks waiting for their answer, per process:
 * SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat reach them here, through the emulator's
 * Step Functions service (its backend port, {@link taskTokenBackend}) or in-process
 * ({@link inProcessCallbacks}, when the tasks run against real AWS, which cannot know a local token).
 */
import type { SfnTaskAnswer, StepFunctionsBackendFactory } from '../../emulator/index.js';
import type { TaskCallbacksPort } from '../../tasks/callbacks.js';
import { namedError } from '../errors.js';

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
  waiting.set(token, { stateMachineArn, answer });
}

/** The Task is over: later answers get TaskTimedOut, as on AWS. */
export function closeTaskToken(token: string): void {
  const found = waiting.get(token);
  if (!found) return;
  waiting.delete(token);
  closed.set(token, found.stateMachineArn);
  if (closed.size > MAX_CLOSED) closed.delete(closed.keys().next().value as string);
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
