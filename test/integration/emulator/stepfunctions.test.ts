import { readFileSync } from 'node:fs';
import type { DrsClient } from '@aws-sdk/client-drs';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalWorkflows } from '../../../src/cli/targets/serve-workflows.js';
import { assertOrchestrationOutput } from '../../../src/contract/index.js';
import { type Emulator, startEmulator } from '../../../src/emulator/index.js';
import { errorMismatches, outputMismatches } from '../../_helpers/aws-model-shape.js';
import { type RecordedResponse, recordResponses, sessionFor } from '../../_helpers/emulator.js';

const ORCHESTRATOR = '123456789012';
const MAIN_ASL: unknown = JSON.parse(
  readFileSync(new URL('../../../statemachines/main-orchestrator.asl.json', import.meta.url), 'utf8'),
);
const MAIN = `arn:aws:states:us-east-1:${ORCHESTRATOR}:stateMachine:drs-orchestration-main`;
const executorOf = (accountId: string) =>
  `arn:aws:states:us-east-2:${accountId}:stateMachine:drs-staging-account-executor`;
// A generous maxWaitMinutes: on a loaded machine a high time scale lets virtual time outrun the polls.
const SINGLE_DRILL = {
  action: 'drill',
  tags: { 'DR-Test': 'single' },
  options: { isDrill: true, maxWaitMinutes: 1440 },
};

function sfnClient(
  emu: Emulator,
  region = 'us-east-1',
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = emu.credentials,
): SFNClient {
  return new SFNClient({ endpoint: emu.endpoint, region, credentials, maxAttempts: 1 });
}

/** A client whose raw responses are kept for the model check. */
function recordingClient(emu: Emulator, records: RecordedResponse[][]): SFNClient {
  const client = sfnClient(emu);
  records.push(recordResponses(client as unknown as DrsClient));
  return client;
}

function modelMismatches(records: readonly RecordedResponse[][]): string[] {
  return records.flat().flatMap((r) => {
    const body: unknown = r.body.trim() === '' ? {} : JSON.parse(r.body);
    if (r.status < 300) return outputMismatches('stepfunctions', r.operation, body);
    const { __type: type = '', ...members } = body as { __type?: string };
    return errorMismatches('stepfunctions', type.slice(type.lastIndexOf('#') + 1), members);
  });
}

async function waitForEnd(client: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  for (;;) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An execution's history followed by its Distributed Map children's (ListExecutions by map run). */
async function withMapRunChildren(client: SFNClient, executionArn: string) {
  const { events } = await fullHistory(client, executionArn, 1000);
  const mapRunArn = events.find((e) => e.type === 'MapRunStarted')?.mapRunStartedEventDetails?.mapRunArn;
  if (!mapRunArn) return events;
  const children = await client.send(new ListExecutionsCommand({ mapRunArn }));
  const theirs = await Promise.all(
    (children.executions ?? []).map(
      async (c) => (await fullHistory(client, c.executionArn ?? '', 1000)).events,
    ),
  );
  return [...events, ...theirs.flat()];
}

async function fullHistory(client: SFNClient, executionArn: string, pageSize: number, reverseOrder = false) {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: pageSize, reverseOrder, nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
    pages += 1;
  } while (nextToken !== undefined);
  return { events, pages };
}

describe('emulator Step Functions API: a drill on the demo fleet', () => {
  let emu: Emulator;
  let sfn: SFNClient;
  const records: RecordedResponse[][] = [];
  let executionArn = '';
  let described: DescribeExecutionCommandOutput;

  beforeAll(async () => {
    emu = await startEmulator({
      fleet: 'demo',
      // Time-scaled: HTTP calls take virtual time too. At 300x the waiting Task's 900 s heartbeat
      // window is 3 s of wall time, well above a poll's, so the callback path is deterministic.
      timeScale: 300,
      startTime: '2025-01-06T09:00:00.000Z',
      stepFunctions: await loadLocalWorkflows(),
    });
    sfn = recordingClient(emu, records);
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: MAIN,
        name: 'drill-one',
        input: JSON.stringify(SINGLE_DRILL),
      }),
    );
    executionArn = started.executionArn ?? '';
    described = await waitForEnd(sfn, executionArn);
  }, 120_000);
  afterAll(() => emu.stop());

  it('runs the main workflow to SUCCEEDED with a design 3.2 output for the one DR-Test=single server', () => {
    expect(executionArn).toBe(
      `arn:aws:states:us-east-1:${ORCHESTRATOR}:execution:drs-orchestration-main:drill-one`,
    );
    expect(described.status).toBe('SUCCEEDED');
    const output: unknown = JSON.parse(described.output ?? 'null');
    assertOrchestrationOutput(output);
    expect(output).toMatchObject({
      status: 'success',
      action: 'drill',
      summary: { totalServers: 1, succeeded: 1 },
    });
    expect(JSON.parse(described.input ?? '')).toEqual(SINGLE_DRILL);
    expect(described.stopDate?.getTime()).toBeGreaterThan(described.startDate?.getTime() ?? Infinity);
    const drills = emu.drs.instances().filter((i) => i.instance.isDrill);
    expect(drills).toHaveLength(1);
  });

  it("records the history as Step Functions does: started, Lambda tasks (the executor started and polled by two of them in the account's map run child), succeeded", async () => {
    const root = await fullHistory(sfn, executionArn, 1000);
    const rootTypes = root.events.map((e) => e.type);
    // The per-account Map is distributed: the root records the map run, its child the account.
    const mapRunArn = root.events.find((e) => e.type === 'MapRunStarted')?.mapRunStartedEventDetails
      ?.mapRunArn;
    expect(mapRunArn).toMatch(/:mapRun:drs-orchestration-main\/AccountExecutors:/);
    expect(rootTypes).toEqual(
      expect.arrayContaining(['MapStateEntered', 'MapRunStarted', 'MapRunSucceeded', 'MapStateExited']),
    );
    expect(rootTypes.filter((t) => t?.startsWith('MapIteration'))).toEqual([]);
    const children = await sfn.send(new ListExecutionsCommand({ mapRunArn }));
    expect(children.executions).toHaveLength(1);
    const child = await fullHistory(sfn, children.executions?.[0]?.executionArn ?? '', 1000);
    // The history of the run as a whole: the root's with the child's in place of the map run.
    const at = root.events.findIndex((e) => e.type === 'MapRunStarted');
    const events = [...root.events.slice(0, at), ...child.events.slice(1, -1), ...root.events.slice(at)].map(
      (e, i) => ({ ...e, id: i + 1 }),
    );
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(JSON.parse(events[0]?.executionStartedEventDetails?.input ?? '')).toEqual(SINGLE_DRILL);
    expect(events.at(-1)?.executionSucceededEventDetails?.output).toBe(described.output);
    const entered = events
      .filter((e) => e.type === 'TaskStateEntered')
      .map((e) => e.stateEnteredEventDetails?.name);
    expect(entered).toEqual(
      expect.arrayContaining([
        'ValidateInput',
        'DiscoverServers',
        'PartitionByAccount',
        'RunAccountExecutor',
      ]),
    );
    const lambdas = events
      .filter((e) => e.type === 'LambdaFunctionScheduled')
      .map((e) => e.lambdaFunctionScheduledEventDetails?.resource?.split(':').pop());
    // The executor runs in the staging account's Region: started by a task function invoked by a
    // lambda:invoke.waitForTaskToken Task (no Step Functions integration crosses Regions), which
    // then waits for the executor's callback: no poll of the main workflow's. After aggregation,
    // the evidence report is written to the results bucket.
    expect(lambdas).toEqual([
      'drs-orchestration-validate',
      'drs-orchestration-discover',
      'drs-orchestration-partition',
      'drs-orchestration-aggregate',
      'drs-orchestration-write-report',
    ]);
    expect(types.filter((t) => t === 'LambdaFunctionFailed')).toHaveLength(0);
    expect(types).toEqual(expect.arrayContaining(['MapStateEntered', 'MapRunStarted', 'MapStateExited']));
    const scheduled = events.filter((e) => e.type === 'TaskScheduled');
    expect(scheduled.map((e) => e.taskScheduledEventDetails?.resourceType)).toEqual(['lambda']);
    expect(scheduled[0]?.taskScheduledEventDetails?.resource).toBe('invoke.waitForTaskToken');
    expect(JSON.parse(scheduled[0]?.taskScheduledEventDetails?.parameters ?? '{}').FunctionName).toMatch(
      /:function:drs-orchestration-start-executor$/,
    );
    // start-executor named the executor in the staging account's Region and account (its answer
    // is the Task's TaskSubmitted); the executor's callback is the Task's result.
    const [server] = emu.drs.instances();
    const submitted = events.find((e) => e.type === 'TaskSubmitted');
    const executorArn = JSON.parse(submitted?.taskSubmittedEventDetails?.output ?? '{}').Payload
      ?.executionArn;
    expect(executorArn).toMatch(
      new RegExp(`^${executorOf(server?.accountId ?? '').replace(':stateMachine:', ':execution:')}:`),
    );
    const succeeded = events.find((e) => e.type === 'TaskSucceeded');
    expect(JSON.parse(succeeded?.taskSucceededEventDetails?.output ?? '{}')).toMatchObject({
      accountId: server?.accountId,
      status: 'success',
    });
  });

  it('pages the history forwards and in reverse with the same events', async () => {
    const all = await fullHistory(sfn, executionArn, 1000);
    const paged = await fullHistory(sfn, executionArn, 7);
    const reversed = await fullHistory(sfn, executionArn, 9, true);

    expect(paged.pages).toBe(Math.ceil(all.events.length / 7));
    expect(paged.events).toEqual(all.events);
    expect(reversed.events).toEqual([...all.events].reverse());
  });

  it('leaves execution data out of the history when asked', async () => {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 3, includeExecutionData: false }),
    );

    expect(page.events?.[0]?.executionStartedEventDetails).toBeDefined();
    expect(page.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
    expect(page.events).toHaveLength(3);
  });

  it('lets the staging account see the executor execution the drill started', async () => {
    const [server] = emu.drs.instances();
    const accountId = server?.accountId ?? '';
    const staging = sfnClient(emu, 'us-east-2', sessionFor(emu, accountId));

    const listed = await staging.send(new ListExecutionsCommand({ stateMachineArn: executorOf(accountId) }));

    // Other tests of this block may start executors there too: the drill's is named after it.
    const mainName = (executionArn ?? '').split(':').pop();
    const ours = (listed.executions ?? []).filter((e) => e.name === `${mainName}-${accountId}`);
    expect(ours).toHaveLength(1);
    expect(ours[0]?.status).toBe('SUCCEEDED');
    const child = await staging.send(new DescribeExecutionCommand({ executionArn: ours[0]?.executionArn }));
    expect(JSON.parse(child.output ?? '{}')).toMatchObject({ accountId, succeeded: 1 });
    // ... and the orchestrator cannot read a staging account's execution.
    await expect(
      sfn.send(new DescribeExecutionCommand({ executionArn: child.executionArn })),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    staging.destroy();
  });

  it('fails an execution whose input the validate task rejects, with the error and cause', async () => {
    const { executionArn: failedArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: MAIN,
        input: JSON.stringify({ action: 'dril', tags: {} }),
      }),
    );

    const done = await waitForEnd(sfn, failedArn ?? '');

    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('ValidationError');
    expect(done.cause).toContain('action');
    const { events } = await fullHistory(sfn, failedArn ?? '', 1000);
    expect(events.at(-1)?.type).toBe('ExecutionFailed');
    expect(events.at(-1)?.executionFailedEventDetails?.error).toBe('ValidationError');
    expect(events.map((e) => e.type)).toContain('FailStateEntered');
  });

  it('answers every response and error in the shapes of the Step Functions model', async () => {
    await sfn.send(new ListExecutionsCommand({ stateMachineArn: MAIN, maxResults: 1 }));
    await expect(
      sfn.send(new DescribeExecutionCommand({ executionArn: `${executionArn}x` })),
    ).rejects.toThrow();
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: MAIN, name: 'drill-one', input: '{}' })),
    ).rejects.toThrow();

    expect(records.flat().length).toBeGreaterThan(5);
    expect(modelMismatches(records)).toEqual([]);
  });

  it('stops an executor from its staging account: the account fails with ExecutorAborted, the run still aggregates', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: MAIN,
        name: 'child-stop',
        input: JSON.stringify(SINGLE_DRILL),
      }),
    );
    // The account of the one DR-Test=single server runs the only executor.
    const accountId =
      emu.state.accounts().find((a) =>
        emu.drs
          .account(a.accountId)
          ?.servers()
          .some((srv) => srv.tags?.['DR-Test'] === 'single'),
      )?.accountId ?? '';
    const staging = sfnClient(emu, 'us-east-2', sessionFor(emu, accountId));
    // start-executor names the executor after the main execution and the account.
    const childArn = `${executorOf(accountId).replace(':stateMachine:', ':execution:')}:child-stop-${accountId}`;
    // Wait until start-executor has started it (its answer is the waiting Task's TaskSubmitted).
    for (;;) {
      const events = await withMapRunChildren(sfn, executionArn ?? '');
      const started = events.some((e) => (e.taskSubmittedEventDetails?.output ?? '').includes(childArn));
      if (started) break;
      await new Promise((r) => setTimeout(r, 20));
    }

    await staging.send(
      new StopExecutionCommand({ executionArn: childArn, error: 'Manual', cause: 'stop one account' }),
    );
    const parent = await waitForEnd(sfn, executionArn ?? '');
    const child = await staging.send(new DescribeExecutionCommand({ executionArn: childArn }));
    const events = await withMapRunChildren(sfn, executionArn ?? '');
    staging.destroy();

    expect(child).toMatchObject({ status: 'ABORTED', error: 'Manual', cause: 'stop one account' });
    // No callback came: the waiting Task ran out of heartbeats and the executor was described.
    expect(events.find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails?.error).toBe(
      'States.HeartbeatTimeout',
    );
    const failed = events.filter((e) => e.type === 'LambdaFunctionFailed').at(-1);
    expect(failed?.lambdaFunctionFailedEventDetails?.error).toBe('ExecutorAborted');
    expect(parent.status).toBe('SUCCEEDED');
    const out = JSON.parse(parent.output ?? '{}');
    expect(out).toMatchObject({ status: 'failed' });
    expect(out.stagingAccountResults).toEqual([
      expect.objectContaining({ accountId, status: 'failed', errorCode: 'ExecutorAborted' }),
    ]);
  });
});

describe('emulator Step Functions API: operations and errors', () => {
  let emu: Emulator;
  let sfn: SFNClient;

  beforeAll(async () => {
    // Real time: a started drill stays RUNNING (its DRS job takes minutes) while the test runs.
    emu = await startEmulator({
      fleet: 'demo',
      timeScale: 1,
      startTime: '2025-01-06T09:00:00.000Z',
      stepFunctions: await loadLocalWorkflows(),
    });
    sfn = sfnClient(emu);
  });
  afterAll(() => emu.stop());

  it('is idempotent for the same name and input while running, and refuses a different input', async () => {
    const input = JSON.stringify(SINGLE_DRILL);
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: MAIN, name: 'same', input }));

    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: MAIN, name: 'same', input }));

    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    await expect(
      sfn.send(
        new StartExecutionCommand({ stateMachineArn: MAIN, name: 'same', input: '{"action":"status"}' }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await sfn.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    // A closed execution's name cannot be reused, whatever the input.
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: MAIN, name: 'same', input })),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('stops a running execution: ABORTED with the given error and cause, last event ExecutionAborted', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: MAIN,
        name: 'to-stop',
        input: JSON.stringify(SINGLE_DRILL),
      }),
    );

    const stopped = await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Manual', cause: 'test stop' }),
    );

    expect(stopped.stopDate).toBeInstanceOf(Date);
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(d).toMatchObject({ status: 'ABORTED', error: 'Manual', cause: 'test stop' });
    expect(d.stopDate).toEqual(stopped.stopDate);
    const last = (
      await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }))
    ).events?.[0];
    expect(last?.type).toBe('ExecutionAborted');
    expect(last?.executionAbortedEventDetails).toEqual({ error: 'Manual', cause: 'test stop' });
    // Stopping again changes nothing.
    const again = await sfn.send(new StopExecutionCommand({ executionArn }));
    expect(again.stopDate).toEqual(stopped.stopDate);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).error).toBe('Manual');
  });

  it('lists executions newest first, filtered by status and paged', async () => {
    const names = ['list-a', 'list-b', 'list-c'];
    for (const name of names) {
      await sfn.send(
        new StartExecutionCommand({ stateMachineArn: MAIN, name, input: JSON.stringify(SINGLE_DRILL) }),
      );
      emu.clock.advance(1000);
    }
    await sfn.send(
      new StopExecutionCommand({
        executionArn: `arn:aws:states:us-east-1:${ORCHESTRATOR}:execution:drs-orchestration-main:list-b`,
      }),
    );

    const all: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: MAIN, maxResults: 2, nextToken }),
      );
      expect(page.executions?.length).toBeLessThanOrEqual(2);
      all.push(...(page.executions ?? []).map((e) => e.name ?? ''));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    const aborted = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: MAIN, statusFilter: 'ABORTED' }),
    );

    const ours = all.filter((n) => names.includes(n));
    expect(ours).toEqual(['list-c', 'list-b', 'list-a']);
    expect(aborted.executions?.map((e) => e.name)).toContain('list-b');
    expect(aborted.executions?.map((e) => e.name)).not.toContain('list-c');
    expect(aborted.executions?.every((e) => e.status === 'ABORTED')).toBe(true);
  });

  it('answers the modelled errors for bad ARNs, names, inputs and tokens', async () => {
    const missingMachine = `arn:aws:states:us-east-1:${ORCHESTRATOR}:stateMachine:nope`;
    const missingExecution = `arn:aws:states:us-east-1:${ORCHESTRATOR}:execution:drs-orchestration-main:nope`;
    const cases: [Promise<unknown>, string][] = [
      [sfn.send(new StartExecutionCommand({ stateMachineArn: missingMachine })), 'StateMachineDoesNotExist'],
      [sfn.send(new StartExecutionCommand({ stateMachineArn: 'not-an-arn' })), 'InvalidArn'],
      [sfn.send(new StartExecutionCommand({ stateMachineArn: missingExecution })), 'InvalidArn'],
      [
        sfn.send(new StartExecutionCommand({ stateMachineArn: MAIN, input: '{"action":' })),
        'InvalidExecutionInput',
      ],
      [sfn.send(new StartExecutionCommand({ stateMachineArn: MAIN, name: 'has space' })), 'InvalidName'],
      [
        sfn.send(new StartExecutionCommand({ stateMachineArn: MAIN, name: 'x'.repeat(81) })),
        'ValidationException',
      ],
      // The executor lives in the staging accounts, not in the orchestrator account.
      [
        sfn.send(new StartExecutionCommand({ stateMachineArn: executorOf(ORCHESTRATOR) })),
        'StateMachineDoesNotExist',
      ],
      [sfn.send(new DescribeExecutionCommand({ executionArn: missingExecution })), 'ExecutionDoesNotExist'],
      [sfn.send(new DescribeExecutionCommand({ executionArn: MAIN })), 'InvalidArn'],
      [sfn.send(new GetExecutionHistoryCommand({ executionArn: missingExecution })), 'ExecutionDoesNotExist'],
      [sfn.send(new StopExecutionCommand({ executionArn: missingExecution })), 'ExecutionDoesNotExist'],
      [sfn.send(new ListExecutionsCommand({ stateMachineArn: missingMachine })), 'StateMachineDoesNotExist'],
      [sfn.send(new ListExecutionsCommand({})), 'ValidationException'],
      [sfn.send(new ListExecutionsCommand({ stateMachineArn: MAIN, nextToken: 'bogus' })), 'InvalidToken'],
    ];
    for (const [call, name] of cases) await expect(call).rejects.toMatchObject({ name });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: MAIN,
        input: JSON.stringify({ action: 'status', tags: { 'DR-Wave': '1' } }),
      }),
    );
    await expect(
      sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken: 'bogus' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: MAIN }), {})).resolves.toMatchObject({
      executionArn: expect.stringContaining(':execution:drs-orchestration-main:'),
    });
  });

  it('hosts the state machines in the caller region only', async () => {
    const elsewhere = sfnClient(emu, 'us-west-2');

    await expect(elsewhere.send(new StartExecutionCommand({ stateMachineArn: MAIN }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    elsewhere.destroy();
  });

  it('lists the hosted state machines of the caller and Region by name, and describes one, in the model shapes', async () => {
    const records: RecordedResponse[][] = [];
    const client = recordingClient(emu, records);
    const all = await client.send(new ListStateMachinesCommand({}));
    const paged = await client.send(new ListStateMachinesCommand({ maxResults: 2 }));
    const rest = await client.send(
      new ListStateMachinesCommand({ maxResults: 2, nextToken: paged.nextToken }),
    );
    const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn: MAIN }));
    const staging = sfnClient(emu, 'us-east-2', sessionFor(emu, '111111111111'));
    const executor = await staging.send(new ListStateMachinesCommand({}));
    const missing = await client
      .send(new DescribeStateMachineCommand({ stateMachineArn: `${MAIN}-gone` }))
      .catch((e: unknown) => e);
    staging.destroy();

    const names = all.stateMachines?.map((m) => m.name);
    expect(names).toEqual([...(names ?? [])].sort());
    expect(names).toContain('drs-orchestration-main');
    expect(names).toHaveLength(emu.stateMachines(ORCHESTRATOR).length);
    expect([...(paged.stateMachines ?? []), ...(rest.stateMachines ?? [])].map((m) => m.name)).toEqual(
      names?.slice(0, 4),
    );
    expect(described).toMatchObject({
      stateMachineArn: MAIN,
      name: 'drs-orchestration-main',
      status: 'ACTIVE',
      type: 'STANDARD',
    });
    // The workflow's own ASL (statemachines/main-orchestrator.asl.json), not a stand-in.
    expect(JSON.parse(described.definition ?? '')).toEqual(MAIN_ASL);
    expect(executor.stateMachines?.map((m) => m.stateMachineArn)).toEqual([executorOf('111111111111')]);
    expect(missing).toMatchObject({ name: 'StateMachineDoesNotExist' });
    expect(modelMismatches(records)).toEqual([]);
  });
});

describe('emulator Step Functions API without a backend', () => {
  let emu: Emulator;

  beforeAll(async () => {
    emu = await startEmulator({ fleet: 'demo', timeScale: 1 });
  });
  afterAll(() => emu.stop());

  it('hosts no state machine: the emulator knows no workflow of its own', async () => {
    const sfn = sfnClient(emu);

    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: MAIN }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    expect(emu.stateMachines(ORCHESTRATOR)).toEqual([]);
    sfn.destroy();
  });
});
