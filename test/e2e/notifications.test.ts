import { afterEach, describe, expect, it } from 'vitest';
import { output, serversTagged } from './helpers.js';
import { startWorld, TOPIC_ARN, type World } from './world.js';

interface PublishedMessage {
  topicArn: string;
  subject?: string;
  message: string;
}

/** The messages the emulator recorded on the demo fleet's topic (inspection API). */
async function published(world: World): Promise<PublishedMessage[]> {
  const res = await fetch(
    `${world.emu.endpoint}/_emulator/sns/messages?topicArn=${encodeURIComponent(TOPIC_ARN)}`,
  );
  return ((await res.json()) as { messages: PublishedMessage[] }).messages;
}

describe('E2E: notifications (design 10.3) when options.notificationArn is set', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('publishes a started and a completed message for a successful drill, with the correlation id', async () => {
    world = await startWorld();

    const result = await world.run('main', {
      action: 'drill',
      tags: { 'DR-Test': 'single' },
      options: { notificationArn: TOPIC_ARN },
      metadata: { correlationId: 'drill-notify-1' },
    });

    expect(output(result.output).status).toBe('success');
    const messages = await published(world);
    expect(messages.map((m) => m.subject)).toEqual([
      'DRS Orchestration Started: drill for DR-Test=single',
      'DRS Orchestration success: drill',
    ]);
    expect(messages[0]?.message).toContain('drill-notify-1');
    expect(messages[1]?.message).toContain('Completed: 1/1 servers');
  });

  it('publishes the partial-success warning when some servers fail with continueOnFailure', async () => {
    world = await startWorld();
    const [failing] = serversTagged(world, { 'DR-Wave': '1' });
    world.emu.faults.set({ launchFailures: [failing?.id ?? 'missing'] });

    const result = await world.run('main', {
      action: 'drill',
      tags: { 'DR-Wave': '1' },
      options: { notificationArn: TOPIC_ARN, continueOnFailure: true },
    });

    expect(output(result.output).status).toBe('partial');
    const subjects = (await published(world)).map((m) => m.subject);
    expect(subjects).toEqual([
      'DRS Orchestration Started: drill for DR-Wave=1',
      'WARNING: DRS Orchestration Partial Success',
    ]);
  });

  it('publishes nothing when no notification topic is given', async () => {
    world = await startWorld();

    await world.run('main', { action: 'status', tags: { 'DR-Test': 'single' } });

    expect(await published(world)).toEqual([]);
  });
});
