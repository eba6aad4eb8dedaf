import { afterEach, describe, expect, it } from 'vitest';
import { accountWorkOf } from '../../../src/tasks/account-servers.js';
import type { DiscoveryResult, ExecutionRef, OrchestrationRequest } from '../../../src/tasks/index.js';
import { tasks } from '../../../src/tasks/index.js';
import { RESULTS_BUCKET, startWorld, type World } from './harness.js';

const execution: ExecutionRef = { id: 'exec-ids', name: 'exec-ids', startTime: '2025-01-06T09:00:00.000Z' };

async function discovered(world: World): Promise<{ request: OrchestrationRequest; work: DiscoveryResult }> {
  const { request } = (await tasks.validate(
    { input: { action: 'drill', tags: { 'DR-Wave': '1' } }, execution },
    world.deps,
  )) as { request: OrchestrationRequest };
  return { request, work: (await tasks.discover({ request, execution }, world.deps)) as DiscoveryResult };
}

describe('account server ids kept out of the main machine', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('discover stores each account ids in the results bucket and the item carries only the key and count; start-executor loads them back', async () => {
    world = await startWorld({ fleet: 'demo' });
    const { work } = await discovered(world);

    expect(work.accounts).toHaveLength(3);
    for (const item of work.accounts) {
      expect(item.serverIds).toBeUndefined();
      expect(item.serversKey).toBe(`results/exec-ids/exec-ids/work/${item.accountId}.json`);
      const account = await accountWorkOf(item, world.deps);
      expect(account.serverIds).toHaveLength(item.serverCount);
      expect(account).not.toHaveProperty('serversKey');
    }
    expect(work.totalServers).toBe(work.accounts.reduce((n, a) => n + a.serverCount, 0));
  });

  it('carries the ids inline without a results bucket', async () => {
    world = await startWorld({ fleet: 'demo' }, { resultsBucket: '' });
    const { work } = await discovered(world);

    for (const item of work.accounts) {
      expect(item.serversKey).toBeUndefined();
      expect(item.serverIds).toHaveLength(item.serverCount);
    }
  });

  it('refuses stored ids that are not the ones discover counted, naming the object', async () => {
    world = await startWorld({ fleet: 'demo' });
    const { work } = await discovered(world);
    const item = work.accounts[0];
    if (!item?.serversKey) throw new Error('expected a stored item');
    await world.deps.aws.orchestrator.s3.putObject({
      bucket: RESULTS_BUCKET,
      key: item.serversKey,
      body: JSON.stringify({ serverIds: ['s-1'] }),
    });

    await expect(accountWorkOf(item, world.deps)).rejects.toMatchObject({
      name: 'DRSServiceError',
      message: expect.stringContaining(
        `s3://${RESULTS_BUCKET}/${item.serversKey} are not the ${item.serverCount}`,
      ),
    });
  });
});
