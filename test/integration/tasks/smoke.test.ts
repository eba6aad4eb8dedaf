import { describe, expect, it } from 'vitest';
import { assertOrchestrationOutput } from '../../../src/contract/index.js';
import { drsCallsByOperation, launchesPerServer, runOrchestration, startWorld } from './harness.js';

describe('smoke', () => {
  it('runs a single server drill', async () => {
    const world = await startWorld({ fleet: 'demo' });
    try {
      const run = await runOrchestration(world, { action: 'drill', tags: { 'DR-Test': 'single' } });
      console.log(
        JSON.stringify(run.result, null, 1).slice(0, 3000),
        run.rounds,
        drsCallsByOperation(world.emu),
        world.attempts.length,
      );
      assertOrchestrationOutput(run.result.output);
      expect(run.result.output.status).toBe('success');
      expect([...launchesPerServer(world.emu).values()]).toEqual([1]);
    } finally {
      await world.stop();
    }
  });
});
