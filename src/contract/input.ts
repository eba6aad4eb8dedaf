/**
 * The orchestration input contract: validation against `schemas/orchestration-input.schema.json`
 * and the defaults every later step can rely on.
 */
import { ValidationError, type ValidationProblem } from './errors.js';
import type {
  OrchestrationInput,
  OrchestrationMetadata,
  OrchestrationOptions,
} from './generated/orchestration-input.js';
import { orchestrationInputSchema } from './schemas.js';
import { compileSchema, problemsFrom } from './validator.js';

/** Step Functions' limit on an execution input, which is also ours (bytes of UTF-8 JSON). */
export const MAX_INPUT_BYTES = 262_144;

/** Options after defaults: every defaulted option is present. */
export type ResolvedOptions = OrchestrationOptions &
  Required<
    Pick<
      OrchestrationOptions,
      | 'isDrill'
      | 'maxWaitMinutes'
      | 'continueOnFailure'
      | 'parallelism'
      | 'nextPhaseThreshold'
      | 'terminateNonDrill'
      | 'healthCheckMinutes'
    >
  >;

/** A valid input with defaults applied (what {@link parseOrchestrationInput} returns). */
export interface OrchestrationRequest extends Omit<OrchestrationInput, 'options' | 'metadata' | 'tags'> {
  tags: Record<string, string>;
  options: ResolvedOptions;
  metadata: OrchestrationMetadata;
}

/** Options of {@link parseOrchestrationInput}. */
export interface ParseInputOptions {
  /**
   * Correlation id to use when the input's metadata has none (the execution name, usually).
   * @default undefined: metadata.correlationId stays absent
   */
  readonly defaultCorrelationId?: string;
}

const validateInput = compileSchema<OrchestrationInput>(orchestrationInputSchema);

/** An orchestration action. */
type ActionName = OrchestrationInput['action'];

/**
 * The actions each option means something for. An option not listed applies to every action.
 * One table for the contract (refusing `drill --terminate-non-drill`) and the CLI (per-command help).
 */
export const OPTION_ACTIONS: Readonly<Partial<Record<keyof OrchestrationOptions, readonly ActionName[]>>> = {
  isDrill: ['failover', 'drill'],
  maxWaitMinutes: ['failover', 'drill', 'failback', 'terminate'],
  pointInTimeSnapshot: ['failover', 'drill'],
  continueOnFailure: ['failover', 'drill', 'failback', 'terminate'],
  parallelism: ['failover', 'drill', 'failback'],
  nextPhaseThreshold: ['failover', 'drill', 'failback', 'terminate'],
  terminateNonDrill: ['terminate'],
  olderThanMinutes: ['terminate'],
  maxDataLossMinutes: ['failover', 'drill'],
  healthCheckMinutes: ['failover', 'drill'],
};

/** Why an option means nothing for an action, in a few words. */
const OPTION_REASON: Readonly<Partial<Record<keyof OrchestrationOptions, string>>> = {
  isDrill: 'it chooses between drill and recovery launches',
  maxWaitMinutes: 'status changes nothing and waits for nothing',
  pointInTimeSnapshot: 'it picks the snapshot a launch starts from',
  continueOnFailure: 'status changes nothing',
  parallelism: 'it bounds servers launching at once',
  nextPhaseThreshold: 'status starts no phase',
  terminateNonDrill: 'it widens what terminate may touch',
  olderThanMinutes: 'it filters the instances terminate touches',
  maxDataLossMinutes: 'it bounds the age of the recovery point a launch uses',
  healthCheckMinutes: 'it waits for launched instances to pass their status checks',
};

/** True when `option` means something for `action` (see {@link OPTION_ACTIONS}). */
export function optionApplies(option: string, action: ActionName): boolean {
  const actions = OPTION_ACTIONS[option as keyof OrchestrationOptions];
  return actions === undefined || actions.includes(action);
}

/** Options given for an action they mean nothing for, and `drill` with `isDrill: false`. */
function inapplicableOptions(action: ActionName, given: Record<string, unknown>): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const name of Object.keys(given)) {
    if (optionApplies(name, action)) continue;
    const key = name as keyof OrchestrationOptions;
    const actions = OPTION_ACTIONS[key] ?? [];
    problems.push({
      pointer: `/options/${name}`,
      message: `does not apply to ${action}: it applies only to ${actions.join(', ')} (${OPTION_REASON[key] ?? 'see the schema'})`,
    });
  }
  if (action === 'drill' && given.isDrill === false) {
    problems.push({
      pointer: '/options/isDrill',
      message: 'must be true for drill (a drill always launches drill instances), got false',
    });
  }
  return problems;
}

/**
 * Measures the JSON size of an arbitrary value, or reports why it is not JSON.
 * Guards ajv and everything after it from values no JSON document can hold.
 */
function jsonSizeProblem(raw: unknown): ValidationProblem | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(raw);
  } catch (err) {
    const why = err instanceof RangeError ? 'it is nested too deeply' : 'it is not serializable';
    return { pointer: '', message: `must be a JSON document, but ${why}` };
  }
  if (text === undefined) return { pointer: '', message: `must be a JSON object, got ${typeof raw}` };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_INPUT_BYTES) {
    return { pointer: '', message: `must be at most ${MAX_INPUT_BYTES} bytes of JSON, got ${bytes}` };
  }
  return undefined;
}

/**
 * Validates a raw orchestration input and returns it with defaults applied.
 *
 * - Every problem is reported at once, each with a JSON pointer (`/options/maxWaitMinutes must be <= 1440, got 2000`).
 * - `drill` forces `options.isDrill` to true.
 * - The caller's object is never modified.
 *
 * - An option that means nothing for the action (see {@link OPTION_ACTIONS}) is refused with why.
 *
 * @throws {ValidationError} when the input breaks the schema, exceeds 256 KiB or gives an option
 *   that does not apply to its action.
 * @example
 * ```ts
 * const request = parseOrchestrationInput({ action: 'drill', tags: { 'DR-Wave': '1' } });
 * request.options.isDrill; // true
 * request.options.parallelism; // 50
 * ```
 */
export function parseOrchestrationInput(raw: unknown, options: ParseInputOptions = {}): OrchestrationRequest {
  const sizeProblem = jsonSizeProblem(raw);
  if (sizeProblem) throw new ValidationError([sizeProblem]);
  // Work on a copy: ajv writes defaults into the document it validates.
  const data: unknown = JSON.parse(JSON.stringify(raw));
  if (!validateInput(data)) {
    throw new ValidationError(problemsFrom(validateInput.errors, data));
  }
  const given = (raw as { action: ActionName; options?: Record<string, unknown> }).options ?? {};
  const inapplicable = inapplicableOptions((raw as { action: ActionName }).action, given);
  if (inapplicable.length > 0) throw new ValidationError(inapplicable);
  const input = data as OrchestrationInput & { options: ResolvedOptions; metadata: OrchestrationMetadata };
  if (input.action === 'drill') input.options.isDrill = true;
  if (input.metadata.correlationId === undefined && options.defaultCorrelationId !== undefined) {
    input.metadata.correlationId = options.defaultCorrelationId;
  }
  return input as OrchestrationRequest;
}
