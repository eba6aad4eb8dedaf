/**
 * Checks a response body against the output shape of its operation in the official AWS model
 * (/work/shared/aws-models/<service>/service-2.json; for DRS the extracted copy in the emulator
 * is the fallback): member names, types, enums, patterns (anchored), lengths, required members.
 * Returns every mismatch as a readable string; an empty list means the body is model-true.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Member {
  shape: string;
  location?: string;
}
interface Shape {
  type: string;
  members?: Record<string, Member>;
  required?: string[];
  member?: Member;
  key?: Member;
  value?: Member;
  enum?: string[];
  pattern?: string;
  min?: number;
  max?: number;
}
interface Model {
  operations: Record<string, { output?: { shape: string }; errors?: { shape: string }[] }>;
  shapes: Record<string, Shape>;
}

const models = new Map<string, Model>();

/** Loads (once) the model of a service folder name (`drs`, `ssm`, ...). */
export function loadModel(service: string): Model {
  let model = models.get(service);
  if (!model) {
    const shared = `/work/shared/aws-models/${service}/service-2.json`;
    const fallback =
      service === 'drs'
        ? fileURLToPath(new URL('../../src/emulator/drs/model.json', import.meta.url))
        : shared;
    const path = existsSync(shared) ? shared : fallback;
    model = JSON.parse(readFileSync(path, 'utf8')) as Model;
    models.set(service, model);
  }
  return model;
}

function check(model: Model, shapeName: string, value: unknown, path: string, out: string[]): void {
  const shape = model.shapes[shapeName];
  if (!shape) {
    out.push(`${path}: shape ${shapeName} is not in the model`);
    return;
  }
  const typeOf = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  switch (shape.type) {
    case 'structure': {
      if (typeOf !== 'object') {
        out.push(`${path}: expected structure ${shapeName}, got ${typeOf}`);
        return;
      }
      const rec = value as Record<string, unknown>;
      for (const req of shape.required ?? []) {
        if (rec[req] === undefined) out.push(`${path}.${req}: required member of ${shapeName} is missing`);
      }
      for (const [k, v] of Object.entries(rec)) {
        const member = shape.members?.[k];
        if (!member) {
          out.push(`${path}.${k}: ${shapeName} has no member '${k}'`);
          continue;
        }
        if (member.location && member.location !== 'body') {
          out.push(`${path}.${k}: member is bound to ${member.location}, not the body`);
          continue;
        }
        if (v !== null) check(model, member.shape, v, `${path}.${k}`, out);
      }
      return;
    }
    case 'list': {
      if (typeOf !== 'array') {
        out.push(`${path}: expected list ${shapeName}, got ${typeOf}`);
        return;
      }
      const arr = value as unknown[];
      if (shape.min !== undefined && arr.length < shape.min)
        out.push(`${path}: ${arr.length} items < min ${shape.min}`);
      if (shape.max !== undefined && arr.length > shape.max)
        out.push(`${path}: ${arr.length} items > max ${shape.max}`);
      arr.forEach((item, i) => {
        check(model, shape.member?.shape ?? '', item, `${path}[${i}]`, out);
      });
      return;
    }
    case 'map': {
      if (typeOf !== 'object') {
        out.push(`${path}: expected map ${shapeName}, got ${typeOf}`);
        return;
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        check(model, shape.key?.shape ?? '', k, `${path}{key ${k}}`, out);
        check(model, shape.value?.shape ?? '', v, `${path}.${k}`, out);
      }
      return;
    }
    case 'string': {
      if (typeOf !== 'string') {
        out.push(`${path}: expected string ${shapeName}, got ${typeOf}`);
        return;
      }
      const s = value as string;
      if (shape.enum && !shape.enum.includes(s)) out.push(`${path}: '${s}' is not in enum ${shapeName}`);
      if (shape.pattern && !new RegExp(`^(?:${shape.pattern})$`, 'u').test(s)) {
        out.push(`${path}: '${s}' does not match ${shapeName} pattern ${shape.pattern}`);
      }
      if (shape.min !== undefined && s.length < shape.min)
        out.push(`${path}: length ${s.length} < min ${shape.min}`);
      if (shape.max !== undefined && s.length > shape.max)
        out.push(`${path}: length ${s.length} > max ${shape.max}`);
      return;
    }
    case 'integer':
    case 'long': {
      if (typeOf !== 'number' || !Number.isInteger(value))
        out.push(`${path}: expected integer ${shapeName}, got ${JSON.stringify(value)}`);
      else {
        const n = value as number;
        if (shape.min !== undefined && n < shape.min) out.push(`${path}: ${n} < min ${shape.min}`);
        if (shape.max !== undefined && n > shape.max) out.push(`${path}: ${n} > max ${shape.max}`);
      }
      return;
    }
    case 'boolean':
      if (typeOf !== 'boolean') out.push(`${path}: expected boolean ${shapeName}, got ${typeOf}`);
      return;
    case 'double':
    case 'float':
      if (typeOf !== 'number') out.push(`${path}: expected number ${shapeName}, got ${typeOf}`);
      return;
    case 'timestamp':
      if (typeOf !== 'number' && typeOf !== 'string')
        out.push(`${path}: expected timestamp ${shapeName}, got ${typeOf}`);
      return;
    default:
      return;
  }
}

/**
 * Mismatches between a response body and the output shape of `operation`.
 * @example expect(outputMismatches('drs', 'DescribeJobs', body)).toEqual([])
 */
export function outputMismatches(service: string, operation: string, body: unknown): string[] {
  const model = loadModel(service);
  const op = model.operations[operation];
  if (!op) return [`operation ${operation} is not in the ${service} model`];
  const out: string[] = [];
  if (!op.output) {
    if (
      body !== undefined &&
      body !== '' &&
      !(typeof body === 'object' && body !== null && Object.keys(body).length === 0)
    ) {
      out.push(`${operation} has no output shape but the body is ${JSON.stringify(body).slice(0, 80)}`);
    }
    return out;
  }
  check(model, op.output.shape, body, operation, out);
  return out;
}

/** Mismatches between an error body and the model's error shape `errorName` (which the operation must list, or be common). */
export function errorMismatches(service: string, errorName: string, body: unknown): string[] {
  const model = loadModel(service);
  if (!model.shapes[errorName]) return [`error ${errorName} is not a shape of the ${service} model`];
  const out: string[] = [];
  check(model, errorName, body, errorName, out);
  return out;
}
