/**
 * DRS (restJson1) error responses as the service sends them: `x-amzn-errortype` header, body
 * with `message` (and `code` where the model has it), modelled status codes.
 */
import type { EmulatorResponse } from '../types.js';
import type { FieldProblem } from './model.js';

/** Builds a rest-json error response. */
export function restJsonError(
  type: string,
  status: number,
  body: Record<string, unknown>,
  requestId: string,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return {
    status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-errortype': type,
      'x-amzn-requestid': requestId,
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

/** Thrown inside DRS operations; the service turns it into the wire error. */
export class DrsFault extends Error {
  readonly type: string;
  readonly status: number;
  readonly fields: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    type: string,
    status: number,
    message: string,
    fields: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = type;
    this.type = type;
    this.status = status;
    this.fields = fields;
    this.headers = headers;
  }

  /** The wire response. */
  toResponse(requestId: string): EmulatorResponse {
    return restJsonError(
      this.type,
      this.status,
      { message: this.message, ...this.fields },
      requestId,
      this.headers,
    );
  }
}

/** ValidationException (400). */
export function validation(
  message: string,
  reason: 'unknownOperation' | 'cannotParse' | 'fieldValidationFailed' | 'other',
  fieldList?: readonly FieldProblem[],
): DrsFault {
  return new DrsFault('ValidationException', 400, message, {
    code: 'ValidationException',
    reason,
    ...(fieldList ? { fieldList } : {}),
  });
}

/** ConflictException (409). */
export function conflict(message: string, resourceId: string, resourceType: string): DrsFault {
  return new DrsFault('ConflictException', 409, message, {
    code: 'ConflictException',
    resourceId,
    resourceType,
  });
}

/** ServiceQuotaExceededException (402). */
export function quotaExceeded(message: string, quotaCode: string, resourceType: string): DrsFault {
  return new DrsFault('ServiceQuotaExceededException', 402, message, {
    code: 'ServiceQuotaExceededException',
    serviceCode: 'drs',
    quotaCode,
    resourceType,
  });
}

/** ResourceNotFoundException (404). */
export function notFound(message: string, resourceId: string, resourceType: string): DrsFault {
  return new DrsFault('ResourceNotFoundException', 404, message, {
    code: 'ResourceNotFoundException',
    resourceId,
    resourceType,
  });
}

/** UninitializedAccountException (400). */
export function uninitialized(message: string): DrsFault {
  return new DrsFault('UninitializedAccountException', 400, message, {
    code: 'UninitializedAccountException',
  });
}

/** ThrottlingException (429 + Retry-After). */
export function throttling(retryAfterSeconds: number): DrsFault {
  return new DrsFault(
    'ThrottlingException',
    429,
    'Rate exceeded',
    { serviceCode: 'drs' },
    { 'retry-after': String(retryAfterSeconds) },
  );
}

/**
 * InternalServerException for any 5xx: it is the only server fault the DRS model defines, so a
 * 502/503/504 burst carries it too (with that status).
 */
export function internal(status = 500): DrsFault {
  return new DrsFault(
    'InternalServerException',
    status,
    status === 500 ? 'An internal error occurred' : 'Service unavailable, please retry',
    {},
    { 'retry-after': '1' },
  );
}
