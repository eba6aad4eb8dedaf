/**
 * A Task's `Credentials` (cross-account task states): the local runtime makes an AWS SDK
 * integration's call as the role the state names, resolved against the state input as Step
 * Functions resolves it.
 */
import { describe, expect, it } from 'vitest';
import { type AslObject, runStateMachine } from '../../../src/runtime/index.js';
import { fakeEnv } from './fake-tasks.js';

type Call = { service: string; action: string; parameters: unknown; roleArn?: string };

/** A one-Map definition: one ssm:sendCommand per account, as the account's role when it has one. */
function perAccountCommands(): AslObject {
  const send = (credentials: boolean): AslObject => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::aws-sdk:ssm:sendCommand',
    ...(credentials && { Credentials: { 'RoleArn.$': '$.roleArn' } }),
    TimeoutSecondsPath: '$.timeoutSeconds',
    Parameters: { DocumentName: 'AWS-RunShellScript', 'InstanceIds.$': '$.instanceIds' },
    ResultSelector: { 'id.$': '$.Command.CommandId' },
    End: true,
  });
  return {
    StartAt: 'PerAccount',
    States: {
      PerAccount: {
        Type: 'Map',
        ItemsPath: '$.calls',
        ItemProcessor: {
          StartAt: 'As?',
          States: {
            'As?': {
              Type: 'Choice',
              Choices: [{ Variable: '$.roleArn', IsPresent: true, Next: 'SendAs' }],
              Default: 'SendHere',
            },
            SendAs: send(true),
            SendHere: send(false),
          },
        },
        End: true,
      },
    },
  };
}

function envWith(calls: Call[], fail?: string) {
  return fakeEnv([], {
    discrete: true,
    env: {
      definitions: { 'drill-cleanup': perAccountCommands() },
      awsSdkCall: async (service, action, parameters, options) => {
        calls.push({ service, action, parameters, ...(options?.roleArn && { roleArn: options.roleArn }) });
        if (fail !== undefined && options?.roleArn === fail) {
          throw Object.assign(new Error(`could not assume role ${fail}: AccessDenied`), {
            name: 'AssumeRoleFailed',
          });
        }
        return { Command: { CommandId: `c-${calls.length}` } };
      },
    },
  }).env;
}

describe('Rule: an AWS SDK integration Task with Credentials runs as that role', () => {
  it('calls once per account, as the role its item names, and with the orchestrator’s own credentials without one', async () => {
    const calls: Call[] = [];
    const result = await runStateMachine({
      machine: 'drill-cleanup',
      input: {
        calls: [
          {
            roleArn: 'arn:aws:iam::111111111111:role/DRS-Orchestration-Runbook-Steps',
            instanceIds: ['i-1'],
            timeoutSeconds: 60,
          },
          { instanceIds: ['i-2'], timeoutSeconds: 60 },
        ],
      },
      env: envWith(calls),
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toEqual([
      {
        service: 'ssm',
        action: 'sendCommand',
        parameters: { DocumentName: 'AWS-RunShellScript', InstanceIds: ['i-1'] },
        roleArn: 'arn:aws:iam::111111111111:role/DRS-Orchestration-Runbook-Steps',
      },
      {
        service: 'ssm',
        action: 'sendCommand',
        parameters: { DocumentName: 'AWS-RunShellScript', InstanceIds: ['i-2'] },
      },
    ]);
  });

  it('fails the Task with States.TaskFailed when the role cannot be assumed', async () => {
    const role = 'arn:aws:iam::222222222222:role/DRS-Orchestration-Runbook-Steps';
    const result = await runStateMachine({
      machine: 'drill-cleanup',
      input: { calls: [{ roleArn: role, instanceIds: ['i-1'], timeoutSeconds: 60 }] },
      env: envWith([], role),
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.TaskFailed');
    expect(result.cause).toContain(`could not assume role ${role}`);
  });

  it('fails with States.Runtime when the Credentials path gives no role ARN', async () => {
    const calls: Call[] = [];
    const result = await runStateMachine({
      machine: 'drill-cleanup',
      input: {
        calls: [{ roleArn: 'DRS-Orchestration-Runbook-Steps', instanceIds: ['i-1'], timeoutSeconds: 60 }],
      },
      env: envWith(calls),
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toContain('expected an IAM role ARN');
    expect(calls).toHaveLength(0);
  });
});
