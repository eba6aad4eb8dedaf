/**
 * `drs-orch serve --state-file` keeps S3 object bodies out of the world snapshot: each body is a
 * file beside the state file (`<file>.objects/`, named by its SHA-256), written before its
 * PutObject answers, so the snapshot and the journal hold metadata only, each upload writes only
 * itself, and a kill -9 loses no object that answered.
 */
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { exited, startServeProcess, stopServeProcesses } from '../../_helpers/serve-process.js';

afterEach(stopServeProcesses);

const OBJECTS = 40;
const OBJECT_BYTES = 4 * 1024 * 1024;
/**
 * What the snapshot and journal may hold for 40 objects: their metadata (a few hundred bytes
 * each) plus the world. One 4 MiB body inlined (base64, 5.6 MB) is far beyond it.
 */
const METADATA_BOUND = 1024 * 1024;

function s3(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The files of a folder (none when it does not exist). */
async function filesOf(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

describe('drs-orch serve --state-file: the S3 store', () => {
  it('keeps 40 objects of 4 MiB through kill -9 and a restart, with a snapshot and journal of metadata only and one file per upload', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-s3-store-'));
    try {
      const stateFile = join(dir, 'world.json');
      const objectsDir = `${stateFile}.objects`;
      const first = await startServeProcess(['--state-file', stateFile]);
      const client = s3(first.endpoint);
      await client.send(new CreateBucketCommand({ Bucket: 'soak' }));
      const expected = new Map<string, string>();
      const journalGrowth: number[] = [];
      const filesAfter: number[] = [];
      for (let i = 0; i < OBJECTS; i++) {
        const body = randomBytes(OBJECT_BYTES);
        const key = `objects/${i}.bin`;
        expected.set(key, sha256(body));
        const before = sizeOf(`${stateFile}.journal`);
        await client.send(new PutObjectCommand({ Bucket: 'soak', Key: key, Body: body }));
        journalGrowth.push(sizeOf(`${stateFile}.journal`) - before);
        filesAfter.push((await filesOf(objectsDir)).length);
      }
      const snapshotBytes = sizeOf(stateFile);
      const journalBytes = sizeOf(`${stateFile}.journal`);
      const state = await fetch(`${first.endpoint}/_emulator/state`);
      const stateBytes = (await state.text()).length;
      first.child.kill('SIGKILL');
      await exited(first.child);

      const second = await startServeProcess(['--state-file', stateFile]);
      const again = s3(second.endpoint);
      const verified: string[] = [];
      for (const [key, hash] of expected) {
        const got = await again.send(new GetObjectCommand({ Bucket: 'soak', Key: key }));
        const bytes = await got.Body?.transformToByteArray();
        if (bytes !== undefined && bytes.length === OBJECT_BYTES && sha256(bytes) === hash)
          verified.push(key);
      }
      // Overwriting an object leaves its old body unreferenced: the clean stop's compaction removes it.
      await again.send(new PutObjectCommand({ Bucket: 'soak', Key: 'objects/0.bin', Body: 'replaced' }));
      second.child.kill('SIGTERM');
      const code = await exited(second.child);
      const saved = JSON.parse(await readFile(stateFile, 'utf8')) as {
        services: { s3: { buckets: { name: string; objects: { sha256: string; body?: string }[] }[] } };
      };
      const soak = saved.services.s3.buckets.find((b) => b.name === 'soak');

      expect(verified).toHaveLength(OBJECTS);
      expect(state.status).toBe(200);
      expect(stateBytes).toBeLessThan(METADATA_BOUND);
      expect(snapshotBytes).toBeLessThan(METADATA_BOUND);
      expect(journalBytes).toBeLessThan(METADATA_BOUND);
      // Each upload appends one small record and adds one body file: it writes only itself.
      expect(journalGrowth.filter((n) => n <= 0 || n > 4096)).toEqual([]);
      expect(filesAfter).toEqual(Array.from({ length: OBJECTS }, (_, i) => i + 1));
      expect(code).toBe(0);
      expect(soak?.objects).toHaveLength(OBJECTS);
      expect(soak?.objects.filter((o) => o.body !== undefined)).toEqual([]);
      const live = [...new Set(saved.services.s3.buckets.flatMap((b) => b.objects.map((o) => o.sha256)))];
      expect((await filesOf(objectsDir)).sort()).toEqual(live.sort());
      expect(live).not.toContain(expected.get('objects/0.bin'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // 160 MiB up and back and two serve starts: seconds alone, longer on a busy 2-core machine.
  }, 180_000);
});
