/**
 * The error hierarchy of drs-orchestration.
 *
 * An error's `name` is a contract: Lambda reports it as the error type, and the state machines'
 * `Retry`/`Catch` clauses match on it (`ErrorEquals`). Never rename one; add new ones instead.
 */

/**
 * Stable error names (design 11.1 plus the few the design implies).
 *
 * @example
 * ```ts
 * if (err.name === ErrorNames.ThrottlingException) retryLater();
 * ```
 */
export const ErrorNames = {
  /** The input (or a configuration document) breaks its schema. Not retried. */
  ValidationError: 'ValidationError',
  /**
   * A document (runbook, input, fleet, fault plan, report file) was refused before its content was
   * looked at: too large, nested too deep, too many or recursive YAML aliases, a key given twice,
   * a YAML tag outside the core schema, or not JSON/YAML at all. Not retried.
   */
  DocumentRejected: 'DocumentRejected',
  /** AWS throttled a call. Retried with exponential backoff. */
  ThrottlingException: 'ThrottlingException',
  /**
   * A source server cannot be launched: it has no recovery point (INITIATING, INITIAL_SYNC,
   * STOPPED, DISCONNECTED) or no longer exists. Reported per server, at once.
   */
  ServerNotReady: 'ServerNotReady',
  /** A server's recovery point is older than `maxDataLossMinutes` and cannot get within it. */
  RecoveryPointTooOld: 'RecoveryPointTooOld',
  /** A launched instance was not running with both EC2 status checks ok within `healthCheckMinutes`. */
  InstanceUnhealthy: 'InstanceUnhealthy',
  /**
   * A DRS post-launch action that is not `optional` failed on a launched server (DRS: "whether the
   * launch will not be marked as failed if this action fails"). Reported per server.
   */
  PostLaunchActionFailed: 'PostLaunchActionFailed',
  /** Work was still pending at maxWaitMinutes. Not retried. */
  JobTimeout: 'JobTimeout',
  /**
   * An AWS-origin recovery instance's origin account and Region (where a Region-to-Region failback
   * recovers it) are not a registered staging account, so drs-orch cannot act there.
   */
  OriginNotRegistered: 'OriginNotRegistered',
  /** The staging account's role could not be assumed. The account is skipped and reported. */
  CrossAccountAccessDenied: 'CrossAccountAccessDenied',
  /** DRS answered with a server-side or unexpected error. Retried 3 times, then failed. */
  DRSServiceError: 'DRSServiceError',
  /** A DRS job (or failback) is still running: the monitor task's way of asking to be polled again. */
  JobInProgress: 'JobInProgress',
  /** DRS reported the launch of a server as FAILED. */
  LaunchFailed: 'LaunchFailed',
  /** A staging account was asked to handle more servers than its `maxServers`. */
  StagingAccountOverCapacity: 'StagingAccountOverCapacity',
  /**
   * The tags matched a different number of source servers than `options.expectedServers` (or a
   * runbook wave's `expectedServers`): the run fails before anything starts. Not retried.
   */
  ServerCountMismatch: 'ServerCountMismatch',
  /** The executor received an action it does not know. */
  InvalidAction: 'InvalidAction',
  /** A state's input or output exceeded Step Functions' 256 KiB limit (enforced locally too). */
  PayloadTooLarge: 'PayloadTooLarge',
  /** A caller lacks an IAM permission inside an account (not the cross-account AssumeRole). */
  AccessDenied: 'AccessDenied',
  /** An execution exceeded Step Functions' 25,000 history events (enforced locally too). */
  HistoryLimitExceeded: 'HistoryLimitExceeded',
  /** A staging account's executor is still running: the main machine polls it again (every 60 s). */
  ExecutorRunning: 'ExecutorRunning',
  /** A staging account's executor failed with an error Step Functions reserves (`States.*`). */
  ExecutorFailed: 'ExecutorFailed',
  /** A staging account's executor timed out, or ran past maxWaitMinutes and was stopped. */
  ExecutorTimedOut: 'ExecutorTimedOut',
  /** A staging account's executor was stopped by someone else. */
  ExecutorAborted: 'ExecutorAborted',
  /** A runbook started from an ARC Region switch block is still running (the block retries). */
  RunbookRunning: 'RunbookRunning',
  /** A runbook started from an ARC Region switch block ended without success. */
  RunbookFailed: 'RunbookFailed',
} as const;

/** One of the stable error names. */
export type ErrorName = (typeof ErrorNames)[keyof typeof ErrorNames];

/** Context attached to errors that come from an AWS call. */
export interface AwsErrorContext {
  /** Staging or orchestrator account the call was made in. */
  readonly accountId?: string;
  /** AWS operation, e.g. `drs:StartRecovery`. */
  readonly operation?: string;
  /** Seconds the service asked us to wait (Retry-After), when it said. */
  readonly retryAfterSeconds?: number;
}

/** Base class of every error this package throws on purpose. `name` is always one of {@link ErrorNames}. */
export abstract class DrsOrchestrationError extends Error {
  abstract override readonly name: ErrorName;
  /** Whether the design's retry policy retries this error (design 11.1). */
  abstract readonly retryable: boolean;
  readonly context: AwsErrorContext;

  constructor(message: string, context: AwsErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.context = context;
  }

  /** A JSON-safe view (what Lambda and logs see); never includes credentials. */
  toJSON(): { name: ErrorName; message: string; context: AwsErrorContext } {
    return { name: this.name, message: this.message, context: this.context };
  }
}

/** One problem found by a validator: where (JSON pointer) and what is wrong. */
export interface ValidationProblem {
  /** RFC 6901 JSON pointer to the offending value; `''` is the whole document. */
  readonly pointer: string;
  /** Lower-case sentence: what is expected and what was given, e.g. `must be <= 200, got 500`. */
  readonly message: string;
}

/**
 * The input (or a configuration document) is invalid. Lists every problem found.
 *
 * @example
 * ```ts
 * // message: "invalid input: /options/maxWaitMinutes must be <= 1440, got 2000"
 * err.problems; // [{ pointer: '/options/maxWaitMinutes', message: 'must be <= 1440, got 2000' }]
 * ```
 */
export class ValidationError extends DrsOrchestrationError {
  override readonly name = ErrorNames.ValidationError;
  readonly retryable = false;
  readonly problems: readonly ValidationProblem[];

  constructor(problems: readonly ValidationProblem[], subject = 'input') {
    const shown = problems.map((p) => `${p.pointer || '/'} ${p.message}`);
    super(`invalid ${subject}: ${shown.join('; ')}`);
    this.problems = problems;
  }
}

/** Which limit of the strict document reader a document broke (see `DocumentRejected`). */
export type DocumentLimit =
  | 'size'
  | 'depth'
  | 'aliases'
  | 'alias-expansion'
  | 'recursive-alias'
  | 'duplicate-key'
  | 'key'
  | 'tag'
  | 'encoding'
  | 'syntax';

/**
 * A document was refused by the strict reader before anything used it. The message names the
 * document, the limit and where: `runbook.json: duplicate key "action" at /action (line 1)`.
 *
 * @example
 * ```ts
 * if (err instanceof DocumentRejected && err.limit === 'duplicate-key') console.log(err.pointer);
 * ```
 */
export class DocumentRejected extends DrsOrchestrationError {
  override readonly name = ErrorNames.DocumentRejected;
  readonly retryable = false;
  /** The document as the user named it (a path, `stdin`, `fault plan`). */
  readonly document: string;
  /** The limit it broke. */
  readonly limit: DocumentLimit;
  /** JSON pointer (RFC 6901) of the offending value or key; `''` for the whole document. */
  readonly pointer: string;
  /** 1-based line where the problem is, when known. */
  readonly line: number | undefined;

  constructor(document: string, limit: DocumentLimit, what: string, pointer = '', line?: number) {
    // A pointer thousands of levels deep says nothing more than its first hundred characters.
    const shown = pointer.length > 120 ? `${pointer.slice(0, 120)}...` : pointer;
    const at = pointer === '' ? '' : ` at ${shown}`;
    super(`${document}: ${what}${at}${line === undefined ? '' : ` (line ${line})`}`);
    this.document = document;
    this.limit = limit;
    this.pointer = pointer;
    this.line = line;
  }
}

/** AWS throttled the call (HTTP 429 / ThrottlingException) even after the client's own backoff. */
export class ThrottlingException extends DrsOrchestrationError {
  override readonly name = ErrorNames.ThrottlingException;
  readonly retryable = true;
}

/** A source server cannot be launched: it has no recovery point to launch from. */
export class ServerNotReady extends DrsOrchestrationError {
  override readonly name = ErrorNames.ServerNotReady;
  readonly retryable = true;
}

/** A server's recovery point is older than the RPO budget (`maxDataLossMinutes`). */
export class RecoveryPointTooOld extends DrsOrchestrationError {
  override readonly name = ErrorNames.RecoveryPointTooOld;
  readonly retryable = false;
}

/** A launched instance did not pass its EC2 status checks within `healthCheckMinutes`. */
export class InstanceUnhealthy extends DrsOrchestrationError {
  override readonly name = ErrorNames.InstanceUnhealthy;
  readonly retryable = false;
}

/** A post-launch action that is not optional failed on a launched server. */
export class PostLaunchActionFailed extends DrsOrchestrationError {
  override readonly name = ErrorNames.PostLaunchActionFailed;
  readonly retryable = false;
}

/** `maxWaitMinutes` elapsed with work still pending. */
export class JobTimeout extends DrsOrchestrationError {
  override readonly name = ErrorNames.JobTimeout;
  readonly retryable = false;
}

/** An AWS-origin server's origin account and Region are not a registered staging account (no failback there). */
export class OriginNotRegistered extends DrsOrchestrationError {
  override readonly name = ErrorNames.OriginNotRegistered;
  readonly retryable = false;
}

/** The orchestrator could not assume a staging account's role. */
export class CrossAccountAccessDenied extends DrsOrchestrationError {
  override readonly name = ErrorNames.CrossAccountAccessDenied;
  readonly retryable = false;
}

/** DRS failed server-side (5xx) or answered something unexpected. */
export class DRSServiceError extends DrsOrchestrationError {
  override readonly name = ErrorNames.DRSServiceError;
  readonly retryable = true;
}

/** Work is still running; the state machine polls again after its Retry interval. */
export class JobInProgress extends DrsOrchestrationError {
  override readonly name = ErrorNames.JobInProgress;
  readonly retryable = true;
}

/** A staging account's executor is still running; the main machine polls again after its Retry interval. */
export class ExecutorRunning extends DrsOrchestrationError {
  override readonly name = ErrorNames.ExecutorRunning;
  readonly retryable = true;
}

/** A staging account's executor failed with an error Step Functions reserves (`States.*`). */
export class ExecutorFailed extends DrsOrchestrationError {
  override readonly name = ErrorNames.ExecutorFailed;
  readonly retryable = false;
}

/** A staging account's executor timed out, or ran past maxWaitMinutes and was stopped. */
export class ExecutorTimedOut extends DrsOrchestrationError {
  override readonly name = ErrorNames.ExecutorTimedOut;
  readonly retryable = false;
}

/** A staging account's executor was stopped by someone else. */
export class ExecutorAborted extends DrsOrchestrationError {
  override readonly name = ErrorNames.ExecutorAborted;
  readonly retryable = false;
}

/** A runbook started from an ARC Region switch block is still running: the block invokes again after its retry interval. */
export class RunbookRunning extends DrsOrchestrationError {
  override readonly name = ErrorNames.RunbookRunning;
  readonly retryable = true;
}

/** A runbook started from an ARC Region switch block ended without success. */
export class RunbookFailed extends DrsOrchestrationError {
  override readonly name = ErrorNames.RunbookFailed;
  readonly retryable = false;
}

/**
 * A staging account's executor failed with one of its own errors (e.g. `CrossAccountAccessDenied`,
 * `ThrottlingException`): rethrown under that name, so the account's `errorCode` is the real cause.
 */
export class ExecutorError extends Error {
  readonly retryable = false;

  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** DRS reported a server's launch as FAILED. */
export class LaunchFailed extends DrsOrchestrationError {
  override readonly name = ErrorNames.LaunchFailed;
  readonly retryable = false;
}

/** More servers matched in a staging account than its `maxServers` allows. */
export class StagingAccountOverCapacity extends DrsOrchestrationError {
  override readonly name = ErrorNames.StagingAccountOverCapacity;
  readonly retryable = false;
}

/**
 * The tags matched a different number of source servers than the caller said to expect
 * (`options.expectedServers`): a typo'd tag, a server missing its tag, one tagged by mistake.
 */
export class ServerCountMismatch extends DrsOrchestrationError {
  override readonly name = ErrorNames.ServerCountMismatch;
  readonly retryable = false;
}

/** The executor was given an action it does not implement. */
export class InvalidAction extends DrsOrchestrationError {
  override readonly name = ErrorNames.InvalidAction;
  readonly retryable = false;
}

/** A state payload exceeded Step Functions' 256 KiB limit. */
export class PayloadTooLarge extends DrsOrchestrationError {
  override readonly name = ErrorNames.PayloadTooLarge;
  readonly retryable = false;
}

/** An execution exceeded Step Functions' 25,000 history events. */
export class HistoryLimitExceeded extends DrsOrchestrationError {
  override readonly name = ErrorNames.HistoryLimitExceeded;
  readonly retryable = false;
}

/** The caller lacks an IAM permission inside an account. */
export class AccessDenied extends DrsOrchestrationError {
  override readonly name = ErrorNames.AccessDenied;
  readonly retryable = false;
}

/** True when `err` is one of this package's errors (by class or, across realms, by name). */
export function isDrsOrchestrationError(err: unknown): err is DrsOrchestrationError {
  return (
    err instanceof DrsOrchestrationError ||
    (err instanceof Error && (Object.values(ErrorNames) as string[]).includes(err.name))
  );
}
