import {
  DescribeJobLogItemsCommand,
  DescribeJobsCommand,
  DescribeRecoveryInstancesCommand,
  DescribeRecoverySnapshotsCommand,
  DescribeSourceServersCommand,
  type DrsClient,
  ListTagsForResourceCommand,
  paginateDescribeSourceServers,
  ReverseReplicationCommand,
  StartFailbackLaunchCommand,
  StartRecoveryCommand,
  TagResourceCommand,
  TerminateRecoveryInstancesCommand,
  UntagResourceCommand,
  ValidationException,
} from '@aws-sdk/client-drs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../../src/emulator/index.js';
import { generateFleet } from '../../../src/emulator/index.js';
import {
  continuousServers,
  drsMismatches,
  type RecordedResponse,
  recordResponses,
  stagingDrs,
  startTestEmulator,
} from '../../_helpers/emulator.js';

const HOUR = 3_600_000;
const fleet = generateFleet({ seed: 11, accounts: 2, serversPerAccount: 40, notContinuous: 2 });

describe('Emulator: DRS operations through @aws-sdk/client-drs', () => {
  let emu: Emulator;
  let drs: DrsClient;
  let records: RecordedResponse[];

  beforeEach(async () => {
    emu = await startTestEmulator({ fleet });
    drs = stagingDrs(emu);
    records = recordResponses(drs);
  });

  afterEach(async () => {
    expect(drsMismatches(records)).toEqual([]);
    await emu.stop();
  });

  const continuousIds = (n: number): Promise<string[]> => continuousServers(drs, n);

  it('lists the account servers with tags, hostname, replication state and lifecycle', async () => {
    const out = await drs.send(new DescribeSourceServersCommand({}));

    expect(out.items).toHaveLength(40);
    const s = out.items?.[0];
    expect(s?.sourceServerID).toMatch(/^s-[0-9a-zA-Z]{17}$/);
    expect(s?.arn).toBe(`arn:aws:drs:us-east-2:111111111111:source-server/${s?.sourceServerID}`);
    expect(s?.tags?.['DR-Wave']).toMatch(/^[1-4]$/);
    expect(s?.sourceProperties?.identificationHints?.hostname).toBe(s?.tags?.Name);
    expect(s?.sourceProperties?.networkInterfaces?.[0]?.ips?.[0]).toMatch(/^10\./);
    expect(s?.lifeCycle?.lastSeenByServiceDateTime).toBe('2025-01-06T09:00:00.000Z');
    expect(s?.lastLaunchResult).toBe('NOT_STARTED');
    const states = (out.items ?? []).map((x) => x.dataReplicationInfo?.dataReplicationState);
    const expected = fleet.accounts
      .find((a) => a.accountId === '111111111111')
      ?.sourceServers?.filter((x) => (x.replicationState ?? 'CONTINUOUS') !== 'CONTINUOUS').length;
    expect(expected).toBeGreaterThan(0);
    expect(states.filter((x) => x !== 'CONTINUOUS')).toHaveLength(expected ?? -1);
  });

  it('pages DescribeSourceServers with maxResults/nextToken and the SDK paginator', async () => {
    const first = await drs.send(new DescribeSourceServersCommand({ maxResults: 15 }));
    const second = await drs.send(
      new DescribeSourceServersCommand({ maxResults: 15, nextToken: first.nextToken as string }),
    );
    const ids: string[] = [];
    for await (const page of paginateDescribeSourceServers({ client: drs, pageSize: 7 }, {})) {
      ids.push(...(page.items ?? []).map((s) => s.sourceServerID as string));
    }

    expect(first.items).toHaveLength(15);
    expect(first.nextToken).toBeTypeOf('string');
    expect(second.items?.[0]?.sourceServerID).not.toBe(first.items?.[0]?.sourceServerID);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
  });

  it('rejects a forged pagination token with ValidationException', async () => {
    const err = await drs
      .send(new DescribeSourceServersCommand({ nextToken: 'not-a-token' }))
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ValidationException);
    expect((err as ValidationException).reason).toBe('fieldValidationFailed');
    expect((err as ValidationException).fieldList?.[0]?.name).toBe('nextToken');
    expect((err as ValidationException).$metadata.httpStatusCode).toBe(400);
  });

  it('filters DescribeSourceServers by sourceServerIDs', async () => {
    const ids = await continuousIds(3);

    const out = await drs.send(new DescribeSourceServersCommand({ filters: { sourceServerIDs: ids } }));

    expect(out.items?.map((s) => s.sourceServerID).sort()).toEqual([...ids].sort());
  });

  it('runs a drill: StartRecovery answers 202, the job goes PENDING -> STARTED -> COMPLETED with instances', async () => {
    const ids = await continuousIds(3);

    const started = await drs.send(
      new StartRecoveryCommand({
        sourceServers: ids.map((sourceServerID) => ({ sourceServerID })),
        isDrill: true,
        tags: { 'DR-CorrelationId': 'c-1' },
      }),
    );
    const jobID = started.job?.jobID as string;
    const pending = started.job?.status;
    emu.clock.advance(60_000);
    const early = await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [jobID] } }));
    emu.clock.advance(HOUR);
    const done = await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [jobID] } }));
    const instances = await drs.send(
      new DescribeRecoveryInstancesCommand({ filters: { sourceServerIDs: ids } }),
    );
    const servers = await drs.send(new DescribeSourceServersCommand({ filters: { sourceServerIDs: ids } }));

    expect(started.$metadata.httpStatusCode).toBe(202);
    expect(jobID).toMatch(/^drsjob-[0-9a-zA-Z]{17}$/);
    expect(pending).toBe('PENDING');
    expect(started.job?.initiatedBy).toBe('START_DRILL');
    expect(started.job?.tags).toEqual({ 'DR-CorrelationId': 'c-1' });
    expect(early.items?.[0]?.status).toBe('STARTED');
    expect(early.items?.[0]?.participatingServers?.every((p) => p.launchStatus === 'IN_PROGRESS')).toBe(true);
    const job = done.items?.[0];
    expect(job?.status).toBe('COMPLETED');
    expect(job?.endDateTime).toBeTypeOf('string');
    expect(job?.participatingServers?.map((p) => p.launchStatus)).toEqual([
      'LAUNCHED',
      'LAUNCHED',
      'LAUNCHED',
    ]);
    expect(instances.items).toHaveLength(3);
    for (const r of instances.items ?? []) {
      expect(r.recoveryInstanceID).toMatch(/^i-[0-9a-f]{17}$/);
      expect(r.ec2InstanceID).toBe(r.recoveryInstanceID);
      expect(r.ec2InstanceState).toBe('RUNNING');
      expect(r.isDrill).toBe(true);
      expect(r.jobID).toBe(jobID);
      expect(r.recoveryInstanceProperties?.networkInterfaces?.[0]?.ips?.[0]).toMatch(/^10\./);
      expect(r.pointInTimeSnapshotDateTime).toBeTypeOf('string');
      const source = servers.items?.find((s) => s.sourceServerID === r.sourceServerID);
      expect(r.tags).toEqual(source?.tags);
    }
    for (const s of servers.items ?? []) {
      expect(s.lifeCycle?.lastLaunch?.initiated?.jobID).toBe(jobID);
      expect(s.lifeCycle?.lastLaunch?.initiated?.type).toBe('DRILL');
      expect(s.lifeCycle?.lastLaunch?.status).toBe('LAUNCHED');
      expect(s.lastLaunchResult).toBe('SUCCEEDED');
      expect(s.recoveryInstanceId).toMatch(/^i-/);
    }
  });

  it('takes several minutes to ~45 minutes of virtual time per server', async () => {
    const ids = await continuousIds(20);
    const started = await drs.send(
      new StartRecoveryCommand({
        sourceServers: ids.map((sourceServerID) => ({ sourceServerID })),
        isDrill: true,
      }),
    );
    const jobID = started.job?.jobID as string;

    emu.clock.advance(3 * 60_000);
    const at3 = await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [jobID] } }));
    emu.clock.advance(47 * 60_000);
    const at50 = await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [jobID] } }));

    expect(at3.items?.[0]?.participatingServers?.filter((p) => p.launchStatus === 'LAUNCHED')).toHaveLength(
      0,
    );
    expect(at50.items?.[0]?.status).toBe('COMPLETED');
  });

  it('writes job log items JOB_START, SNAPSHOT_*, CONVERSION_*, LAUNCH_START, JOB_END in time order', async () => {
    const [id] = await continuousIds(1);
    const started = await drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }] }));
    emu.clock.advance(HOUR);

    const logs = await drs.send(new DescribeJobLogItemsCommand({ jobID: started.job?.jobID }));
    const paged = await drs.send(
      new DescribeJobLogItemsCommand({ jobID: started.job?.jobID, maxResults: 2 }),
    );

    expect(logs.items?.map((l) => l.event)).toEqual([
      'JOB_START',
      'SNAPSHOT_START',
      'SNAPSHOT_END',
      'CONVERSION_START',
      'CONVERSION_END',
      'LAUNCH_START',
      'JOB_END',
    ]);
    const times = (logs.items ?? []).map((l) => Date.parse(l.logDateTime as string));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(paged.items).toHaveLength(2);
    expect(paged.nextToken).toBeTypeOf('string');
  });

  it('fails servers without a recovery point (DISCONNECTED, INITIAL_SYNC) with USING_PREVIOUS_SNAPSHOT_FAILED', async () => {
    const all = await drs.send(new DescribeSourceServersCommand({}));
    const bad = all.items?.find((s) =>
      ['DISCONNECTED', 'INITIAL_SYNC'].includes(s.dataReplicationInfo?.dataReplicationState ?? ''),
    );
    const started = await drs.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: bad?.sourceServerID }], isDrill: true }),
    );
    emu.clock.advance(HOUR);

    const job = await drs.send(
      new DescribeJobsCommand({ filters: { jobIDs: [started.job?.jobID as string] } }),
    );
    const logs = await drs.send(new DescribeJobLogItemsCommand({ jobID: started.job?.jobID }));
    const server = await drs.send(
      new DescribeSourceServersCommand({ filters: { sourceServerIDs: [bad?.sourceServerID as string] } }),
    );

    expect(job.items?.[0]?.participatingServers?.[0]?.launchStatus).toBe('FAILED');
    expect(logs.items?.map((l) => l.event)).toContain('USING_PREVIOUS_SNAPSHOT_FAILED');
    expect(server.items?.[0]?.lastLaunchResult).toBe('FAILED');
    expect(server.items?.[0]?.recoveryInstanceId).toBeUndefined();
  });

  it('skips unknown source servers with SERVER_SKIPPED', async () => {
    const started = await drs.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: 's-00000000000000000' }] }),
    );
    emu.clock.advance(HOUR);
    const logs = await drs.send(new DescribeJobLogItemsCommand({ jobID: started.job?.jobID }));

    expect(started.job?.participatingServers).toEqual([]);
    expect(logs.items?.map((l) => l.event)).toContain('SERVER_SKIPPED');
  });

  it('terminates recovery instances with a TERMINATE job; they disappear once it ends', async () => {
    const ids = await continuousIds(2);
    await drs.send(
      new StartRecoveryCommand({
        sourceServers: ids.map((sourceServerID) => ({ sourceServerID })),
        isDrill: true,
      }),
    );
    emu.clock.advance(HOUR);
    const before = await drs.send(new DescribeRecoveryInstancesCommand({}));
    const instanceIds = (before.items ?? []).map((r) => r.recoveryInstanceID as string);

    const term = await drs.send(new TerminateRecoveryInstancesCommand({ recoveryInstanceIDs: instanceIds }));
    const during = await drs.send(new DescribeRecoveryInstancesCommand({}));
    emu.clock.advance(HOUR);
    const after = await drs.send(new DescribeRecoveryInstancesCommand({}));
    const job = await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [term.job?.jobID as string] } }));
    const servers = await drs.send(new DescribeSourceServersCommand({ filters: { sourceServerIDs: ids } }));

    expect(term.$metadata.httpStatusCode).toBe(200);
    expect(term.job?.type).toBe('TERMINATE');
    expect(term.job?.initiatedBy).toBe('TERMINATE_RECOVERY_INSTANCES');
    expect(during.items).toHaveLength(2);
    expect(after.items).toEqual([]);
    expect(job.items?.[0]?.status).toBe('COMPLETED');
    expect(job.items?.[0]?.participatingServers?.map((p) => p.launchStatus)).toEqual([
      'TERMINATED',
      'TERMINATED',
    ]);
    expect(servers.items?.map((s) => s.lifeCycle?.lastLaunch?.status)).toEqual(['TERMINATED', 'TERMINATED']);
    expect(servers.items?.every((s) => s.recoveryInstanceId === undefined)).toBe(true);
  });

  it('fails back: a recovery instance becomes FAILBACK_READY_FOR_LAUNCH, then IN_PROGRESS, then COMPLETED', async () => {
    const [id] = await continuousIds(1);
    await drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }], isDrill: false }));
    emu.clock.advance(HOUR);
    const launched = await drs.send(new DescribeRecoveryInstancesCommand({}));
    const instance = launched.items?.[0];
    const rid = instance?.recoveryInstanceID as string;
    const tooEarly =
      instance?.failback?.state === 'FAILBACK_READY_FOR_LAUNCH'
        ? undefined
        : await drs
            .send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [rid] }))
            .catch((e: unknown) => e);
    emu.clock.advance(2 * HOUR);
    const ready = await drs.send(
      new DescribeRecoveryInstancesCommand({ filters: { recoveryInstanceIDs: [rid] } }),
    );

    const fb = await drs.send(
      new StartFailbackLaunchCommand({ recoveryInstanceIDs: [rid], tags: { k: 'v' } }),
    );
    const during = await drs.send(
      new DescribeRecoveryInstancesCommand({ filters: { recoveryInstanceIDs: [rid] } }),
    );
    emu.clock.advance(HOUR);
    const after = await drs.send(
      new DescribeRecoveryInstancesCommand({ filters: { recoveryInstanceIDs: [rid] } }),
    );

    expect(instance?.isDrill).toBe(false);
    if (tooEarly !== undefined) expect((tooEarly as Error).name).toBe('ConflictException');
    expect(ready.items?.[0]?.failback?.state).toBe('FAILBACK_READY_FOR_LAUNCH');
    expect(fb.job?.initiatedBy).toBe('FAILBACK');
    expect(during.items?.[0]?.failback?.state).toBe('FAILBACK_IN_PROGRESS');
    expect(during.items?.[0]?.failback?.failbackJobID).toBe(fb.job?.jobID);
    expect(after.items?.[0]?.failback?.state).toBe('FAILBACK_COMPLETED');
  });

  it('refuses StartFailbackLaunch for a drill instance (never ready) with ConflictException 409', async () => {
    const [id] = await continuousIds(1);
    await drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }], isDrill: true }));
    emu.clock.advance(5 * HOUR);
    const rid = (await drs.send(new DescribeRecoveryInstancesCommand({}))).items?.[0]
      ?.recoveryInstanceID as string;

    const err = await drs
      .send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: [rid] }))
      .catch((e: unknown) => e);

    expect((err as Error).name).toBe('ConflictException');
    expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(409);
  });

  it('sets a failback state through the emulator control', async () => {
    const [id] = await continuousIds(1);
    await drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }] }));
    emu.clock.advance(HOUR);
    const rid = (await drs.send(new DescribeRecoveryInstancesCommand({}))).items?.[0]
      ?.recoveryInstanceID as string;

    const res = await fetch(`${emu.endpoint}/_emulator/failback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountId: '111111111111', recoveryInstanceID: rid, state: 'FAILBACK_ERROR' }),
    });
    const out = await drs.send(
      new DescribeRecoveryInstancesCommand({ filters: { recoveryInstanceIDs: [rid] } }),
    );

    expect(res.status).toBe(200);
    expect(out.items?.[0]?.failback?.state).toBe('FAILBACK_ERROR');
  });

  it('rejects ReverseReplication of an on-premises instance and answers 404 for an unknown one', async () => {
    const [id] = await continuousIds(1);
    await drs.send(new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }] }));
    emu.clock.advance(HOUR);
    const rid = (await drs.send(new DescribeRecoveryInstancesCommand({}))).items?.[0]
      ?.recoveryInstanceID as string;

    const onPrem = await drs
      .send(new ReverseReplicationCommand({ recoveryInstanceID: rid }))
      .catch((e: unknown) => e);
    const unknown = await drs
      .send(new ReverseReplicationCommand({ recoveryInstanceID: 'i-0123456789abcdef0' }))
      .catch((e: unknown) => e);

    expect((onPrem as Error).name).toBe('ValidationException');
    expect((unknown as Error).name).toBe('ResourceNotFoundException');
  });

  it('lists recovery snapshots and launches from a chosen point in time', async () => {
    const [id] = await continuousIds(1);
    const asc = await drs.send(new DescribeRecoverySnapshotsCommand({ sourceServerID: id }));
    const desc = await drs.send(
      new DescribeRecoverySnapshotsCommand({ sourceServerID: id, order: 'DESC', maxResults: 3 }),
    );
    const pit = asc.items?.[0];

    const started = await drs.send(
      new StartRecoveryCommand({
        sourceServers: [{ sourceServerID: id, recoverySnapshotID: pit?.snapshotID as string }],
        isDrill: true,
      }),
    );
    emu.clock.advance(HOUR);
    const instance = (await drs.send(new DescribeRecoveryInstancesCommand({}))).items?.[0];
    const logs = await drs.send(new DescribeJobLogItemsCommand({ jobID: started.job?.jobID }));

    expect(asc.items?.length).toBeGreaterThan(10);
    expect(pit?.snapshotID).toMatch(/^pit-[0-9a-zA-Z]{17}$/);
    expect(desc.items).toHaveLength(3);
    expect(desc.items?.[0]?.snapshotID).toBe(asc.items?.at(-1)?.snapshotID);
    expect(instance?.pointInTimeSnapshotDateTime).toBe(pit?.timestamp);
    expect(logs.items?.map((l) => l.event)).toContain('USING_PREVIOUS_SNAPSHOT');
  });

  it('tags, lists and untags source servers, jobs and recovery instances', async () => {
    const [id] = await continuousIds(1);
    const arn = `arn:aws:drs:us-east-2:111111111111:source-server/${id}`;

    await drs.send(new TagResourceCommand({ resourceArn: arn, tags: { Owner: 'dr-team', 'DR-Wave': '9' } }));
    const tagged = await drs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    await drs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['Owner'] }));
    const untagged = await drs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    const server = await drs.send(
      new DescribeSourceServersCommand({ filters: { sourceServerIDs: [id as string] } }),
    );
    const job = await drs.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }], isDrill: true }),
    );
    await drs.send(new TagResourceCommand({ resourceArn: job.job?.arn, tags: { x: '1' } }));
    const jobTags = await drs.send(new ListTagsForResourceCommand({ resourceArn: job.job?.arn }));
    const missing = await drs
      .send(
        new ListTagsForResourceCommand({
          resourceArn: 'arn:aws:drs:us-east-2:111111111111:source-server/s-00000000000000000',
        }),
      )
      .catch((e: unknown) => e);

    expect(tagged.tags?.Owner).toBe('dr-team');
    expect(untagged.tags?.Owner).toBeUndefined();
    expect(server.items?.[0]?.tags?.['DR-Wave']).toBe('9');
    expect(jobTags.tags).toEqual({ x: '1' });
    expect((missing as Error).name).toBe('ResourceNotFoundException');
  });

  it('filters DescribeJobs by date and returns newest first', async () => {
    const ids = await continuousIds(2);
    const a = await drs.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: ids[0] }], isDrill: true }),
    );
    emu.clock.advance(HOUR);
    const b = await drs.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: ids[1] }], isDrill: true }),
    );

    const all = await drs.send(new DescribeJobsCommand({}));
    const recent = await drs.send(new DescribeJobsCommand({ filters: { fromDate: '2025-01-06T09:30:00Z' } }));

    expect(all.items?.map((j) => j.jobID)).toEqual([b.job?.jobID, a.job?.jobID]);
    expect(recent.items?.map((j) => j.jobID)).toEqual([b.job?.jobID]);
  });

  it('answers UninitializedAccountException in a region where the account has no DRS', async () => {
    const { drsClient, sessionFor } = await import('../../_helpers/emulator.js');
    const other = drsClient(emu, sessionFor(emu, '111111111111'), { region: 'eu-west-1' });
    const otherRecords = recordResponses(other);

    const err = await other.send(new DescribeSourceServersCommand({})).catch((e: unknown) => e);
    records.push(...otherRecords);

    expect((err as Error).name).toBe('UninitializedAccountException');
  });
});
