/**
 * ajv validators compiled once per process, and the translation of ajv's errors into
 * {@link ValidationProblem}s that name the field, what is expected and what was given.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ValidationProblem } from './errors.js';

// ajv-formats ships CommonJS with a default export; under NodeNext the namespace object is what we get.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Most problems listed for one document; beyond this a final problem says how many were left out. */
export const MAX_PROBLEMS = 25;

/** Longest rendering of an offending value inside a message. */
const MAX_SHOWN_VALUE = 60;

/**
 * Creates the shared ajv instance: strict mode (unknown keywords are schema bugs), all errors
 * (users want every problem at once), defaults applied, formats checked.
 */
function createAjv(): Ajv {
  const ajv = new Ajv({ strict: true, allErrors: true, useDefaults: true, verbose: true });
  addFormats(ajv);
  return ajv;
}

const ajv = createAjv();

/** Compiles a schema once with the shared instance. */
export function compileSchema<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}

/** Renders a value for an error message: JSON, shortened, with its type when it is not a string. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  if (text.length > MAX_SHOWN_VALUE) {
    const size = typeof value === 'string' ? ` (${value.length} characters)` : '';
    text = `${text.slice(0, MAX_SHOWN_VALUE)}…${size}`;
  }
  return text;
}

/** Describes the JSON type of a value the way schemas name types. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer';
  return typeof value;
}

/** Escapes one segment of a JSON pointer (RFC 6901). */
export function escapePointerSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Reads the value at a JSON pointer (for "got ..." in messages). */
function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let current: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Lists the names a schema location allows, for "unknown property" messages. */
function allowedProperties(parentSchema: unknown): string[] {
  const props = (parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : [];
}

/** Translates one ajv error into a problem with a pointer and a plain message. */
function toProblem(error: ErrorObject, data: unknown): ValidationProblem | undefined {
  const at = error.instancePath;
  const got = () => showValue(valueAt(data, at));
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { pointer: `${at}/${escapePointerSegment(String(p.missingProperty))}`, message: 'is required' };
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const allowed = allowedProperties(error.parentSchema);
      return {
        pointer: `${at}/${escapePointerSegment(name)}`,
        message: `is not a known field${allowed.length ? ` (expected one of: ${allowed.join(', ')})` : ''}`,
      };
    }
    case 'propertyNames':
      // The nested keyword error (pattern/maxLength on the name) carries the detail; skip the wrapper.
      return undefined;
    case 'type': {
      const value = valueAt(data, at);
      const shown = value === null ? '' : ` ${got()}`;
      return { pointer: at, message: `must be ${String(p.type)}, got ${jsonType(value)}${shown}` };
    }
    case 'enum':
      return {
        pointer: at,
        message: `must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}, got ${got()}`,
      };
    case 'maximum':
    case 'minimum':
    case 'exclusiveMaximum':
    case 'exclusiveMinimum':
      return { pointer: at, message: `must be ${String(p.comparison)} ${String(p.limit)}, got ${got()}` };
    case 'maxLength':
    case 'minLength': {
      const value = valueAt(data, at);
      const length = typeof value === 'string' ? value.length : 0;
      const bound = error.keyword === 'maxLength' ? 'at most' : 'at least';
      return { pointer: at, message: `must be ${bound} ${String(p.limit)} characters, got ${length}` };
    }
    case 'minProperties':
    case 'maxProperties': {
      const bound = error.keyword === 'maxProperties' ? 'at most' : 'at least';
      const limit = Number(p.limit);
      return { pointer: at, message: `must have ${bound} ${limit} ${limit === 1 ? 'entry' : 'entries'}` };
    }
    case 'minItems':
    case 'maxItems': {
      const bound = error.keyword === 'maxItems' ? 'at most' : 'at least';
      return { pointer: at, message: `must have ${bound} ${String(p.limit)} items` };
    }
    case 'pattern': {
      if (p.propertyName !== undefined) {
        const key = String(p.propertyName);
        return {
          pointer: `${at}/${escapePointerSegment(key)}`,
          message: `key ${showValue(key)} is not allowed: keys starting with "aws:" are reserved by AWS`,
        };
      }
      const hint = (error.parentSchema as { description?: string } | undefined)?.description;
      return {
        pointer: at,
        message: `must match ${hint ? `the expected form (${hint.replace(/\.$/, '')})` : `pattern ${String(p.pattern)}`}, got ${got()}`,
      };
    }
    case 'format':
      return { pointer: at, message: `must be a ${String(p.format)}, got ${got()}` };
    case 'anyOf': {
      // One problem for the whole field, worded by the schema's description (its first sentence).
      const hint = (error.parentSchema as { description?: string } | undefined)?.description ?? '';
      const expected = hint.includes(': ') ? hint.slice(hint.indexOf(': ') + 2) : hint;
      const firstSentence = expected.split(/(?<=\.) /)[0]?.replace(/\.$/, '') ?? '';
      return { pointer: at, message: `must be ${firstSentence || 'one of the allowed forms'}, got ${got()}` };
    }
    default:
      return { pointer: at, message: `${error.message ?? 'is invalid'}, got ${got()}` };
  }
}

/**
 * Turns ajv errors into at most {@link MAX_PROBLEMS} problems, de-duplicated and in document order.
 */
export function problemsFrom(
  errors: readonly ErrorObject[] | null | undefined,
  data: unknown,
): ValidationProblem[] {
  const seen = new Set<string>();
  const problems: ValidationProblem[] = [];
  // An anyOf failure says what the field may be; its branches' own errors would only repeat it.
  const alternatives = (errors ?? []).filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  for (const error of errors ?? []) {
    if (alternatives.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    // A propertyNames failure reports the name in params.propertyName of the nested error.
    const problem =
      error.keyword === 'maxLength' && error.propertyName !== undefined
        ? {
            pointer: `${error.instancePath}/${escapePointerSegment(error.propertyName)}`,
            message: `key must be at most ${String((error.params as { limit: number }).limit)} characters, got ${error.propertyName.length}`,
          }
        : error.keyword === 'minLength' && error.propertyName !== undefined
          ? { pointer: `${error.instancePath}/`, message: 'key must not be empty' }
          : error.keyword === 'pattern' && error.propertyName !== undefined
            ? toProblem({ ...error, params: { ...error.params, propertyName: error.propertyName } }, data)
            : toProblem(error, data);
    if (!problem) continue;
    const key = `${problem.pointer}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  if (problems.length > MAX_PROBLEMS) {
    const left = problems.length - MAX_PROBLEMS;
    return [...problems.slice(0, MAX_PROBLEMS), { pointer: '', message: `and ${left} more problem(s)` }];
  }
  return problems;
}
