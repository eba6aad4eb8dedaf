import { describe, expect, it } from 'vitest';
import { runHistory } from '../../../src/cli/targets/local.js';
import type { HistoryEvent, HistoryExecution } from '../../../src/runtime/history.js';

const main: HistoryExecution = {
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main:run-1',
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main',
  name: 'run-1',
  machine: 'main',
};
const executor: HistoryExecution = {
  executionArn:
    'arn:aws:states:us-east-2:111111111111:execution:drs-staging-account-executor:run-1-111111111111',
  stateMachineArn: 'arn:aws:states:us-east-2:111111111111:stateMachine:drs-staging-account-executor',
  name: 'run-1-111111111111',
  machine: 'executor',
  accountId: '111111111111',
};
const event: HistoryEvent = {
  id: 1,
  previousEventId: 0,
  type: 'ExecutionStarted',
  timestampMs: 0,
  details: {},
};

describe('Function: runHistory', () => {
  it('hands every history event to the progress as it is, and those of the root and its mains to the report', () => {
    const progress: unknown[] = [];
    const report: unknown[] = [];

    const listener = runHistory(
      (x, e) => progress.push([x, e]),
      (arn, e) => report.push([arn, e]),
    );
    listener(main, event);
    listener(executor, event);

    expect(progress).toEqual([
      [{ arn: main.executionArn, machine: 'main' }, event],
      [{ arn: executor.executionArn, machine: 'executor', accountId: '111111111111' }, event],
    ]);
    expect(report).toEqual([[main.executionArn, event]]);
  });

  it("leaves out a Distributed Map's iterations (the executors say what they wait for)", () => {
    const progress: unknown[] = [];
    const child = {
      ...main,
      executionArn:
        'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main/ExecutePerAccount:c-1',
      name: 'c-1',
    };

    runHistory((x, e) => progress.push([x, e]), undefined)(child, event);

    expect(progress).toEqual([]);
  });
});
