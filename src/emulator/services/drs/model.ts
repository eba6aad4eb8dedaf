/**
 * The DRS service model subset the emulator serves (generated into model.json by
 * extract-model.mjs from the official botocore data), plus a validator that checks a request
 * against an input shape the way the service does.
 */
import modelJson from './model.json' with { type: 'json' };

/** One member of a structure shape. */
export interface ModelMember {
  readonly shape: string;
  readonly location?: string;
  readonly locationName?: string;
}

/** A shape of the botocore model (only the traits the emulator reads). */
export interface ModelShape {
  readonly type:
    | 'structure'
    | 'list'
    | 'map'
    | 'string'
    | 'integer'
    | 'long'
    | 'boolean'
    | 'timestamp'
    | 'double';
  readonly members?: Readonly<Record<string, ModelMember>>;
  readonly required?: readonly string[];
  readonly member?: ModelMember;
  readonly key?: ModelMember;
  readonly value?: ModelMember;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly union?: boolean;
  readonly error?: { readonly httpStatusCode: number };
}

/** One operation of the model. */
export interface ModelOperation {
  readonly name: string;
  readonly http: { readonly method: string; readonly requestUri: string; readonly responseCode: number };
  readonly input?: { readonly shape: string };
  readonly output?: { readonly shape: string };
  readonly errors: readonly { readonly shape: string }[];
}

/** The loaded model. */
export interface ServiceModel {
  readonly operations: Readonly<Record<string, ModelOperation>>;
  readonly shapes: Readonly<Record<string, ModelShape>>;
}

/**
 * The DRS model subset (operations the emulator serves and every shape they reach). Imported, not
 * read from disk, so the build emits it next to the compiled code and bundlers inline it.
 */
export const drsModel: ServiceModel = modelJson as unknown as ServiceModel;

/** One failed constraint, as reported in ValidationException.fieldList. */
export interface FieldProblem {
  readonly name: string;
  readonly message: string;
}

const patternCache = new Map<string, RegExp>();

/**
 * Model patterns are stored without anchors but the service matches the whole value (the
 * Smithy sources carry `^...$`), so we anchor them.
 */
function anchored(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`, 'u');
    patternCache.set(pattern, re);
  }
  return re;
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

/**
 * Validates `value` against shape `shapeName`, pushing every broken constraint. Unknown
 * structure members are ignored, as the service ignores them.
 */
export function validateShape(
  model: ServiceModel,
  shapeName: string,
  value: unknown,
  path: string,
  problems: FieldProblem[],
): void {
  const shape = model.shapes[shapeName];
  if (!shape || problems.length >= 20) return;
  const fail = (message: string): void => {
    problems.push({ name: path, message });
  };
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail(
          `Value '${describe(value)}' at '${path}' failed to satisfy constraint: Member must be a structure`,
        );
        return;
      }
      const record = value as Record<string, unknown>;
      for (const req of shape.required ?? []) {
        if (record[req] === undefined || record[req] === null) {
          problems.push({ name: join(path, req), message: `Member '${req}' must not be null` });
        }
      }
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        const v = record[name];
        if (v !== undefined && v !== null) validateShape(model, member.shape, v, join(path, name), problems);
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) {
        fail(`Value '${describe(value)}' at '${path}' failed to satisfy constraint: Member must be a list`);
        return;
      }
      checkLength(value.length, shape, path, value, problems, 'length');
      const member = shape.member?.shape;
      if (member) {
        for (let i = 0; i < value.length; i++)
          validateShape(model, member, value[i], `${path}.${i}`, problems);
      }
      return;
    }
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail(`Value '${describe(value)}' at '${path}' failed to satisfy constraint: Member must be a map`);
        return;
      }
      const entries = Object.entries(value as Record<string, unknown>);
      checkLength(entries.length, shape, path, value, problems, 'length');
      for (const [k, v] of entries) {
        if (shape.key) validateShape(model, shape.key.shape, k, `${path}.key`, problems);
        if (shape.value) validateShape(model, shape.value.shape, v, `${path}.${k}`, problems);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') {
        fail(`Value '${describe(value)}' at '${path}' failed to satisfy constraint: Member must be a string`);
        return;
      }
      checkLength(value.length, shape, path, value, problems, 'length');
      if (shape.enum && !shape.enum.includes(value)) {
        fail(
          `Value '${describe(value)}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${shape.enum.join(', ')}]`,
        );
      } else if (shape.pattern && !anchored(shape.pattern).test(value)) {
        fail(
          `Value '${describe(value)}' at '${path}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shape.pattern}`,
        );
      }
      return;
    }
    case 'integer':
    case 'long': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        fail(
          `Value '${describe(value)}' at '${path}' failed to satisfy constraint: Member must be an integer`,
        );
        return;
      }
      checkLength(value, shape, path, value, problems, 'value');
      return;
    }
    case 'double': {
      if (typeof value !== 'number')
        fail(`Value '${describe(value)}' at '${path}' failed to satisfy constraint: Member must be a number`);
      return;
    }
    case 'boolean': {
      if (typeof value !== 'boolean') {
        fail(
          `Value '${describe(value)}' at '${path}' failed to satisfy constraint: Member must be a boolean`,
        );
      }
      return;
    }
    default:
      return;
  }
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function checkLength(
  n: number,
  shape: ModelShape,
  path: string,
  value: unknown,
  problems: FieldProblem[],
  what: 'length' | 'value',
): void {
  const subject = what === 'length' ? 'Member must have length' : 'Member must have value';
  if (shape.min !== undefined && n < shape.min) {
    problems.push({
      name: path,
      message: `Value '${describe(value)}' at '${path}' failed to satisfy constraint: ${subject} greater than or equal to ${shape.min}`,
    });
  } else if (shape.max !== undefined && n > shape.max) {
    problems.push({
      name: path,
      message: `Value '${describe(value)}' at '${path}' failed to satisfy constraint: ${subject} less than or equal to ${shape.max}`,
    });
  }
}
