/**
 * S3 ListObjectsV2 / ListObjects as the AWS CLI and SDKs call them (`encoding-type=url`,
 * delimiters, continuation tokens), so `aws s3 ls s3://bucket/ --recursive` works.
 */
import {
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ServiceHarness,
  sdkConfig,
  sessionKeys,
  startServiceHarness,
} from '../../_helpers/service-harness.js';

const BUCKET = 'drs-results';

describe('Emulator: S3 object listing', () => {
  let h: ServiceHarness;
  let s3: S3Client;
  beforeEach(async () => {
    h = await startServiceHarness();
    h.s3.createBucket(BUCKET, '123456789012', 'us-east-1');
    s3 = new S3Client({ ...sdkConfig(h), forcePathStyle: true });
    for (const key of ['runs/a/result.json', 'runs/b c/résumé+1.json', 'runs/c/result.json', 'top.txt']) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    }
  });
  afterEach(async () => {
    await h.close();
  });

  it('lists every key with size and ETag, URL-encoding keys on encoding-type=url as the AWS CLI asks', async () => {
    const raw = await fetchSigned(`/${BUCKET}?list-type=2&encoding-type=url&prefix=runs%2F`);
    expect(raw).toContain('<EncodingType>url</EncodingType>');
    expect(raw).toContain('<Key>runs/b%20c/r%C3%A9sum%C3%A9%2B1.json</Key>');

    const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, EncodingType: 'url' }));

    // The SDK hands url-encoded keys back as sent; the AWS CLI decodes them.
    expect(out.Contents?.map((o) => decodeURIComponent(o.Key as string))).toEqual([
      'runs/a/result.json',
      'runs/b c/résumé+1.json',
      'runs/c/result.json',
      'top.txt',
    ]);
    expect(out.KeyCount).toBe(4);
    expect(out.IsTruncated).toBe(false);
    expect(out.Contents?.[0]).toMatchObject({ Size: 'runs/a/result.json'.length, StorageClass: 'STANDARD' });
    expect(out.Contents?.[0]?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('rolls keys up into CommonPrefixes with a delimiter', async () => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: '/' }));

    expect(out.Contents?.map((o) => o.Key)).toEqual(['top.txt']);
    expect(out.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['runs/']);
  });

  it('pages with a continuation token that neither repeats nor skips a key when one is written between pages', async () => {
    const first = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 2 }));
    expect(first.Contents?.map((o) => o.Key)).toEqual(['runs/a/result.json', 'runs/b c/résumé+1.json']);
    expect(first.IsTruncated).toBe(true);

    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'runs/0-early.json', Body: 'x' }));
    const second = await s3.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        MaxKeys: 2,
        ContinuationToken: first.NextContinuationToken,
      }),
    );

    expect(second.Contents?.map((o) => o.Key)).toEqual(['runs/c/result.json', 'top.txt']);
    expect(second.IsTruncated).toBe(false);
  });

  it('answers ListObjects (v1) with Marker, and refuses a made-up continuation token', async () => {
    const out = await s3.send(new ListObjectsCommand({ Bucket: BUCKET, Marker: 'runs/c/result.json' }));
    expect(out.Contents?.map((o) => o.Key)).toEqual(['top.txt']);

    const err = await s3
      .send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: 'bm90LW91cnM' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3ServiceException);
    expect((err as S3ServiceException).name).toBe('InvalidArgument');
  });

  it('keeps another account out of the listing unless the bucket lists it', async () => {
    const other = new S3Client({ ...sdkConfig(h, sessionKeys(h, '111111111111')), forcePathStyle: true });

    const err = await other.send(new ListObjectsV2Command({ Bucket: BUCKET })).catch((e: unknown) => e);

    expect((err as S3ServiceException).name).toBe('AccessDenied');
  });

  async function fetchSigned(path: string): Promise<string> {
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { Sha256 } = await import('@aws-crypto/sha256-js');
    const url = new URL(path, h.endpoint);
    const signer = new SignatureV4({
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      region: 'us-east-1',
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
    });
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const signed = await signer.sign({
      method: 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query,
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const res = await fetch(url, { headers: signed.headers as Record<string, string> });
    return res.text();
  }
});
