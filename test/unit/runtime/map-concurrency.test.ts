/**
 * Map concurrency as Step Functions runs it: an inline Map at most 40 iterations at once (whatever
 * MaxConcurrency says), a Distributed Map each item as a child execution (the deployed main
 * machine's per-account Map, so 50 staging accounts run at once).
 */
import { describe, expect, it } from 'vitest';
import { isMapRunChild } from '../../../src/runtime/arns.js';
import { type AslObject, loadDefinition, runStateMachine } from '../../../src/runtime/index.js';
import { INLINE_MAP_MAX_CONCURRENCY, localizeDefinition } from '../../../src/runtime/localize.js';
import { fakeEnv } from './fake-tasks.js';

/** The validate task's placeholder, as the ASL files write it. */
const VALIDATE = ['$', '{ValidateFunctionArn}'].join('');

/** A main machine whose only state maps `$.items` with `mode` through a validate Task. */
function mapOf(mode: 'INLINE' | 'DISTRIBUTED', maxConcurrency: number): AslObject {
  return {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: maxConcurrency,
        ItemProcessor: {
          ProcessorConfig: { Mode: mode, ...(mode === 'DISTRIBUTED' ? { ExecutionType: 'STANDARD' } : {}) },
          StartAt: 'Work',
          States: { Work: { Type: 'Task', Resource: VALIDATE, End: true } },
        },
        End: true,
      },
    },
  } as unknown as AslObject;
}

async function peakConcurrency(mode: 'INLINE' | 'DISTRIBUTED', maxConcurrency: number, items: number) {
  let running = 0;
  let peak = 0;
  const { env } = fakeEnv([], {
    discrete: true,
    env: { definitions: { main: mapOf(mode, maxConcurrency) } },
    overrides: {
      validate: async (_event, deps) => {
        running += 1;
        peak = Math.max(peak, running);
        await (deps.sleep as (ms: number) => Promise<void>)(60_000);
        running -= 1;
        return 'done';
      },
    },
  });
  const result = await runStateMachine({
    machine: 'main',
    input: { items: Array.from({ length: items }, (_, i) => i) },
    env,
  });
  return { result, peak };
}

describe('Map concurrency (Step Functions limits, enforced locally)', () => {
  it.each([0, 100])(
    'runs at most 40 iterations of an inline Map at once (MaxConcurrency %i), the rest queued',
    async (max) => {
      const { result, peak } = await peakConcurrency('INLINE', max, 50);

      expect(result.status).toBe('SUCCEEDED');
      expect(result.output).toHaveLength(50);
      expect(peak).toBe(INLINE_MAP_MAX_CONCURRENCY);
    },
  );

  it('runs every item of a Distributed Map at once, each as a child execution with its own history', async () => {
    const { result, peak } = await peakConcurrency('DISTRIBUTED', 0, 50);

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toHaveLength(50);
    expect(peak).toBe(50);
    const children = result.stats.executions.filter((e) => isMapRunChild(e.executionArn));
    expect(children).toHaveLength(50);
    // Each child: started, Task entered/scheduled/started/succeeded/exited, succeeded.
    expect(children.every((e) => e.historyEvents === 7)).toBe(true);
    // The parent: started, Map entered, map run started/succeeded, Map exited, succeeded.
    expect(result.stats.executions.find((e) => e.executionArn === result.executionArn)?.historyEvents).toBe(
      6,
    );
  });

  it('keeps the deployed main machine per-account Map distributed, and localizes it to a child-execution Task', () => {
    const main = loadDefinition('main') as unknown as {
      States: { ExecutePerAccount: { ItemProcessor: { ProcessorConfig: Record<string, unknown> } } };
    };
    expect(main.States.ExecutePerAccount.ItemProcessor.ProcessorConfig).toEqual({
      Mode: 'DISTRIBUTED',
      ExecutionType: 'STANDARD',
    });
    const local = localizeDefinition(main as unknown as AslObject, { timeScale: 1, discrete: true });
    expect([...local.distributedMaps.keys()]).toEqual(['ExecutePerAccount']);
  });
});
