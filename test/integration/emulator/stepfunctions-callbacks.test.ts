/**
 * An executor's answer to the main execution's task token, over the wire: a staging account's
 * session assumes the orchestrator's callback role (role chaining, trusted for staging accounts
 * only) and calls SendTaskHeartbeat / SendTaskSuccess / SendTaskFailure on the emulator, which
 * authorizes them on the state machine whose Task holds the token and hands them to that Task.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../../src/aws/index.js';
import { EXECUTOR_CALLBACK_ROLE_NAME } from '../../../src/emulator/fleet/generate.js';
import { type Emulator, type Fleet, generateFleet } from '../../../src/emulator/index.js';
import {
  closeTaskToken,
  openTaskToken,
  type TaskTokenAnswer,
  taskTokenBackend,
} from '../../../src/runtime/integrations/task-tokens.js';
import { mintTaskToken } from '../../../src/runtime/task-state.js';
import { startTestEmulator } from '../../_helpers/emulator.js';

const ORCHESTRATOR = '123456789012';
const STAGING = {
  accountId: '111111111111',
  region: 'us-east-2',
  roleArn: 'arn:aws:iam::111111111111:role/DRS-Orchestration-Role',
};
const CALLBACK_ROLE = `arn:aws:iam::${ORCHESTRATOR}:role/${EXECUTOR_CALLBACK_ROLE_NAME}`;
const MAIN = `arn:aws:states:us-east-1:${ORCHESTRATOR}:stateMachine:drs-orchestration-main`;

/** A generated fleet whose callback role may only do `actions`. */
function fleetAllowing(actions?: string[]): Fleet {
  const fleet = generateFleet({ seed: 3, accounts: 1, serversPerAccount: 2 });
  if (!actions) return fleet;
  return {
    ...fleet,
    accounts: fleet.accounts.map((a) =>
      a.accountId === ORCHESTRATOR
        ? {
            ...a,
            roles: (a.roles ?? []).map((r) => ({
              ...r,
              policies: [
                { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: MAIN }] },
              ],
            })),
          }
        : a,
    ),
  };
}

describe('Emulator: task-token answers through the callback role', () => {
  let emu: Emulator;
  const tokens: string[] = [];
  afterEach(async () => {
    for (const t of tokens.splice(0)) closeTaskToken(t);
    await emu.stop();
  });

  async function world(fleet: Fleet) {
    emu = await startTestEmulator({ fleet, stepFunctions: taskTokenBackend });
    const current = emu;
    const aws = createAwsPorts({
      endpoint: current.endpoint,
      credentials: current.credentials,
      region: 'us-east-1',
      now: () => current.clock.now(),
      sleep: async () => {},
    });
    const open = (owner = MAIN) => {
      const token = mintTaskToken();
      tokens.push(token);
      const answers: TaskTokenAnswer[] = [];
      openTaskToken(token, owner, (a) => answers.push(a));
      return { token, answers };
    };
    const asStaging = aws.account({
      accountId: ORCHESTRATOR,
      region: 'us-east-1',
      roleArn: CALLBACK_ROLE,
      alwaysAssume: true,
      via: STAGING,
    }).callbacks;
    const asOrchestrator = aws.account({
      accountId: ORCHESTRATOR,
      region: 'us-east-1',
      roleArn: CALLBACK_ROLE,
      alwaysAssume: true,
    }).callbacks;
    return { open, asStaging, asOrchestrator };
  }

  it('hands heartbeats and the success output to the waiting Task; a second answer gets TaskTimedOut', async () => {
    const { open, asStaging } = await world(fleetAllowing());
    const { token, answers } = open();

    await asStaging.sendTaskHeartbeat(token);
    await asStaging.sendTaskSuccess(token, '{"accountId":"111111111111","status":"success"}');
    const again = await asStaging.sendTaskFailure(token, 'X', 'late').catch((e: unknown) => e);

    expect(answers).toEqual([
      { kind: 'heartbeat' },
      { kind: 'success', output: { accountId: '111111111111', status: 'success' } },
    ]);
    expect((again as { cause?: { name?: string } }).cause?.name).toBe('TaskTimedOut');
    // The callback role was assumed from the staging account's session (role chaining).
    expect(emu.state.callTotal({ service: 'sts', operation: 'AssumeRole' })).toBe(2);
  });

  it('hands the failure’s error name and cause to the waiting Task', async () => {
    const { open, asStaging } = await world(fleetAllowing());
    const { token, answers } = open();

    await asStaging.sendTaskFailure(token, 'StagingAccountOverCapacity', '301 servers; maxServers is 300');

    expect(answers).toEqual([
      { kind: 'failure', error: 'StagingAccountOverCapacity', cause: '301 servers; maxServers is 300' },
    ]);
  });

  it('denies a callback role without states:SendTaskSuccess, and a token held by another state machine', async () => {
    const { open, asStaging } = await world(fleetAllowing(['states:SendTaskHeartbeat']));
    const mine = open();
    const other = open(`arn:aws:states:us-east-1:${ORCHESTRATOR}:stateMachine:drs-orchestration-waves`);

    await asStaging.sendTaskHeartbeat(mine.token);
    const success = await asStaging.sendTaskSuccess(mine.token, '{}').catch((e: unknown) => e);
    const elsewhere = await asStaging.sendTaskHeartbeat(other.token).catch((e: unknown) => e);

    expect(success).toMatchObject({ name: 'AccessDenied' });
    expect((success as Error).message).toContain(`states:SendTaskSuccess on resource: ${MAIN}`);
    expect(elsewhere).toMatchObject({ name: 'AccessDenied' });
    expect(mine.answers).toEqual([{ kind: 'heartbeat' }]);
    expect(other.answers).toEqual([]);
  });

  it('lets only the staging accounts assume the callback role', async () => {
    const { open, asOrchestrator } = await world(fleetAllowing());
    const { token, answers } = open();

    const denied = await asOrchestrator.sendTaskHeartbeat(token).catch((e: unknown) => e);

    expect(denied).toMatchObject({ name: 'CrossAccountAccessDenied' });
    expect(answers).toEqual([]);
  });
});
