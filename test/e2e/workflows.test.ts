import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApprovalRequest, RuntimeEvent } from '../../src/runtime/index.js';
import { output, serversTagged } from './helpers.js';
import { startWorld, TOPIC_ARN, type World } from './world.js';

/**
 * Answers each approval the run announces over the wire, as an operator's
 * `aws stepfunctions send-task-success|failure` would, on the emulator's Step Functions API (which
 * routes it to the waiting Task). The clock is held while the answer travels.
 */
function answerOverTheWire(
  w: World,
  requests: ApprovalRequest[],
  send: (token: string) => SendTaskSuccessCommand | SendTaskFailureCommand,
): (event: RuntimeEvent) => void {
  const sfn = new SFNClient({
    endpoint: w.emu.endpoint,
    region: 'us-east-1',
    credentials: w.emu.credentials,
  });
  return (event) => {
    if (event.type !== 'ApprovalRequested') return;
    requests.push(event.request);
    const release = w.scheduler?.hold('the test answers the approval');
    void sfn
      .send(send(event.request.token) as SendTaskSuccessCommand)
      .finally(() => release?.())
      .finally(() => sfn.destroy());
  };
}

describe('E2E: parent workflows', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('waves: runs wave 1, asks for approval, then runs wave 2 through the main machine', async () => {
    const requests: ApprovalRequest[] = [];
    world = await startWorld();
    const tags1 = { 'DR-Wave': '1', 'DR-Application': 'HRP' };
    const tags2 = { 'DR-Wave': '1', 'DR-Application': 'Connectors' };
    const expected = serversTagged(world, tags1).length + serversTagged(world, tags2).length;

    const result = await world.run(
      'waves',
      {
        action: 'drill',
        approval: { topicArn: TOPIC_ARN, timeoutSeconds: 3600 },
        waves: [{ tags: tags1 }, { tags: tags2, approval: true }],
      },
      undefined,
      answerOverTheWire(
        world,
        requests,
        (taskToken) => new SendTaskSuccessCommand({ taskToken, output: '{"approved":true}' }),
      ),
    );

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({
      status: 'success',
      wavesRun: 2,
      waves: { wave1: { status: 'success' }, wave2: { status: 'success' } },
    });
    output((result.output as { lastWaveOutput: unknown }).lastWaveOutput);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.message).toContain('aws stepfunctions send-task-success --task-token');
    // The operator sees the servers of the wave to approve, not only its tags.
    const wave2 = serversTagged(world, tags2);
    expect(requests[0]?.message).toContain(`Servers of this wave: ${wave2.length} server(s) in `);
    for (const s of wave2) expect(requests[0]?.message).toContain(`(${s.id}, account ${s.accountId})`);
    for (const s of serversTagged(world, tags1)) expect(requests[0]?.message).not.toContain(s.id);
    expect(world.emu.drs.instances()).toHaveLength(expected);
  });

  it('waves: the approval message of a large wave names its first 50 servers and counts the rest, far below SNS 256 KB', async () => {
    const requests: ApprovalRequest[] = [];
    world = await startWorld();
    const tags = { 'DR-Wave': '1' };
    const total = serversTagged(world, tags).length;

    const result = await world.run(
      'waves',
      {
        action: 'drill',
        approval: { topicArn: TOPIC_ARN, timeoutSeconds: 3600 },
        waves: [{ name: 'everything', tags, approval: true }],
      },
      undefined,
      answerOverTheWire(
        world,
        requests,
        (taskToken) =>
          new SendTaskFailureCommand({
            taskToken,
            error: 'ApprovalRejected',
            cause: 'checking the message only',
          }),
      ),
    );

    expect(result.output).toMatchObject({ status: 'rejected' });
    const message = requests[0]?.message ?? '';
    expect(total).toBeGreaterThan(50);
    expect(message).toContain(`Servers of this wave: ${total} server(s) in 3 account(s)`);
    expect(message.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(50);
    expect(message).toContain(`... and ${total - 50} more`);
    expect(Buffer.byteLength(message)).toBeLessThan(16 * 1024);
    expect(world.emu.drs.instances()).toHaveLength(0);
  });

  it('drill-cleanup: terminates drill instances older than the given age only', async () => {
    world = await startWorld();
    await world.run('main', { action: 'drill', tags: { 'DR-Test': 'single' } });
    world.emu.clock.advance(3 * 3_600_000);
    await world.run('main', { action: 'drill', tags: { 'DR-Wave': '1', 'DR-Application': 'Connectors' } });
    const fresh = world.emu.drs.instances().length - 1;

    const result = await world.run('drill-cleanup', { tags: { 'DR-Wave': '1' }, olderThanMinutes: 120 });

    expect(result.status).toBe('SUCCEEDED');
    const out = output(result.output);
    expect(out.action).toBe('terminate');
    const left = world.emu.drs.instances();
    expect(left).toHaveLength(fresh);
    expect(
      left.some((i) =>
        serversTagged(world as World, { 'DR-Test': 'single' }).some(
          (s) => s.id === i.instance.sourceServerID,
        ),
      ),
    ).toBe(false);
  });
});
