/**
 * S3 beyond put and get, through @aws-sdk/client-s3 (each answer checked against the S3 model):
 * ListBuckets, multipart upload (parts stored as they come, the object built on completion,
 * aborted uploads leave nothing), DeleteObject, DeleteObjects, ListObjectVersions of an
 * unversioned bucket, and IAM on each.
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sdkOutputMismatches } from '../../_helpers/aws-model-shape.js';
import {
  type Keys,
  roleArn,
  type ServiceHarness,
  sdkConfig,
  sessionKeys,
  startServiceHarness,
} from '../../_helpers/service-harness.js';

const MIB = 1024 * 1024;

function s3(h: ServiceHarness, keys?: Keys): { client: S3Client; mismatches: string[] } {
  const client = new S3Client({ ...sdkConfig(h, keys), forcePathStyle: true });
  const mismatches: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const operation = String(context.commandName).replace(/Command$/, '');
      if (operation !== 'GetObject')
        mismatches.push(...sdkOutputMismatches('s3', operation, out.output as object));
      return out;
    },
    { step: 'initialize', name: 'modelCheck' },
  );
  return { client, mismatches };
}

describe('Emulator: S3 objects, uploads and listings', () => {
  let h: ServiceHarness;
  beforeEach(async () => {
    h = await startServiceHarness();
    h.s3.createBucket('drs-results', '123456789012', 'us-east-1');
    h.s3.createBucket('drs-other', '111111111111', 'us-east-2');
  });
  afterEach(async () => {
    await h.close();
  });

  it("lists the caller's buckets", async () => {
    const { client, mismatches } = s3(h);

    const out = await client.send(new ListBucketsCommand({}));

    expect(out.Buckets?.map((b) => b.Name)).toEqual(['drs-results']);
    expect(out.Owner?.ID).toBe('123456789012');
    expect(mismatches).toEqual([]);
  });

  it('builds a 12 MiB object from two parts, byte for byte (and by range), and an aborted upload leaves no object and no part', async () => {
    const { client, mismatches } = s3(h);
    const body = Buffer.alloc(12 * MIB);
    for (let i = 0; i < body.length; i += 4096) body.writeUInt32BE(i, i);
    const started = await client.send(
      new CreateMultipartUploadCommand({
        Bucket: 'drs-results',
        Key: 'big/blob.bin',
        ContentType: 'application/x-drs',
      }),
    );
    const parts = [];
    for (const [n, chunk] of [body.subarray(0, 8 * MIB), body.subarray(8 * MIB)].entries()) {
      const part = await client.send(
        new UploadPartCommand({
          Bucket: 'drs-results',
          Key: 'big/blob.bin',
          UploadId: started.UploadId,
          PartNumber: n + 1,
          Body: chunk,
        }),
      );
      parts.push({ PartNumber: n + 1, ETag: part.ETag as string });
    }
    const completed = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'drs-results',
        Key: 'big/blob.bin',
        UploadId: started.UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: 'drs-results', Key: 'big/blob.bin' }));
    const bytes = Buffer.from(
      await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );

    const aborted = await client.send(
      new CreateMultipartUploadCommand({ Bucket: 'drs-results', Key: 'gone.bin' }),
    );
    await client.send(
      new UploadPartCommand({
        Bucket: 'drs-results',
        Key: 'gone.bin',
        UploadId: aborted.UploadId,
        PartNumber: 1,
        Body: 'x',
      }),
    );
    await client.send(
      new AbortMultipartUploadCommand({ Bucket: 'drs-results', Key: 'gone.bin', UploadId: aborted.UploadId }),
    );
    const again = await client
      .send(
        new UploadPartCommand({
          Bucket: 'drs-results',
          Key: 'gone.bin',
          UploadId: aborted.UploadId,
          PartNumber: 2,
          Body: 'y',
        }),
      )
      .catch((e: unknown) => e);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'drs-results' }));

    const ranged = await client.send(
      new GetObjectCommand({
        Bucket: 'drs-results',
        Key: 'big/blob.bin',
        Range: `bytes=${8 * MIB - 4}-${8 * MIB + 3}`,
      }),
    );
    const rangedBytes = Buffer.from(
      await (ranged.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    expect(rangedBytes).toEqual(body.subarray(8 * MIB - 4, 8 * MIB + 4));
    expect(ranged.ContentRange).toBe(`bytes ${8 * MIB - 4}-${8 * MIB + 3}/${12 * MIB}`);
    expect(completed.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(bytes.length).toBe(12 * MIB);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      createHash('sha256').update(body).digest('hex'),
    );
    expect(got.ContentType).toBe('application/x-drs');
    expect(again).toMatchObject({ name: 'NoSuchUpload' });
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([['big/blob.bin', 12 * MIB]]);
    // The body store holds the object's body only: the parts went with the upload.
    expect(h.s3.referencedBodies().size).toBe(1);
    expect(mismatches).toEqual([]);
  });

  it('deletes one object, then several, and lists versions of what is left (unversioned: version null)', async () => {
    const { client, mismatches } = s3(h);
    for (const key of ['a.json', 'b.json', 'c.json', 'd.json'])
      await client.send(new PutObjectCommand({ Bucket: 'drs-results', Key: key, Body: key }));

    await client.send(new DeleteObjectCommand({ Bucket: 'drs-results', Key: 'a.json' }));
    await client.send(new DeleteObjectCommand({ Bucket: 'drs-results', Key: 'never-there.json' }));
    const many = await client.send(
      new DeleteObjectsCommand({
        Bucket: 'drs-results',
        Delete: { Objects: [{ Key: 'b.json' }, { Key: 'c.json' }] },
      }),
    );
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: 'drs-results' }));
    const gone = await client
      .send(new GetObjectCommand({ Bucket: 'drs-results', Key: 'a.json' }))
      .catch((e: unknown) => e);

    expect(many.Deleted?.map((d) => d.Key)).toEqual(['b.json', 'c.json']);
    expect(versions.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size])).toEqual([
      ['d.json', 'null', true, 6],
    ]);
    expect(gone).toMatchObject({ name: 'NoSuchKey' });
    expect(h.s3.bucket('drs-results')?.objects.size).toBe(1);
    expect(mismatches).toEqual([]);
  });

  it('authorizes DeleteObject and DeleteObjects per object, and ListBuckets as s3:ListAllMyBuckets', async () => {
    const arn = roleArn('111111111111');
    h.roles.set(arn, {
      arn,
      accountId: '111111111111',
      policies: [
        {
          Statement: [
            { Effect: 'Allow', Action: 's3:*', Resource: '*' },
            { Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::drs-other/keep/*' },
            { Effect: 'Deny', Action: 's3:ListAllMyBuckets', Resource: '*' },
          ],
        },
      ],
    });
    const { client } = s3(h, sessionKeys(h, '111111111111'));
    await client.send(new PutObjectCommand({ Bucket: 'drs-other', Key: 'keep/x', Body: 'x' }));
    await client.send(new PutObjectCommand({ Bucket: 'drs-other', Key: 'tmp/y', Body: 'y' }));

    const denied = await Promise.all([
      client.send(new DeleteObjectCommand({ Bucket: 'drs-other', Key: 'keep/x' })).catch((e: unknown) => e),
      client
        .send(
          new DeleteObjectsCommand({
            Bucket: 'drs-other',
            Delete: { Objects: [{ Key: 'tmp/y' }, { Key: 'keep/x' }] },
          }),
        )
        .catch((e: unknown) => e),
      client.send(new ListBucketsCommand({})).catch((e: unknown) => e),
    ]);
    await client.send(new DeleteObjectCommand({ Bucket: 'drs-other', Key: 'tmp/y' }));

    for (const e of denied) expect(e).toMatchObject({ name: 'AccessDenied' });
    expect([...(h.s3.bucket('drs-other')?.objects.keys() ?? [])]).toEqual(['keep/x']);
  });
});
