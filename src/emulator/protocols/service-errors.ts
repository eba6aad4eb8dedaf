/**
 * Errors every emulated service can answer (authentication, authorization, throttling, internal),
 * rendered in the wire format and with the code and status that service uses on AWS. The SigV4
 * layer, the authorizer and the fault injector all go through here so that, for example, a
 * throttled SSM call says `ThrottlingException` in JSON while a throttled EC2 call says
 * `RequestLimitExceeded` in EC2 XML.
 */
import type { EmulatorResponse } from '../types.js';
import { ec2Error } from './ec2.js';
import { jsonError } from './json.js';
import { queryError } from './query.js';
import { restJsonError } from './rest-json.js';
import { s3Error } from './s3.js';

/** The wire protocol family of a service. */
export type ServiceProtocol = 'query' | 'json' | 'rest-json' | 'ec2' | 's3';

/** SigV4 signing names of the services the emulator knows, with their protocol. */
export const SERVICE_PROTOCOLS: Readonly<Record<string, ServiceProtocol>> = {
  sts: 'query',
  sns: 'query',
  ssm: 'json',
  servicequotas: 'json',
  states: 'json',
  drs: 'rest-json',
  ec2: 'ec2',
  s3: 's3',
};

/** XML namespaces of the query-protocol services (AWS puts them on the error envelope too). */
export const QUERY_XMLNS: Readonly<Record<string, string>> = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  sns: 'http://sns.amazonaws.com/doc/2010-03-31/',
};

/**
 * The protocol of a service by its signing name.
 * @default `rest-json` for names the emulator does not know (the most common modern protocol)
 */
export function serviceProtocol(service: string): ServiceProtocol {
  return SERVICE_PROTOCOLS[service] ?? 'rest-json';
}

/** The kinds of error shared by all services. */
export type CommonErrorKind =
  | 'missing-authentication'
  | 'incomplete-signature'
  | 'signature-mismatch'
  | 'unknown-access-key'
  | 'invalid-session-token'
  | 'expired-token'
  | 'access-denied'
  | 'throttling'
  | 'internal'
  | 'unavailable';

interface ErrorSpec {
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

const SIGNATURE_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN_MESSAGE = 'The security token included in the request is invalid.';

const QUERY: Record<CommonErrorKind, ErrorSpec> = {
  'missing-authentication': {
    code: 'MissingAuthenticationToken',
    status: 403,
    message: 'Request is missing Authentication Token',
  },
  'incomplete-signature': { code: 'IncompleteSignature', status: 400, message: 'Request is not signed.' },
  'signature-mismatch': { code: 'SignatureDoesNotMatch', status: 403, message: SIGNATURE_MESSAGE },
  'unknown-access-key': { code: 'InvalidClientTokenId', status: 403, message: INVALID_TOKEN_MESSAGE },
  'invalid-session-token': { code: 'InvalidClientTokenId', status: 403, message: INVALID_TOKEN_MESSAGE },
  'expired-token': {
    code: 'ExpiredToken',
    status: 403,
    message: 'The security token included in the request is expired',
  },
  'access-denied': { code: 'AccessDenied', status: 403, message: 'Access denied' },
  throttling: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
  internal: { code: 'InternalFailure', status: 500, message: 'An internal error occurred.' },
  unavailable: { code: 'ServiceUnavailable', status: 503, message: 'Service is unavailable.' },
};

const JSON_: Record<CommonErrorKind, ErrorSpec> = {
  'missing-authentication': {
    code: 'MissingAuthenticationTokenException',
    status: 400,
    message: 'Missing Authentication Token',
  },
  'incomplete-signature': {
    code: 'IncompleteSignatureException',
    status: 400,
    message: 'Request is not signed.',
  },
  'signature-mismatch': { code: 'InvalidSignatureException', status: 400, message: SIGNATURE_MESSAGE },
  'unknown-access-key': { code: 'UnrecognizedClientException', status: 400, message: INVALID_TOKEN_MESSAGE },
  'invalid-session-token': {
    code: 'UnrecognizedClientException',
    status: 400,
    message: INVALID_TOKEN_MESSAGE,
  },
  'expired-token': {
    code: 'ExpiredTokenException',
    status: 400,
    message: 'The security token included in the request is expired',
  },
  'access-denied': { code: 'AccessDeniedException', status: 400, message: 'Access denied' },
  throttling: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
  internal: { code: 'InternalServerError', status: 500, message: 'An internal error occurred.' },
  unavailable: { code: 'ServiceUnavailable', status: 503, message: 'Service is unavailable.' },
};

const REST_JSON: Record<CommonErrorKind, ErrorSpec> = {
  'missing-authentication': {
    code: 'MissingAuthenticationTokenException',
    status: 403,
    message: 'Missing Authentication Token',
  },
  'incomplete-signature': {
    code: 'IncompleteSignatureException',
    status: 403,
    message: 'Request is not signed.',
  },
  'signature-mismatch': { code: 'InvalidSignatureException', status: 403, message: SIGNATURE_MESSAGE },
  'unknown-access-key': { code: 'UnrecognizedClientException', status: 403, message: INVALID_TOKEN_MESSAGE },
  'invalid-session-token': {
    code: 'UnrecognizedClientException',
    status: 403,
    message: INVALID_TOKEN_MESSAGE,
  },
  'expired-token': {
    code: 'ExpiredTokenException',
    status: 403,
    message: 'The security token included in the request is expired',
  },
  'access-denied': { code: 'AccessDeniedException', status: 403, message: 'Access denied' },
  throttling: { code: 'ThrottlingException', status: 429, message: 'Rate exceeded' },
  internal: { code: 'InternalServerException', status: 500, message: 'An internal error occurred.' },
  unavailable: { code: 'ServiceUnavailableException', status: 503, message: 'Service is unavailable.' },
};

const EC2: Record<CommonErrorKind, ErrorSpec> = {
  'missing-authentication': {
    code: 'MissingAuthenticationToken',
    status: 401,
    message: 'Request is missing Authentication Token',
  },
  'incomplete-signature': { code: 'IncompleteSignature', status: 401, message: 'Request is not signed.' },
  'signature-mismatch': { code: 'SignatureDoesNotMatch', status: 403, message: SIGNATURE_MESSAGE },
  'unknown-access-key': {
    code: 'AuthFailure',
    status: 401,
    message: 'AWS was not able to validate the provided access credentials',
  },
  'invalid-session-token': {
    code: 'AuthFailure',
    status: 401,
    message: 'AWS was not able to validate the provided access credentials',
  },
  'expired-token': { code: 'RequestExpired', status: 400, message: 'Request has expired.' },
  'access-denied': {
    code: 'UnauthorizedOperation',
    status: 403,
    message: 'You are not authorized to perform this operation.',
  },
  throttling: { code: 'RequestLimitExceeded', status: 503, message: 'Request limit exceeded.' },
  internal: { code: 'InternalError', status: 500, message: 'An internal error has occurred' },
  unavailable: {
    code: 'Unavailable',
    status: 503,
    message: 'The server is overloaded and cannot accept the request.',
  },
};

const S3: Record<CommonErrorKind, ErrorSpec> = {
  'missing-authentication': { code: 'AccessDenied', status: 403, message: 'Access Denied' },
  'incomplete-signature': {
    code: 'AuthorizationHeaderMalformed',
    status: 400,
    message: 'The authorization header is malformed.',
  },
  'signature-mismatch': {
    code: 'SignatureDoesNotMatch',
    status: 403,
    message:
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  },
  'unknown-access-key': {
    code: 'InvalidAccessKeyId',
    status: 403,
    message: 'The AWS Access Key Id you provided does not exist in our records.',
  },
  'invalid-session-token': {
    code: 'InvalidToken',
    status: 400,
    message: 'The provided token is malformed or otherwise invalid.',
  },
  'expired-token': { code: 'ExpiredToken', status: 400, message: 'The provided token has expired.' },
  'access-denied': { code: 'AccessDenied', status: 403, message: 'Access Denied' },
  throttling: { code: 'SlowDown', status: 503, message: 'Please reduce your request rate.' },
  internal: {
    code: 'InternalError',
    status: 500,
    message: 'We encountered an internal error. Please try again.',
  },
  unavailable: { code: 'ServiceUnavailable', status: 503, message: 'Service is unable to handle request.' },
};

const TABLES: Readonly<Record<ServiceProtocol, Record<CommonErrorKind, ErrorSpec>>> = {
  query: QUERY,
  json: JSON_,
  'rest-json': REST_JSON,
  ec2: EC2,
  s3: S3,
};

/** Per-service departures from the protocol table (codes the service models name differently). */
const OVERRIDES: Readonly<Record<string, Partial<Record<CommonErrorKind, Partial<ErrorSpec>>>>> = {
  sns: {
    'access-denied': { code: 'AuthorizationError' },
    internal: { code: 'InternalError' },
  },
  servicequotas: {
    throttling: { code: 'TooManyRequestsException' },
    internal: { code: 'ServiceException' },
  },
  states: { internal: { code: 'InternalFailure' } },
};

/** Options of {@link commonError}. */
export interface CommonErrorOptions {
  readonly requestId: string;
  /** Replaces the standard message (e.g. the `User: ... is not authorized to perform: ...` text). */
  readonly message?: string;
  /** Replaces the standard status (fault plans may choose 502/503/504 for 5xx bursts). */
  readonly status?: number;
  /** For rest-json throttling: the `Retry-After` header in seconds. */
  readonly retryAfterSeconds?: number;
  /** For S3: whether the request was a HEAD (no body). */
  readonly head?: boolean;
  /** For S3: extra elements such as `AWSAccessKeyId`, `StringToSign`, `CanonicalRequest`. */
  readonly s3Extra?: Readonly<Record<string, string>>;
}

/** The code and status a service answers for an error kind (without rendering it). */
export function commonErrorSpec(
  service: string,
  kind: CommonErrorKind,
): { code: string; status: number; message: string } {
  const base = TABLES[serviceProtocol(service)][kind];
  return { ...base, ...OVERRIDES[service]?.[kind] };
}

/**
 * Renders an error shared by all services in the format of `service`.
 *
 * @example commonError('ssm', 'throttling', { requestId }) // 400 {"__type":"ThrottlingException",...}
 */
export function commonError(
  service: string,
  kind: CommonErrorKind,
  opts: CommonErrorOptions,
): EmulatorResponse {
  const spec = commonErrorSpec(service, kind);
  const status = opts.status ?? spec.status;
  const message = opts.message ?? spec.message;
  const requestId = opts.requestId;
  switch (serviceProtocol(service)) {
    case 'query': {
      const xmlns = QUERY_XMLNS[service];
      return queryError({
        code: spec.code,
        message,
        status,
        requestId,
        ...(xmlns === undefined ? {} : { xmlns }),
      });
    }
    case 'json':
      return jsonError({
        type: spec.code,
        message,
        status,
        requestId,
        messageKey: service === 'servicequotas' ? 'Message' : 'message',
        version: service === 'states' ? '1.0' : '1.1',
      });
    case 'rest-json':
      return restJsonError({
        type: spec.code,
        message,
        status,
        requestId,
        ...(opts.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: opts.retryAfterSeconds }),
      });
    case 'ec2':
      return ec2Error({ code: spec.code, message, status, requestId });
    case 's3':
      return s3Error({
        code: spec.code,
        message,
        status,
        requestId,
        ...(opts.s3Extra === undefined ? {} : { extra: opts.s3Extra }),
        ...(opts.head === undefined ? {} : { head: opts.head }),
      });
  }
}

/**
 * The text AWS uses when an identity policy denies a call.
 *
 * @example notAuthorizedMessage('arn:aws:sts::1:assumed-role/R/s', 'ssm:GetParameter', 'arn:...')
 */
export function notAuthorizedMessage(
  principalArn: string,
  action: string,
  resource: string,
  explicit = false,
): string {
  const why = explicit
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`;
  return `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}
