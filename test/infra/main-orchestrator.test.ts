import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/config.js';
import { executorTaskRoleName, RESULTS_WRITER_TASKS, TASK_FUNCTIONS } from '../../infra/names.js';
import { parseStagingAccountRegistry, parseStagingAccounts } from '../../src/contract/index.js';
import {
  acknowledgements,
  actionsOf,
  deployedDefinition,
  policyStatements,
  resourcesOf,
  starActions,
  synthesize,
  unacknowledgedFindings,
  wildcardWrites,
} from './support.js';

// One synthesis for both orchestrator-account stacks (observability refers to main-orchestrator).
const built = synthesize({ stacks: ['main-orchestrator', 'observability'] });
const main = built.main as NonNullable<typeof built.main>;
const observability = built.observability as NonNullable<typeof built.observability>;
const mainTemplate = built.template(main);
const obsTemplate = built.template(observability);
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/** Renders the intrinsics the substitutions use as the values they take in the orchestrator account. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v.Ref === 'AWS::Partition') return 'aws';
  if (typeof v.Ref === 'string') {
    const machine = resourcesOf(mainTemplate, 'AWS::StepFunctions::StateMachine')[v.Ref];
    return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${String(machine?.StateMachineName)}`;
  }
  const [logicalId] = v['Fn::GetAtt'] as [string, string];
  const fn = resourcesOf(mainTemplate, 'AWS::Lambda::Function')[logicalId];
  return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${String(fn?.FunctionName)}`;
}

/** The ASL file with every placeholder replaced by what data-flow.md says it stands for. */
function expectedDefinition(file: string): unknown {
  const byPlaceholder: Record<string, string> = {
    Partition: 'aws',
    ExecutorStateMachineName: 'drs-staging-account-executor',
    ExecutorStartRoleName: 'DRS-Orchestration-Executor-Starter',
    MainStateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:drs-orchestration-main`,
    RunbookStepsRoleName: 'DRS-Orchestration-Runbook-Steps',
  };
  for (const spec of TASK_FUNCTIONS) {
    byPlaceholder[spec.placeholder] = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${spec.functionName}`;
  }
  const text = readFileSync(join(REPO_ROOT, 'statemachines', file), 'utf8');
  return JSON.parse(
    text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => byPlaceholder[name] ?? whole),
  );
}

describe('Stack: main-orchestrator', () => {
  it('has no unacknowledged cdk-nag AwsSolutions finding, and every acknowledgement gives a reason', () => {
    expect(unacknowledgedFindings(built.app, main)).toEqual([]);
    for (const ack of acknowledgements(main)) expect(String(ack.reason).length, ack.id).toBeGreaterThan(20);
  });

  it.each([
    ['drs-orchestration-main', 'main-orchestrator.asl.json'],
    ['drs-orchestration-waves', 'waves.asl.json'],
    ['drs-orchestration-drill-cleanup', 'drill-cleanup.asl.json'],
  ])('deploys %s from %s unchanged, with the substitutions of the data-flow contract', (name, file) => {
    const [props] = Object.values(resourcesOf(mainTemplate, 'AWS::StepFunctions::StateMachine')).filter(
      (p) => p.StateMachineName === name,
    );
    expect(props).toBeDefined();
    const { raw, substituted } = deployedDefinition(built.outdir, main, props ?? {}, render);
    expect(raw).toBe(readFileSync(join(REPO_ROOT, 'statemachines', file), 'utf8'));
    expect(substituted).toEqual(expectedDefinition(file));
    expect(JSON.stringify(substituted)).not.toMatch(/\$\{/);
  });

  it('keeps results in a KMS-encrypted, TLS-only, expiring bucket that only the executors write into under results/', () => {
    const buckets = resourcesOf(mainTemplate, 'AWS::S3::Bucket');
    const results = Object.entries(buckets).find(([, b]) =>
      String(b.BucketName).startsWith('drs-orchestration-results-'),
    );
    expect(results).toBeDefined();
    const [resultsId, bucket] = results as [string, Record<string, unknown>];
    expect(JSON.stringify(bucket.BucketEncryption)).toContain('aws:kms');
    expect(JSON.stringify(bucket.LifecycleConfiguration)).toContain(
      `"ExpirationInDays":${built.config.resultsExpirationDays}`,
    );
    for (const b of Object.values(buckets)) expect(b.BucketEncryption).toBeDefined();
    const policies = resourcesOf(mainTemplate, 'AWS::S3::BucketPolicy');
    const statements = policyStatements(mainTemplate).filter(
      (s) => (policies[s.resource]?.Bucket as { Ref?: string } | undefined)?.Ref === resultsId,
    );
    const tlsOnly = statements.find(
      (s) =>
        s.statement.Effect === 'Deny' &&
        JSON.stringify(s.statement.Condition).includes('"aws:SecureTransport":"false"'),
    );
    expect(tlsOnly).toBeDefined();
    const writes = statements.filter((s) => s.statement.Effect === 'Allow');
    expect(writes).toHaveLength(1);
    expect(writes[0]?.statement.Action).toBe('s3:PutObject');
    expect(JSON.stringify(writes[0]?.statement.Resource)).toContain('/results/*');
    // Writers are named by conditions, not listed as principals (finding 7): fixed size at any
    // number of accounts, and a re-created role keeps its access. The fixed-value organization and
    // account conditions also keep the policy non-public, which Block Public Access requires.
    expect(writes[0]?.statement.Principal).toEqual({ AWS: '*' });
    const condition = writes[0]?.statement.Condition ?? {};
    expect(condition.StringEquals?.['aws:PrincipalOrgID']).toBe(built.config.organizationId);
    // Any account of the DR OU, by its organization path: no account list (issue 21).
    expect(condition['ForAnyValue:StringLike']?.['aws:PrincipalOrgPaths']).toEqual([
      `${built.config.drOrganizationalUnitPath}*`,
    ]);
    expect(JSON.stringify(condition)).not.toContain('aws:PrincipalAccount');
    const arns = JSON.stringify(condition.ArnLike?.['aws:PrincipalArn']);
    for (const taskId of RESULTS_WRITER_TASKS)
      expect(arns).toContain(`:role/${executorTaskRoleName(taskId)}`);
    expect(condition.ArnLike?.['aws:PrincipalArn']).toHaveLength(RESULTS_WRITER_TASKS.length);
  });

  it('stores one standard-tier registry parameter per staging account, read back as the contract parses config/staging-accounts.json', () => {
    const params = Object.values(resourcesOf(mainTemplate, 'AWS::SSM::Parameter'));
    expect(params.map((p) => p.Name)).toEqual(
      built.config.stagingAccounts.map((a) => `/drs-orchestration/staging-accounts/${a.accountId}`),
    );
    for (const p of params) expect(p.Tier).toBe('Standard');
    const file = readFileSync(join(REPO_ROOT, 'config', 'staging-accounts.json'), 'utf8');
    const stored = params.map((p) => ({ name: String(p.Name), value: String(p.Value) }));
    expect(parseStagingAccountRegistry(stored)).toEqual(parseStagingAccounts(file));
  });

  it('lets discover and describe-wave read the registry (by path, or the design 6.1 document named by the path) and nothing else of Parameter Store', () => {
    const ssmStatements = policyStatements(mainTemplate).filter((s) =>
      [s.statement.Action].flat().some((a) => String(a).startsWith('ssm:')),
    );
    expect(ssmStatements.map((s) => [s.statement.Action].flat())).toEqual([
      ['ssm:GetParametersByPath', 'ssm:GetParameter'],
      ['ssm:GetParametersByPath', 'ssm:GetParameter'],
    ]);
    for (const s of ssmStatements) {
      expect(JSON.stringify(s.statement.Resource)).toMatch(
        /:parameter\/drs-orchestration\/staging-accounts"/,
      );
    }
  });

  it('lets write-report read and write results/ objects (with the key that encrypts them), read its own executions (main input, waves history) and nothing else', () => {
    const functions = resourcesOf(mainTemplate, 'AWS::Lambda::Function');
    const fn = Object.values(functions).find((f) => f.FunctionName === 'drs-orchestration-write-report');
    const roleId = (fn?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
    const policies = resourcesOf(mainTemplate, 'AWS::IAM::Policy');
    const mine = policyStatements(mainTemplate).filter((s) =>
      ((policies[s.resource]?.Roles ?? []) as { Ref: string }[]).some((r) => r.Ref === roleId),
    );
    const actions = mine.flatMap((s) => [s.statement.Action].flat().map(String)).sort();

    expect(roleId).toBeDefined();
    // The logs and X-Ray statements every task has, plus exactly these.
    expect(actions.filter((a) => /^(s3|kms):/.test(a))).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
      's3:GetObject',
      's3:PutObject',
    ]);
    const s3 = mine.find((s) => [s.statement.Action].flat().includes('s3:PutObject'));
    expect(JSON.stringify(s3?.statement.Resource)).toMatch(/\/results\/\*"/);
    // Its own executions only: a main execution's history, a waves execution's history; not the
    // Distributed Map's children (drs-orchestration-main/<label>:...), no other machine.
    const states = mine
      .filter((st) => [st.statement.Action].flat().some((a) => String(a).startsWith('states:')))
      .map((st) => ({ actions: actionsOf(st.statement), resource: JSON.stringify(st.statement.Resource) }));
    expect(states).toEqual([
      {
        actions: ['states:GetExecutionHistory'],
        resource: expect.stringMatching(/:execution:drs-orchestration-main:\*"\]\]\}$/),
      },
      {
        actions: ['states:GetExecutionHistory'],
        resource: expect.stringMatching(/:execution:drs-orchestration-waves:\*"\]\]\}$/),
      },
    ]);
    expect(actions.filter((a) => !/^(s3|kms|logs|xray|states):/.test(a))).toEqual([]);
  });

  it('sends the ABORTED and TIMED_OUT ends of the waves and main machines (only) to write-report, which EventBridge may invoke', () => {
    const rules = Object.values(resourcesOf(mainTemplate, 'AWS::Events::Rule'));
    const functions = resourcesOf(mainTemplate, 'AWS::Lambda::Function');
    const reportId = Object.keys(functions).find(
      (id) => functions[id]?.FunctionName === 'drs-orchestration-write-report',
    );
    const stopped = rules.filter((r) => JSON.stringify(r.EventPattern ?? {}).includes('aws.states'));
    const pattern = stopped[0]?.EventPattern as {
      source: string[];
      'detail-type': string[];
      detail: { status: string[]; stateMachineArn: unknown[] };
    };
    const permissions = Object.values(resourcesOf(mainTemplate, 'AWS::Lambda::Permission')).filter(
      (p) => p.Principal === 'events.amazonaws.com',
    );

    expect(stopped.length).toBe(1);
    expect(pattern.source).toEqual(['aws.states']);
    expect(pattern['detail-type']).toEqual(['Step Functions Execution Status Change']);
    expect(pattern.detail.status).toEqual(['ABORTED', 'TIMED_OUT']);
    expect(pattern.detail.stateMachineArn.map(render).sort()).toEqual([
      `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:drs-orchestration-main`,
      `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:drs-orchestration-waves`,
    ]);
    expect(((stopped[0]?.Targets ?? []) as { Arn: unknown }[]).map((t) => render(t.Arn))).toEqual([
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:drs-orchestration-write-report`,
    ]);
    expect(permissions.map((p) => (p.FunctionName as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0])).toEqual([
      reportId,
    ]);
  });

  it('deploys the per-account Map as a Distributed Map (50 accounts pass the 40 an inline Map runs at once) whose role may start, watch and stop its own children', () => {
    const [props] = Object.values(resourcesOf(mainTemplate, 'AWS::StepFunctions::StateMachine')).filter(
      (p) => p.StateMachineName === 'drs-orchestration-main',
    );
    const { substituted } = deployedDefinition(built.outdir, main, props ?? {}, render);
    const map = (substituted as { States: Record<string, Record<string, unknown>> }).States
      .ExecutePerAccount as Record<string, unknown>;
    expect(map.Type).toBe('Map');
    expect((map.ItemProcessor as { ProcessorConfig: unknown }).ProcessorConfig).toEqual({
      Mode: 'DISTRIBUTED',
      ExecutionType: 'STANDARD',
    });
    const role = Object.entries(resourcesOf(mainTemplate, 'AWS::IAM::Role')).find(
      ([, r]) => r.RoleName === 'drs-orchestration-main-state-machine',
    )?.[0];
    const statements = policyStatements(mainTemplate)
      .filter((s) =>
        JSON.stringify(resourcesOf(mainTemplate, 'AWS::IAM::Policy')[s.resource]?.Roles ?? []).includes(
          `"${role}"`,
        ),
      )
      .map((s) => ({
        actions: actionsOf(s.statement).sort(),
        resource: JSON.stringify(s.statement.Resource),
      }));
    expect(statements).toContainEqual({
      actions: ['states:StartExecution'],
      resource: expect.stringMatching(/:stateMachine:drs-orchestration-main"\]\]\}$/),
    });
    expect(statements).toContainEqual({
      actions: ['states:DescribeExecution', 'states:StopExecution'],
      resource: expect.stringMatching(/:execution:drs-orchestration-main\/\*"\]\]\}$/),
    });
  });

  it('lets only start-executor and monitor-executor assume the executor-starter role of each staging account', () => {
    const assumes = policyStatements(mainTemplate).filter(
      (s) =>
        [s.statement.Action].flat().includes('sts:AssumeRole') &&
        JSON.stringify(s.statement.Resource).includes('Executor-Starter'),
    );
    // One statement in each of the two task roles; the state machine's role assumes nothing.
    expect(assumes).toHaveLength(2);
    const roles = resourcesOf(mainTemplate, 'AWS::IAM::Role');
    const policies = resourcesOf(mainTemplate, 'AWS::IAM::Policy');
    const owners = assumes.map((a) => {
      const ref = ((policies[a.resource]?.Roles ?? []) as { Ref: string }[])[0]?.Ref ?? '';
      return roles[ref]?.RoleName;
    });
    expect(owners.sort()).toEqual([
      'DRS-Orchestration-Task-monitor-executor',
      'DRS-Orchestration-Task-start-executor',
    ]);
    for (const a of assumes) {
      // The starter role of any account in the DR OU (aws:ResourceOrgPaths), not a list of accounts.
      expect(JSON.stringify(a.statement.Resource)).toContain(
        ':iam::*:role/DRS-Orchestration-Executor-Starter',
      );
      expect(a.statement.Condition?.['ForAnyValue:StringLike']?.['aws:ResourceOrgPaths']).toEqual([
        `${built.config.drOrganizationalUnitPath}*`,
      ]);
    }
    expect(Object.values(roles).map((r) => r.RoleName)).toContain('drs-orchestration-main-state-machine');
  });

  it('encrypts every log group and every state machine history with the KMS key', () => {
    for (const group of Object.values(resourcesOf(mainTemplate, 'AWS::Logs::LogGroup'))) {
      expect(group.KmsKeyId, String(group.LogGroupName)).toBeDefined();
      expect(group.RetentionInDays).toBe(built.config.logRetentionDays);
    }
    for (const machine of Object.values(resourcesOf(mainTemplate, 'AWS::StepFunctions::StateMachine'))) {
      expect(JSON.stringify(machine.EncryptionConfiguration)).toContain('CUSTOMER_MANAGED_KMS_KEY');
      expect(JSON.stringify(machine.LoggingConfiguration)).toContain('"Level":"ALL"');
    }
    const [key] = Object.values(resourcesOf(mainTemplate, 'AWS::KMS::Key'));
    expect(key?.EnableKeyRotation).toBe(true);
  });

  it('grants no * or service:* action and no write on Resource "*"', () => {
    expect(starActions(mainTemplate)).toEqual([]);
    expect(wildcardWrites(mainTemplate)).toEqual([]);
  });
});

describe('Stack: observability', () => {
  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    expect(unacknowledgedFindings(built.app, observability)).toEqual([]);
  });

  it('encrypts the notification topic with the orchestrator key and refuses plain HTTP', () => {
    const [topic] = Object.values(resourcesOf(obsTemplate, 'AWS::SNS::Topic'));
    expect(topic?.TopicName).toBe('drs-orchestration-notifications');
    expect(topic?.KmsMasterKeyId).toBeDefined();
    const policy = JSON.stringify(resourcesOf(obsTemplate, 'AWS::SNS::TopicPolicy'));
    expect(policy).toContain('"aws:SecureTransport":"false"');
  });

  it('alarms on failed executions of each workflow and on failed servers of any staging account (one query, no account list)', () => {
    const alarms = Object.values(resourcesOf(obsTemplate, 'AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(4);
    const text = JSON.stringify(alarms);
    expect(text.match(/"MetricName":"ExecutionsFailed"/g)).toHaveLength(3);
    expect(text).toContain('SELECT SUM(FailedServers) FROM SCHEMA(\\"DRS/Orchestration\\", StagingAccount)');
    for (const account of built.config.stagingAccounts) expect(text).not.toContain(account.accountId);
    for (const alarm of alarms) expect(alarm.AlarmActions).toHaveLength(1);
  });

  it('shows the design 10.2 widgets on the dashboard', () => {
    const [dashboard] = Object.values(resourcesOf(obsTemplate, 'AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.DashboardBody);
    for (const title of [
      'DRS Orchestration Executions',
      'Servers Processed by Staging Account',
      'Average Recovery Duration',
    ]) {
      expect(body).toContain(title);
    }
  });

  it('runs the weekly drill of design 8.3 and the drill cleanup on schedule (once enabled)', () => {
    const rules = Object.values(resourcesOf(obsTemplate, 'AWS::Events::Rule'));
    const drill = rules.find((r) => r.Name === 'drs-weekly-drill');
    expect(drill?.ScheduleExpression).toBe('cron(0 6 ? * SAT *)');
    const input = JSON.stringify(
      ((drill?.Targets ?? []) as { InputTransformer: { InputTemplate: unknown } }[])[0]?.InputTransformer
        .InputTemplate,
    );
    expect(input).toContain('\\"action\\":\\"drill\\"');
    expect(input).toContain('\\"isDrill\\":true');
    const cleanup = rules.find((r) => r.Name === 'drs-drill-cleanup');
    expect(JSON.stringify(((cleanup?.Targets ?? []) as { Input: unknown }[])[0]?.Input)).toContain(
      `\\"olderThanMinutes\\":${built.config.drillCleanup.olderThanMinutes}`,
    );
  });

  it('publishes the design 8.2 runbook: run the main state machine, then parse its output', () => {
    const [doc] = Object.values(resourcesOf(obsTemplate, 'AWS::SSM::Document'));
    expect(doc?.DocumentType).toBe('Automation');
    const content = doc?.Content as { mainSteps: { action: string; inputs: Record<string, unknown> }[] };
    expect(content.mainSteps.map((s) => s.action)).toEqual(['aws:executeStateMachine', 'aws:executeScript']);
    expect(JSON.stringify(content.mainSteps[0]?.inputs.stateMachineArn)).toContain('ImportValue');
    expect(content.mainSteps[1]?.inputs.InputPayload).toEqual({
      DRSResult: '{{InvokeDRSOrchestration.output}}',
    });
  });

  it('grants no * or service:* action and no write on Resource "*"', () => {
    expect(starActions(obsTemplate)).toEqual([]);
    expect(wildcardWrites(obsTemplate)).toEqual([]);
  });
});
