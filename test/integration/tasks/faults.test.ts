/**
 * Each fault of issue 4 ("Bad input and faults") through the emulator.
 */

import { DrsClient, StartRecoveryCommand } from '@aws-sdk/client-drs';
import { afterEach, describe, expect, it } from 'vitest';
import { assertOrchestrationOutput } from '../../../src/contract/index.js';
import { accountWorkOf } from '../../../src/tasks/account-servers.js';
import { tasks } from '../../../src/tasks/index.js';
import type { DiscoveryResult, ExecutionRef, OrchestrationRequest } from '../../../src/tasks/types.js';
import { sessionFor } from '../../_helpers/emulator.js';
import {
  callTask,
  drsCallsByOperation,
  launchesPerServer,
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

const tags = { App: 'fault' };

function fleetOf(perAccount: number, accounts = ['111111111111', '222222222222']) {
  return smallFleet(
    Object.fromEntries(
      accounts.map((id, a) => [id, Array.from({ length: perAccount }, (_, i) => server(a + 1, i + 1, tags))]),
    ),
  );
}

describe('faults', () => {
  it('a 30 % DRS throttling storm still launches every server exactly once', async () => {
    world = await startWorld({
      fleet: fleetOf(30),
      faults: { seed: 3, throttle: [{ service: 'drs', probability: 0.3 }] },
    });

    const run = await runOrchestration(world, { action: 'drill', tags, options: { parallelism: 10 } });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('success');
    expect(out.summary.succeeded).toBe(60);
    const launches = launchesPerServer(world.emu);
    expect(launches.size).toBe(60);
    expect([...launches.values()].every((n) => n === 1)).toBe(true);
    expect(world.attempts.filter((a) => a.error?.name === 'ThrottlingException').length).toBeGreaterThan(10);
  });

  it('DRS 5xx answers are retried and the run still succeeds without duplicate launches', async () => {
    world = await startWorld({
      fleet: fleetOf(5),
      faults: {
        errors: [
          { service: 'drs', operation: 'StartRecovery', status: 500, count: 2 },
          { service: 'drs', operation: 'DescribeJobs', status: 503, probability: 0.2 },
        ],
      },
    });

    const run = await runOrchestration(world, { action: 'drill', tags });

    expect(run.result.output.status).toBe('success');
    expect([...launchesPerServer(world.emu).values()]).toEqual(Array(10).fill(1));
    expect(
      world.attempts.some((a) => a.error?.name === 'DRSServiceError' && a.operation === 'StartRecovery'),
    ).toBe(true);
  });

  it('a persistent DRS 5xx fails the account with DRSServiceError after 3 attempts per call', async () => {
    world = await startWorld({
      fleet: fleetOf(2, ['111111111111']),
      faults: { errors: [{ service: 'drs', operation: 'StartRecovery', status: 500, probability: 1 }] },
    });

    const run = await runOrchestration(world, { action: 'drill', tags });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('failed');
    expect(out.stagingAccountResults[0]?.status).toBe('failed');
    expect(out.failedServers.every((f) => f.errorCode === 'DRSServiceError')).toBe(true);
    // 4 task attempts (state machine Retry) x 3 calls each (our retry policy).
    expect(drsCallsByOperation(world.emu).StartRecovery).toBe(12);
    expect(world.emu.drs.jobs()).toHaveLength(0);
  });

  it('an account that denies AssumeRole is reported while the others go on', async () => {
    world = await startWorld({ fleet: fleetOf(3), faults: { assumeRoleDenied: ['222222222222'] } });

    const run = await runOrchestration(world, {
      action: 'drill',
      tags,
      options: { continueOnFailure: true },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(run.work?.deniedAccounts).toEqual([
      expect.objectContaining({ accountId: '222222222222', errorCode: 'CrossAccountAccessDenied' }),
    ]);
    expect(run.work?.deniedAccounts[0]?.errorMessage).toContain('sts:AssumeRole');
    expect(out.status).toBe('partial');
    expect(out.summary.succeeded).toBe(3);
    expect(out.stagingAccountResults).toContainEqual(
      expect.objectContaining({
        accountId: '222222222222',
        status: 'failed',
        errorCode: 'CrossAccountAccessDenied',
      }),
    );
    expect(world.emu.drs.jobs('222222222222')).toHaveLength(0);
  });

  it('servers without a recovery point fail at once naming their state; stalled and paused ones launch, with a drill warning', async () => {
    const fleet = smallFleet({
      '111111111111': [
        server(1, 1, tags),
        server(1, 2, tags, { replicationState: 'STOPPED' }),
        server(1, 3, tags, { replicationState: 'INITIAL_SYNC' }),
        server(1, 4, tags, { replicationState: 'STALLED', lagSeconds: 1200 }),
        server(1, 5, tags, { replicationState: 'PAUSED', lagSeconds: 600 }),
      ],
    });
    world = await startWorld({ fleet });

    const run = await runOrchestration(world, {
      action: 'drill',
      tags,
      options: { continueOnFailure: true, maxWaitMinutes: 30, healthCheckMinutes: 0 },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.failedServers.map((f) => [f.sourceServerId, f.errorCode, f.errorMessage]).sort()).toEqual([
      ['s-10000000000000002', 'ServerNotReady', expect.stringContaining('replication is STOPPED')],
      ['s-10000000000000003', 'ServerNotReady', expect.stringContaining('replication is INITIAL_SYNC')],
    ]);
    expect(out.summary.succeeded).toBe(3);
    expect([...launchesPerServer(world.emu).keys()].sort()).toEqual([
      's-10000000000000001',
      's-10000000000000004',
      's-10000000000000005',
    ]);
    const warned = out.recoveryInstances.filter((r) => r.warning).map((r) => r.sourceServerId);
    expect(warned.sort()).toEqual(['s-10000000000000004', 's-10000000000000005']);
    expect(out.status).toBe('partial');
  });

  it('without continueOnFailure a server that is not ready stops the run before any launch', async () => {
    const fleet = smallFleet({
      '111111111111': [server(1, 1, tags), server(1, 2, tags, { replicationState: 'DISCONNECTED' })],
    });
    world = await startWorld({ fleet });

    const run = await runOrchestration(world, { action: 'failover', tags });

    expect(run.result.output.status).toBe('failed');
    expect(run.result.output.summary).toMatchObject({ failed: 1, skipped: 1, succeeded: 0 });
    expect(world.emu.drs.jobs()).toHaveLength(0);
  });

  it('a launch failure without continueOnFailure stops further batches', async () => {
    const fleet = smallFleet({
      '111111111111': Array.from({ length: 6 }, (_, i) => server(1, i + 1, tags)),
    });
    world = await startWorld({ fleet, faults: { launchFailures: ['s-10000000000000001'] } });

    const run = await runOrchestration(world, { action: 'drill', tags, options: { parallelism: 2 } });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('failed');
    expect(out.nextPhaseReady).toBe(false);
    expect(out.failedServers).toEqual([
      expect.objectContaining({ sourceServerId: 's-10000000000000001', errorCode: 'LaunchFailed' }),
    ]);
    expect(out.summary).toMatchObject({ totalServers: 6, failed: 1, succeeded: 1, skipped: 4 });
    // The first round is two one-server jobs (parallelism 2); nothing starts after the failure.
    expect(drsCallsByOperation(world.emu).StartRecovery).toBe(2);
  });

  it('a ConflictException (server already in an active job) adopts that job instead of launching again', async () => {
    world = await startWorld({ fleet: fleetOf(3, ['111111111111']) });
    const foreign = new DrsClient({
      endpoint: world.emu.endpoint,
      region: 'us-east-2',
      credentials: sessionFor(world.emu, '111111111111'),
      maxAttempts: 1,
    });
    const started = await foreign.send(
      new StartRecoveryCommand({ sourceServers: [{ sourceServerID: 's-10000000000000002' }], isDrill: true }),
    );

    const run = await runOrchestration(world, { action: 'drill', tags });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('success');
    expect([...launchesPerServer(world.emu).values()]).toEqual([1, 1, 1]);
    expect(out.recoveryInstances.find((r) => r.sourceServerId === 's-10000000000000002')?.jobId).toBe(
      started.job?.jobID,
    );
    expect(drsCallsByOperation(world.emu).StartRecovery).toBe(3); // foreign + conflicted + retry of the rest
  });

  it('a re-run with the same correlation id after a crash after StartRecovery launches nothing twice', async () => {
    world = await startWorld({ fleet: fleetOf(4) });
    const input = { action: 'drill', tags, metadata: { correlationId: 'DR-2025-01-06-001' } };
    // First execution: everything up to start-recovery, whose result is lost (crash).
    const execution: ExecutionRef = {
      id: 'exec-a',
      name: 'exec-a',
      startTime: world.emu.clock.now().toISOString(),
    };
    const { request } = (await tasks.validate({ input, execution }, world.deps)) as {
      request: OrchestrationRequest;
    };
    let work = await callTask<DiscoveryResult>(world, 'discover', { request, execution });
    work = await callTask<DiscoveryResult>(world, 'partition', { request, execution, work });
    for (const item of work.accounts) {
      const account = await accountWorkOf(item, world.deps);
      await callTask(world, 'start-recovery', { request, execution, account });
    }
    const firstJobs = world.emu.drs
      .jobs()
      .map((j) => j.job.jobID)
      .sort();
    world.emu.clock.advance(120_000);

    const rerun = await runOrchestration(world, input, { executionName: 'exec-b' });

    const out = rerun.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('success');
    expect(
      world.emu.drs
        .jobs()
        .map((j) => j.job.jobID)
        .sort(),
    ).toEqual(firstJobs);
    expect([...launchesPerServer(world.emu).values()]).toEqual(Array(8).fill(1));
    expect(out.stagingAccountResults.flatMap((a) => a.jobIds ?? []).sort()).toEqual(firstJobs);
  });

  it("a parallelism above an account's all-jobs quota leaves that account out with a ValidationError, launching nothing there", async () => {
    const fleet = fleetOf(4);
    const tight = {
      ...fleet,
      accounts: fleet.accounts.map((a) =>
        a.accountId === '222222222222' ? { ...a, quotas: { serversInAllActiveJobs: 3 } } : a,
      ),
    };
    world = await startWorld({ fleet: tight });

    const run = await runOrchestration(world, { action: 'drill', tags, options: { parallelism: 4 } });

    expect(run.work?.rejectedAccounts).toEqual([
      expect.objectContaining({
        accountId: '222222222222',
        errorCode: 'ValidationError',
        errorMessage:
          '/options/parallelism must be at most the all-jobs quota of 3 servers in active jobs (Service Quotas L-05AFA8C6), got 4; use "max" for as many as the quotas allow (account 222222222222)',
      }),
    ]);
    expect(launchesPerServer(world.emu, '222222222222').size).toBe(0);
    expect(launchesPerServer(world.emu, '111111111111').size).toBe(4);
  });

  it('"max" fills tight quotas without one refused launch and launches every server once', async () => {
    const fleet = fleetOf(23, ['111111111111']);
    const tight = {
      ...fleet,
      accounts: fleet.accounts.map((a) =>
        a.accountId === '111111111111'
          ? { ...a, quotas: { serversInAllActiveJobs: 7, concurrentJobs: 3, serversPerJob: 2 } }
          : a,
      ),
    };
    world = await startWorld({ fleet: tight });

    const run = await runOrchestration(world, {
      action: 'drill',
      tags,
      options: { parallelism: 'max', continueOnFailure: true },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.summary.succeeded).toBe(23);
    expect([...launchesPerServer(world.emu).values()]).toEqual(Array(23).fill(1));
    // The emulator enforces the quotas: a launch over them would be refused (402) and create no
    // job, so every StartRecovery having made a job means none was refused.
    const jobs = world.emu.drs.jobs().filter((j) => j.job.type === 'LAUNCH');
    expect(drsCallsByOperation(world.emu).StartRecovery).toBe(jobs.length);
    expect(Math.max(...jobs.map((j) => j.job.servers.length))).toBeLessThanOrEqual(2);
  });

  it('denied Service Quotas fall back to conservative defaults', async () => {
    world = await startWorld({
      fleet: fleetOf(2, ['111111111111']),
      faults: { errors: [{ service: 'servicequotas', status: 500, probability: 1 }] },
    });
    const execution: ExecutionRef = { id: 'e', name: 'e', startTime: world.emu.clock.now().toISOString() };
    const { request } = (await tasks.validate(
      { input: { action: 'drill', tags, options: { parallelism: 200 } }, execution },
      world.deps,
    )) as { request: OrchestrationRequest };
    const work = await callTask<DiscoveryResult>(world, 'discover', { request, execution });

    const planned = await callTask<DiscoveryResult>(world, 'partition', { request, execution, work });

    expect(planned.accounts[0]?.plan).toEqual({
      batchSize: 10,
      maxInFlight: 200,
      maxConcurrentJobs: 20,
      perJob: 100,
      quotas: { perJob: 100, allJobs: 200, concurrentJobs: 20, source: 'default' },
    });
  });
});
