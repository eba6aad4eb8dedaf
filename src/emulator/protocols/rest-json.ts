/**
 * The AWS restJson1 protocol (DRS): errors carry `x-amzn-errortype: <ShapeName>` and a JSON body
 * with `message` (and `code`) plus the shape's other members; throttling adds `Retry-After`.
 */
import type { EmulatorResponse } from '../types.js';

/** Options of {@link restJsonError}. */
export interface RestJsonErrorOptions {
  /** Error shape name, e.g. `ValidationException`; sent in `x-amzn-errortype` and as `code`. */
  readonly type: string;
  readonly message: string;
  readonly status: number;
  readonly requestId: string;
  /** Other members of the error shape (`reason`, `fieldList`, `quotaCode`, ...). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Adds a `Retry-After` header (seconds), as DRS does on 429. */
  readonly retryAfterSeconds?: number;
  /**
   * Whether the body carries `code` too (the DRS error shapes model it).
   * @default true
   */
  readonly includeCode?: boolean;
}

/** A rest-json error with the `x-amzn-errortype` header. */
export function restJsonError(opts: RestJsonErrorOptions): EmulatorResponse {
  const body: Record<string, unknown> = { message: opts.message };
  if (opts.includeCode !== false) body.code = opts.type;
  Object.assign(body, opts.extra);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-requestid': opts.requestId,
    'x-amzn-errortype': opts.type,
  };
  if (opts.retryAfterSeconds !== undefined) headers['retry-after'] = String(opts.retryAfterSeconds);
  return { status: opts.status, headers, body: JSON.stringify(body) };
}
