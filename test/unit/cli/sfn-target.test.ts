import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../../src/cli/progress.js';
import { fetchedReportProblem } from '../../../src/cli/reports.js';
import { approvalQuestionOf, regionOfArn } from '../../../src/cli/targets/sfn.js';
import { type FollowedExecution, startedChildOf } from '../../../src/cli/targets/sfn-follow.js';
import { buildEvidence, renderReportHtml } from '../../../src/report/index.js';
import { Capture } from './fakes.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main';
const MAIN = 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main:run-1';
const CHILD = 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main/AccountExecutors:c-1';
const ts = new Date('2025-01-06T09:00:00Z');

/** The history of a Distributed Map child of the main machine: one account's executor, called back. */
function mapChildHistory(summary: Record<string, unknown>): HistoryEvent[] {
  return [
    {
      id: 1,
      timestamp: ts,
      type: 'ExecutionStarted',
      executionStartedEventDetails: {
        input: JSON.stringify({ request: {}, account: { accountId: '111111111111', region: 'us-east-2' } }),
      },
    },
    {
      id: 2,
      previousEventId: 1,
      timestamp: ts,
      type: 'TaskStateEntered',
      stateEnteredEventDetails: { name: 'RunAccountExecutor', input: '{}' },
    },
    {
      id: 3,
      previousEventId: 2,
      timestamp: ts,
      type: 'TaskScheduled',
      taskScheduledEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke.waitForTaskToken',
        region: 'us-east-1',
        parameters: '{}',
      },
    },
    {
      id: 4,
      previousEventId: 3,
      timestamp: ts,
      type: 'ExecutionSucceeded',
      executionSucceededEventDetails: { output: JSON.stringify(summary) },
    },
  ];
}

/** The plain progress lines the SDK's history events of `x` give (the sfn target's live view). */
function progressLines(x: FollowedExecution, events: readonly HistoryEvent[]): string[] {
  const stream = new Capture(false);
  const progress = createProgress({ stream, isTTY: false, quiet: false, title: 'drill', now: () => ts });
  for (const e of events) progress.onEvent(x, e);
  return stream.text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^\[\d\d:\d\d:\d\d\] /, ''));
}

describe('the live progress of a followed execution, read from its SDK history events as they are', () => {
  it("shows a map child's history as its account's executor start, counts and end", () => {
    const x: FollowedExecution = { arn: CHILD, machine: 'executor', parent: MAIN };
    const summary = {
      accountId: '111111111111',
      status: 'partial',
      serversProcessed: 4,
      succeeded: 2,
      failed: 1,
      timedOut: 1,
    };

    expect(progressLines(x, mapChildHistory(summary))).toEqual([
      '111111111111 executor started',
      '111111111111 RunAccountExecutor',
      '111111111111 discovered 4 launching 0 launched 2 failed 2',
      '111111111111 executor finished',
    ]);
  });

  it('reports an account whose executor failed (AccountFailed summary) as failed with its error', () => {
    const x: FollowedExecution = { arn: CHILD, machine: 'executor', parent: MAIN };
    const history = mapChildHistory({
      status: 'failed',
      serversProcessed: 3,
      succeeded: 0,
      failed: 3,
      errorCode: 'ExecutorAborted',
      errorMessage: 'stopped',
    });

    expect(progressLines(x, history).at(-1)).toBe('111111111111 executor failed: ExecutorAborted: stopped');
  });

  it('shows an aborted execution as failed with its error and cause', () => {
    const x: FollowedExecution = { arn: MAIN, machine: 'main' };

    const lines = progressLines(x, [
      {
        id: 9,
        timestamp: ts,
        type: 'ExecutionAborted',
        executionAbortedEventDetails: { error: 'Cancelled', cause: 'Ctrl-C' },
      },
    ]);

    expect(lines).toEqual(['main execution failed: Cancelled: Ctrl-C']);
  });
});

describe('Function: startedChildOf', () => {
  it('reads the child execution a startExecution.sync task submitted, and nothing else', () => {
    const submitted = (resourceType: string, output: unknown): HistoryEvent => ({
      id: 5,
      timestamp: ts,
      type: 'TaskSubmitted',
      taskSubmittedEventDetails: {
        resourceType,
        resource: resourceType === 'states' ? 'startExecution.sync:2' : 'invoke.waitForTaskToken',
        output: JSON.stringify(output),
      },
    });

    expect(startedChildOf(submitted('states', { ExecutionArn: MAIN, StartDate: 1 }))).toBe(MAIN);
    expect(startedChildOf(submitted('lambda', { ExecutionArn: MAIN }))).toBeUndefined();
  });
});

describe('Function: approvalQuestionOf', () => {
  it('reads the subject and message the waves execution published with the token', () => {
    const events: HistoryEvent[] = [
      {
        id: 7,
        timestamp: ts,
        type: 'TaskStateEntered',
        stateEnteredEventDetails: { name: 'RequestApproval' },
      },
      {
        id: 8,
        previousEventId: 7,
        timestamp: ts,
        type: 'TaskScheduled',
        taskScheduledEventDetails: {
          resourceType: 'sns',
          resource: 'publish.waitForTaskToken',
          region: 'us-east-1',
          parameters: JSON.stringify({
            TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
            Subject: 'DRS orchestration: approve wave 2 of 3 (app, drill)',
            Message: 'Wave 2 of 3 ...',
            MessageAttributes: { TaskToken: { DataType: 'String', StringValue: 'tok' } },
          }),
        },
      },
    ];

    expect(approvalQuestionOf(events, 'tok')).toEqual({
      subject: 'DRS orchestration: approve wave 2 of 3 (app, drill)',
      message: 'Wave 2 of 3 ...',
    });
  });
});

describe('Function: fetchedReportProblem', () => {
  const source = buildEvidence({
    kind: 'action',
    rootArn: MAIN,
    histories: new Map([
      [
        MAIN,
        [{ type: 'ExecutionStarted', timestamp: ts, details: { input: '{"action":"drill","tags":{}}' } }],
      ],
    ]),
    generatedAt: ts.toISOString(),
  });
  const json = `${JSON.stringify(source)}\n`;

  it('accepts a page that prints the SHA-256 of its JSON source', () => {
    expect(fetchedReportProblem(json, renderReportHtml(source, json))).toBeUndefined();
  });

  it('refuses a page whose printed SHA-256 is not the JSON it came with, naming both', () => {
    const other = json.replace('run-1', 'run-2');

    expect(fetchedReportProblem(other, renderReportHtml(source, json))).toMatch(
      /^its report\.html prints SHA-256 [0-9a-f]{64} but report\.json hashes to [0-9a-f]{64}$/,
    );
  });

  it('refuses a JSON that is not a report', () => {
    expect(fetchedReportProblem('{', '')).toMatch(/^its report\.json is not a report: /);
    expect(fetchedReportProblem('{"a":1,"a":2}', '')).toMatch(
      /^its report\.json is not a report: duplicate key "a"/,
    );
    expect(fetchedReportProblem('{}', '')).toMatch(
      /^its report\.json is not a valid report \(schemas\/report\.schema\.json\): \/reportVersion is required; .*\/execution is required/,
    );
    const forged = JSON.stringify({ ...source, totals: { ...source.totals, servers: '<script>' } });
    expect(fetchedReportProblem(forged, renderReportHtml(source, forged))).toMatch(
      /^its report\.json is not a valid report \(schemas\/report\.schema\.json\): \/totals\/servers must be integer, got string/,
    );
  });
});

describe('Function: regionOfArn', () => {
  it('reads the region of a state machine ARN', () => {
    expect(regionOfArn(ARN)).toBe('us-east-1');
  });
});
