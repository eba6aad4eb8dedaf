/**
 * The AWS query protocol (STS, SNS): form-encoded `Action=...&Version=...` requests, XML answers
 * wrapped in `<{Action}Response><{Action}Result>` with `ResponseMetadata/RequestId`, and the
 * `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>` error envelope.
 */
import type { EmulatorRequest, EmulatorResponse } from '../types.js';
import { escapeXml, type XmlRaw } from './xml.js';

/** Whether the client or the service is at fault; AWS puts it in `<Type>`. */
export type QueryFaultType = 'Sender' | 'Receiver';

/**
 * Reads the parameters of a query-protocol request: the form body of a POST, else the query string
 * (AWS accepts both).
 */
export function parseQueryParams(req: EmulatorRequest): URLSearchParams {
  const params = new URLSearchParams(req.query);
  if (req.method === 'POST' && req.body.length > 0) {
    for (const [key, value] of new URLSearchParams(req.body.toString('utf8'))) params.append(key, value);
  }
  return params;
}

/**
 * Reads a query-protocol list (`Prefix.member.1`, `Prefix.member.2`, ...) in index order.
 *
 * @param memberName - `member` for most services; EC2 flattens lists (`InstanceId.1`), pass `''`.
 */
export function queryList(params: URLSearchParams, prefix: string, memberName = 'member'): string[] {
  const head = memberName === '' ? `${prefix}.` : `${prefix}.${memberName}.`;
  const items: Array<[number, string]> = [];
  for (const [key, value] of params) {
    if (!key.startsWith(head)) continue;
    const index = Number(key.slice(head.length));
    if (Number.isInteger(index) && index > 0) items.push([index, value]);
  }
  return items.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

/**
 * Groups indexed structure members: `Prefix.entry.1.Name`, `Prefix.entry.1.Value.DataType` ->
 * `[{ Name, 'Value.DataType' }]`, ordered by index.
 */
export function queryStructList(
  params: URLSearchParams,
  prefix: string,
  memberName = 'member',
): Array<Record<string, string>> {
  const head = memberName === '' ? `${prefix}.` : `${prefix}.${memberName}.`;
  const byIndex = new Map<number, Record<string, string>>();
  for (const [key, value] of params) {
    if (!key.startsWith(head)) continue;
    const rest = key.slice(head.length);
    const dot = rest.indexOf('.');
    if (dot <= 0) continue;
    const index = Number(rest.slice(0, dot));
    if (!Number.isInteger(index) || index < 1) continue;
    const entry = byIndex.get(index) ?? {};
    entry[rest.slice(dot + 1)] = value;
    byIndex.set(index, entry);
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, entry]) => entry);
}

/** Options of {@link queryResponse}. */
export interface QueryResponseOptions {
  /** Operation name, e.g. `AssumeRole`. */
  readonly action: string;
  /** Service XML namespace, e.g. `https://sts.amazonaws.com/doc/2011-06-15/`. */
  readonly xmlns: string;
  /** Children of `<{Action}Result>`; omit for operations without output members. */
  readonly result?: XmlRaw;
  readonly requestId: string;
}

/** A successful query-protocol answer (200, `text/xml`). */
export function queryResponse(opts: QueryResponseOptions): EmulatorResponse {
  const result =
    opts.result === undefined ? '' : `<${opts.action}Result>${opts.result.xml}</${opts.action}Result>`;
  const body =
    `<${opts.action}Response xmlns="${escapeXml(opts.xmlns)}">` +
    result +
    `<ResponseMetadata><RequestId>${escapeXml(opts.requestId)}</RequestId></ResponseMetadata>` +
    `</${opts.action}Response>\n`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': opts.requestId },
    body,
  };
}

/** Options of {@link queryError}. */
export interface QueryErrorOptions {
  /** Wire error code, e.g. `AccessDenied`, `NotFound`, `SignatureDoesNotMatch`. */
  readonly code: string;
  readonly message: string;
  readonly status: number;
  /** @default `Sender` below 500, `Receiver` from 500 */
  readonly type?: QueryFaultType;
  /** Service namespace on `<ErrorResponse>`; AWS sends one, the SDK does not need it. */
  readonly xmlns?: string;
  readonly requestId: string;
}

/** A query-protocol error in AWS's `<ErrorResponse>` envelope. */
export function queryError(opts: QueryErrorOptions): EmulatorResponse {
  const type = opts.type ?? (opts.status >= 500 ? 'Receiver' : 'Sender');
  const ns = opts.xmlns === undefined ? '' : ` xmlns="${escapeXml(opts.xmlns)}"`;
  const body =
    `<ErrorResponse${ns}>` +
    `<Error><Type>${type}</Type><Code>${escapeXml(opts.code)}</Code>` +
    `<Message>${escapeXml(opts.message)}</Message></Error>` +
    `<RequestId>${escapeXml(opts.requestId)}</RequestId>` +
    '</ErrorResponse>\n';
  return {
    status: opts.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': opts.requestId },
    body,
  };
}
