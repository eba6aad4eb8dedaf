/**
 * DRS (restJson1) errors as the service models them: the shape name, its members (`code`,
 * `reason`, `fieldList`, `resourceId`, ...) and the modelled status. They are
 * {@link ServiceError}s, rendered by the server pipeline like every other service's.
 */
import { ServiceError } from '../../protocols/service-errors.js';
import type { FieldProblem } from './model.js';

function drsError(
  type: string,
  status: number,
  message: string,
  fields: Record<string, unknown>,
  headers: Record<string, string> = {},
): ServiceError {
  return new ServiceError(type, message, { status, fields, headers });
}

/** ValidationException (400). */
export function validation(
  message: string,
  reason: 'unknownOperation' | 'cannotParse' | 'fieldValidationFailed' | 'other',
  fieldList?: readonly FieldProblem[],
): ServiceError {
  return drsError('ValidationException', 400, message, {
    code: 'ValidationException',
    reason,
    ...(fieldList ? { fieldList } : {}),
  });
}

/** ConflictException (409). */
export function conflict(message: string, resourceId: string, resourceType: string): ServiceError {
  return drsError('ConflictException', 409, message, {
    code: 'ConflictException',
    resourceId,
    resourceType,
  });
}

/** ServiceQuotaExceededException (402). */
export function quotaExceeded(message: string, quotaCode: string, resourceType: string): ServiceError {
  return drsError('ServiceQuotaExceededException', 402, message, {
    code: 'ServiceQuotaExceededException',
    serviceCode: 'drs',
    ...(quotaCode === '' ? {} : { quotaCode }),
    resourceType,
  });
}

/** ResourceNotFoundException (404). */
export function notFound(message: string, resourceId: string, resourceType: string): ServiceError {
  return drsError('ResourceNotFoundException', 404, message, {
    code: 'ResourceNotFoundException',
    resourceId,
    resourceType,
  });
}

/**
 * AccessDeniedException (403) of DRS's own cross-account read: DRS in a target account cannot
 * assume the staging role of a staging account. Not the caller's IAM, which the pipeline checks.
 */
export function stagingUnreadable(message: string): ServiceError {
  return drsError('AccessDeniedException', 403, message, { code: 'AccessDeniedException' });
}

/** UninitializedAccountException (400). */
export function uninitialized(message: string): ServiceError {
  return drsError('UninitializedAccountException', 400, message, { code: 'UninitializedAccountException' });
}

/** ThrottlingException (429 + Retry-After). */
export function throttling(retryAfterSeconds: number): ServiceError {
  return drsError(
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
export function internal(status = 500): ServiceError {
  return drsError(
    'InternalServerException',
    status,
    status === 500 ? 'An internal error occurred' : 'Service unavailable, please retry',
    {},
    { 'retry-after': '1' },
  );
}
