/**
 * Errors every emulated service can answer (authentication, authorization, throttling, internal),
 * rendered in the wire format and with the code and status that service uses on AWS. The SigV4
 * layer, the authorizer and the fault injector all go through here so that, for example, a
 * throttled SSM call says `ThrottlingException` in JSON while a throttled EC2 call says
 * `RequestLimitExceeded` in EC2 XML.
 */
import type { EmulatorResponse } from '../types.js';
import { ec2Error } from './ec2.js';
import { type JsonVersion, jsonError, jsonInputOf } from './json.js';
import { queryError } from './query.js';
import { restJsonError } from './rest-json.js';
import { restXmlError } from './rest-xml.js';

/** The wire protocol family of a service (botocore's names; `rest-xml` is S3's). */
export type ServiceProtocol = 'query' | 'json' | 'rest-json' | 'ec2' | 'rest-xml';

/**
 * How a service writes its errors: its protocol, and where it departs from the protocol's
 * defaults. Every service descriptor is one; the renderer needs nothing else of the service.
 */
export interface ErrorFormat {
  /** The SigV4 signing name (for log lines). */
  readonly name: string;
  readonly protocol: ServiceProtocol;
  /** Query protocol: the XML namespace AWS puts on the error envelope too. */
  readonly xmlns?: string;
  /** JSON protocol version. @default '1.1' */
  readonly jsonVersion?: JsonVersion;
  /** JSON protocol: the member holding the message. @default 'message' */
  readonly messageKey?: 'message' | 'Message';
  /** Codes of the shared errors the service models differently from its protocol. */
  readonly commonErrors?: Readonly<Partial<Record<CommonErrorKind, Partial<ErrorSpec>>>>;
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

/** The code, status and message of a shared error. */
export interface ErrorSpec {
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

const REST_XML: Record<CommonErrorKind, ErrorSpec> = {
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
  'rest-xml': REST_XML,
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
  readonly xmlExtra?: Readonly<Record<string, string>>;
}

/** The code and status a service answers for an error kind (without rendering it). */
export function commonErrorSpec(
  format: ErrorFormat,
  kind: CommonErrorKind,
): { code: string; status: number; message: string } {
  const base = TABLES[format.protocol][kind];
  return { ...base, ...format.commonErrors?.[kind] };
}

/**
 * The one error every emulated service throws for a modelled failure (bad input, missing
 * resource, conflict, limit, ...). The server pipeline catches it and renders it in the protocol
 * of the service that threw it ({@link renderServiceError}), so no handler builds error bytes.
 *
 * @example throw new ServiceError('ParameterNotFound', undefined, { status: 400 })
 */
export class ServiceError extends Error {
  /** The error code / shape name on the wire (`ValidationException`, `NoSuchKey`, ...). */
  readonly code: string;
  readonly status: number;
  /** Members of the error shape besides the message (`reason`, `fieldList`, S3 `Key`, ...). */
  readonly fields: Readonly<Record<string, unknown>>;
  /** Extra response headers (`retry-after`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether the body carries a message (SSM answers some errors without one). */
  readonly hasMessage: boolean;

  constructor(
    code: string,
    message: string | undefined,
    opts: {
      status?: number;
      fields?: Readonly<Record<string, unknown>>;
      headers?: Readonly<Record<string, string>>;
    } = {},
  ) {
    super(message ?? code);
    this.name = code;
    this.code = code;
    this.status = opts.status ?? 400;
    this.fields = opts.fields ?? {};
    this.headers = opts.headers ?? {};
    this.hasMessage = message !== undefined;
  }
}

/**
 * Renders a {@link ServiceError} in the wire format of a service: the only place where error
 * bytes are built, per protocol.
 *
 * @param head - the request was a HEAD (S3: status and headers only)
 */
export function renderServiceError(
  format: ErrorFormat,
  err: ServiceError,
  requestId: string,
  head = false,
): EmulatorResponse {
  const message = err.hasMessage ? err.message : undefined;
  let response: EmulatorResponse;
  switch (format.protocol) {
    case 'query': {
      const xmlns = format.xmlns;
      response = queryError({
        code: err.code,
        message: message ?? '',
        status: err.status,
        requestId,
        ...(xmlns === undefined ? {} : { xmlns }),
      });
      break;
    }
    case 'json':
      response = jsonError({
        type: err.code,
        ...(message === undefined ? {} : { message }),
        status: err.status,
        requestId,
        messageKey: format.messageKey ?? 'message',
        version: format.jsonVersion ?? '1.1',
        extra: err.fields,
      });
      break;
    case 'rest-json':
      response = restJsonError({
        type: err.code,
        message: message ?? '',
        status: err.status,
        requestId,
        extra: err.fields,
        includeCode: false,
      });
      break;
    case 'ec2':
      response = ec2Error({ code: err.code, message: message ?? '', status: err.status, requestId });
      break;
    case 'rest-xml':
      response = restXmlError({
        code: err.code,
        message: message ?? '',
        status: err.status,
        requestId,
        extra: Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [k, String(v)])),
        head,
      });
      break;
  }
  return Object.keys(err.headers).length === 0
    ? response
    : { ...response, headers: { ...response.headers, ...err.headers } };
}

/** What a service says about one of its own errors (the protocol decides how it is written). */
export interface ServiceErrorSpec {
  /** The error code / shape name. */
  readonly code: string;
  /** Left out of the body when undefined. */
  readonly message?: string;
  /** @default 400 */
  readonly status?: number;
  /** Other members of the error shape (S3: extra elements). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/**
 * A service's own modelled error, to throw.
 *
 * @example throw fail({ code: 'NoSuchKey', message: 'The specified key does not exist.', status: 404 })
 */
export function fail(spec: ServiceErrorSpec): ServiceError {
  return new ServiceError(spec.code, spec.message, {
    ...(spec.status === undefined ? {} : { status: spec.status }),
    ...(spec.extra === undefined ? {} : { fields: spec.extra }),
  });
}

/** The {@link ServiceError} of an error shared by all services, in the code the service uses. */
export function commonServiceError(
  format: ErrorFormat,
  kind: CommonErrorKind,
  opts: Omit<CommonErrorOptions, 'requestId' | 'head'> = {},
): ServiceError {
  const spec = commonErrorSpec(format, kind);
  const protocol = format.protocol;
  const fields: Record<string, unknown> = { ...opts.xmlExtra };
  // The DRS (rest-json) error shapes model `code`; throttling's shape does not.
  if (protocol === 'rest-json' && kind !== 'throttling') fields.code = spec.code;
  const headers: Record<string, string> = {};
  if (protocol === 'rest-json' && opts.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(opts.retryAfterSeconds);
  return new ServiceError(spec.code, opts.message ?? spec.message, {
    status: opts.status ?? spec.status,
    fields,
    headers,
  });
}

/**
 * Renders an error shared by all services in the format of a service.
 *
 * @example commonError(ssmService, 'throttling', { requestId }) // 400 {"__type":"ThrottlingException",...}
 */
export function commonError(
  format: ErrorFormat,
  kind: CommonErrorKind,
  opts: CommonErrorOptions,
): EmulatorResponse {
  return renderServiceError(format, commonServiceError(format, kind, opts), opts.requestId, opts.head);
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

/**
 * The input of a JSON-protocol call (see {@link jsonInputOf}).
 *
 * @throws ServiceError SerializationException (400) for a body that is not a JSON object
 */
export function jsonInput(req: { readonly body: Buffer }): Record<string, unknown> {
  const input = jsonInputOf(req);
  if (input === undefined)
    throw new ServiceError('SerializationException', 'Start of structure or map found where not expected.');
  return input;
}
