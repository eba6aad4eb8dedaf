import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { ec2Error, ec2Response } from '../../../../src/emulator/protocols/ec2.js';
import { jsonError, parseJsonRpc } from '../../../../src/emulator/protocols/json.js';
import {
  parseQueryParams,
  queryError,
  queryList,
  queryResponse,
  queryStructList,
} from '../../../../src/emulator/protocols/query.js';
import { restJsonError } from '../../../../src/emulator/protocols/rest-json.js';
import { restXmlError } from '../../../../src/emulator/protocols/rest-xml.js';
import { commonError, commonErrorSpec } from '../../../../src/emulator/protocols/service-errors.js';
import { escapeXml, raw, xmlElements } from '../../../../src/emulator/protocols/xml.js';
import { SERVICES } from '../../../../src/emulator/services/index.js';
import type { EmulatorRequest } from '../../../../src/emulator/types.js';

const xml = new XMLParser();

function post(body: string, headers: Record<string, string> = {}): EmulatorRequest {
  return {
    method: 'POST',
    path: '/',
    rawPath: '/',
    query: new URLSearchParams(),
    headers,
    body: Buffer.from(body),
    service: 'ssm',
    region: 'us-east-1',
  };
}

describe('Module: query protocol', () => {
  it('renders the result wrapper and ResponseMetadata', () => {
    const r = queryResponse({
      action: 'GetCallerIdentity',
      xmlns: 'ns',
      requestId: 'r1',
      result: xmlElements([['Account', '1']]),
    });

    expect(xml.parse(String(r.body))).toEqual({
      GetCallerIdentityResponse: {
        GetCallerIdentityResult: { Account: 1 },
        ResponseMetadata: { RequestId: 'r1' },
      },
    });
  });

  it('renders the ErrorResponse envelope with Type, Code, Message and RequestId', () => {
    const r = queryError({ code: 'AccessDenied', message: 'a < b & c', status: 403, requestId: 'r1' });

    expect(r.status).toBe(403);
    expect(xml.parse(String(r.body))).toEqual({
      ErrorResponse: {
        Error: { Type: 'Sender', Code: 'AccessDenied', Message: 'a < b & c' },
        RequestId: 'r1',
      },
    });
    expect(queryError({ code: 'InternalFailure', message: 'x', status: 500, requestId: 'r' }).body).toContain(
      '<Type>Receiver</Type>',
    );
  });

  it('reads lists and structure lists in index order, from body and query string', () => {
    const params = parseQueryParams(
      post(
        'Action=X&Ids.member.2=b&Ids.member.1=a&Attr.entry.2.key=k2&Attr.entry.2.value=v2&Attr.entry.1.key=k1',
      ),
    );

    expect(queryList(params, 'Ids')).toEqual(['a', 'b']);
    expect(queryStructList(params, 'Attr', 'entry')).toEqual([{ key: 'k1' }, { key: 'k2', value: 'v2' }]);
    expect(queryList(new URLSearchParams('InstanceId.1=i-1&InstanceId.2=i-2'), 'InstanceId', '')).toEqual([
      'i-1',
      'i-2',
    ]);
  });
});

describe('Module: json protocol', () => {
  it('decodes target and body', () => {
    const parsed = parseJsonRpc(
      post('{"Name":"/x"}', { 'x-amz-target': 'AmazonSSM.GetParameter' }),
      'AmazonSSM',
      'r',
    );

    expect(parsed).toEqual({ ok: true, call: { operation: 'GetParameter', input: { Name: '/x' } } });
  });

  it('answers UnknownOperationException for a foreign target and SerializationException for bad JSON', () => {
    const foreign = parseJsonRpc(post('{}', { 'x-amz-target': 'Other.GetParameter' }), 'AmazonSSM', 'r');
    const bad = parseJsonRpc(
      post('{not json', { 'x-amz-target': 'AmazonSSM.GetParameter' }),
      'AmazonSSM',
      'r',
    );
    const array = parseJsonRpc(post('[]', { 'x-amz-target': 'AmazonSSM.GetParameter' }), 'AmazonSSM', 'r');

    expect(foreign.ok ? undefined : JSON.parse(String(foreign.response.body))).toEqual({
      __type: 'UnknownOperationException',
    });
    expect(bad.ok ? undefined : JSON.parse(String(bad.response.body)).__type).toBe('SerializationException');
    expect(array.ok).toBe(false);
  });

  it('puts the message under the member name of the error shape', () => {
    const r = jsonError({
      type: 'NoSuchResourceException',
      message: 'm',
      messageKey: 'Message',
      requestId: 'r',
    });

    expect(JSON.parse(String(r.body))).toEqual({ __type: 'NoSuchResourceException', Message: 'm' });
    expect(r.headers['content-type']).toBe('application/x-amz-json-1.1');
  });
});

describe('Module: rest-json, ec2 and s3 errors', () => {
  it('rest-json: x-amzn-errortype header, message and code, Retry-After', () => {
    const r = restJsonError({
      type: 'ThrottlingException',
      message: 'slow',
      status: 429,
      requestId: 'r',
      retryAfterSeconds: 3,
    });

    expect(r.headers['x-amzn-errortype']).toBe('ThrottlingException');
    expect(r.headers['retry-after']).toBe('3');
    expect(JSON.parse(String(r.body))).toEqual({ message: 'slow', code: 'ThrottlingException' });
  });

  it('ec2: Response/Errors/Error envelope with RequestID', () => {
    const r = ec2Error({ code: 'InvalidInstanceID.NotFound', message: 'm', status: 400, requestId: 'r' });

    expect(xml.parse(String(r.body))).toMatchObject({
      Response: { Errors: { Error: { Code: 'InvalidInstanceID.NotFound', Message: 'm' } }, RequestID: 'r' },
    });
    expect(String(ec2Response('DescribeInstances', raw(''), 'r').body)).toContain('<requestId>r</requestId>');
  });

  it('s3: Error element with extras, and an empty body for HEAD', () => {
    const r = restXmlError({
      code: 'NoSuchKey',
      message: 'm',
      status: 404,
      requestId: 'r',
      extra: { Key: 'a&b' },
    });
    const head = restXmlError({ code: 'NoSuchKey', message: 'm', status: 404, requestId: 'r', head: true });

    expect(xml.parse(String(r.body))).toMatchObject({
      Error: { Code: 'NoSuchKey', Key: 'a&b', RequestId: 'r' },
    });
    expect(r.headers['x-amz-request-id']).toBe('r');
    expect(head.body).toBe('');
    expect(head.status).toBe(404);
  });
});

describe('Function: commonError', () => {
  it.each([
    ['sts', 'throttling', 'Throttling', 400],
    ['ssm', 'throttling', 'ThrottlingException', 400],
    ['servicequotas', 'throttling', 'TooManyRequestsException', 400],
    ['drs', 'throttling', 'ThrottlingException', 429],
    ['ec2', 'throttling', 'RequestLimitExceeded', 503],
    ['s3', 'throttling', 'SlowDown', 503],
    ['sns', 'access-denied', 'AuthorizationError', 403],
    ['drs', 'access-denied', 'AccessDeniedException', 403],
    ['ec2', 'access-denied', 'UnauthorizedOperation', 403],
    ['ssm', 'signature-mismatch', 'InvalidSignatureException', 400],
    ['drs', 'unknown-access-key', 'UnrecognizedClientException', 403],
  ] as const)('%s %s -> %s %d', (service, kind, code, status) => {
    const format = SERVICES.formatOf(service);

    expect(commonErrorSpec(format, kind)).toMatchObject({ code, status });
    expect(commonError(format, kind, { requestId: 'r' }).status).toBe(status);
  });

  it('lets a fault plan choose the 5xx status', () => {
    expect(commonError(SERVICES.formatOf('ssm'), 'unavailable', { requestId: 'r', status: 502 }).status).toBe(
      502,
    );
  });
});

describe('Function: escapeXml', () => {
  it('escapes markup characters', () => {
    expect(escapeXml(`<a b="c">'&'</a>`)).toBe('&lt;a b=&quot;c&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
