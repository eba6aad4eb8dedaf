/**
 * Where results live in the results bucket (S3 keys derived from the correlation id and execution).
 */
import type { ExecutionRef, OrchestrationRequest } from '../core/model.js';
import { correlationIdOf } from './shared.js';

function safe(part: string): string {
  // Keys stay readable and free of separators a correlation id might contain.
  return part.replace(/[^A-Za-z0-9._=-]/g, '_');
}

/** Prefix of one execution's results: `results/<correlationId>/<executionName>/`. */
export function resultPrefix(request: OrchestrationRequest, execution: ExecutionRef): string {
  return `results/${safe(correlationIdOf(request, execution))}/${safe(execution.name)}/`;
}

/** Key of one account's ServerRecord[]. */
export function accountResultKey(
  request: OrchestrationRequest,
  execution: ExecutionRef,
  accountId: string,
): string {
  return `${resultPrefix(request, execution)}accounts/${safe(accountId)}.json`;
}

/** Key of the full output document. */
export function outputKey(request: OrchestrationRequest, execution: ExecutionRef): string {
  return `${resultPrefix(request, execution)}output.json`;
}
