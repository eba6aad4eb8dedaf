import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../infra/config.js';
import { parentWorkflowDefinition, RunbookLaunchers } from '../../infra/lib/index.js';
import { parseRunbook, wavesInput } from '../../src/contract/index.js';
import { runStateMachine } from '../../src/runtime/index.js';
import { type FakeAccount, fakeEnv, serverIds } from '../unit/runtime/fake-tasks.js';
import { actionsOf, policyStatements, unacknowledgedFindings } from './support.js';

const WAVES = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-waves';
const WAVES_EXECUTIONS = 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:*';
const aslValidator = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: unknown,
) => { isValid: boolean; errorsText: (sep?: string) => string };

describe('Construct: RunbookLaunchers (parent state machine and SSM Automation document of a runbook)', () => {
  const app = new App();
  const stack = new Stack(app, 'Launchers', { env: { account: '123456789012', region: 'us-east-1' } });
  const runbook = wavesInput(
    parseRunbook(parse(readFileSync(join(REPO_ROOT, 'examples', 'service-failover-runbook.yaml'), 'utf8'))),
    { topicArn: 'arn:aws:sns:us-east-1:123456789012:dr-notifications' },
  );
  const built = new RunbookLaunchers(stack, 'Service', {
    name: 'hrp-service-failover',
    wavesStateMachineArn: WAVES,
    runbook,
  });
  const template = Template.fromStack(stack);
  const statementsOf = (role: string) =>
    policyStatements(template)
      .filter((s) => s.resource.startsWith(role))
      .map((s) => ({ actions: actionsOf(s.statement), resource: s.statement.Resource }));

  it('deploys a parent state machine that runs the waves workflow with the runbook and fails unless it ends success', () => {
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    expect(Object.keys(machines)).toHaveLength(1);
    const props = Object.values(machines)[0]?.Properties as Record<string, unknown>;
    expect(props.StateMachineName).toBe('hrp-service-failover-parent');
    const definition = JSON.parse(String(props.DefinitionString)) as {
      States: Record<string, Record<string, unknown>>;
    };
    const validated = aslValidator(structuredClone(definition), { checkArn: true, checkPaths: true });
    expect(validated.errorsText('\n')).toBe('');
    expect(definition.States.RunRunbook).toMatchObject({
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: {
        StateMachineArn: WAVES,
        Input: {
          ...JSON.parse(JSON.stringify(runbook)),
          'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
        },
      },
    });
    expect(definition.States.RunbookNotSuccessful).toMatchObject({
      Type: 'Fail',
      Error: 'RunbookNotSuccessful',
    });
    // Logged (ALL) and traced.
    expect(props.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    expect(props.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('gives the parent only: start the waves machine, watch and stop its executions, the .sync rule, logs and traces', () => {
    const statements = statementsOf('ServiceParentRole');
    const byAction = (a: string) => statements.filter((s) => s.actions.includes(a)).map((s) => s.resource);
    expect(byAction('states:StartExecution')).toEqual([WAVES]);
    expect(byAction('states:DescribeExecution')).toEqual([WAVES_EXECUTIONS]);
    expect(byAction('states:StopExecution')).toEqual([WAVES_EXECUTIONS]);
    expect(JSON.stringify(byAction('events:PutRule'))).toContain(
      'rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
    );
    const services = new Set(statements.flatMap((s) => s.actions.map((a) => a.split(':')[0])));
    expect([...services].sort()).toEqual(['events', 'logs', 'states', 'xray']);
    expect(
      statements.flatMap((s) => s.actions).filter((a) => a.endsWith('*') && !a.startsWith('logs:')),
    ).toEqual([]);
  });

  it('deploys an Automation document that executes the waves machine with the runbook, with a role that may only do that', () => {
    const docs = template.findResources('AWS::SSM::Document');
    const props = Object.values(docs)[0]?.Properties as {
      Name: string;
      DocumentType: string;
      Content: { mainSteps: { name: string; action: string; inputs: Record<string, unknown> }[] };
    };
    expect(props).toMatchObject({ Name: 'hrp-service-failover', DocumentType: 'Automation' });
    const [run, check] = props.Content.mainSteps;
    expect(run).toMatchObject({ action: 'aws:executeStateMachine', inputs: { stateMachineArn: WAVES } });
    expect(JSON.parse(String(run?.inputs.input))).toEqual(JSON.parse(JSON.stringify(runbook)));
    expect(check?.action).toBe('aws:executeScript');
    expect(statementsOf('ServiceAutomationRole')).toEqual([
      { actions: ['states:StartExecution'], resource: WAVES },
      { actions: ['states:DescribeExecution', 'states:StopExecution'], resource: WAVES_EXECUTIONS },
    ]);
    expect(built.document.name).toBe('hrp-service-failover');
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    expect(unacknowledgedFindings(app, stack)).toEqual([]);
  });
});

describe('Function: parentWorkflowDefinition, run by the local runtime', () => {
  const accounts: FakeAccount[] = [
    { accountId: '111111111111', region: 'us-east-2', serverIds: serverIds(2), polls: 1 },
  ];
  const runbook = wavesInput(
    parseRunbook({
      name: 'two waves',
      action: 'drill',
      waves: [
        { name: 'db', tags: { 'DR-Wave': '1' } },
        { name: 'app', tags: { 'DR-Wave': '2' } },
      ],
    }),
  );
  // The runtime runs our machines by name: the parent stands in for drill-cleanup.
  const parent = parentWorkflowDefinition(WAVES, runbook);

  it('succeeds with the runbook’s output when the runbook ends success', async () => {
    const { env } = fakeEnv(accounts, { env: { definitions: { 'drill-cleanup': parent } } });
    const result = await runStateMachine({ machine: 'drill-cleanup', input: {}, env });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({
      executionArn: expect.stringContaining(':execution:drs-orchestration-waves:'),
      output: { status: 'success', wavesRun: 2 },
    });
  });

  it('fails with RunbookNotSuccessful, naming the runbook’s status, when it does not', async () => {
    const failing: FakeAccount[] = [{ ...(accounts[0] as FakeAccount), failWith: 'DRSServiceError' }];
    const { env } = fakeEnv(failing, { env: { definitions: { 'drill-cleanup': parent } } });
    const result = await runStateMachine({ machine: 'drill-cleanup', input: {}, env });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('RunbookNotSuccessful');
    expect(result.cause).toMatch(
      /^the runbook ended stopped \(execution arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:/,
    );
  });
});
