/**
 * validate: the contract's parser, defaults applied, correlation id filled from the execution.
 */
import { parseOrchestrationInput } from '../contract/input.js';
import { startedNotification } from '../core/notifications.js';
import type { TaskDeps } from './deps.js';
import { correlationIdOf } from './shared.js';
import type { ValidateEvent, ValidateResult } from './types.js';

/**
 * Validates the execution input.
 *
 * @throws {ValidationError} naming every bad field.
 */
export async function validate(event: ValidateEvent, _deps: TaskDeps): Promise<ValidateResult> {
  const request = parseOrchestrationInput(event.input, { defaultCorrelationId: event.execution.name });
  const result: ValidateResult = { request, execution: event.execution };
  const topicArn = request.options.notificationArn;
  if (topicArn) {
    result.notification = startedNotification({
      topicArn,
      action: request.action,
      tags: request.tags,
      correlationId: correlationIdOf(request, event.execution),
      startTime: event.execution.startTime,
    });
  }
  return result;
}
