import { describe, expect, it } from 'vitest';
import { authenticate, CredentialStore } from '../../../../src/emulator/auth/credentials.js';
import { canonicalRequest, sign, stringToSign } from '../../../../src/emulator/auth/sigv4.js';
import { ssmService, stsService } from '../../../../src/emulator/services/index.js';
import type { EmulatorRequest } from '../../../../src/emulator/types.js';

function signedRequest(
  service: string,
  keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
): EmulatorRequest {
  const base: EmulatorRequest = {
    method: 'POST',
    path: '/',
    rawPath: '/',
    query: new URLSearchParams(),
    headers: {
      host: 'localhost',
      'x-amz-date': '20250106T090000Z',
      ...(keys.sessionToken === undefined ? {} : { 'x-amz-security-token': keys.sessionToken }),
    },
    body: Buffer.from('Action=GetCallerIdentity&Version=2011-06-15'),
    service,
    region: 'us-east-1',
  };
  const scope = { accessKeyId: keys.accessKeyId, date: '20250106', region: 'us-east-1', service };
  const auth = {
    scope,
    signedHeaders: ['host', 'x-amz-date'],
    signature: '',
    amzDate: '20250106T090000Z',
    location: 'header' as const,
  };
  const signature = sign(keys.secretAccessKey, scope, stringToSign(auth, canonicalRequest(base, auth)));
  return {
    ...base,
    headers: {
      ...base.headers,
      authorization: `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/20250106/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
    },
  };
}

describe('Class: CredentialStore', () => {
  it('knows test/test as the root of 123456789012 by default', () => {
    const store = new CredentialStore();

    expect(store.lookup('test')).toEqual({
      accessKeyId: 'test',
      secretAccessKey: 'test',
      accountId: '123456789012',
      arn: 'arn:aws:iam::123456789012:root',
      userId: '123456789012',
    });
  });

  it('issues distinct ASIA session keys bound to the role account', () => {
    const store = new CredentialStore();
    const request = {
      accountId: '111111111111',
      roleArn: 'arn:aws:iam::111111111111:role/DRS-Orchestration-Role',
      roleId: 'AROAEXAMPLE0000000001',
      sessionName: 'drill',
      expiration: new Date('2025-01-06T10:00:00Z'),
    };

    const a = store.issueSession(request);
    const b = store.issueSession(request);

    expect(a.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a).toMatchObject({
      accountId: '111111111111',
      arn: 'arn:aws:sts::111111111111:assumed-role/DRS-Orchestration-Role/drill',
      userId: 'AROAEXAMPLE0000000001:drill',
      expiration: '2025-01-06T10:00:00.000Z',
    });
    expect(store.size).toBe(3);
  });

  it('survives a JSON round trip with its sessions', () => {
    const store = new CredentialStore();
    const s = store.issueSession({
      accountId: '111111111111',
      roleArn: 'arn:aws:iam::111111111111:role/R',
      roleId: 'AROAEXAMPLE0000000001',
      sessionName: 's',
      expiration: new Date(0),
    });

    const restored = CredentialStore.fromJSON(JSON.parse(JSON.stringify(store)));

    expect(restored.lookup(s.accessKeyId)).toEqual(s);
    expect(restored.lookup('test')?.accountId).toBe('123456789012');
  });
});

describe('Function: authenticate', () => {
  it('resolves the principal of a correctly signed request', () => {
    const store = new CredentialStore();

    const result = authenticate(
      signedRequest('sts', { accessKeyId: 'test', secretAccessKey: 'test' }),
      store,
      {
        service: stsService,
      },
    );

    expect(result).toMatchObject({
      ok: true,
      principal: { accountId: '123456789012', arn: 'arn:aws:iam::123456789012:root', accessKeyId: 'test' },
    });
  });

  it('resolves a session with its role ARN when the session token matches', () => {
    const store = new CredentialStore();
    const s = store.issueSession({
      accountId: '111111111111',
      roleArn: 'arn:aws:iam::111111111111:role/R',
      roleId: 'AROAEXAMPLE0000000001',
      sessionName: 's',
      expiration: new Date(0),
    });
    const keys = {
      accessKeyId: s.accessKeyId,
      secretAccessKey: s.secretAccessKey,
      sessionToken: s.sessionToken ?? '',
    };

    const ok = authenticate(signedRequest('sts', keys), store, { service: stsService });
    const wrongToken = authenticate(signedRequest('sts', { ...keys, sessionToken: 'forged' }), store, {
      service: stsService,
    });

    expect(ok).toMatchObject({
      ok: true,
      principal: { accountId: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/R' },
    });
    expect(wrongToken).toMatchObject({ ok: false, reason: 'bad-session-token', response: { status: 403 } });
  });

  it('rejects an expired session only when expiry is enforced, by the given clock', () => {
    const store = new CredentialStore();
    const s = store.issueSession({
      accountId: '111111111111',
      roleArn: 'arn:aws:iam::111111111111:role/R',
      roleId: 'AROAEXAMPLE0000000001',
      sessionName: 's',
      expiration: new Date('2025-01-06T10:00:00Z'),
    });
    const req = signedRequest('ssm', {
      accessKeyId: s.accessKeyId,
      secretAccessKey: s.secretAccessKey,
      sessionToken: s.sessionToken ?? '',
    });
    const later = () => new Date('2025-01-06T10:00:01Z');

    const lenient = authenticate(req, store, { service: ssmService, now: later });
    const strict = authenticate(req, store, { service: ssmService, now: later, enforceExpiry: true });

    expect(lenient.ok).toBe(true);
    expect(strict).toMatchObject({ ok: false, reason: 'expired', response: { status: 400 } });
    expect(JSON.parse(String(strict.ok ? '' : strict.response.body))).toMatchObject({
      __type: 'ExpiredTokenException',
    });
  });

  it('uses the request id it is given in the error', () => {
    const result = authenticate(
      signedRequest('sts', { accessKeyId: 'nobody', secretAccessKey: 'x' }),
      new CredentialStore(),
      {
        service: stsService,
        requestId: 'req-1',
      },
    );

    expect(result.ok).toBe(false);
    expect(result.ok ? '' : String(result.response.body)).toContain('<RequestId>req-1</RequestId>');
    expect(result.ok ? '' : String(result.response.body)).toContain('<Code>InvalidClientTokenId</Code>');
  });
});
