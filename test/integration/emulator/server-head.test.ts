import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../../src/emulator/index.js';
import { startTestEmulator } from '../../_helpers/emulator.js';

describe('emulator server: HEAD answers', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ fleet: 'demo' });
  });
  afterAll(() => emu.stop());

  it('keep the content-length of the object, not of the empty HEAD body', async () => {
    const s3 = new S3Client({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: emu.credentials,
      forcePathStyle: true,
    });
    const Bucket = 'drs-orchestration-results-123456789012';
    await s3.send(new PutObjectCommand({ Bucket, Key: 'head/probe.json', Body: '{"bytes":17}xxxx' }));

    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'head/probe.json' }));

    expect(head.ContentLength).toBe(16);
    s3.destroy();
  });
});
