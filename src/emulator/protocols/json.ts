/**
 * The AWS JSON 1.0/1.1 protocols (SSM, Service Quotas, Step Functions): `POST /` with
 * `X-Amz-Target: <Prefix>.<Operation>`, a JSON body, and errors as `{ "__type": ..., "message": ... }`.
 */
import type { EmulatorRequest, EmulatorResponse } from '../types.js';

/** JSON protocol version, which decides the content type. */
export type JsonVersion = '1.0' | '1.1';

/** A decoded JSON-protocol request. */
export interface JsonRpcCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/** Result of {@link parseJsonRpc}: the call, or the error AWS would answer. */
export type JsonRpcParse =
  | { readonly ok: true; readonly call: JsonRpcCall }
  | { readonly ok: false; readonly response: EmulatorResponse };

/**
 * Decodes the target and body of a JSON-protocol request.
 *
 * @param targetPrefix - e.g. `AmazonSSM`, `ServiceQuotasV20190624`.
 * @returns `UnknownOperationException` for a missing/foreign target, `SerializationException` for a
 * body that is not a JSON object (both 400, as AWS answers).
 */
export function parseJsonRpc(
  req: EmulatorRequest,
  targetPrefix: string,
  requestId: string,
  version: JsonVersion = '1.1',
): JsonRpcParse {
  const target = req.headers['x-amz-target'] ?? '';
  const dot = target.lastIndexOf('.');
  if (
    req.method !== 'POST' ||
    dot < 0 ||
    target.slice(0, dot) !== targetPrefix ||
    dot === target.length - 1
  ) {
    return {
      ok: false,
      response: jsonError({ type: 'UnknownOperationException', status: 400, requestId, version }),
    };
  }
  const text = req.body.toString('utf8').trim();
  let input: unknown = {};
  if (text !== '') {
    try {
      input = JSON.parse(text);
    } catch {
      input = undefined;
    }
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return {
      ok: false,
      response: jsonError({
        type: 'SerializationException',
        message: 'Start of structure or map found where not expected.',
        status: 400,
        requestId,
        version,
      }),
    };
  }
  return { ok: true, call: { operation: target.slice(dot + 1), input: input as Record<string, unknown> } };
}

/** A successful JSON-protocol answer (200). */
export function jsonResponse(
  body: unknown,
  requestId: string,
  version: JsonVersion = '1.1',
): EmulatorResponse {
  return {
    status: 200,
    headers: { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-requestid': requestId },
    body: JSON.stringify(body),
  };
}

/** Options of {@link jsonError}. */
export interface JsonErrorOptions {
  /** Error shape name, e.g. `ParameterNotFound`; sent as `__type`. */
  readonly type: string;
  /** Omitted from the body when undefined (SSM sends some errors without a message). */
  readonly message?: string;
  /** @default 400 */
  readonly status?: number;
  /**
   * Member name of the message in this error shape (the models differ: SSM `message`, Service
   * Quotas `Message`).
   * @default `message`
   */
  readonly messageKey?: string;
  readonly requestId: string;
  /** @default `1.1` */
  readonly version?: JsonVersion;
  /** Extra members of the error shape. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** A JSON-protocol error: `__type` plus the shape's members. */
export function jsonError(opts: JsonErrorOptions): EmulatorResponse {
  const body: Record<string, unknown> = { __type: opts.type, ...opts.extra };
  if (opts.message !== undefined) body[opts.messageKey ?? 'message'] = opts.message;
  return {
    status: opts.status ?? 400,
    headers: {
      'content-type': `application/x-amz-json-${opts.version ?? '1.1'}`,
      'x-amzn-requestid': opts.requestId,
    },
    body: JSON.stringify(body),
  };
}

/**
 * The validation message AWS's JSON services give for a missing required member.
 *
 * @example missingMember('name') // "1 validation error detected: Value null at 'name' failed ..."
 */
export function missingMemberMessage(member: string): string {
  return `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`;
}

/**
 * The input of a JSON-protocol call: its body as an object (`{}` when empty).
 *
 * @returns undefined when the body is not a JSON object (AWS answers SerializationException).
 */
export function jsonInputOf(req: Pick<EmulatorRequest, 'body'>): Record<string, unknown> | undefined {
  const text = req.body.toString('utf8').trim();
  if (text === '') return {};
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    return undefined;
  }
  return input === null || typeof input !== 'object' || Array.isArray(input)
    ? undefined
    : (input as Record<string, unknown>);
}
