/**
 * Resume is visible (issue 20, item 6): a DRS job this run took over instead of starting its own
 * (DRS allows one job per source server) is listed in the result with the correlation id of the
 * run that started it; a run that started all its own jobs lists none.
 */
import { DrsClient, StartRecoveryCommand } from '@aws-sdk/client-drs';
import { afterEach, describe, expect, it } from 'vitest';
import { assertOrchestrationOutput } from '../../../src/contract/index.js';
import { sessionFor } from '../../_helpers/emulator.js';
import { runOrchestration, server, smallFleet, startWorld, type World } from './harness.js';

let world: World | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

const tags = { App: 'resume' };

describe('adopted jobs in the result', () => {
  it('a drill that finds a server already in an interrupted run’s job lists that job with the interrupted run’s correlation id', async () => {
    world = await startWorld({
      fleet: smallFleet({ '111111111111': [1, 2, 3].map((i) => server(1, i, tags)) }),
    });
    const interrupted = new DrsClient({
      endpoint: world.emu.endpoint,
      region: 'us-east-2',
      credentials: sessionFor(world.emu, '111111111111'),
      maxAttempts: 1,
    });
    // What an interrupted drill left running: its job, tagged with its correlation id.
    const started = await interrupted.send(
      new StartRecoveryCommand({
        sourceServers: [{ sourceServerID: 's-10000000000000002' }],
        isDrill: true,
        tags: { 'DR-Orchestration': 'true', 'DR-CorrelationId': 'drill-interrupted', 'DR-Action': 'drill' },
      }),
    );

    const run = await runOrchestration(world, {
      action: 'drill',
      tags,
      metadata: { correlationId: 'drill-resumed' },
    });

    const out = run.result.output;
    assertOrchestrationOutput(out);
    expect(out.status).toBe('success');
    expect(out.adoptedJobs).toEqual([
      {
        jobId: started.job?.jobID,
        stagingAccountId: '111111111111',
        servers: 1,
        correlationId: 'drill-interrupted',
      },
    ]);
    expect(out.summary.succeeded).toBe(3);
  });

  it('a drill that started every job itself lists no adopted job', async () => {
    world = await startWorld({
      fleet: smallFleet({ '111111111111': [1, 2].map((i) => server(1, i, tags)) }),
    });

    const run = await runOrchestration(world, { action: 'drill', tags });

    assertOrchestrationOutput(run.result.output);
    expect(run.result.output.adoptedJobs).toBeUndefined();
  });
});
