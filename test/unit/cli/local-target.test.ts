import { describe, expect, it } from 'vitest';
import { toProgressEvent } from '../../../src/cli/targets/local.js';

const base = {
  time: '2025-01-06T09:00:00.000Z',
  executionArn: 'arn:aws:states:us-east-2:111111111111:execution:drs-staging-account-executor:run-1',
} as const;

describe('Function: toProgressEvent', () => {
  it('names executions by the last part of their ARN and keeps the account', () => {
    expect(
      toProgressEvent({ ...base, type: 'ExecutionStarted', machine: 'executor', accountId: '111111111111' }),
    ).toEqual({
      type: 'ExecutionStarted',
      machine: 'executor',
      accountId: '111111111111',
      name: 'run-1',
    });
  });

  it('passes state changes, account progress and failures through', () => {
    expect(
      toProgressEvent({
        ...base,
        type: 'StateEntered',
        machine: 'main',
        state: 'DiscoverServers',
        stateType: 'Task',
      }),
    ).toEqual({ type: 'StateEntered', machine: 'main', state: 'DiscoverServers' });
    expect(
      toProgressEvent({
        ...base,
        type: 'AccountProgress',
        machine: 'executor',
        accountId: '111111111111',
        progress: {
          accountId: '111111111111',
          discovered: 9,
          launching: 3,
          launched: 5,
          failed: 1,
        },
      }),
    ).toEqual({
      type: 'AccountProgress',
      accountId: '111111111111',
      discovered: 9,
      launching: 3,
      launched: 5,
      failed: 1,
    });
    expect(
      toProgressEvent({
        ...base,
        type: 'ExecutionFailed',
        machine: 'main',
        status: 'FAILED',
        error: 'ValidationError',
        cause: 'bad',
      }),
    ).toEqual({ type: 'ExecutionFailed', machine: 'main', error: 'ValidationError', cause: 'bad' });
  });

  it('hides retries (they are the polling loop)', () => {
    expect(
      toProgressEvent({
        ...base,
        type: 'StateRetried',
        machine: 'executor',
        state: 'MonitorRecovery',
        stateType: 'Task',
        error: 'JobInProgress',
        attempt: 3,
      }),
    ).toBeUndefined();
  });
});
