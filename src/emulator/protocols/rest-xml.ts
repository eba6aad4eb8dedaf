/**
 * S3's REST-XML error format: `<Error><Code/><Message/>...<RequestId/><HostId/></Error>` with the
 * request id in `x-amz-request-id`; HEAD answers carry no body, so the SDK names them by status.
 */
import type { EmulatorResponse } from '../types.js';
import { escapeXml, XML_DECLARATION } from './xml.js';

/** Options of {@link restXmlError}. */
export interface RestXmlErrorOptions {
  /** e.g. `NoSuchKey`, `NoSuchBucket`, `AccessDenied`, `SignatureDoesNotMatch`. */
  readonly code: string;
  readonly message: string;
  readonly status: number;
  readonly requestId: string;
  /** Extra elements AWS adds for the code (`Key`, `BucketName`, `AWSAccessKeyId`, ...). */
  readonly extra?: Readonly<Record<string, string>>;
  /** A HEAD request: same status and headers, empty body. */
  readonly head?: boolean;
}

/** An S3 error response. */
export function restXmlError(opts: RestXmlErrorOptions): EmulatorResponse {
  const extra = Object.entries(opts.extra ?? {})
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  const body =
    `${XML_DECLARATION}\n<Error><Code>${escapeXml(opts.code)}</Code>` +
    `<Message>${escapeXml(opts.message)}</Message>${extra}` +
    `<RequestId>${escapeXml(opts.requestId)}</RequestId><HostId>${restXmlHostId(opts.requestId)}</HostId></Error>`;
  return {
    status: opts.status,
    headers: {
      'content-type': 'application/xml',
      'x-amz-request-id': opts.requestId,
      'x-amz-id-2': restXmlHostId(opts.requestId),
    },
    body: opts.head === true ? '' : body,
  };
}

/** The opaque `x-amz-id-2` / `HostId` value, derived from the request id so it is stable. */
export function restXmlHostId(requestId: string): string {
  return Buffer.from(`emulator/${requestId}`).toString('base64');
}
