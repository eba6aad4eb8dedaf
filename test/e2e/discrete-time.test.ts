import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { OrchestrationOutput } from '../../src/contract/index.js';
import type { RunStateMachineResult } from '../../src/runtime/index.js';
import { fakeIo } from '../unit/cli/fakes.js';
import { output } from './helpers.js';
import { startWorld, type World } from './world.js';

/** What a drill's virtual timing looks like: total, per account, per recovered server. */
function timingOf(result: RunStateMachineResult): unknown {
  const out = output(result.output);
  return {
    durationSeconds: out.timing.durationSeconds,
    executors: result.stats.executions
      .filter((e) => e.machine === 'executor')
      .map((e) => `${e.accountId} ${e.startTime} ${e.stopTime}`)
      .sort(),
    launched: out.recoveryInstances.map((r) => `${r.sourceServerId} ${r.launchTime ?? '-'}`).sort(),
  };
}

describe('E2E: discrete virtual time', () => {
  const worlds: World[] = [];
  afterEach(async () => {
    await Promise.all(worlds.splice(0).map((w) => w.stop()));
  });

  it('gives the same seed the same timing, even when every DRS call takes extra wall time', async () => {
    const quick = await startWorld({ seed: 11 });
    // 15 ms of wall latency per DRS call: inflated virtual time in scaled mode, nothing here.
    const slow = await startWorld({ seed: 11, faults: { latency: [{ service: 'drs', ms: 15 }] } });
    worlds.push(quick, slow);
    const input = { action: 'drill', tags: { 'DR-Wave': '1', 'DR-Application': 'HRP' } };

    const first = await quick.run('main', input, 'same-name');
    const second = await slow.run('main', input, 'same-name');

    expect(first.status).toBe('SUCCEEDED');
    expect(output(first.output).summary.succeeded).toBeGreaterThan(0);
    expect(timingOf(second)).toEqual(timingOf(first));
    expect(slow.emu.state.callTotal({ service: 'drs' })).toBe(quick.emu.state.callTotal({ service: 'drs' }));
  });

  it('moves the frozen clock only through the scheduler, and not after the run', async () => {
    const world = await startWorld();
    worlds.push(world);
    const startedAt = world.emu.clock.nowMs();

    const result = await world.run('main', { action: 'drill', tags: { 'DR-Test': 'single' } });
    const endedAt = world.emu.clock.nowMs();
    await new Promise((r) => setTimeout(r, 50));

    expect(result.status).toBe('SUCCEEDED');
    expect(world.scheduler?.stats().advancedMs).toBe(endedAt - startedAt);
    // A DRS launch takes minutes, polled every 30 s.
    expect(endedAt - startedAt).toBeGreaterThan(5 * 60_000);
    expect(world.emu.clock.nowMs()).toBe(endedAt);
  });

  it('drs-orch --target sim runs in discrete time by default: the demo drill takes the same virtual time twice', async () => {
    const drill = async (): Promise<OrchestrationOutput> => {
      const dir = await mkdtemp(join(tmpdir(), 'drs-orch-discrete-'));
      const { io, stdout } = fakeIo({ cwd: dir });
      const code = await main(['drill', '--tags', 'DR-Wave=1', '--reset', '--state-file', 'sim.json'], io);
      expect(code).toBe(0);
      return JSON.parse(stdout.text) as OrchestrationOutput;
    };

    const first = await drill();
    const second = await drill();

    expect(first.summary.succeeded).toBe(first.summary.totalServers);
    expect(second.timing.durationSeconds).toBe(first.timing.durationSeconds);
    // Waits are whole seconds (the 30 s Retry or a cadence Wait) and nothing else takes virtual time.
    expect(Number.isInteger(first.timing.durationSeconds)).toBe(true);
  });
});
