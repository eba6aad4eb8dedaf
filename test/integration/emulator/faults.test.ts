import {
  DescribeJobLogItemsCommand,
  DescribeJobsCommand,
  DescribeSourceServersCommand,
  StartRecoveryCommand,
  ThrottlingException,
} from '@aws-sdk/client-drs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, FaultPlan } from '../../../src/emulator/index.js';
import { generateFleet } from '../../../src/emulator/index.js';
import {
  drsMismatches,
  type RecordedResponse,
  recordResponses,
  stagingDrs,
  startTestEmulator,
} from '../../_helpers/emulator.js';

const fleet = generateFleet({ seed: 21, accounts: 1, serversPerAccount: 10 });
const HOUR = 3_600_000;

describe('Emulator: seeded faults', () => {
  let emu: Emulator;
  const recorders: RecordedResponse[][] = [];

  afterEach(async () => {
    expect(drsMismatches(recorders.splice(0).flat())).toEqual([]);
    await emu.stop();
  });

  async function setup(faults: FaultPlan, maxAttempts = 1) {
    emu = await startTestEmulator({ fleet, faults });
    const drs = stagingDrs(emu, '111111111111', { maxAttempts });
    recorders.push(recordResponses(drs));
    return drs;
  }

  async function outcomes(send: () => Promise<unknown>, n: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++)
      out.push(
        await send().then(
          () => 'ok',
          (e: Error) => e.name,
        ),
      );
    return out;
  }

  it('throttles with ThrottlingException 429 and Retry-After', async () => {
    const drs = await setup({
      throttle: [{ service: 'drs', operation: 'DescribeJobs', probability: 1, retryAfterSeconds: 7 }],
    });

    const err = await drs.send(new DescribeJobsCommand({})).catch((e: unknown) => e);
    const other = await drs.send(new DescribeSourceServersCommand({}));

    expect(err).toBeInstanceOf(ThrottlingException);
    expect((err as ThrottlingException).$metadata.httpStatusCode).toBe(429);
    expect(recorders.flat().find((r) => r.status === 429)?.headers['retry-after']).toBe('7');
    expect(other.items).toHaveLength(10);
  });

  it('throttles the same calls for the same seed (deterministic)', async () => {
    const plan: FaultPlan = {
      seed: 9,
      throttle: [{ service: 'drs', operation: 'DescribeJobs', probability: 0.5 }],
    };
    const drs = await setup(plan);
    const first = await outcomes(() => drs.send(new DescribeJobsCommand({})), 30);
    emu.faults.set(plan);
    const second = await outcomes(() => drs.send(new DescribeJobsCommand({})), 30);

    expect(second).toEqual(first);
    expect(first.filter((o) => o === 'ThrottlingException').length).toBeGreaterThan(5);
    expect(first.filter((o) => o === 'ok').length).toBeGreaterThan(5);
  });

  it('answers a burst of 5xx errors, after which calls succeed; the SDK retries through it', async () => {
    const drs = await setup({
      errors: [{ service: 'drs', operation: 'DescribeSourceServers', status: 503, afterCalls: 1, count: 2 }],
    });
    const seen = await outcomes(() => drs.send(new DescribeSourceServersCommand({})), 4);
    emu.faults.set({ errors: [{ service: 'drs', status: 500, count: 2 }] });
    const retrying = stagingDrs(emu, '111111111111', { maxAttempts: 3 });

    const out = await retrying.send(new DescribeSourceServersCommand({}));

    expect(seen).toEqual(['ok', 'InternalServerException', 'InternalServerException', 'ok']);
    expect(out.$metadata.attempts).toBe(3);
    expect(emu.state.callTotal({ service: 'drs', operation: 'DescribeSourceServers' })).toBe(7);
  });

  it('adds latency to matching calls', async () => {
    const drs = await setup({ latency: [{ service: 'drs', operation: 'DescribeJobs', ms: 120 }] });
    const t0 = performance.now();

    await drs.send(new DescribeJobsCommand({}));

    // Lower bound only: the call cannot answer before its injected delay.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
  });

  it('fails launches of chosen servers with LAUNCH_FAILED', async () => {
    const target = fleet.accounts[1]?.sourceServers?.[0];
    emu = await startTestEmulator({ fleet });
    const drs = stagingDrs(emu);
    const id = (await drs.send(new DescribeSourceServersCommand({ maxResults: 1 }))).items?.[0]
      ?.sourceServerID as string;
    expect(target).toBeDefined();
    emu.faults.set({ launchFailures: [id] });

    const job = await drs.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }], isDrill: true }),
    );
    emu.clock.advance(HOUR);
    const done = await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [job.job?.jobID as string] } }));
    const logs = await drs.send(new DescribeJobLogItemsCommand({ jobID: job.job?.jobID }));

    expect(done.items?.[0]?.status).toBe('COMPLETED');
    expect(done.items?.[0]?.participatingServers?.[0]?.launchStatus).toBe('FAILED');
    expect(logs.items?.at(-2)?.event).toBe('LAUNCH_FAILED');
  });

  it('leaves jobs with chosen servers STARTED forever (stuck jobs)', async () => {
    emu = await startTestEmulator({ fleet });
    const drs = stagingDrs(emu);
    const id = (await drs.send(new DescribeSourceServersCommand({ maxResults: 1 }))).items?.[0]
      ?.sourceServerID as string;
    emu.faults.set({ stuckJobs: [id] });

    const job = await drs.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }], isDrill: true }),
    );
    emu.clock.advance(48 * HOUR);
    const later = await drs.send(
      new DescribeJobsCommand({ filters: { jobIDs: [job.job?.jobID as string] } }),
    );

    expect(later.items?.[0]?.status).toBe('STARTED');
    expect(later.items?.[0]?.participatingServers?.[0]?.launchStatus).toBe('IN_PROGRESS');
  });

  it('stalls replication of chosen servers: state STALLED, growing lag, launches use the newest snapshot', async () => {
    emu = await startTestEmulator({ fleet });
    const drs = stagingDrs(emu);
    recorders.push(recordResponses(drs));
    const id = (await drs.send(new DescribeSourceServersCommand({ maxResults: 1 }))).items?.[0]
      ?.sourceServerID as string;
    emu.faults.set({ stalledReplication: [{ sourceServerID: id }] });
    emu.clock.advance(HOUR);

    const server = (await drs.send(new DescribeSourceServersCommand({ filters: { sourceServerIDs: [id] } })))
      .items?.[0];
    const job = await drs.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }], isDrill: true }),
    );
    emu.clock.advance(HOUR);
    const done = await drs.send(new DescribeJobsCommand({ filters: { jobIDs: [job.job?.jobID as string] } }));

    expect(server?.dataReplicationInfo?.dataReplicationState).toBe('STALLED');
    expect(server?.dataReplicationInfo?.lagDuration).toMatch(/^PT1H/);
    expect(server?.dataReplicationInfo?.dataReplicationError?.error).toBe('UNSTABLE_NETWORK');
    const log = await drs.send(new DescribeJobLogItemsCommand({ jobID: job.job?.jobID as string }));
    expect(done.items?.[0]?.participatingServers?.[0]?.launchStatus).toBe('LAUNCHED');
    expect(log.items?.map((l) => l.event)).toContain('USING_PREVIOUS_SNAPSHOT');
  });

  it('changes the plan at run time through /_emulator/faults', async () => {
    const drs = await setup({});
    const before = await drs.send(new DescribeJobsCommand({})).then(() => 'ok');

    const res = await fetch(`${emu.endpoint}/_emulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ throttle: [{ service: 'drs', probability: 1 }] }),
    });
    const after = await drs.send(new DescribeJobsCommand({})).catch((e: Error) => e.name);
    const bad = await fetch(`${emu.endpoint}/_emulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ throttle: [{ probability: 2 }] }),
    });

    expect(before).toBe('ok');
    expect(res.status).toBe(200);
    expect(after).toBe('ThrottlingException');
    expect(bad.status).toBe(400);
  });
});
