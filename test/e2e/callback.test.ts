/**
 * The main execution waits for each executor's callback (issue 15, "executors anywhere"): the
 * executor's summary or real error arrives through the orchestrator's callback role, and when no
 * callback can come (the executor was stopped, the role denies it) the heartbeat timeout makes the
 * main execution describe the executor instead, so no run hangs and every account still gets its
 * result as the output contract promises.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Fleet, generateFleet } from '../../src/emulator/index.js';
import { type RuntimeEvent, startStateMachine } from '../../src/runtime/index.js';
import { output, serversTagged, withCallbackPolicy } from './helpers.js';
import { startWorld, type World } from './world.js';

const FAILING = '222222222222';

/** The states the main execution entered. */
function mainStates(events: readonly RuntimeEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'StateEntered' && e.machine === 'main' ? [e.state] : []));
}

/** A small generated fleet whose orchestrator callback role is allowed `actions` only. */
function fleetWithCallbackActions(actions: string[]): Fleet {
  return withCallbackPolicy(generateFleet({ accounts: 2, serversPerAccount: 12, seed: 3 }), {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
  });
}

describe('E2E: executors call back', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('an executor that fails sends its real error name and a short cause; the others succeed', async () => {
    world = await startWorld();
    // Every DescribeJobs of one staging account fails (5xx): its executor fails after its retries.
    world.emu.faults.set({
      errors: [{ service: 'drs', operation: 'DescribeJobs', accountId: FAILING, probability: 1 }],
    });

    const result = await world.run('main', {
      action: 'drill',
      tags: { 'DR-Wave': '1' },
      options: { continueOnFailure: true },
    });

    const out = output(result.output);
    const failed = out.stagingAccountResults.find((r) => r.accountId === FAILING);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'DRSServiceError' });
    expect(String(failed?.errorMessage).length).toBeLessThanOrEqual(300);
    expect(String(failed?.errorMessage)).not.toMatch(/^\{/);
    expect(out.stagingAccountResults.filter((r) => r.status === 'success')).toHaveLength(2);
    // It arrived by SendTaskFailure, not by describing the executor.
    expect(world.emu.state.callTotal({ service: 'states', operation: 'SendTaskFailure' })).toBe(1);
    expect(mainStates(result.events)).not.toContain('CheckAccountExecutor');
  });

  it('an executor stopped with StopExecution is found by the heartbeat timeout and reported ExecutorAborted', async () => {
    world = await startWorld();
    const { env } = world;
    const wave1 = serversTagged(world, { 'DR-Wave': '1' });
    const events: RuntimeEvent[] = [];
    let stopped = '';
    const started = startStateMachine({
      machine: 'main',
      input: { action: 'drill', tags: { 'DR-Wave': '1' }, options: { continueOnFailure: true } },
      env,
      onEvent: (e) => {
        events.push(e);
        // An operator stops one account's executor while it polls its jobs.
        if (!stopped && e.type === 'StateEntered' && e.machine === 'executor' && e.accountId === FAILING) {
          if (e.state !== 'MonitorRecovery') return;
          stopped = e.executionArn;
          queueMicrotask(() =>
            started.stop(stopped, { error: 'OperatorStop', cause: 'stopped by the on-call' }),
          );
        }
      },
    });
    const result = await started.result;

    expect(result.status).toBe('SUCCEEDED');
    const out = output(result.output);
    const aborted = out.stagingAccountResults.find((r) => r.accountId === FAILING);
    expect(aborted).toMatchObject({ status: 'failed', errorCode: 'ExecutorAborted' });
    expect(String(aborted?.errorMessage)).toContain('stopped by the on-call');
    // No callback came: the waiting Task timed out on heartbeats and the executor was described.
    expect(mainStates(events).filter((s) => s === 'CheckAccountExecutor')).toHaveLength(1);
    const others = out.stagingAccountResults.filter((r) => r.accountId !== FAILING);
    expect(others.every((r) => r.status === 'success')).toBe(true);
    expect(out.summary.succeeded).toBe(wave1.filter((s) => s.accountId !== FAILING).length);
  });

  it('a callback role that denies SendTask* never hangs the run: the executors are described after the heartbeat timeout', async () => {
    world = await startWorld({ fleet: fleetWithCallbackActions(['states:DescribeExecution']) });
    const wave1 = serversTagged(world, { 'DR-Wave': '1' });

    const result = await world.run('main', { action: 'drill', tags: { 'DR-Wave': '1' } });

    const out = output(result.output);
    expect(out.status).toBe('success');
    expect(out.summary.succeeded).toBe(wave1.length);
    // Each account: one waiting Task that gave up on heartbeats, then one description.
    expect(mainStates(result.events).filter((s) => s === 'CheckAccountExecutor')).toHaveLength(2);
    expect(world.emu.state.callTotal({ service: 'states', operation: 'SendTaskSuccess' })).toBeGreaterThan(0);
  });
});
