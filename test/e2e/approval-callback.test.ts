/**
 * An approval (`sns:publish.waitForTaskToken`) is a task token like any other: it waits in the
 * runtime's one registry, SendTaskHeartbeat keeps it alive past `HeartbeatSeconds`, none fails it
 * with `States.HeartbeatTimeout`, `TimeoutSeconds` fails it with `States.Timeout`, a late answer
 * gets TaskTimedOut, and SendTask* are authorized on the state machine that holds the token. The
 * answers travel over the wire: the real SFN client against the emulator, which routes them to
 * the waiting Task. Time is discrete; the test holds the clock while its answer travels.
 */
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/index.js';
import {
  type AslObject,
  type HistoryEvent,
  type RuntimeEvent,
  runStateMachine,
  taskTokenOwner,
} from '../../src/runtime/index.js';
import { startWorld, TOPIC_ARN, type World } from './world.js';

const WAVES = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-waves';

/** One approval Task, as in waves.asl.json, with a heartbeat limit. */
const APPROVAL: AslObject = {
  StartAt: 'RequestApproval',
  States: {
    RequestApproval: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
      Parameters: {
        TopicArn: TOPIC_ARN,
        Subject: 'DRS orchestration: approve wave 1 of 1 (db, drill)',
        'Message.$': "States.Format('approve with the token {}', $$.Task.Token)",
        MessageAttributes: { TaskToken: { DataType: 'String', 'StringValue.$': '$$.Task.Token' } },
      },
      HeartbeatSeconds: 60,
      TimeoutSeconds: 3600,
      End: true,
    },
  },
};

/** Runs the waves machine on one wave that needs approval; `onApproval` is told its token. */
function runOneWave(w: World, timeoutSeconds: number, onApproval: (token: string) => void) {
  return w.run(
    'waves',
    {
      action: 'drill',
      approval: { topicArn: TOPIC_ARN, timeoutSeconds },
      waves: [{ name: 'db', tags: { 'DR-Test': 'single' }, approval: true }],
    },
    undefined,
    (e) => {
      if (e.type === 'ApprovalRequested') onApproval(e.request.token);
    },
  );
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (err) {
    return (err as Error).name;
  }
}

describe('E2E: an approval waits for its task token like every .waitForTaskToken Task', () => {
  let world: World | undefined;
  let sfn: SFNClient | undefined;
  afterEach(async () => {
    sfn?.destroy();
    sfn = undefined;
    await world?.stop();
    world = undefined;
  });

  async function open(): Promise<{ w: World; client: SFNClient }> {
    const w = await startWorld();
    world = w;
    sfn = new SFNClient({ endpoint: w.emu.endpoint, region: 'us-east-1', credentials: w.emu.credentials });
    return { w, client: sfn };
  }

  /** Runs the one-approval machine; `onApproval` is told the token when the approval is announced. */
  async function runApproval(w: World, onApproval: (token: string) => void) {
    const history: HistoryEvent[] = [];
    const result = await runStateMachine({
      machine: 'main',
      input: {},
      env: { ...w.env, definitions: { main: APPROVAL } },
      onEvent: (e: RuntimeEvent) => {
        if (e.type === 'ApprovalRequested') onApproval(e.request.token);
      },
      onHistory: (_, event) => history.push(event),
    });
    return { result, types: history.map((e) => e.type) };
  }

  it('fails with States.HeartbeatTimeout when no SendTaskHeartbeat comes within HeartbeatSeconds; a late SendTaskSuccess gets TaskTimedOut', async () => {
    const { w, client } = await open();
    let token = '';
    const startMs = w.emu.clock.now().getTime();

    const { result, types } = await runApproval(w, (t) => {
      token = t;
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.HeartbeatTimeout');
    expect(types).toContain('TaskTimedOut');
    // The heartbeat limit ended it, not the 3,600 s timeout.
    expect(w.emu.clock.now().getTime() - startMs).toBe(60_000);
    // The token belongs to the machine that held it, and is closed.
    expect(taskTokenOwner(token)).toBe(
      'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main',
    );
    expect(await errorOf(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })))).toBe(
      'TaskTimedOut',
    );
  });

  it('lives past HeartbeatSeconds while SendTaskHeartbeat arrives over the wire, then returns SendTaskSuccess’s output', async () => {
    const { w, client } = await open();
    const scheduler = w.scheduler;
    if (!scheduler) throw new Error('the world runs in discrete time');
    const startMs = w.emu.clock.now().getTime();
    let beats = 0;

    // Three heartbeats 50 s apart (150 s in all, well past HeartbeatSeconds 60), then the approval.
    const answer = async (taskToken: string): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        const release = scheduler.hold('the test sends a heartbeat');
        await client.send(new SendTaskHeartbeatCommand({ taskToken }));
        beats += 1;
        // Registered before the hold is released, so the clock stops there, before the 60 s limit.
        const next = scheduler.sleep(50_000);
        release();
        await next;
      }
      const release = scheduler.hold('the test approves');
      await client
        .send(
          new SendTaskSuccessCommand({
            taskToken,
            output: JSON.stringify({ approved: true, approvedBy: 'alice' }),
          }),
        )
        .finally(release);
    };
    let answering: Promise<void> | undefined;

    const { result, types } = await runApproval(w, (token) => {
      answering = answer(token);
    });
    await answering;

    expect(beats).toBe(3);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ approved: true, approvedBy: 'alice' });
    expect(types).not.toContain('TaskTimedOut');
    expect(w.emu.clock.now().getTime() - startMs).toBe(150_000);
    expect(w.emu.state.callTotal({ service: 'states', operation: 'SendTaskHeartbeat' })).toBe(3);
  });

  it('the waves machine: an approval nobody answers times out after its timeoutSeconds; a late SendTaskSuccess gets TaskTimedOut', async () => {
    const { w, client } = await open();
    let token = '';

    const result = await runOneWave(w, 600, (taskToken) => {
      token = taskToken;
    });

    expect(result.output).toMatchObject({ status: 'timeout', stoppedAtWave: 1, wavesRun: 0 });
    const late = client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
    expect(await errorOf(late)).toBe('TaskTimedOut');
    expect(w.emu.drs.instances()).toHaveLength(0);
  });

  it('authorizes SendTask* on the waves machine holding the token: the executors’ callback role (main machine only) is denied', async () => {
    const { w, client } = await open();
    const asCallbackRole = createAwsPorts({
      endpoint: w.emu.endpoint,
      credentials: w.emu.credentials,
      region: 'us-east-1',
      now: () => w.emu.clock.now(),
      sleep: async () => {},
    }).account({
      accountId: '123456789012',
      region: 'us-east-1',
      roleArn: 'arn:aws:iam::123456789012:role/DRS-Orchestration-Executor-Callback',
      alwaysAssume: true,
      via: {
        accountId: '111111111111',
        region: 'us-east-2',
        roleArn: 'arn:aws:iam::111111111111:role/DRS-Orchestration-Role',
      },
    }).callbacks;
    const denied: unknown[] = [];
    let answered: Promise<unknown> | undefined;

    const result = await runOneWave(w, 3600, (taskToken) => {
      const release = w.scheduler?.hold('the test answers the approval');
      answered = (async () => {
        denied.push(
          await asCallbackRole.sendTaskSuccess(taskToken, '{"approved":true}').catch((x: unknown) => x),
        );
        denied.push(await asCallbackRole.sendTaskHeartbeat(taskToken).catch((x: unknown) => x));
        // The orchestrator's operator may: the rejection reaches the Task.
        await client.send(
          new SendTaskFailureCommand({
            taskToken,
            error: 'ApprovalRejected',
            cause: 'not through this role',
          }),
        );
      })().finally(() => release?.());
    });
    await answered;

    expect(denied).toHaveLength(2);
    for (const d of denied) expect(d).toMatchObject({ name: 'AccessDenied' });
    expect(String((denied[0] as Error).message)).toContain(`states:SendTaskSuccess on resource: ${WAVES}`);
    expect(result.output).toMatchObject({ status: 'rejected', reason: 'not through this role', wavesRun: 0 });
  });
});
