import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { canonicalUri, parseAuthorization, verifySignature } from '../../../../src/emulator/auth/sigv4.js';
import type { ServiceHint } from '../../../../src/emulator/registry.js';
import { SERVICES } from '../../../../src/emulator/services/index.js';
import type { EmulatorRequest } from '../../../../src/emulator/types.js';

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

function request(over: Partial<EmulatorRequest> & Pick<EmulatorRequest, 'headers'>): EmulatorRequest {
  return {
    method: 'GET',
    path: '/',
    rawPath: '/',
    query: new URLSearchParams(),
    body: Buffer.alloc(0),
    service: 'service',
    region: 'us-east-1',
    ...over,
  };
}

/** Signs like the SDK does and returns what the emulator would receive. */
async function sdkSigned(opts: {
  service: string;
  method: string;
  path: string;
  query?: Record<string, string>;
  body?: string;
  headers?: Record<string, string>;
  sessionToken?: string;
}): Promise<EmulatorRequest> {
  const signer = new SignatureV4({
    service: opts.service,
    region: 'us-east-2',
    sha256: Sha256,
    uriEscapePath: opts.service !== 's3',
    credentials: { ...KEYS, ...(opts.sessionToken === undefined ? {} : { sessionToken: opts.sessionToken }) },
  });
  const signed = await signer.sign({
    method: opts.method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4566,
    path: opts.path,
    query: opts.query ?? {},
    headers: { host: '127.0.0.1:4566', ...opts.headers },
    ...(opts.body === undefined ? {} : { body: opts.body }),
  });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
  return request({
    method: opts.method,
    rawPath: opts.path,
    path: decodeURIComponent(opts.path),
    query: new URLSearchParams(opts.query ?? {}),
    headers,
    body: Buffer.from(opts.body ?? ''),
    service: opts.service,
    region: 'us-east-2',
  });
}

describe('Function: verifySignature', () => {
  it('accepts the AWS SigV4 test-suite vector get-vanilla', () => {
    const req = request({
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
    });
    const parsed = parseAuthorization(req.headers, req.query);
    if (parsed.kind !== 'signed') throw new Error('expected a signed request');

    expect(verifySignature(req, parsed.auth, KEYS.secretAccessKey)).toEqual({ ok: true });
    expect(verifySignature(req, parsed.auth, 'wrong').ok).toBe(false);
  });

  it.each([
    { service: 'drs', method: 'POST', path: '/DescribeJobs', body: '{"maxResults":10}' },
    {
      service: 'drs',
      method: 'GET',
      path: `/tags/${encodeURIComponent('arn:aws:drs:us-east-2:111111111111:job/drsjob-12345678901234567')}`,
    },
    {
      service: 'drs',
      method: 'DELETE',
      path: `/tags/${encodeURIComponent('arn:aws:drs:us-east-2:111111111111:job/drsjob-12345678901234567')}`,
      query: { tagKeys: 'a b', other: "it's*" },
    },
    {
      service: 's3',
      method: 'PUT',
      path: '/bucket/runs/exec%201/result%2Bx.json',
      body: 'data',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    },
    {
      service: 'sts',
      method: 'POST',
      path: '/',
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
      sessionToken: 'tok',
    },
  ])('verifies what @smithy/signature-v4 signs: $service $method $path', async (c) => {
    const req = await sdkSigned(c);
    const parsed = parseAuthorization(req.headers, req.query);
    if (parsed.kind !== 'signed') throw new Error('expected a signed request');

    const rules = SERVICES.get(c.service)?.signing;
    const ok = verifySignature(req, parsed.auth, KEYS.secretAccessKey, rules);
    const tampered = verifySignature(
      { ...req, body: Buffer.from(`${req.body.toString()}!`) },
      parsed.auth,
      KEYS.secretAccessKey,
      rules,
    );

    expect(ok).toEqual({ ok: true });
    expect(parsed.auth.sessionToken).toBe(c.sessionToken);
    expect(tampered.ok).toBe(c.service === 's3');
  });

  it('flags an x-amz-content-sha256 that is not the hash of the body', async () => {
    const req = await sdkSigned({
      service: 's3',
      method: 'PUT',
      path: '/b/k',
      body: 'abc',
      headers: { 'x-amz-content-sha256': 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
    });
    const parsed = parseAuthorization(req.headers, req.query);
    if (parsed.kind !== 'signed') throw new Error('expected a signed request');

    const check = verifySignature(
      { ...req, body: Buffer.from('abd') },
      parsed.auth,
      KEYS.secretAccessKey,
      SERVICES.get('s3')?.signing,
    );

    expect(check).toMatchObject({ ok: false, reason: 'payload-hash' });
  });

  it('rejects a signature that leaves the host header out', () => {
    const req = request({
      headers: {
        host: 'h',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=x-amz-date, Signature=00',
      },
    });
    const parsed = parseAuthorization(req.headers, req.query);
    if (parsed.kind !== 'signed') throw new Error('expected a signed request');

    expect(verifySignature(req, parsed.auth, KEYS.secretAccessKey)).toMatchObject({
      ok: false,
      reason: 'unsigned-host',
    });
  });
});

describe('Function: parseAuthorization', () => {
  it('reports an unsigned request', () => {
    expect(parseAuthorization({}, new URLSearchParams())).toEqual({ kind: 'unsigned' });
  });

  it('reports an incomplete header with the missing parts named', () => {
    const parsed = parseAuthorization(
      { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/sts/aws4_request' },
      new URLSearchParams(),
    );

    expect(parsed.kind).toBe('incomplete');
    if (parsed.kind !== 'incomplete') return;
    expect(parsed.message).toContain("requires 'SignedHeaders'");
    expect(parsed.message).toContain("requires 'Signature'");
    expect(parsed.message).toContain('X-Amz-Date');
    expect(parsed.scope?.service).toBe('sts');
  });

  it('rejects other algorithms', () => {
    expect(parseAuthorization({ authorization: 'AWS AKID:sig' }, new URLSearchParams()).kind).toBe(
      'incomplete',
    );
  });

  it('reads presigned query parameters', () => {
    const query = new URLSearchParams({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKID/20250101/us-east-1/s3/aws4_request',
      'X-Amz-Date': '20250101T000000Z',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': 'ab',
    });

    const parsed = parseAuthorization({}, query);

    expect(parsed).toMatchObject({ kind: 'signed', auth: { location: 'query', scope: { service: 's3' } } });
  });
});

describe('Function: canonicalUri', () => {
  it('double-encodes and normalises for every service but S3', () => {
    expect(canonicalUri('/tags/arn%3Aaws%3Adrs')).toBe('/tags/arn%253Aaws%253Adrs');
    expect(canonicalUri('/a/./b/../c/')).toBe('/a/c/');
    expect(canonicalUri('/bucket/a%20b/./c', true)).toBe('/bucket/a%20b/./c');
    expect(canonicalUri('')).toBe('/');
  });
});

describe('Method: ServiceRegistry.infer / credential scope', () => {
  const hint = (over: Partial<ServiceHint>): ServiceHint => ({
    method: 'POST',
    path: '/',
    headers: {},
    query: new URLSearchParams(),
    body: Buffer.alloc(0),
    ...over,
  });

  it.each([
    [{ headers: { 'x-amz-target': 'AmazonSSM.GetParameter' } }, 'ssm'],
    [{ headers: { 'x-amz-target': 'ServiceQuotasV20190624.GetServiceQuota' } }, 'servicequotas'],
    [
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: Buffer.from('Action=AssumeRole&Version=2011-06-15'),
      },
      'sts',
    ],
    [
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from('Action=Publish&Version=2010-03-31'),
      },
      'sns',
    ],
    [{ query: new URLSearchParams('Action=DescribeInstances&Version=2016-11-15') }, 'ec2'],
    [{ path: '/DescribeJobs', headers: { 'content-type': 'application/json' } }, 'drs'],
    [{ method: 'GET', path: '/bucket/key' }, 's3'],
  ])('guesses the service of an unsigned request %#', (over, service) => {
    expect(SERVICES.infer(hint(over)).name).toBe(service);
  });

  it('takes service and region from the credential scope when signed', () => {
    const { headers, query } = hint({
      headers: {
        'x-amz-date': '20250101T000000Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20250101/us-east-2/drs/aws4_request, SignedHeaders=host, Signature=00',
      },
    });

    expect(parseAuthorization(headers, query)).toMatchObject({
      kind: 'signed',
      auth: { scope: { service: 'drs', region: 'us-east-2' } },
    });
  });
});
