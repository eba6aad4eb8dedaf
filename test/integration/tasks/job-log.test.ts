/**
 * A recovery job's log as the run keeps it for the evidence report: read once per job when it ends
 * (DescribeJobLogItems through the real SDK), its notable items on
 * `stagingAccountResults[].jobs[].logEvents` at DRS's own times, at most 20 a job with the rest counted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { assertOrchestrationOutput } from '../../../src/contract/index.js';
import { MAX_LOG_EVENTS_PER_JOB } from '../../../src/core/model.js';
import { isNotableLogEvent } from '../../../src/tasks/shared.js';
import {
  drsCallsByOperation,
  runOrchestration,
  server,
  smallFleet,
  startWorld,
  type World,
} from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

/** What the job log of `jobId` in `accountId` holds that the run should keep, as DRS logged it. */
function expectedLog(w: World, accountId: string, jobId: string) {
  const notable = (w.emu.drs.account(accountId)?.job(jobId)?.events ?? [])
    .filter((e) => isNotableLogEvent(e.event))
    .map((e) => ({
      event: e.event,
      time: new Date(e.atMs).toISOString(),
      ...(e.sourceServerID ? { sourceServerID: e.sourceServerID } : {}),
    }));
  return { notable, kept: notable.slice(0, MAX_LOG_EVENTS_PER_JOB) };
}

describe('the job log of a recovery job, kept with the job', () => {
  it('keeps LAUNCH_FAILED and a stalled server SNAPSHOT_FAIL and USING_PREVIOUS_SNAPSHOT at their job log times, one DescribeJobLogItems per job', async () => {
    const tags = { App: 'mix' };
    const fleet = smallFleet({
      '111111111111': [
        server(1, 1, tags),
        server(1, 2, tags),
        server(1, 3, tags, { replicationState: 'STALLED' }),
      ],
    });
    world = await startWorld({ fleet, faults: { launchFailures: ['s-10000000000000002'] } });

    const run = await runOrchestration(world, {
      action: 'drill',
      tags,
      options: { continueOnFailure: true },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    const jobs = out.stagingAccountResults.flatMap((a) => (a.jobs ?? []).map((j) => ({ a, j })));
    expect(jobs.length).toBeGreaterThan(0);
    const events = jobs.flatMap(({ j }) => j.logEvents ?? []);
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: 'LAUNCH_FAILED', sourceServerID: 's-10000000000000002' }),
        expect.objectContaining({ event: 'SNAPSHOT_FAIL', sourceServerID: 's-10000000000000003' }),
        expect.objectContaining({ event: 'USING_PREVIOUS_SNAPSHOT', sourceServerID: 's-10000000000000003' }),
      ]),
    );
    for (const { a, j } of jobs) {
      const { kept } = expectedLog(world, a.accountId, j.jobId);
      expect(j.logEvents ?? []).toEqual(kept);
      expect(j.logEventsOmitted).toBeUndefined();
    }
    expect(drsCallsByOperation(world.emu).DescribeJobLogItems).toBe(jobs.length);
  });

  it('keeps the first 20 notable items of a job and counts the rest', async () => {
    const tags = { App: 'many' };
    const ids = Array.from({ length: 30 }, (_, i) => server(1, i + 1, tags));
    world = await startWorld({
      fleet: smallFleet({ '111111111111': ids }),
      faults: { launchFailures: ids.map((s) => s.sourceServerID as string) },
    });

    const run = await runOrchestration(world, {
      action: 'drill',
      tags,
      options: { continueOnFailure: true, parallelism: 'max' },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    const [account] = out.stagingAccountResults;
    const jobs = account?.jobs ?? [];
    expect(jobs.length).toBeGreaterThan(0);
    let omitted = 0;
    for (const j of jobs) {
      const { notable, kept } = expectedLog(world, '111111111111', j.jobId);
      expect(j.logEvents).toEqual(kept);
      expect(j.logEventsOmitted ?? 0).toBe(Math.max(0, notable.length - MAX_LOG_EVENTS_PER_JOB));
      omitted += j.logEventsOmitted ?? 0;
    }
    expect(omitted).toBeGreaterThan(0);
    expect(drsCallsByOperation(world.emu).DescribeJobLogItems).toBe(jobs.length);
  });
});
