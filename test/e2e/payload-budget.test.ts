import { afterEach, describe, expect, it } from 'vitest';
import { generateFleet } from '../../src/emulator/index.js';
import { MAX_PAYLOAD_BYTES } from '../../src/runtime/index.js';
import { output } from './helpers.js';
import { startWorld, type World } from './world.js';

describe('E2E: payload budget (256 KiB per state input/output)', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it.each([3, 10])(
    'keeps every state payload under 256 KiB for %i accounts x 300 servers',
    async (accounts) => {
      world = await startWorld({
        fleet: generateFleet({ seed: 7, accounts, serversPerAccount: 300, waves: 1 }),
      });

      const result = await world.run('main', {
        action: 'drill',
        tags: { 'DR-Wave': '1' },
        // The health check's state is per account, so 3 accounts measure its payload; 10 accounts
        // only add ids to the main machine, and skip the check to keep this test's wall time down.
        options: { parallelism: 200, ...(accounts > 3 ? { healthCheckMinutes: 0 } : {}) },
      });
      const status = await world.run('main', { action: 'status', tags: { 'DR-Wave': '1' } });

      expect(result.status).toBe('SUCCEEDED');
      const out = output(result.output);
      expect(out.summary.totalServers).toBe(accounts * 300);
      expect(out.summary.succeeded).toBe(accounts * 300);
      for (const run of [result, status]) {
        expect(run.stats.executions.every((e) => e.status === 'SUCCEEDED')).toBe(true);
        expect(run.stats.largestPayloadBytes).toBeLessThan(MAX_PAYLOAD_BYTES);
      }
      // Measured: ~205 KB at most (the inline output, and a status executor's 300 records); the
      // main machine carries IDs only, so 10 accounts cost it no more than 3.
      expect(result.stats.largestPayload?.machine).toBe('main');
      expect(
        status.stats.executions.filter((e) => e.machine === 'main')[0]?.largestPayloadBytes,
      ).toBeLessThan(MAX_PAYLOAD_BYTES);
    },
  );
});
