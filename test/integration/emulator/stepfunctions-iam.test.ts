/**
 * The Step Functions API goes through the same IAM step as every other service, with the action
 * names IAM uses (`states:StartExecution`, `states:ListExecutions`, ...).
 */
import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, type Fleet, generateFleet } from '../../../src/emulator/index.js';
import { sessionFor, startTestEmulator } from '../../_helpers/emulator.js';

const STAGING = '111111111111';

function fleetWithPolicy(actions: string[], resource = '*'): Fleet {
  const base = generateFleet({ seed: 5, accounts: 1, serversPerAccount: 2 });
  return {
    ...base,
    accounts: base.accounts.map((a) =>
      a.roles
        ? {
            ...a,
            roles: a.roles.map((r) => ({
              ...r,
              policies: [
                {
                  Version: '2012-10-17',
                  Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }],
                },
              ],
            })),
          }
        : a,
    ),
  };
}

describe('Emulator: Step Functions authorization', () => {
  let emu: Emulator;
  afterEach(async () => {
    await emu.stop();
  });

  const sfn = (): SFNClient =>
    new SFNClient({
      endpoint: emu.endpoint,
      region: 'us-east-2',
      credentials: sessionFor(emu, STAGING),
      maxAttempts: 1,
    });
  const machine = `arn:aws:states:us-east-2:${STAGING}:stateMachine:drs-staging-account-executor`;

  it('denies states:ListExecutions and states:StartExecution to a role allowed only drs:Describe*', async () => {
    emu = await startTestEmulator({ fleet: fleetWithPolicy(['drs:Describe*']) });

    const list = await sfn()
      .send(new ListExecutionsCommand({ stateMachineArn: machine }))
      .catch((e: unknown) => e);
    const start = await sfn()
      .send(new StartExecutionCommand({ stateMachineArn: machine, input: '{}' }))
      .catch((e: unknown) => e);

    expect(list).toMatchObject({ name: 'AccessDeniedException' });
    expect((list as Error).message).toContain(
      `is not authorized to perform: states:ListExecutions on resource: ${machine}`,
    );
    expect(start).toMatchObject({ name: 'AccessDeniedException' });
    expect((start as Error).message).toContain('states:StartExecution');
  });

  it('lets a role whose policy allows states:ListExecutions on the machine through to the service', async () => {
    emu = await startTestEmulator({ fleet: fleetWithPolicy(['states:ListExecutions'], machine) });

    const list = await sfn()
      .send(new ListExecutionsCommand({ stateMachineArn: machine }))
      .catch((e: unknown) => e);

    // No backend hosts the machine here, so the service itself answers: authorization passed.
    expect(list).toMatchObject({ name: 'StateMachineDoesNotExist' });
  });
});
