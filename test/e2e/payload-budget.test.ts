import { afterEach, describe, expect, it } from 'vitest';
import { generateFleet } from '../../src/emulator/index.js';
import { isMapRunChild } from '../../src/runtime/arns.js';
import { MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES } from '../../src/runtime/index.js';
import { output } from './helpers.js';
import { startWorld, type World } from './world.js';

/**
 * These runs move thousands of servers through the whole workflow: ~45 s of wall time each on a
 * quiet 2-core machine, past the suite's 60 s default when the full suite shares the machine.
 * The limit only bounds a hung run; nothing here measures time.
 */
const HEAVY_RUN_TIMEOUT_MS = 240_000;

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
    HEAVY_RUN_TIMEOUT_MS,
  );

  it(
    'carries no server id in the main machine before aggregate, so 50 accounts cost it the same whatever each holds',
    async () => {
      const fleet = generateFleet({ seed: 7, accounts: 50, serversPerAccount: 4, waves: 1 });
      world = await startWorld({ fleet });
      const ids = fleet.accounts.flatMap((a) => (a.sourceServers ?? []).map((s) => s.sourceServerID));

      const result = await world.run('main', {
        action: 'drill',
        tags: { 'DR-Wave': '1' },
        options: { parallelism: 'max', healthCheckMinutes: 0 },
      });

      expect(result.status).toBe('SUCCEEDED');
      expect(output(result.output).summary.succeeded).toBe(200);
      expect(ids).toHaveLength(200);
      type StateEvent = { type: string; machine: string; state: string; input?: unknown; output?: unknown };
      const beforeAggregate = (result.events as unknown as StateEvent[]).filter(
        (e) =>
          e.machine === 'main' &&
          (e.type === 'StateEntered' || e.type === 'StateExited') &&
          ['DiscoverServers', 'CheckServersFound', 'PartitionByAccount', 'ExecutePerAccount'].includes(
            e.state,
          ),
      );
      expect(beforeAggregate.length).toBeGreaterThanOrEqual(7);
      const carried = beforeAggregate
        .map((e) => JSON.stringify(e.type === 'StateExited' ? e.output : e.input))
        .join('\n');
      expect(ids.filter((id) => id !== undefined && carried.includes(id))).toEqual([]);
      // Each account's item is its ref, plan, count and key: under 1.5 KB, so 50 accounts stay far
      // under 256 KiB at any number of servers (50 x 300 ids inline were ~330 KB).
      const map = beforeAggregate.find((e) => e.type === 'StateEntered' && e.state === 'ExecutePerAccount');
      const items =
        (map && 'input' in map ? (map.input as { work: { accounts: unknown[] } }).work.accounts : []) ?? [];
      expect(items).toHaveLength(50);
      for (const item of items) expect(JSON.stringify(item).length).toBeLessThan(1536);
      // History: each account's iteration is a child execution of the Distributed Map with its own
      // history; the main execution's holds the map run only, so it does not grow with accounts.
      const root = result.stats.executions.find((e) => e.executionArn === result.executionArn);
      const children = result.stats.executions.filter((e) => isMapRunChild(e.executionArn));
      expect(children).toHaveLength(50);
      expect(root?.historyEvents).toBeLessThan(40);
      expect(result.stats.maxHistoryEvents).toBeLessThan(MAX_HISTORY_EVENTS);
      expect(result.stats.largestPayloadBytes).toBeLessThan(MAX_PAYLOAD_BYTES);
    },
    HEAVY_RUN_TIMEOUT_MS,
  );
});
