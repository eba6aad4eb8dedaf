import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import type { TargetOptions } from '../../../src/cli/program.js';
import type { ProgressEvent } from '../../../src/cli/session.js';
import { HistoryTracker, openSfnSession, regionOfArn } from '../../../src/cli/targets/sfn.js';
import { sampleOutput } from './fakes.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main';
const EXEC = 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-main:run-1';

const ts = new Date('2025-01-06T09:00:00Z');

function history(): HistoryEvent[] {
  const summary = {
    accountId: '111111111111',
    region: 'us-east-2',
    status: 'success',
    serversProcessed: 4,
    succeeded: 4,
    failed: 0,
    timedOut: 0,
    skipped: 0,
    jobIds: [],
  };
  return [
    { id: 1, timestamp: ts, type: 'ExecutionStarted', executionStartedEventDetails: {} },
    {
      id: 2,
      previousEventId: 1,
      timestamp: ts,
      type: 'TaskStateEntered',
      stateEnteredEventDetails: { name: 'ValidateInput' },
    },
    {
      id: 3,
      previousEventId: 2,
      timestamp: ts,
      type: 'MapStateEntered',
      stateEnteredEventDetails: { name: 'ExecutePerAccount' },
    },
    {
      id: 4,
      previousEventId: 3,
      timestamp: ts,
      type: 'TaskScheduled',
      taskScheduledEventDetails: {
        resourceType: 'states',
        resource: 'startExecution.sync:2',
        region: 'us-east-2',
        parameters: JSON.stringify({
          StateMachineArn: 'x',
          Input: { account: { accountId: '111111111111' } },
        }),
      },
    },
    {
      id: 5,
      previousEventId: 3,
      timestamp: ts,
      type: 'TaskScheduled',
      taskScheduledEventDetails: {
        resourceType: 'states',
        resource: 'startExecution.sync:2',
        region: 'us-east-2',
        parameters: JSON.stringify({ Input: JSON.stringify({ account: { accountId: '333333333333' } }) }),
      },
    },
    {
      id: 6,
      previousEventId: 4,
      timestamp: ts,
      type: 'TaskStarted',
      taskStartedEventDetails: { resourceType: 'states', resource: 'startExecution.sync:2' },
    },
    {
      id: 7,
      previousEventId: 5,
      timestamp: ts,
      type: 'TaskStarted',
      taskStartedEventDetails: { resourceType: 'states', resource: 'startExecution.sync:2' },
    },
    {
      id: 8,
      previousEventId: 6,
      timestamp: ts,
      type: 'TaskSucceeded',
      taskSucceededEventDetails: {
        resourceType: 'states',
        resource: 'startExecution.sync:2',
        output: JSON.stringify({ Status: 'SUCCEEDED', Output: summary }),
      },
    },
    {
      id: 9,
      previousEventId: 7,
      timestamp: ts,
      type: 'TaskFailed',
      taskFailedEventDetails: {
        resourceType: 'states',
        resource: 'startExecution.sync:2',
        error: 'States.TaskFailed',
        cause: 'denied',
      },
    },
    {
      id: 10,
      previousEventId: 9,
      timestamp: ts,
      type: 'TaskStateEntered',
      stateEnteredEventDetails: { name: 'AggregateResults' },
    },
    {
      id: 11,
      previousEventId: 10,
      timestamp: ts,
      type: 'ExecutionSucceeded',
      executionSucceededEventDetails: {},
    },
  ];
}

describe('Class: HistoryTracker', () => {
  it('turns main-machine history into state and per-account progress events', () => {
    const tracker = new HistoryTracker();

    const events = history().flatMap((e) => tracker.map(e));

    expect(events).toEqual([
      { type: 'ExecutionStarted', machine: 'main' },
      { type: 'StateEntered', machine: 'main', state: 'ValidateInput' },
      { type: 'StateEntered', machine: 'main', state: 'ExecutePerAccount' },
      { type: 'ExecutionStarted', machine: 'executor', accountId: '111111111111' },
      { type: 'ExecutionStarted', machine: 'executor', accountId: '333333333333' },
      {
        type: 'AccountProgress',
        accountId: '111111111111',
        discovered: 4,
        launching: 0,
        launched: 4,
        failed: 0,
      },
      { type: 'ExecutionSucceeded', machine: 'executor', accountId: '111111111111' },
      {
        type: 'ExecutionFailed',
        machine: 'executor',
        accountId: '333333333333',
        error: 'States.TaskFailed',
        cause: 'denied',
      },
      { type: 'StateEntered', machine: 'main', state: 'AggregateResults' },
      { type: 'ExecutionSucceeded', machine: 'main' },
    ]);
  });

  it('ignores Lambda tasks', () => {
    const tracker = new HistoryTracker();

    const events = tracker.map({
      id: 3,
      timestamp: ts,
      type: 'TaskScheduled',
      taskScheduledEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        region: 'us-east-1',
        parameters: '{}',
      },
    });

    expect(events).toEqual([]);
  });
});

describe('Function: regionOfArn', () => {
  it('reads the region of a state machine ARN', () => {
    expect(regionOfArn(ARN)).toBe('us-east-1');
  });
});

/**
 * A minimal Step Functions endpoint (json 1.0, X-Amz-Target) whose execution reveals three more
 * history events per poll and ends after the last one. The real SDK client talks to it over HTTP.
 */
function fakeStepFunctions(final: { status: string; output?: unknown; error?: string }) {
  const all = history();
  let visible = 2;
  const calls: { target: string; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
      const parsed = JSON.parse(body || '{}') as Record<string, unknown>;
      calls.push({ target, body: parsed });
      let answer: unknown;
      if (target === 'StartExecution') answer = { executionArn: EXEC, startDate: ts.getTime() / 1000 };
      else if (target === 'GetExecutionHistory') {
        // Pages of 4 events; the token is the index of the first event of the next page.
        const from = Number(parsed.nextToken ?? 0);
        const events = all
          .slice(from, Math.min(from + 4, visible))
          .map((e) => ({ ...e, timestamp: ts.getTime() / 1000 }));
        const next = from + 4 < visible ? String(from + 4) : undefined;
        answer = { events, ...(next !== undefined && { nextToken: next }) };
      } else if (target === 'DescribeExecution') {
        const done = visible >= all.length;
        visible = Math.min(all.length, visible + 3);
        answer = {
          executionArn: EXEC,
          stateMachineArn: ARN,
          status: done ? final.status : 'RUNNING',
          startDate: ts.getTime() / 1000,
          ...(done && final.output !== undefined && { output: JSON.stringify(final.output) }),
          ...(done && final.error !== undefined && { error: final.error }),
        };
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(answer));
    });
  });
  return { server, calls };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function start(final: { status: string; output?: unknown; error?: string }) {
  const fake = fakeStepFunctions(final);
  servers.push(fake.server);
  await new Promise<void>((r) => fake.server.listen(0, '127.0.0.1', r));
  const port = (fake.server.address() as AddressInfo).port;
  const target: TargetOptions = {
    target: 'sfn',
    fleet: 'demo',
    timeScale: 1,
    stateFile: 'unused',
    reset: false,
    stateMachineArn: ARN,
    pollSeconds: 5,
  };
  const client = new SFNClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const sleeps: number[] = [];
  const session = openSfnSession({
    target,
    client,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { session, calls: fake.calls, sleeps };
}

describe('Function: openSfnSession', () => {
  it('starts the execution with the input, follows its history once per event, and returns its output', async () => {
    const output = sampleOutput('success');
    const { session, calls, sleeps } = await start({ status: 'SUCCEEDED', output });
    const events: ProgressEvent[] = [];

    const outcome = await session.run({ action: 'drill', tags: { 'DR-Wave': '1' } }, (e) => events.push(e));
    await session.close();

    expect(outcome).toEqual({ status: 'SUCCEEDED', output });
    expect(calls[0]).toEqual({
      target: 'StartExecution',
      body: { stateMachineArn: ARN, input: '{"action":"drill","tags":{"DR-Wave":"1"}}' },
    });
    const progress = events.filter((e) => e.type !== 'Message');
    expect(progress).toHaveLength(10);
    expect(progress.filter((e) => e.type === 'StateEntered').map((e) => 'state' in e && e.state)).toEqual([
      'ValidateInput',
      'ExecutePerAccount',
      'AggregateResults',
    ]);
    expect(sleeps.length).toBeGreaterThan(0);
    expect(sleeps.every((ms) => ms === 5000)).toBe(true);
  });

  it('reports a failed execution with its error', async () => {
    const { session } = await start({ status: 'FAILED', error: 'States.Runtime' });

    const outcome = await session.run({ action: 'status', tags: { A: '1' } }, () => {});

    expect(outcome).toEqual({ status: 'FAILED', error: 'States.Runtime' });
  });
});
