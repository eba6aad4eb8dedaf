/**
 * Mapping of AWS SDK errors onto the design 11.1 error names, with account and operation.
 */
import {
  AccessDenied,
  CrossAccountAccessDenied,
  DRSServiceError,
  DrsOrchestrationError,
  ThrottlingException,
} from '../contract/errors.js';

/** Where a call went: used in every mapped error's message and context. */
export interface CallSite {
  /** Service prefix as in IAM, e.g. `drs`, `sts`. */
  service: string;
  /** Operation name, e.g. `StartRecovery`. */
  operation: string;
  /** Account the call was made in (the staging account, or the orchestrator's). */
  accountId?: string;
}

/** What kind of failure an SDK error is, for the retry policy. */
export type FailureKind = 'throttling' | 'server' | 'access-denied' | 'other';

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
]);

const SERVER_NAMES = new Set([
  'InternalServerException',
  'InternalServerError',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServiceException',
]);

// Connection-level failures (emulator restarting, a dropped socket) are as transient as a 5xx.
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

const ACCESS_DENIED_NAMES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  'NoSuchAccessPoint',
]);

interface SdkErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  retryAfterSeconds?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { headers?: Record<string, unknown> };
  cause?: unknown;
}

/**
 * Our own errors, by class: an SDK error may carry one of our names (`AccessDenied`), so a name
 * check would let it pass unmapped.
 */
function isOurs(err: unknown): err is DrsOrchestrationError {
  return err instanceof DrsOrchestrationError;
}

function asLike(err: unknown): SdkErrorLike {
  return typeof err === 'object' && err !== null ? (err as SdkErrorLike) : {};
}

/** The HTTP status of an SDK error, when it has one. */
export function httpStatusOf(err: unknown): number | undefined {
  const status = asLike(err).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The AWS error name behind an error: the SDK error's name, or, for an error this package
 * raised from an SDK error, the name of its cause (e.g. `ConflictException` behind a DRSServiceError).
 */
export function awsErrorCode(err: unknown): string | undefined {
  const like = asLike(err);
  if (isOurs(err)) return like.cause === undefined ? undefined : awsErrorCode(like.cause);
  return typeof like.name === 'string' ? like.name : undefined;
}

/**
 * Seconds the service asked us to wait: DRS's `retryAfterSeconds` (its client parses the
 * `Retry-After` header into it), else the raw `Retry-After` header when the SDK kept the response.
 */
export function retryAfterSecondsOf(err: unknown): number | undefined {
  const like = asLike(err);
  const parse = (value: unknown): number | undefined => {
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  };
  const direct = parse(like.retryAfterSeconds);
  if (direct !== undefined) return direct;
  const headers = like.$response?.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'retry-after');
  return key === undefined ? undefined : parse(headers[key]);
}

/** Classifies an SDK (or network) error for the retry policy. */
export function classifyAwsError(err: unknown): FailureKind {
  const like = asLike(err);
  const name = typeof like.name === 'string' ? like.name : '';
  const code = typeof like.code === 'string' ? like.code : '';
  const status = httpStatusOf(err);
  if (THROTTLING_NAMES.has(name) || status === 429) return 'throttling';
  if (ACCESS_DENIED_NAMES.has(name) || status === 403) return 'access-denied';
  if (SERVER_NAMES.has(name) || (status !== undefined && status >= 500)) return 'server';
  if (NETWORK_CODES.has(code) || name === 'TimeoutError') return 'server';
  return 'other';
}

function lowerFirst(text: string): string {
  return text.length ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

/**
 * Turns any error of an AWS call into this package's error hierarchy:
 * throttling -> `ThrottlingException`; AccessDenied on `sts:AssumeRole` -> `CrossAccountAccessDenied`;
 * other AccessDenied -> `AccessDenied`; 5xx, network and every other service answer -> `DRSServiceError`.
 * The message names the operation and account; the SDK error is kept as `cause`.
 * Errors that already belong to the hierarchy pass through.
 *
 * @example
 * ```ts
 * // "drs:StartRecovery in account 111111111111 failed: ThrottlingException: rate exceeded"
 * ```
 */
export function toOrchestrationError(err: unknown, site: CallSite): DrsOrchestrationError {
  if (isOurs(err)) return err;
  const like = asLike(err);
  const name = typeof like.name === 'string' && like.name ? like.name : 'Error';
  const detail = typeof like.message === 'string' && like.message ? lowerFirst(like.message) : 'no message';
  const where = `${site.service}:${site.operation}${site.accountId ? ` in account ${site.accountId}` : ''}`;
  const retryAfterSeconds = retryAfterSecondsOf(err);
  const context = {
    operation: `${site.service}:${site.operation}`,
    ...(site.accountId ? { accountId: site.accountId } : {}),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
  const message = `${where} failed: ${name}: ${detail}`;
  switch (classifyAwsError(err)) {
    case 'throttling':
      return new ThrottlingException(message, context, { cause: err });
    case 'access-denied':
      return site.service === 'sts' && site.operation === 'AssumeRole'
        ? new CrossAccountAccessDenied(message, context, { cause: err })
        : new AccessDenied(message, context, { cause: err });
    default:
      return new DRSServiceError(message, context, { cause: err });
  }
}

/**
 * True when an error (an SDK error, or one of ours raised from it) is transient: throttling or a
 * server-side/network failure. Task code rethrows these so the state machine's `Retry` re-runs the
 * (idempotent) task, instead of recording a failure that a later attempt would not have had.
 */
export function isTransientAwsError(err: unknown): boolean {
  const like = asLike(err);
  const inner = isOurs(err) && like.cause !== undefined ? like.cause : err;
  if (isOurs(inner)) {
    return inner.name === 'ThrottlingException';
  }
  const kind = classifyAwsError(inner);
  return kind === 'throttling' || kind === 'server';
}
