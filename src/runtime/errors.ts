/**
 * Errors as a Task state and the interpreter see them: a name (what `Retry`/`Catch` match) and a
 * message (the Cause), plus the flags the interpreter honours (`isRetryable`, `isCatchable`).
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { HistoryLimitExceeded, PayloadTooLarge } from '../contract/errors.js';

/** An error as a Task state sees it: a name and a message (the Cause). */
export function namedError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/** A task failure as Lambda reports it: the Cause is `{ errorType, errorMessage, trace }` JSON. */
export function lambdaError(err: unknown): Error {
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  return namedError(name, JSON.stringify({ errorType: name, errorMessage: message, trace: [] }));
}

/**
 * `States.Runtime`: like AWS (and the interpreter's own), neither retried nor caught, not even by
 * `States.ALL`; the execution fails.
 */
export function statesRuntimeError(message: string): Error {
  return Object.defineProperties(namedError('States.Runtime', message), {
    isRetryable: { value: false },
    isCatchable: { value: false },
  });
}

/**
 * A payload over Step Functions' limit. Like `States.DataLimitExceeded` on AWS it cannot be
 * caught or retried by the definition (the interpreter honours the flags), so the execution fails.
 */
export class PayloadLimitExceeded extends PayloadTooLarge {
  /** Never caught. */
  get isCatchable(): boolean {
    return false;
  }
  /** Never retried. */
  get isRetryable(): boolean {
    return false;
  }
}

/** More history events than Step Functions keeps: the execution fails, uncaught and unretried. */
export class HistoryLimitReached extends HistoryLimitExceeded {
  /** Never caught. */
  get isCatchable(): boolean {
    return false;
  }
  /** Never retried. */
  get isRetryable(): boolean {
    return false;
  }
}

/** The interpreter's `StatesTimeoutError` class (not exported by the package). */
type TimeoutClass = new () => Error;
let timeoutClass: Promise<TimeoutClass> | undefined;
let loadedTimeoutClass: TimeoutClass | undefined;

/**
 * Must be awaited before {@link statesTimeoutError} or {@link isStatesTimeout} are used.
 * Finds the interpreter's own `States.Timeout` error class by letting a one-state machine time out
 * (1 ms, once per process). The interpreter excludes exactly the instances of that class from the
 * `States.TaskFailed` wildcard, as AWS excludes `States.Timeout`; a timeout the runtime raises must
 * be one so that the interpreter's Retry and Catch treat it as AWS does.
 */
export async function ensureInterpreterErrors(): Promise<void> {
  timeoutClass ??= (async () => {
    const probe = new StateMachine(
      {
        StartAt: 'Probe',
        States: {
          Probe: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:123456789012:function:probe',
            TimeoutSeconds: 0.001,
            End: true,
          },
        },
      } as never,
      { validationOptions: { noValidate: true } },
    );
    const run = probe.run({} as never, {
      overrides: { taskResourceLocalHandlers: { Probe: () => new Promise<never>(() => {}) } as never },
    });
    const err = await run.result.then(
      () => undefined,
      (e: unknown) => e,
    );
    const cause = (err as { cause?: unknown } | undefined)?.cause;
    if (!(cause instanceof Error) || cause.name !== 'States.Timeout') {
      throw new Error('aws-local-stepfunctions no longer times out a task with States.Timeout');
    }
    return cause.constructor as TimeoutClass;
  })();
  loadedTimeoutClass = await timeoutClass;
}

/** `States.Timeout`, as an instance of the interpreter's own class (see {@link ensureInterpreterErrors}). */
export function statesTimeoutError(message: string): Error {
  if (!loadedTimeoutClass) throw new Error('ensureInterpreterErrors() was not awaited');
  const err = new loadedTimeoutClass();
  err.message = message;
  return err;
}

/** Whether the interpreter treats `err` as `States.Timeout` (excluded from `States.TaskFailed`). */
export function isStatesTimeout(err: unknown): boolean {
  return loadedTimeoutClass !== undefined && err instanceof loadedTimeoutClass;
}

/** The name `RuntimeEnv.awsSdkCall` gives an error when it could not assume a Task's `Credentials` role. */
export const ASSUME_ROLE_FAILED = 'AssumeRoleFailed';
