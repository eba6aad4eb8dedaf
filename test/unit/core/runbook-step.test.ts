import { describe, expect, it } from 'vitest';
import { parseRunbook, type ResolvedStep, wavesInput } from '../../../src/contract/index.js';
import { driveStep, type StepDrive, type StepDriveEvent } from '../../../src/core/runbook-step.js';

const T0 = Date.parse('2026-12-07T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

/** The resolved step of a one-wave runbook whose after list is `step`. */
function stepOf(step: Record<string, unknown>): ResolvedStep {
  const input = wavesInput(
    parseRunbook({ action: 'drill', waves: [{ name: 'db', tags: { 'DR-Wave': '1' }, after: [step] }] }),
  );
  return input.waves[0]?.after[0] as ResolvedStep;
}

const INSTANCES = {
  db: [
    {
      sourceServerId: 's-1',
      stagingAccountId: '111111111111',
      status: 'launched',
      ec2InstanceId: 'i-0000000000000001',
      privateIp: '10.0.0.1',
    },
    { sourceServerId: 's-2', stagingAccountId: '111111111111', status: 'failed' },
    {
      sourceServerId: 's-3',
      stagingAccountId: '111111111111',
      status: 'launched',
      ec2InstanceId: 'i-0000000000000003',
      privateIp: '10.0.0.3',
    },
  ],
};

/** Drives a step through `answers` (one per call the driver asks for), the clock moving as it waits. */
function drive(
  step: ResolvedStep,
  answers: ((d: StepDrive) => Record<string, unknown>)[],
  start = 0,
  context: Partial<StepDriveEvent> = {},
): StepDrive[] {
  const seen: StepDrive[] = [];
  let now = start;
  let event: StepDriveEvent = {
    step,
    runbook: { action: 'drill', executionId: 'arn:x' },
    wave: { number: 1, name: 'db' },
    instances: INSTANCES,
    ...context,
  };
  for (;;) {
    const d = driveStep(event, at(now));
    seen.push(d);
    if (d.next === 'Done') return seen;
    let io: Record<string, unknown> = {};
    if (d.next === 'Wait') now += d.waitSeconds;
    else {
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`no answer for ${d.next}`);
      io = answer(d);
    }
    event = { ...event, state: d.state, io };
    if (seen.length > 200) throw new Error('no end');
  }
}

describe('Function: driveStep', () => {
  it('ssm-command: sends to the launched instances only, polls, and records each instance', () => {
    const step = stepOf({
      name: 'smoke',
      kind: 'ssm-command',
      document: 'AWS-RunShellScript',
      parameters: { commands: 'true' },
    });
    const calls = drive(step, [
      () => ({ response: [{ Command: { CommandId: 'c-1' } }] }),
      () => ({
        response: [{ CommandInvocations: [{ InstanceId: 'i-0000000000000001', Status: 'InProgress' }] }],
      }),
      () => ({
        response: [
          {
            CommandInvocations: [
              {
                InstanceId: 'i-0000000000000001',
                Status: 'Success',
                CommandPlugins: [{ ResponseCode: 0, Output: 'ok' }],
              },
              {
                InstanceId: 'i-0000000000000003',
                Status: 'Success',
                CommandPlugins: [{ ResponseCode: 0, Output: 'ok' }],
              },
            ],
          },
        ],
      }),
    ]);
    expect(calls.map((c) => c.next)).toEqual([
      'SendCommand',
      'Wait',
      'ListInvocations',
      'Wait',
      'ListInvocations',
      'Done',
    ]);
    // One call: the execution ARN names no account, so every instance is reached from here.
    expect(calls[0]?.request).toEqual({
      calls: [
        {
          timeoutSeconds: 3600,
          request: {
            DocumentName: 'AWS-RunShellScript',
            DocumentVersion: '$DEFAULT',
            InstanceIds: ['i-0000000000000001', 'i-0000000000000003'],
            Parameters: { commands: ['true'] },
            Comment: 'drs-orch runbook step smoke',
          },
        },
      ],
    });
    const outcome = calls.at(-1)?.outcome;
    expect(outcome).toMatchObject({
      status: 'succeeded',
      durationSeconds: 30,
      result: {
        commandId: 'c-1',
        instances: [
          { instanceId: 'i-0000000000000001', status: 'Success', responseCode: 0, output: 'ok' },
          { instanceId: 'i-0000000000000003', status: 'Success' },
        ],
      },
    });
    expect(outcome?.attempts).toHaveLength(1);
  });

  it('ssm-command: one command per account that holds instances, as the step role there, merged per instance', () => {
    const launched = (id: string, account: string) => ({
      sourceServerId: `s-${id}`,
      stagingAccountId: account,
      status: 'launched',
      ec2InstanceId: `i-${id.padStart(16, '0')}`,
    });
    const context: Partial<StepDriveEvent> = {
      runbook: {
        action: 'drill',
        executionId: 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:run-1',
      },
      instances: {
        db: [
          launched('1', '111111111111'),
          launched('2', '222222222222'),
          launched('3', '111111111111'),
          launched('4', '123456789012'),
          // An extended source server: staged in 111111111111, recovered in 222222222222.
          { ...launched('5', '111111111111'), recoveryAccountId: '222222222222' },
        ],
      },
      stepRoleName: 'acme-dr-runbook-steps',
    };
    const step = stepOf({ name: 'smoke', kind: 'ssm-command', document: 'AWS-RunShellScript' });
    const ok = (...ids: string[]) => ({
      CommandInvocations: ids.map((id) => ({
        InstanceId: `i-${id.padStart(16, '0')}`,
        Status: 'Success',
        CommandPlugins: [{ ResponseCode: 0, Output: `up ${id}` }],
      })),
    });
    const calls = drive(
      step,
      [
        () => ({
          response: [
            { Command: { CommandId: 'c-a' } },
            { Command: { CommandId: 'c-b' } },
            { Command: { CommandId: 'c-c' } },
          ],
        }),
        () => ({ response: [ok('1', '3'), ok('2', '5'), ok('4')] }),
      ],
      0,
      context,
    );
    const sent = calls[0]?.request.calls as {
      roleArn?: string;
      accountId?: string;
      request: { InstanceIds: string[] };
    }[];
    expect(sent.map((c) => [c.accountId, c.roleArn, c.request.InstanceIds])).toEqual([
      [
        '111111111111',
        'arn:aws:iam::111111111111:role/acme-dr-runbook-steps',
        ['i-0000000000000001', 'i-0000000000000003'],
      ],
      [
        '222222222222',
        'arn:aws:iam::222222222222:role/acme-dr-runbook-steps',
        ['i-0000000000000002', 'i-0000000000000005'],
      ],
      // The orchestrator's own instances: no role.
      [undefined, undefined, ['i-0000000000000004']],
    ]);
    const listed = calls.find((c) => c.next === 'ListInvocations')?.request.calls as {
      roleArn?: string;
      request: { CommandId: string };
    }[];
    expect(listed.map((c) => [c.request.CommandId, c.roleArn?.split(':')[4]])).toEqual([
      ['c-a', '111111111111'],
      ['c-b', '222222222222'],
      ['c-c', undefined],
    ]);
    expect(calls.at(-1)?.outcome).toMatchObject({
      status: 'succeeded',
      result: {
        commandId: 'c-a, c-b, c-c',
        commands: [
          { accountId: '111111111111', commandId: 'c-a' },
          { accountId: '222222222222', commandId: 'c-b' },
          { commandId: 'c-c' },
        ],
        instances: [
          { instanceId: 'i-0000000000000001', accountId: '111111111111', status: 'Success', output: 'up 1' },
          { instanceId: 'i-0000000000000003', accountId: '111111111111', status: 'Success', output: 'up 3' },
          { instanceId: 'i-0000000000000002', accountId: '222222222222', status: 'Success', output: 'up 2' },
          { instanceId: 'i-0000000000000005', accountId: '222222222222', status: 'Success', output: 'up 5' },
          { instanceId: 'i-0000000000000004', status: 'Success', output: 'up 4' },
        ],
      },
    });
  });

  it('ssm-automation with instancesParameter: one execution per account with its instances; one that fails fails the attempt', () => {
    const step = stepOf({
      name: 'warm',
      kind: 'ssm-automation',
      document: 'Warm',
      instancesParameter: 'InstanceIds',
      parameters: { Mode: 'fast' },
    });
    const context: Partial<StepDriveEvent> = {
      runbook: {
        action: 'drill',
        executionId: 'arn:aws-us-gov:states:us-gov-west-1:123456789012:execution:waves:run-1',
      },
      instances: {
        db: [
          { stagingAccountId: '111111111111', status: 'launched', ec2InstanceId: 'i-1' },
          { stagingAccountId: '222222222222', status: 'launched', ec2InstanceId: 'i-2' },
        ],
      },
    };
    const status = (a: string, b: string) => () => ({
      response: [
        { AutomationExecution: { AutomationExecutionStatus: a } },
        { AutomationExecution: { AutomationExecutionStatus: b, FailureMessage: 'step 2 failed' } },
      ],
    });
    const calls = drive(
      step,
      [
        () => ({ response: [{ AutomationExecutionId: 'a-1' }, { AutomationExecutionId: 'a-2' }] }),
        status('Success', 'InProgress'),
        status('Success', 'Failed'),
      ],
      0,
      context,
    );
    const started = calls[0]?.request.calls as { roleArn?: string; request: { Parameters: unknown } }[];
    expect(started.map((c) => [c.roleArn, c.request.Parameters])).toEqual([
      [
        'arn:aws-us-gov:iam::111111111111:role/DRS-Orchestration-Runbook-Steps',
        { Mode: ['fast'], InstanceIds: ['i-1'] },
      ],
      [
        'arn:aws-us-gov:iam::222222222222:role/DRS-Orchestration-Runbook-Steps',
        { Mode: ['fast'], InstanceIds: ['i-2'] },
      ],
    ]);
    expect(calls.filter((c) => c.next === 'GetAutomation')).toHaveLength(2);
    const outcome = calls.at(-1)?.outcome;
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toEqual({
      error: 'SsmAutomationFailed',
      cause: 'automation a-2 (account 222222222222) ended Failed: step 2 failed',
    });
    expect(outcome?.result).toMatchObject({
      automationExecutionId: 'a-1, a-2',
      status: 'Failed',
      executions: [
        { accountId: '111111111111', automationExecutionId: 'a-1', status: 'Success', instanceIds: ['i-1'] },
        { accountId: '222222222222', automationExecutionId: 'a-2', status: 'Failed', instanceIds: ['i-2'] },
      ],
    });
  });

  it('retries a failed attempt after retryIntervalSeconds, then fails with every attempt and the last error', () => {
    const step = stepOf({
      name: 'smoke',
      kind: 'ssm-command',
      document: 'AWS-RunShellScript',
      retries: 1,
      retryIntervalSeconds: 60,
    });
    const failedOnOne = () => ({
      response: [
        {
          CommandInvocations: [
            {
              InstanceId: 'i-0000000000000001',
              Status: 'Failed',
              CommandPlugins: [{ ResponseCode: 1, Output: 'no' }],
            },
            { InstanceId: 'i-0000000000000003', Status: 'Success' },
          ],
        },
      ],
    });
    const calls = drive(step, [
      () => ({ response: [{ Command: { CommandId: 'c-1' } }] }),
      failedOnOne,
      () => ({ response: [{ Command: { CommandId: 'c-2' } }] }),
      failedOnOne,
    ]);
    expect(calls.map((c) => c.next)).toEqual([
      'SendCommand',
      'Wait',
      'ListInvocations',
      'Wait',
      'SendCommand',
      'Wait',
      'ListInvocations',
      'Done',
    ]);
    expect(calls[3]?.waitSeconds).toBe(60);
    const outcome = calls.at(-1)?.outcome;
    expect(outcome?.status).toBe('failed');
    expect(outcome?.attempts.map((a) => a.error?.error)).toEqual(['SsmCommandFailed', 'SsmCommandFailed']);
    expect(outcome?.error?.cause).toBe('command c-2 failed on 1 of 2 instances: i-0000000000000001 Failed');
    expect(outcome?.result).toMatchObject({ commandId: 'c-2' });
  });

  it('fails an attempt at its deadline while polling, and a caught States.Timeout the same way', () => {
    const step = stepOf({
      name: 'warm',
      kind: 'ssm-automation',
      document: 'Warm',
      timeoutSeconds: 40,
      pollSeconds: 15,
    });
    const running = () => ({
      response: [{ AutomationExecution: { AutomationExecutionStatus: 'InProgress' } }],
    });
    const calls = drive(step, [
      () => ({ response: [{ AutomationExecutionId: 'a-1' }] }),
      running,
      running,
      running,
    ]);
    expect(calls.filter((c) => c.next === 'Wait').map((c) => c.waitSeconds)).toEqual([15, 15, 10]);
    expect(calls.at(-1)?.outcome).toMatchObject({ status: 'failed', error: { error: 'States.Timeout' } });
    const caught = drive(stepOf({ name: 'f', kind: 'lambda', function: 'fn' }), [
      () => ({ Error: 'States.Timeout', Cause: 'x' }),
    ]);
    expect(caught.at(-1)?.outcome?.error).toEqual({
      error: 'States.Timeout',
      cause: 'step f timed out after 3600 seconds',
    });
  });

  it('lambda: uses the answer, and an answer with ok: false fails the step; continueOnFailure marks it continued', () => {
    const step = stepOf({
      name: 'check',
      kind: 'lambda',
      function: 'fn',
      payload: { a: 1 },
      continueOnFailure: true,
    });
    const ok = drive(step, [() => ({ response: { Payload: { ok: true, url: 'x' }, StatusCode: 200 } })]);
    expect(ok[0]?.request).toMatchObject({
      FunctionName: 'fn',
      Payload: { payload: { a: 1 }, wave: { number: 1, name: 'db' }, instances: [] },
    });
    expect(ok.at(-1)?.outcome).toMatchObject({ status: 'succeeded', result: { ok: true, url: 'x' } });
    const no = drive(step, [() => ({ response: { Payload: { ok: false, error: 'not yet' } } })]);
    expect(no.at(-1)?.outcome).toMatchObject({
      status: 'failed',
      continued: true,
      error: { error: 'LambdaStepFailed' },
    });
  });

  it('dns: lists, UPSERTs the recovered IPs with what was there before, saves it, and waits for INSYNC', () => {
    const step = stepOf({
      name: 'cut',
      kind: 'dns',
      hostedZoneId: 'Z1',
      saveAs: 'app',
      records: [
        { name: 'app.example.com', type: 'A', ttl: 30 },
        { name: 'new.example.com', type: 'A', values: ['10.9.9.9'] },
      ],
    });
    const old = { Name: 'app.example.com.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.1' }] };
    const calls = drive(step, [
      () => ({ response: { ResourceRecordSets: [old, { Name: 'other.example.com.', Type: 'A' }] } }),
      () => ({ response: { ChangeInfo: { Id: '/change/C1', Status: 'PENDING' } } }),
      () => ({ response: { Version: 1 } }),
      () => ({ response: { ChangeInfo: { Id: '/change/C1', Status: 'INSYNC' } } }),
    ]);
    expect(calls.map((c) => c.next)).toEqual([
      'ListRecords',
      'ChangeRecords',
      'SaveRecords',
      'Wait',
      'GetChange',
      'Done',
    ]);
    expect(calls[0]?.request).toEqual({
      HostedZoneId: 'Z1',
      StartRecordName: 'app.example.com.',
      MaxItems: 300,
    });
    const changes = (calls[1]?.request.ChangeBatch as { Changes: unknown[] } | undefined)?.Changes;
    expect(changes).toEqual([
      {
        Action: 'UPSERT',
        ResourceRecordSet: {
          Name: 'app.example.com.',
          Type: 'A',
          TTL: 30,
          ResourceRecords: [{ Value: '10.0.0.1' }, { Value: '10.0.0.3' }],
        },
      },
      {
        Action: 'UPSERT',
        ResourceRecordSet: {
          Name: 'new.example.com.',
          Type: 'A',
          TTL: 60,
          ResourceRecords: [{ Value: '10.9.9.9' }],
        },
      },
    ]);
    const saved = JSON.parse(String(calls[2]?.request.Value));
    expect(calls[2]?.request.Name).toBe('/drs-orchestration/dns-changes/app');
    expect(saved.previous).toEqual([old, null]);
    expect(calls.at(-1)?.outcome?.result).toMatchObject({
      changeId: '/change/C1',
      previous: [old, null],
      savedAs: '/drs-orchestration/dns-changes/app',
    });
  });

  it('dns restore: writes back the old values and deletes the records the failover created', () => {
    const step = stepOf({ name: 'back', kind: 'dns', restore: 'app' });
    const old = { Name: 'app.example.com.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.1' }] };
    const created = {
      Name: 'new.example.com.',
      Type: 'A',
      TTL: 60,
      ResourceRecords: [{ Value: '10.9.9.9' }],
    };
    const value = JSON.stringify({
      hostedZoneId: 'Z1',
      applied: [{ ...old, TTL: 30, ResourceRecords: [{ Value: '10.0.0.1' }] }, created],
      previous: [old, null],
    });
    const calls = drive(step, [
      () => ({ response: { Parameter: { Value: value } } }),
      () => ({ response: { ChangeInfo: { Id: '/change/C2', Status: 'INSYNC' } } }),
    ]);
    expect(calls[0]?.request).toEqual({ Name: '/drs-orchestration/dns-changes/app' });
    expect((calls[1]?.request.ChangeBatch as { Changes: unknown[] } | undefined)?.Changes).toEqual([
      { Action: 'UPSERT', ResourceRecordSet: old },
      { Action: 'DELETE', ResourceRecordSet: created },
    ]);
    expect(calls.at(-1)?.outcome).toMatchObject({
      status: 'succeeded',
      result: { restored: [old], deleted: [created] },
    });
    const missing = drive(step, [() => ({ Error: 'Ssm.ParameterNotFound', Cause: '' })]);
    expect(missing.at(-1)?.outcome?.error?.error).toBe('DnsRestoreNotFound');
  });

  it('wait for a health check: healthy when more than 18 % of the checkers say so', () => {
    const step = stepOf({ name: 'up', kind: 'wait', healthCheckId: 'hc', pollSeconds: 30 });
    const report = (ok: number, of: number) => () => ({
      response: {
        HealthCheckObservations: Array.from({ length: of }, (_, i) => ({
          StatusReport: { Status: i < ok ? 'Success: HTTP 200' : 'Failure: timeout' },
        })),
      },
    });
    const calls = drive(step, [report(1, 8), report(2, 8)]);
    expect(calls.map((c) => c.next)).toEqual(['HealthStatus', 'Wait', 'HealthStatus', 'Done']);
    expect(calls.at(-1)?.outcome?.result).toEqual({ healthCheckId: 'hc', checkers: 8, healthy: 2 });
  });

  it('manual: a rejection fails the step at once, never retried', () => {
    const input = wavesInput(
      parseRunbook({
        action: 'drill',
        approval: { topicArn: 'arn:aws:sns:us-east-1:123456789012:t' },
        waves: [{ name: 'c', steps: [{ name: 'go', kind: 'manual', instructions: 'look' }] }],
      }),
    );
    const step = input.waves[0]?.before[0] as ResolvedStep;
    const calls = drive(step, [() => ({ Error: 'ApprovalRejected', Cause: '{"comment":"no"}' })]);
    expect(calls[0]?.request).toMatchObject({
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
      Subject: 'DRS orchestration: approve step go (wave 1 db, drill)',
    });
    expect(calls.at(-1)?.outcome).toMatchObject({
      status: 'failed',
      error: { error: 'ApprovalRejected', cause: '{"comment":"no"}' },
    });
  });
});
