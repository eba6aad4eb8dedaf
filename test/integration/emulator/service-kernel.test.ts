/**
 * The service kernel every emulated service runs through: one paginator whose tokens survive
 * items added between pages, a request body cap answered with AWS's error, and malformed bodies
 * answered 4xx (never a 5xx that clients would retry).
 */
import {
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeSourceServersCommand,
  type DrsClient,
  StartRecoveryCommand,
  TerminateRecoveryInstancesCommand,
} from '@aws-sdk/client-drs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../../src/emulator/index.js';
import { generateFleet } from '../../../src/emulator/index.js';
import { sessionFor, signedFetch, stagingDrs, startTestEmulator } from '../../_helpers/emulator.js';

const fleet = generateFleet({ seed: 7, accounts: 2, serversPerAccount: 12, notContinuous: 0 });
const STAGING = '111111111111';

describe('Emulator service kernel', () => {
  let emu: Emulator;
  let drs: DrsClient;

  beforeEach(async () => {
    emu = await startTestEmulator({ fleet, bodyLimits: { api: 64 * 1024, objects: 128 * 1024 } });
    drs = stagingDrs(emu);
  });
  afterEach(async () => {
    await emu.stop();
  });

  async function serverIds(): Promise<string[]> {
    const out = await drs.send(new DescribeSourceServersCommand({}));
    return (out.items ?? []).map((s) => s.sourceServerID as string);
  }

  async function startJob(id: string): Promise<string> {
    const out = await drs.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }], isDrill: true }),
    );
    return out.job?.jobID as string;
  }

  it('DescribeJobs: a job started between two page calls neither repeats nor hides an item', async () => {
    const ids = await serverIds();
    const older = [
      await startJob(ids[0] as string),
      await startJob(ids[1] as string),
      await startJob(ids[2] as string),
    ];
    const first = await drs.send(new DescribeJobsCommand({ maxResults: 2 }));
    expect(first.items?.map((j) => j.jobID)).toEqual([older[2], older[1]]);

    await startJob(ids[3] as string);
    const second = await drs.send(
      new DescribeJobsCommand({ maxResults: 2, nextToken: first.nextToken as string }),
    );

    expect(second.items?.map((j) => j.jobID)).toEqual([older[0]]);
    expect(second.nextToken).toBeUndefined();
  });

  it('DescribeRecoveryInstances: an instance terminated between two page calls skips nothing after it', async () => {
    const ids = (await serverIds()).slice(0, 4);
    await drs.send(
      new StartRecoveryCommand({
        sourceServers: ids.map((sourceServerID) => ({ sourceServerID })),
        isDrill: true,
      }),
    );
    emu.clock.advance(3 * 3_600_000);
    const all = await drs.send(new DescribeRecoveryInstancesCommand({}));
    const order = (all.items ?? []).map((r) => r.recoveryInstanceID as string);
    expect(order).toHaveLength(4);

    const first = await drs.send(new DescribeRecoveryInstancesCommand({ maxResults: 2 }));
    expect(first.items?.map((r) => r.recoveryInstanceID)).toEqual(order.slice(0, 2));
    await drs.send(new TerminateRecoveryInstancesCommand({ recoveryInstanceIDs: [order[0] as string] }));
    emu.clock.advance(3_600_000);
    const second = await drs.send(
      new DescribeRecoveryInstancesCommand({ maxResults: 2, nextToken: first.nextToken as string }),
    );

    expect(second.items?.map((r) => r.recoveryInstanceID)).toEqual(order.slice(2, 4));
  });

  it('answers a deeply nested DRS body with a 400 ValidationException (cannotParse), not a 500 with Retry-After', async () => {
    const body = `{"filters":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;

    const res = await signedFetch(emu, sessionFor(emu, STAGING), { path: '/DescribeJobs', body });

    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(res.headers['retry-after']).toBeUndefined();
    expect(JSON.parse(res.body)).toMatchObject({ reason: 'cannotParse' });
  });

  it('answers a deeply nested JSON-protocol body with SerializationException (400)', async () => {
    const body = `{"Name":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`;

    const res = await signedFetch(emu, emu.credentials, {
      path: '/',
      body,
      service: 'ssm',
      region: 'us-east-1',
      headers: { 'x-amz-target': 'AmazonSSM.GetParameter', 'content-type': 'application/x-amz-json-1.1' },
    });

    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ __type: 'SerializationException' });
  });

  it('refuses a DRS body over the cap with 413 RequestEntityTooLargeException without buffering it', async () => {
    const body = JSON.stringify({ filters: { jobIDs: [] }, pad: 'x'.repeat(70 * 1024) });

    const res = await signedFetch(emu, sessionFor(emu, STAGING), { path: '/DescribeJobs', body });

    expect(res.status).toBe(413);
    expect(res.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
    expect(JSON.parse(res.body).message).toContain(`${64 * 1024} bytes`);
  });

  it('refuses an S3 object over the cap with EntityTooLarge', async () => {
    const res = await signedFetch(emu, emu.credentials, {
      method: 'PUT',
      path: `/drs-orchestration-results-${fleet.orchestratorAccountId ?? '123456789012'}/big.bin`,
      body: 'x'.repeat(130 * 1024),
      service: 's3',
      region: 'us-east-1',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });

    expect(res.status).toBe(400);
    expect(res.body).toContain('<Code>EntityTooLarge</Code>');
    expect(res.body).toContain(`<MaxSizeAllowed>${128 * 1024}</MaxSizeAllowed>`);
  });

  it('gives the S3 body cap only to a signature that held: a forged, unsigned or unknown-key S3 upload is refused as such, not measured against it', async () => {
    const bucket = `/drs-orchestration-results-${fleet.orchestratorAccountId ?? '123456789012'}`;
    const upload = (
      credentials: { accessKeyId: string; secretAccessKey: string },
      key: string,
      size: number,
    ) =>
      signedFetch(emu, credentials, {
        method: 'PUT',
        path: `${bucket}/${key}`,
        body: 'x'.repeat(size),
        service: 's3',
        region: 'us-east-1',
        headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      });
    // Over the S3 cap of this emulator (128 KiB): only a verified caller learns about the cap.
    const forged = await upload(
      { accessKeyId: 'test', secretAccessKey: 'not-the-secret' },
      'f.bin',
      130 * 1024,
    );
    const unknown = await upload({ accessKeyId: 'AKIANOTAKEY', secretAccessKey: 'x' }, 'u.bin', 130 * 1024);
    const unsigned = await fetch(`${emu.endpoint}${bucket}/n.bin`, {
      method: 'PUT',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      body: 'x'.repeat(130 * 1024),
    });
    // Between the API cap (64 KiB) and the S3 cap: a verified upload is stored.
    const verified = await upload(emu.credentials, 'ok.bin', 100 * 1024);
    const tooBig = await upload(emu.credentials, 'big.bin', 130 * 1024);

    expect([forged.status, unknown.status, unsigned.status]).toEqual([403, 403, 403]);
    expect(forged.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(unknown.body).toContain('<Code>InvalidAccessKeyId</Code>');
    expect(await unsigned.text()).toContain('<Code>AccessDenied</Code>');
    expect(verified.status).toBe(200);
    expect(tooBig.status).toBe(400);
    expect(tooBig.body).toContain('<Code>EntityTooLarge</Code>');
  });
});
