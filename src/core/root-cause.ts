/**
 * The real error behind a failure Step Functions caught, in a few words (pure). Kept apart from
 * the aggregate so the tasks that only shorten a message stay small in their Lambda bundles.
 */

/** Longest error message kept per account or server (the error name carries the meaning). */
export const MAX_ERROR_MESSAGE = 300;

/** Collapses whitespace and cuts a message to `max` characters (with an ellipsis). */
export function shortMessage(message: string, max = MAX_ERROR_MESSAGE): string {
  const one = message.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

/**
 * The error that really caused a failure, from what Step Functions caught: a failed child
 * execution arrives as `States.TaskFailed` with the child's DescribeExecution JSON (every server
 * id of its input) as the cause, a Lambda error as `{ errorType, errorMessage }`. Unwraps those
 * to the innermost error name and message, and keeps the message short.
 *
 * @example
 * rootCause('States.TaskFailed', '{"Status":"FAILED","Error":"ThrottlingException","Cause":"{\\"errorMessage\\":\\"rate exceeded\\"}"}')
 * // { code: 'ThrottlingException', message: 'rate exceeded' }
 */
export function rootCause(
  code: string,
  cause: string | undefined,
  max = MAX_ERROR_MESSAGE,
): { code: string; message: string } {
  let name = code;
  let message = cause ?? '';
  for (let depth = 0; depth < 5; depth += 1) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      break;
    }
    if (parsed === null || typeof parsed !== 'object') break;
    const o = parsed as Record<string, unknown>;
    if (typeof o.Error === 'string' && o.Error !== '') {
      name = o.Error;
      message = typeof o.Cause === 'string' ? o.Cause : '';
    } else if (typeof o.errorType === 'string' || typeof o.errorMessage === 'string') {
      if (typeof o.errorType === 'string' && o.errorType !== 'Error') name = o.errorType;
      message = typeof o.errorMessage === 'string' ? o.errorMessage : '';
    } else if (o.Status !== undefined) {
      // A child execution that failed without naming an error.
      message = `the executor ended as ${String(o.Status)}`;
      break;
    } else break;
  }
  return { code: name, message: shortMessage(message || `failed with ${name}`, max) };
}

/**
 * An executor's error name as an account can report it: ours or a service's (`DRSServiceError`,
 * `StagingAccountOverCapacity`), never one Step Functions reserves (`States.*`) or a malformed one.
 *
 * @example reportableErrorName('States.Timeout') // undefined
 */
export function reportableErrorName(error: string | undefined): string | undefined {
  return error && !error.startsWith('States.') && /^[A-Za-z][\w.]{0,127}$/.test(error) ? error : undefined;
}
