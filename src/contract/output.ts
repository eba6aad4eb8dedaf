/**
 * The orchestration output contract (design 3.2).
 */
import { ValidationError } from './errors.js';
import type { OrchestrationOutput } from './generated/orchestration-output.js';
import { orchestrationOutputSchema } from './schemas.js';
import { compileSchema, problemsFrom } from './validator.js';

const validateOutput = compileSchema<OrchestrationOutput>(orchestrationOutputSchema);

/**
 * Checks that a value is a valid orchestration output. Used by tests and by the aggregate step
 * before returning, so a malformed output is caught where it is made.
 *
 * @throws {ValidationError} listing every problem.
 */
export function assertOrchestrationOutput(value: unknown): asserts value is OrchestrationOutput {
  // Validate a copy: the output schema has no defaults, but ajv must never touch a caller's object.
  const data: unknown = JSON.parse(JSON.stringify(value));
  if (!validateOutput(data)) {
    throw new ValidationError(problemsFrom(validateOutput.errors, data), 'output');
  }
}

/** True when `value` is a valid orchestration output. */
export function isOrchestrationOutput(value: unknown): value is OrchestrationOutput {
  try {
    assertOrchestrationOutput(value);
    return true;
  } catch {
    return false;
  }
}
