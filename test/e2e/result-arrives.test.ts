/**
 * The result always arrives, and says what happened: a results bucket that fails does not lose
 * the result; an executor that fails reports the error that caused it, briefly; an unreachable
 * account is counted; tags that match nothing say so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { output, serversTagged } from './helpers.js';
import { RESULTS_BUCKET, startWorld, type World } from './world.js';

describe('E2E: the result always arrives', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });

  it('a results bucket that fails: every server still launches and the output arrives, with a warning and no resultLocation', async () => {
    world = await startWorld();
    const tags = { 'DR-Test': 'single' };
    world.emu.faults.set({ errors: [{ service: 's3', operation: 'PutObject', status: 503 }] });

    const result = await world.run('main', { action: 'drill', tags });

    expect(result.status).toBe('SUCCEEDED');
    const out = output(result.output);
    expect(out.status).toBe('success');
    expect(out.summary.succeeded).toBe(1);
    expect(out.recoveryInstances).toHaveLength(1);
    expect(out.resultLocation).toBeUndefined();
    expect(out.warnings?.join('\n')).toMatch(
      new RegExp(`the result could not be stored in the results bucket ${RESULTS_BUCKET}`),
    );
    expect(out.warnings?.join('\n')).toMatch(
      /per-server records of account 111111111111 could not be stored/,
    );
  });

  it('an executor that fails reports its real error name and a short message, not States.TaskFailed with its JSON', async () => {
    world = await startWorld();
    const tags = { 'DR-Wave': '1' };
    const failing = serversTagged(world, tags).find((s) => s.accountId === '222222222222');
    expect(failing).toBeDefined();
    // DRS throttles every StartRecovery of one account: its executor gives up with ThrottlingException.
    world.emu.faults.set({
      throttle: [{ service: 'drs', operation: 'StartRecovery', accountId: '222222222222', probability: 1 }],
    });

    const out = output(
      (await world.run('main', { action: 'drill', tags, options: { continueOnFailure: true } })).output,
    );

    const account = out.stagingAccountResults.find((a) => a.accountId === '222222222222');
    expect(account?.errorCode).toBe('ThrottlingException');
    expect(account?.errorMessage?.length).toBeLessThanOrEqual(300);
    expect(account?.errorMessage).not.toMatch(/ExecutionArn|"Input"|s-[A-Za-z0-9]{17}.*s-[A-Za-z0-9]{17}/);
    const failed = out.failedServers.filter((f) => f.stagingAccountId === '222222222222');
    // Every server of the account, by id: aggregate reads them back from where discover stored them.
    const mine = serversTagged(world, tags).filter((s) => s.accountId === '222222222222');
    expect(failed.map((f) => f.sourceServerId).sort()).toEqual(mine.map((s) => s.id).sort());
    expect(account).toMatchObject({ serversProcessed: mine.length, failed: mine.length });
    for (const f of failed) {
      expect(f.errorCode).toBe('ThrottlingException');
      expect(f.errorMessage.length).toBeLessThanOrEqual(300);
    }
    expect(out.status).toBe('partial');
  });

  it('an unreachable account is counted in summary.unreachableAccounts and makes the run partial (continueOnFailure)', async () => {
    world = await startWorld();
    world.emu.faults.set({ assumeRoleDenied: ['333333333333'] });

    const out = output(
      (
        await world.run('main', {
          action: 'drill',
          tags: { 'DR-Wave': '1' },
          options: { continueOnFailure: true },
        })
      ).output,
    );

    expect(out.summary.unreachableAccounts).toBe(1);
    expect(out.status).toBe('partial');
    expect(out.nextPhaseReady).toBe(true);
    expect(out.stagingAccountResults.find((a) => a.accountId === '333333333333')).toMatchObject({
      status: 'failed',
      errorCode: 'CrossAccountAccessDenied',
    });

    const strict = output((await world.run('main', { action: 'status', tags: { 'DR-Wave': '1' } })).output);
    expect(strict.summary.unreachableAccounts).toBe(1);
    expect(strict.status).toBe('failed');
  });

  it('tags that match nothing: success as the design says, with a warning naming the tag keys that exist', async () => {
    world = await startWorld();

    const out = output((await world.run('main', { action: 'drill', tags: { 'DR-Wav': '1' } })).output);

    expect(out.status).toBe('success');
    expect(out.summary.totalServers).toBe(0);
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings?.[0]).toMatch(
      /^no source server matched DR-Wav=1 in 3 staging account\(s\); no source server has the tag key DR-Wav; tag keys that exist: .*DR-Wave/,
    );
  });
});
