/**
 * EC2's wire format derived from its vendored model (model.json, the subset of the official model
 * the emulator serves): a request's query parameters decoded into its input shape's members
 * (`LaunchTemplateData.NetworkInterface.1.SubnetId` -> `{ LaunchTemplateData: { NetworkInterfaces:
 * [{ SubnetId }] } }`), and a result rendered as the XML its output shape names (`launchTemplateData`
 * / `networkInterfaceSet` / `item`). Values are kept in the model's member names, so what a client
 * reads (boto3's `LaunchTemplateData`) is what it can send back, as the tools that copy a launch
 * template version do.
 */
import { ec2Response } from '../../protocols/ec2.js';
import { escapeXml, raw } from '../../protocols/xml.js';
import type { EmulatorResponse } from '../../types.js';
import modelJson from './model.json' with { type: 'json' };

interface Member {
  readonly shape: string;
  readonly locationName?: string;
  readonly queryName?: string;
}
interface Shape {
  readonly type: string;
  readonly members?: Readonly<Record<string, Member>>;
  readonly member?: Member;
}
interface Ec2Model {
  readonly operations: Readonly<Record<string, { input?: { shape: string }; output?: { shape: string } }>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

/** The served subset of the EC2 model (read once). */
export const ec2Model: Ec2Model = modelJson as unknown as Ec2Model;

/** A value in the model's member names (structures are objects, lists arrays). */
export type ModelValue = string | number | boolean | ModelValue[] | { [member: string]: ModelValue };

function shapeOf(name: string): Shape {
  const shape = ec2Model.shapes[name];
  if (!shape) throw new Error(`shape ${name} is not in the EC2 model subset`);
  return shape;
}

/** The query key of a member in the ec2 protocol: queryName, else the capitalized locationName. */
function queryKey(name: string, member: Member): string {
  if (member.queryName !== undefined) return member.queryName;
  if (member.locationName !== undefined)
    return member.locationName.charAt(0).toUpperCase() + member.locationName.slice(1);
  return name;
}

function decodeValue(
  keys: readonly string[],
  params: URLSearchParams,
  prefix: string,
  shapeName: string,
): ModelValue | undefined {
  const shape = shapeOf(shapeName);
  const under = (p: string) => keys.some((k) => k === p || k.startsWith(`${p}.`));
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, ModelValue> = {};
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        const key = prefix === '' ? queryKey(name, member) : `${prefix}.${queryKey(name, member)}`;
        if (!under(key)) continue;
        const v = decodeValue(keys, params, key, member.shape);
        if (v !== undefined) out[name] = v;
      }
      return out;
    }
    case 'list': {
      // ec2 lists are always flattened: `Prefix.1`, `Prefix.2`, ... (AWS reads them in index order).
      const indexes = [
        ...new Set(
          keys
            .filter((k) => k.startsWith(`${prefix}.`))
            .map((k) => Number(k.slice(prefix.length + 1).split('.')[0]))
            .filter((n) => Number.isInteger(n) && n > 0),
        ),
      ].sort((a, b) => a - b);
      return indexes
        .map((i): ModelValue | undefined =>
          decodeValue(keys, params, `${prefix}.${i}`, shape.member?.shape ?? 'String'),
        )
        .filter((v): v is ModelValue => v !== undefined);
    }
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      const v = params.get(prefix);
      return v === null ? undefined : Number(v);
    }
    case 'boolean': {
      const v = params.get(prefix);
      return v === null ? undefined : v === 'true';
    }
    default: {
      const v = params.get(prefix);
      return v ?? undefined;
    }
  }
}

/** A request's query parameters as the members of an operation's input shape. */
export function decodeInput(operation: string, params: URLSearchParams): Record<string, ModelValue> {
  const input = ec2Model.operations[operation]?.input?.shape;
  if (input === undefined) return {};
  const keys = [...params.keys()];
  return (decodeValue(keys, params, '', input) as Record<string, ModelValue> | undefined) ?? {};
}

/** A value rendered as the children of an element of shape `shapeName`. */
export function encodeValue(value: ModelValue, shapeName: string): string {
  const shape = shapeOf(shapeName);
  switch (shape.type) {
    case 'structure': {
      const rec = value as Record<string, ModelValue>;
      let xml = '';
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        const v = rec[name];
        if (v === undefined) continue;
        const tag = member.locationName ?? name;
        xml += `<${tag}>${encodeValue(v, member.shape)}</${tag}>`;
      }
      return xml;
    }
    case 'list': {
      const tag = shape.member?.locationName ?? 'item';
      return (value as ModelValue[])
        .map((item) => `<${tag}>${encodeValue(item, shape.member?.shape ?? 'String')}</${tag}>`)
        .join('');
    }
    default:
      return escapeXml(String(value));
  }
}

/** An operation's answer: `result` (its output shape's members) rendered as EC2 renders it. */
export function modelResponse(
  operation: string,
  result: Record<string, ModelValue | undefined>,
  requestId: string,
): EmulatorResponse {
  const output = ec2Model.operations[operation]?.output?.shape;
  if (output === undefined) throw new Error(`operation ${operation} has no output shape`);
  const defined = Object.fromEntries(Object.entries(result).filter(([, v]) => v !== undefined));
  return ec2Response(operation, raw(encodeValue(defined as ModelValue, output)), requestId);
}
