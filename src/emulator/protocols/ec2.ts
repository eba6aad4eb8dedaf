/**
 * The EC2 query protocol: form-encoded requests like the query protocol, but flattened lists
 * (`InstanceId.1`), answers `<{Action}Response xmlns=...><requestId/>...` with lists of `<item>`,
 * and its own error envelope `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/>`.
 */
import type { EmulatorResponse } from '../types.js';
import { escapeXml, XML_DECLARATION, type XmlRaw } from './xml.js';

/** XML namespace of the EC2 API version the SDK speaks. */
export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** A successful EC2 answer. */
export function ec2Response(action: string, content: XmlRaw, requestId: string): EmulatorResponse {
  const body =
    `${XML_DECLARATION}\n<${action}Response xmlns="${EC2_XMLNS}">` +
    `<requestId>${escapeXml(requestId)}</requestId>${content.xml}</${action}Response>`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
    body,
  };
}

/** Options of {@link ec2Error}. */
export interface Ec2ErrorOptions {
  /** e.g. `InvalidInstanceID.NotFound`, `UnauthorizedOperation`, `RequestLimitExceeded`. */
  readonly code: string;
  readonly message: string;
  readonly status: number;
  readonly requestId: string;
}

/** An EC2 error in its `<Response><Errors>` envelope (note `RequestID`, upper-case D). */
export function ec2Error(opts: Ec2ErrorOptions): EmulatorResponse {
  const body =
    `${XML_DECLARATION}\n<Response><Errors><Error><Code>${escapeXml(opts.code)}</Code>` +
    `<Message>${escapeXml(opts.message)}</Message></Error></Errors>` +
    `<RequestID>${escapeXml(opts.requestId)}</RequestID></Response>`;
  return {
    status: opts.status,
    headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': opts.requestId },
    body,
  };
}
