import { describe, expect, it } from 'vitest';
import {
  assertOrchestrationOutput,
  isOrchestrationOutput,
  ValidationError,
} from '../../../src/contract/index.js';
import { designOutputExample } from '../../_fixtures/design/inputs.js';

describe('Function: assertOrchestrationOutput', () => {
  it('accepts the design complete output example (15.2)', () => {
    expect(() => assertOrchestrationOutput(designOutputExample)).not.toThrow();
  });

  it('accepts a zero-server success with a message', () => {
    const output = {
      ...designOutputExample,
      summary: { totalServers: 0, succeeded: 0, failed: 0, skipped: 0 },
      recoveryInstances: [],
      stagingAccountResults: [],
      message: 'No servers found matching the specified tags',
    };

    expect(isOrchestrationOutput(output)).toBe(true);
  });

  it('accepts a result location when lists were too large to return inline', () => {
    expect(
      isOrchestrationOutput({ ...designOutputExample, resultLocation: 's3://bucket/results/x.json' }),
    ).toBe(true);
  });

  it.each([
    ['an unknown status', { ...designOutputExample, status: 'done' }, '/status'],
    ['a missing summary', { ...designOutputExample, summary: undefined }, '/summary'],
    [
      'a bad duration',
      { ...designOutputExample, timing: { ...designOutputExample.timing, durationFormatted: '45m' } },
      '/timing/durationFormatted',
    ],
    [
      'a bad start time',
      { ...designOutputExample, timing: { ...designOutputExample.timing, startTime: 'yesterday' } },
      '/timing/startTime',
    ],
    [
      'an instance status outside the enum',
      {
        ...designOutputExample,
        recoveryInstances: [{ sourceServerId: 's', stagingAccountId: '1', status: 'running' }],
      },
      '/recoveryInstances/0/status',
    ],
    ['an unknown field', { ...designOutputExample, extra: 1 }, '/extra'],
  ])('rejects %s naming %s', (_case, output, pointer) => {
    let caught: unknown;
    try {
      assertOrchestrationOutput(output);
    } catch (err) {
      caught = err;
    }

    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).problems.map((p) => p.pointer)).toContain(pointer);
  });
});
