import {
  ConflictException,
  DescribeJobsCommand,
  DescribeSourceServersCommand,
  ListTagsForResourceCommand,
  ServiceQuotaExceededException,
  StartRecoveryCommand,
} from '@aws-sdk/client-drs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, Fleet } from '../../../src/emulator/index.js';
import { generateFleet } from '../../../src/emulator/index.js';
import {
  drsClient,
  drsMismatches,
  type RecordedResponse,
  recordResponses,
  stagingDrs,
  startTestEmulator,
} from '../../_helpers/emulator.js';

function withQuotas(quotas: Record<string, number>): Fleet {
  const base = generateFleet({ seed: 3, accounts: 2, serversPerAccount: 30 });
  return {
    ...base,
    accounts: base.accounts.map((a) => (a.accountId === '111111111111' ? { ...a, quotas } : a)),
  };
}

describe('Emulator: DRS limits, conflicts and account isolation', () => {
  let emu: Emulator;
  const recorders: RecordedResponse[][] = [];

  afterEach(async () => {
    expect(drsMismatches(recorders.splice(0).flat())).toEqual([]);
    await emu.stop();
  });

  async function setup(fleet: Fleet) {
    emu = await startTestEmulator({ fleet });
    const drs = stagingDrs(emu);
    recorders.push(recordResponses(drs));
    const ids = ((await drs.send(new DescribeSourceServersCommand({}))).items ?? []).map(
      (s) => s.sourceServerID as string,
    );
    return { drs, ids };
  }

  const one = (id: string | undefined) => [{ sourceServerID: id }];

  it('refuses a job with more servers than the per-job quota with ServiceQuotaExceededException 402', async () => {
    const { drs, ids } = await setup(withQuotas({ serversPerJob: 5 }));

    const err = await drs
      .send(
        new StartRecoveryCommand({
          sourceServers: ids.slice(0, 6).map((sourceServerID) => ({ sourceServerID })),
        }),
      )
      .catch((e: unknown) => e);
    const ok = await drs.send(
      new StartRecoveryCommand({
        sourceServers: ids.slice(0, 5).map((sourceServerID) => ({ sourceServerID })),
      }),
    );

    expect(err).toBeInstanceOf(ServiceQuotaExceededException);
    expect((err as ServiceQuotaExceededException).$metadata.httpStatusCode).toBe(402);
    expect((err as ServiceQuotaExceededException).quotaCode).toBe('L-B827C881');
    expect(ok.job?.participatingServers).toHaveLength(5);
  });

  it('defaults to 100 servers per job', async () => {
    const fleet = generateFleet({ seed: 4, accounts: 1, serversPerAccount: 101 });
    const { drs, ids } = await setup(fleet);

    const err = await drs
      .send(new StartRecoveryCommand({ sourceServers: ids.map((sourceServerID) => ({ sourceServerID })) }))
      .catch((e: unknown) => e);

    expect((err as ServiceQuotaExceededException).quotaCode).toBe('L-B827C881');
  });

  it('refuses more concurrent jobs than the quota, and accepts again once a job completes', async () => {
    const { drs, ids } = await setup(withQuotas({ concurrentJobs: 2 }));
    await drs.send(new StartRecoveryCommand({ sourceServers: one(ids[0]), isDrill: true }));
    await drs.send(new StartRecoveryCommand({ sourceServers: one(ids[1]), isDrill: true }));

    const err = await drs
      .send(new StartRecoveryCommand({ sourceServers: one(ids[2]), isDrill: true }))
      .catch((e: unknown) => e);
    emu.clock.advance(2 * 3_600_000);
    const later = await drs.send(new StartRecoveryCommand({ sourceServers: one(ids[2]), isDrill: true }));

    expect((err as ServiceQuotaExceededException).quotaCode).toBe('L-D88FAC3A');
    expect(later.job?.status).toBe('PENDING');
  });

  it('refuses more servers in all active jobs than the quota', async () => {
    const { drs, ids } = await setup(withQuotas({ serversInAllActiveJobs: 4 }));
    await drs.send(
      new StartRecoveryCommand({
        sourceServers: ids.slice(0, 3).map((sourceServerID) => ({ sourceServerID })),
      }),
    );

    const err = await drs
      .send(
        new StartRecoveryCommand({
          sourceServers: ids.slice(3, 5).map((sourceServerID) => ({ sourceServerID })),
        }),
      )
      .catch((e: unknown) => e);

    expect((err as ServiceQuotaExceededException).quotaCode).toBe('L-05AFA8C6');
  });

  it('allows one active job per source server (ConflictException 409)', async () => {
    const { drs, ids } = await setup(generateFleet({ seed: 3, accounts: 1, serversPerAccount: 5 }));
    await drs.send(new StartRecoveryCommand({ sourceServers: one(ids[0]), isDrill: true }));

    const err = await drs
      .send(new StartRecoveryCommand({ sourceServers: one(ids[0]), isDrill: true }))
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ConflictException);
    expect((err as ConflictException).$metadata.httpStatusCode).toBe(409);
    expect((err as ConflictException).resourceId).toBe(ids[0]);
  });

  it('shows each account only its own servers, jobs and tags', async () => {
    const { drs, ids } = await setup(generateFleet({ seed: 8, accounts: 2, serversPerAccount: 12 }));
    const other = stagingDrs(emu, '222222222222');
    const root = drsClient(emu, emu.credentials, { region: 'us-east-1' });
    recorders.push(recordResponses(other), recordResponses(root));
    const job = await drs.send(new StartRecoveryCommand({ sourceServers: one(ids[0]), isDrill: true }));

    const theirs = await other.send(new DescribeSourceServersCommand({}));
    const theirJobs = await other.send(new DescribeJobsCommand({}));
    const foreignTag = await other
      .send(
        new ListTagsForResourceCommand({
          resourceArn: `arn:aws:drs:us-east-2:111111111111:source-server/${ids[0]}`,
        }),
      )
      .catch((e: unknown) => e);
    const foreignLaunch = await other.send(new StartRecoveryCommand({ sourceServers: one(ids[1]) }));
    const orchestrator = await root.send(new DescribeSourceServersCommand({}));

    expect(theirs.items).toHaveLength(12);
    expect(theirs.items?.some((s) => ids.includes(s.sourceServerID as string))).toBe(false);
    expect(theirs.items?.every((s) => s.arn?.includes(':222222222222:'))).toBe(true);
    expect(theirJobs.items?.map((j) => j.jobID)).not.toContain(job.job?.jobID);
    expect((foreignTag as Error).name).toBe('ResourceNotFoundException');
    expect(foreignLaunch.job?.participatingServers).toEqual([]);
    expect(orchestrator.items).toEqual([]);
  });
});
