import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BundlingError, bundleHandlers } from '../../infra/bundle.js';
import { TASK_FUNCTIONS } from '../../infra/names.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'drs-bundle-'));

describe('Function: bundleHandlers', () => {
  it('fails naming every missing handler file instead of deploying an empty function', () => {
    const empty = tempDir();
    const act = () =>
      bundleHandlers({ taskIds: ['validate', 'discover'], outDir: tempDir(), handlersDir: empty });
    expect(act).toThrow(BundlingError);
    expect(act).toThrow(/missing handler file\(s\) .*validate\.ts, .*discover\.ts/);
  });

  it('bundles every real handler into one minified ESM file whose handler runs the task', async () => {
    const outDir = tempDir();
    const bundles = bundleHandlers({ taskIds: TASK_FUNCTIONS.map((t) => t.taskId), outDir });
    expect(bundles.map((b) => b.taskId)).toEqual(TASK_FUNCTIONS.map((t) => t.taskId));
    for (const bundle of bundles) {
      expect(bundle.bytes).toBeGreaterThan(0);
      expect(
        readFileSync(bundle.file, 'utf8').startsWith('import{createRequire as __drsCreateRequire}'),
      ).toBe(true);
    }
    const validate = bundles.find((b) => b.taskId === 'validate');
    const mod = (await import(pathToFileURL(validate?.file ?? '').href)) as {
      handler: (event: unknown, context?: unknown) => Promise<unknown>;
    };
    const execution = {
      id: 'arn:aws:states:us-east-1:123456789012:execution:m:e1',
      name: 'e1',
      startTime: '2024-01-01T00:00:00Z',
    };
    await expect(mod.handler({ input: { action: 'launch-everything' }, execution })).rejects.toMatchObject({
      name: 'ValidationError',
    });
    const result = (await mod.handler({
      input: { action: 'status', tags: { 'DR-Wave': '1' } },
      execution,
    })) as {
      request: { action: string; metadata: { correlationId: string } };
    };
    expect(result.request.action).toBe('status');
    expect(result.request.metadata.correlationId).toBe('e1');
  });
});
