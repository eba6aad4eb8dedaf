import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/config.js';
import { executorTaskRoleName, RESULTS_WRITER_TASKS, TASK_FUNCTIONS } from '../../infra/names.js';
import {
  acknowledgements,
  deployedDefinition,
  policyStatements,
  resourcesOf,
  starActions,
  synthesize,
  unacknowledgedFindings,
  wildcardWrites,
} from './support.js';

const built = synthesize({ stacks: ['staging-account-executor'] });
const stack = built.executor as NonNullable<typeof built.executor>;
const template = built.template(stack);
const EXECUTOR_TASKS = TASK_FUNCTIONS.filter((t) => t.machine === 'executor');

/** Renders `{ Fn::GetAtt: [<fn logical id>, 'Arn'] }` as the ARN of the function's name. */
function renderArn(value: unknown): string {
  if (typeof value === 'string') return value;
  const [logicalId] = (value as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
  const props = resourcesOf(template, 'AWS::Lambda::Function')[logicalId];
  return `arn:aws:lambda:us-east-2:111111111111:function:${String(props?.FunctionName)}`;
}

describe('Stack: staging-account-executor', () => {
  it('has no unacknowledged cdk-nag AwsSolutions finding, and every acknowledgement gives a reason', () => {
    expect(unacknowledgedFindings(built.app, stack)).toEqual([]);
    for (const ack of acknowledgements(stack)) expect(String(ack.reason).length, ack.id).toBeGreaterThan(20);
  });

  it('deploys the executor ASL file unchanged, each placeholder bound to the Lambda the data-flow table names', () => {
    const [props] = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'));
    const file = join(REPO_ROOT, 'statemachines', 'staging-account-executor.asl.json');
    const { raw, substituted } = deployedDefinition(built.outdir, stack, props ?? {}, renderArn);
    expect(raw).toBe(readFileSync(file, 'utf8'));
    const expected = readFileSync(file, 'utf8').replace(
      /\$\{([A-Za-z]+)FunctionArn\}/g,
      (_, name: string) => {
        const spec = EXECUTOR_TASKS.find((t) => t.placeholder === `${name}FunctionArn`);
        return `arn:aws:lambda:us-east-2:111111111111:function:${spec?.functionName}`;
      },
    );
    expect(substituted).toEqual(JSON.parse(expected));
    expect(props?.StateMachineName).toBe('drs-staging-account-executor');
  });

  it('deploys the eight executor tasks as Node 22 arm64 functions with KMS-encrypted environments', () => {
    const functions = Object.values(resourcesOf(template, 'AWS::Lambda::Function'));
    expect(functions.map((f) => f.FunctionName).sort()).toEqual(
      EXECUTOR_TASKS.map((t) => t.functionName).sort(),
    );
    for (const fn of functions) {
      expect(fn.Runtime).toBe('nodejs22.x');
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.Handler).toBe('index.handler');
      expect(fn.KmsKeyArn).toBeDefined();
    }
  });

  it('encrypts every log group with KMS and sets its retention', () => {
    const groups = Object.values(resourcesOf(template, 'AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(EXECUTOR_TASKS.length + 1);
    for (const group of groups) {
      expect(group.KmsKeyId, String(group.LogGroupName)).toBeDefined();
      expect(group.RetentionInDays).toBe(built.config.logRetentionDays);
    }
  });

  it('gives every task role the staging policies and only the results-writer tasks the right to write results', () => {
    const roles = resourcesOf(template, 'AWS::IAM::Role');
    const taskRoles = Object.entries(roles).filter(([, r]) =>
      JSON.stringify(r).includes('lambda.amazonaws.com'),
    );
    expect(taskRoles).toHaveLength(EXECUTOR_TASKS.length);
    for (const [, role] of taskRoles) {
      const attached = JSON.stringify(role.ManagedPolicyArns);
      expect(attached).toContain(':policy/DRS-Orchestration-Operations');
      expect(attached).toContain(':policy/DRS-Orchestration-Guardrails');
    }
    const writers = policyStatements(template).filter((s) =>
      [s.statement.Action].flat().includes('s3:PutObject'),
    );
    expect(writers).toHaveLength(RESULTS_WRITER_TASKS.length);
    const policies = resourcesOf(template, 'AWS::IAM::Policy');
    const writerPolicies = writers.map((w) => JSON.stringify(policies[w.resource]));
    for (const taskId of RESULTS_WRITER_TASKS) {
      const writerRole = Object.entries(roles).find(([, r]) => r.RoleName === executorTaskRoleName(taskId));
      expect(writerRole, taskId).toBeDefined();
      expect(writerPolicies.filter((p) => p.includes(writerRole?.[0] ?? 'missing'))).toHaveLength(1);
    }
    // start-recovery launches servers but never writes results.
    expect(RESULTS_WRITER_TASKS).not.toContain('start-recovery');
  });

  it('grants no * or service:* action and no write on Resource "*"', () => {
    expect(starActions(template)).toEqual([]);
    expect(wildcardWrites(template)).toEqual([]);
  });
});
