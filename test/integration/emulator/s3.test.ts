import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Keys,
  roleArn,
  type ServiceHarness,
  sdkConfig,
  sessionKeys,
  startServiceHarness,
} from '../../_helpers/service-harness.js';

function s3(h: ServiceHarness, keys?: Keys): S3Client {
  return new S3Client({ ...sdkConfig(h, keys), forcePathStyle: true });
}

describe('Emulator: S3', () => {
  let h: ServiceHarness;
  beforeEach(async () => {
    h = await startServiceHarness();
    h.s3.createBucket('drs-results', '123456789012', 'us-east-1');
  });
  afterEach(async () => {
    await h.close();
  });

  it('stores an object and returns it with ETag, type, metadata and length', async () => {
    const client = s3(h);
    const body = JSON.stringify({ servers: ['s-1234567890abcdef0'] });

    const put = await client.send(
      new PutObjectCommand({
        Bucket: 'drs-results',
        Key: 'runs/exec 1/result.json',
        Body: body,
        ContentType: 'application/json',
        Metadata: { correlation: 'c-1' },
      }),
    );
    const got = await client.send(
      new GetObjectCommand({ Bucket: 'drs-results', Key: 'runs/exec 1/result.json' }),
    );

    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(got.ETag).toBe(put.ETag);
    expect(got.ContentType).toBe('application/json');
    expect(got.ContentLength).toBe(Buffer.byteLength(body));
    expect(got.Metadata).toEqual({ correlation: 'c-1' });
    expect(await got.Body?.transformToString()).toBe(body);
    const stored = h.s3.bucket('drs-results')?.objects.get('runs/exec 1/result.json');
    expect(stored && h.s3.body(stored)?.toString()).toBe(body);
  });

  it('stores a streamed (aws-chunked) upload byte for byte', async () => {
    const client = s3(h);
    const { Readable } = await import('node:stream');
    const payload = Buffer.alloc(70_000, 'x');

    await client.send(
      new PutObjectCommand({
        Bucket: 'drs-results',
        Key: 'big.bin',
        Body: Readable.from([payload.subarray(0, 30_000), payload.subarray(30_000)]),
        ContentLength: payload.length,
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: 'drs-results', Key: 'big.bin' }));

    expect(
      Buffer.from(await (got.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array()))).equals(
        payload,
      ),
    ).toBe(true);
  });

  it('answers HeadObject with the object headers and no body', async () => {
    const client = s3(h);
    await client.send(new PutObjectCommand({ Bucket: 'drs-results', Key: 'k', Body: 'hello' }));

    const head = await client.send(new HeadObjectCommand({ Bucket: 'drs-results', Key: 'k' }));

    expect(head.ContentLength).toBe(5);
    expect(head.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    expect(head.LastModified).toEqual(new Date('2025-01-06T09:00:00.000Z'));
  });

  it('answers NoSuchKey (404) for a missing key and NotFound for HEAD', async () => {
    const client = s3(h);

    const get = await client
      .send(new GetObjectCommand({ Bucket: 'drs-results', Key: 'nope' }))
      .catch((e: unknown) => e);
    const head = await client
      .send(new HeadObjectCommand({ Bucket: 'drs-results', Key: 'nope' }))
      .catch((e: unknown) => e);

    expect(get).toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    expect(head).toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
  });

  it('answers NoSuchBucket (404) for a bucket that does not exist', async () => {
    const client = s3(h);

    const error = await client
      .send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'k', Body: 'x' }))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } });
  });

  it("keeps one account's bucket closed to another account unless the bucket lists it", async () => {
    h.s3.createBucket('staging-111-private', '111111111111', 'us-east-2');
    h.s3.createBucket('staging-111-shared', '111111111111', 'us-east-2', {
      allowedAccounts: ['123456789012'],
    });
    const staging = s3(h, sessionKeys(h, '111111111111'));
    await staging.send(new PutObjectCommand({ Bucket: 'staging-111-private', Key: 'k', Body: 'secret' }));
    await staging.send(new PutObjectCommand({ Bucket: 'staging-111-shared', Key: 'k', Body: 'shared' }));
    const orchestrator = s3(h);

    const denied = await orchestrator
      .send(new GetObjectCommand({ Bucket: 'staging-111-private', Key: 'k' }))
      .catch((e: unknown) => e);
    const allowed = await orchestrator.send(new GetObjectCommand({ Bucket: 'staging-111-shared', Key: 'k' }));

    expect(denied).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(await allowed.Body?.transformToString()).toBe('shared');
  });

  it('creates buckets owned by the caller and refuses a name another account holds', async () => {
    const client = s3(h);
    const other = s3(h, sessionKeys(h, '111111111111'));

    await client.send(new CreateBucketCommand({ Bucket: 'fresh-bucket' }));
    const taken = await other
      .send(new CreateBucketCommand({ Bucket: 'fresh-bucket' }))
      .catch((e: unknown) => e);

    expect(h.s3.bucket('fresh-bucket')?.ownerAccountId).toBe('123456789012');
    expect(taken).toMatchObject({ name: 'BucketAlreadyExists', $metadata: { httpStatusCode: 409 } });
  });

  it('denies s3:PutObject to a role limited to reads', async () => {
    const arn = roleArn('111111111111');
    h.roles.set(arn, {
      arn,
      accountId: '111111111111',
      policies: [
        { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::drs-results/*' }] },
      ],
    });
    h.s3.createBucket('drs-results-111', '111111111111', 'us-east-1');
    const client = s3(h, sessionKeys(h, '111111111111'));

    const error = await client
      .send(new PutObjectCommand({ Bucket: 'drs-results-111', Key: 'k', Body: 'x' }))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });
});
