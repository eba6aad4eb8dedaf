/**
 * Post-launch actions run: after a launch, the server's active actions run in order and DescribeJobs
 * reports them per the model (`participatingServers[].launchActionsStatus`: the SSM agent's
 * discovery time, runs IN_PROGRESS then SUCCEEDED or FAILED with `failureReason`); the job
 * completes when the last run ends; a seeded fault makes a chosen action fail. Every DRS response
 * is checked against the model.
 */
import {
  DescribeJobsCommand,
  type Job,
  PutLaunchActionCommand,
  type PutLaunchActionCommandInput,
  StartRecoveryCommand,
  UpdateLaunchConfigurationCommand,
} from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import { continuousServers, useModelCheckedDrs } from '../../_helpers/emulator.js';

const SMOKE = '6a1f2c3d-4b5e-4f60-8a7b-9c0d1e2f3a4b';
const AGENT = '0b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a4b';
const INACTIVE = '1c2d3e4f-5061-4b72-8c83-9d8e7f6a5b4c';
const MINUTE = 60_000;

function action(
  resourceId: string,
  actionId: string,
  order: number,
  over: Partial<PutLaunchActionCommandInput> = {},
) {
  return new PutLaunchActionCommand({
    resourceId,
    actionId,
    actionCode: 'AWS-RunShellScript',
    order,
    optional: false,
    active: true,
    name: `action ${order}`,
    actionVersion: '$DEFAULT',
    category: 'VALIDATION',
    description: 'smoke test',
    ...over,
  });
}

describe('Emulator: DRS post-launch actions run', () => {
  const t = useModelCheckedDrs({ fleet: 'demo' });

  async function job(jobID: string): Promise<Job> {
    const out = await t.drs.send(new DescribeJobsCommand({ filters: { jobIDs: [jobID] } }));
    return out.items?.[0] as Job;
  }

  /** Advances the clock a minute at a time until the job's server is LAUNCHED. */
  async function untilLaunched(jobID: string): Promise<Job> {
    for (let i = 0; i < 240; i++) {
      const j = await job(jobID);
      if (j.participatingServers?.every((p) => p.launchStatus === 'LAUNCHED')) return j;
      t.emu.clock.advance(MINUTE);
    }
    throw new Error(`job ${jobID} never launched`);
  }

  it('runs the active actions in order after the launch, reports each run, and completes the job after the last', async () => {
    const [id] = (await continuousServers(t.drs, 1)) as [string];
    await t.drs.send(new UpdateLaunchConfigurationCommand({ sourceServerID: id, postLaunchEnabled: true }));
    await t.drs.send(action(id, AGENT, 3));
    await t.drs.send(action(id, SMOKE, 2, { optional: true }));
    await t.drs.send(action(id, INACTIVE, 4, { active: false }));

    const started = await t.drs.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }], isDrill: true }),
    );
    const jobID = started.job?.jobID as string;
    const launched = await untilLaunched(jobID);
    const first = launched.participatingServers?.[0]?.launchActionsStatus;
    t.emu.clock.advance(30 * MINUTE);
    const done = await job(jobID);
    const last = done.participatingServers?.[0]?.launchActionsStatus;

    // Right after the launch: the job is still open, both active runs are listed, in order, running.
    expect(launched.status).toBe('STARTED');
    expect(first?.runs?.map((r) => [r.action?.actionId, r.status])).toEqual([
      [SMOKE, 'IN_PROGRESS'],
      [AGENT, 'IN_PROGRESS'],
    ]);
    expect(first?.runs?.[0]?.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // Later: the SSM agent was seen, every run succeeded, and the job completed after the last one.
    expect(done.status).toBe('COMPLETED');
    expect(last?.ssmAgentDiscoveryDatetime).toMatch(/Z$/);
    expect(last?.runs?.map((r) => [r.action?.actionId, r.status, r.failureReason])).toEqual([
      [SMOKE, 'SUCCEEDED', undefined],
      [AGENT, 'SUCCEEDED', undefined],
    ]);
    expect(done.participatingServers?.[0]?.launchStatus).toBe('LAUNCHED');
  });

  it('runs nothing while postLaunchEnabled is off, and nothing for a server without active actions', async () => {
    const [off, none] = (await continuousServers(t.drs, 2)) as [string, string];
    await t.drs.send(action(off, SMOKE, 2));
    await t.drs.send(new UpdateLaunchConfigurationCommand({ sourceServerID: none, postLaunchEnabled: true }));
    await t.drs.send(action(none, INACTIVE, 2, { active: false }));

    const started = await t.drs.send(
      new StartRecoveryCommand({
        sourceServers: [{ sourceServerID: off }, { sourceServerID: none }],
        isDrill: true,
      }),
    );
    const launched = await untilLaunched(started.job?.jobID as string);

    expect(launched.participatingServers?.map((p) => p.launchActionsStatus)).toEqual([undefined, undefined]);
  });

  it('fails the run the fault plan names, with its failureReason, and leaves the launch LAUNCHED', async () => {
    const [id] = (await continuousServers(t.drs, 1)) as [string];
    t.emu.faults.set({
      launchActionFailures: [{ sourceServerID: id, actionId: SMOKE, reason: 'exit code 1' }],
    });
    await t.drs.send(new UpdateLaunchConfigurationCommand({ sourceServerID: id, postLaunchEnabled: true }));
    await t.drs.send(action(id, SMOKE, 2));
    await t.drs.send(action(id, AGENT, 3));

    const started = await t.drs.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: id }], isDrill: true }),
    );
    await untilLaunched(started.job?.jobID as string);
    t.emu.clock.advance(30 * MINUTE);
    const done = await job(started.job?.jobID as string);

    expect(
      done.participatingServers?.[0]?.launchActionsStatus?.runs?.map((r) => [r.status, r.failureReason]),
    ).toEqual([
      ['FAILED', 'exit code 1'],
      ['SUCCEEDED', undefined],
    ]);
    expect(done.participatingServers?.[0]?.launchStatus).toBe('LAUNCHED');
  });
});
