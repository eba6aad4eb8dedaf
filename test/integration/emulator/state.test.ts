import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeSourceServersCommand,
  StartRecoveryCommand,
} from '@aws-sdk/client-drs';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateFleet, startEmulator } from '../../../src/emulator/index.js';
import { drsAccountsOf } from '../../../src/emulator/services/drs/world.js';
import {
  drsClient,
  drsMismatches,
  recordResponses,
  sessionFor,
  startTestEmulator,
} from '../../_helpers/emulator.js';

const fleet = generateFleet({ seed: 31, accounts: 1, serversPerAccount: 12 });

describe('Emulator: save and load state mid-drill', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emu-state-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('restarts from a saved file and carries on: same job, same virtual time, same session keys', async () => {
    const first = await startTestEmulator({ fleet, saveDir: dir });
    const creds = sessionFor(first, '111111111111');
    const drs = drsClient(first, creds);
    const ids = ((await drs.send(new DescribeSourceServersCommand({ maxResults: 3 }))).items ?? []).map(
      (s) => s.sourceServerID as string,
    );
    const job = await drs.send(
      new StartRecoveryCommand({
        sourceServers: ids.map((sourceServerID) => ({ sourceServerID })),
        isDrill: true,
      }),
    );
    first.clock.advance(2 * 60_000);
    const savedAt = first.clock.nowMs();
    const path = join(dir, 'state.json');
    const saved = await fetch(`${first.endpoint}/_emulator/state/save`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path }),
    });
    await first.stop();

    const second = await startEmulator({ state: path, timeScale: 0 });
    const again = drsClient(second, creds);
    const records = recordResponses(again);
    const resumed = await again.send(
      new DescribeJobsCommand({ filters: { jobIDs: [job.job?.jobID as string] } }),
    );
    second.clock.advance(3_600_000);
    const finished = await again.send(
      new DescribeJobsCommand({ filters: { jobIDs: [job.job?.jobID as string] } }),
    );
    const instances = await again.send(new DescribeRecoveryInstancesCommand({}));
    const calls = second.state.callTotal({ service: 'drs', operation: 'StartRecovery' });
    await second.stop();

    expect(saved.status).toBe(200);
    expect(second.clock.nowMs()).toBeGreaterThanOrEqual(savedAt);
    expect(resumed.items?.[0]?.status).toBe('STARTED');
    expect(finished.items?.[0]?.status).toBe('COMPLETED');
    expect(instances.items?.map((r) => r.sourceServerID).sort()).toEqual([...ids].sort());
    expect(calls).toBe(1);
    expect(drsMismatches(records)).toEqual([]);
  });

  it('gives the same results whether the clock is advanced in one jump or in small steps', async () => {
    async function run(steps: number) {
      const emu = await startTestEmulator({ fleet });
      const drs = drsClient(emu, sessionFor(emu, '111111111111'));
      const ids = ((await drs.send(new DescribeSourceServersCommand({ maxResults: 5 }))).items ?? []).map(
        (s) => s.sourceServerID as string,
      );
      await drs.send(
        new StartRecoveryCommand({
          sourceServers: ids.map((sourceServerID) => ({ sourceServerID })),
          isDrill: true,
        }),
      );
      for (let i = 0; i < steps; i++) {
        emu.clock.advance(3_600_000 / steps);
        await drs.send(new DescribeJobsCommand({}));
      }
      const out = await drs.send(new DescribeRecoveryInstancesCommand({}));
      await emu.stop();
      return out.items?.map((r) => [r.recoveryInstanceID, r.recoveryInstanceProperties?.lastUpdatedDateTime]);
    }

    const jump = await run(1);
    const steps = await run(60);

    expect(jump).toHaveLength(5);
    expect(steps).toEqual(jump);
  });

  it('saves S3 bodies beside the saved file, not in it, and a world loaded from it serves them', async () => {
    const first = await startTestEmulator({ fleet: 'demo', saveDir: dir });
    const s3 = (endpoint: string) =>
      new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: first.credentials });
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    await s3(first.endpoint).send(new CreateBucketCommand({ Bucket: 'kept' }));
    await s3(first.endpoint).send(new PutObjectCommand({ Bucket: 'kept', Key: 'a.bin', Body: body }));
    const view = await (await fetch(`${first.endpoint}/_emulator/state`)).text();
    const saved = await fetch(`${first.endpoint}/_emulator/state/save`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'world.json' }),
    });
    await first.stop();

    const second = await startEmulator({ state: join(dir, 'world.json'), timeScale: 0 });
    const got = await s3(second.endpoint).send(new GetObjectCommand({ Bucket: 'kept', Key: 'a.bin' }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    await second.stop();

    expect(saved.status).toBe(200);
    expect(view.length).toBeLessThan(body.length);
    expect((await readFile(join(dir, 'world.json'))).length).toBeLessThan(body.length);
    expect(await readdir(join(dir, 'world.json.objects'))).toHaveLength(1);
    expect(bytes.equals(body)).toBe(true);
  });

  it('serves the snapshot in-process and over /_emulator/state', async () => {
    const emu = await startTestEmulator({ fleet });
    const res = await fetch(`${emu.endpoint}/_emulator/state`);
    const body = (await res.json()) as { version: number; services: Record<string, unknown> };
    const inProcess = emu.state.toJSON();
    await emu.stop();

    expect(body.version).toBe(2);
    expect(drsAccountsOf(body).find((d) => d.servers.length === 12)).toBeDefined();
    expect(drsAccountsOf(inProcess)).toHaveLength(2);
  });
});
