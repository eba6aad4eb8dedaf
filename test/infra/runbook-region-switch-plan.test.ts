import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, aws_lambda as lambda, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../infra/config.js';
import { RunbookRegionSwitchPlan } from '../../infra/lib/index.js';
import { parseRunbook, wavesInput } from '../../src/contract/index.js';

const WAVES = 'arn:aws:states:us-west-2:123456789012:stateMachine:drs-orchestration-waves';

describe('Construct: RunbookRegionSwitchPlan', () => {
  const app = new App();
  const stack = new Stack(app, 'RegionSwitch', { env: { account: '123456789012', region: 'us-west-2' } });
  const runbook = wavesInput(
    parseRunbook(parse(readFileSync(join(REPO_ROOT, 'examples', 'service-failover-runbook.yaml'), 'utf8'))),
    { topicArn: 'arn:aws:sns:us-west-2:123456789012:dr-notifications' },
  );
  const built = new RunbookRegionSwitchPlan(stack, 'Service', {
    planName: 'hrp-service',
    primaryRegion: 'us-east-1',
    secondaryRegion: 'us-west-2',
    wavesStateMachineArn: WAVES,
    runbook,
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
  });
  const template = Template.fromStack(stack);

  it('synthesizes an AWS::ARCRegionSwitch::Plan whose activate workflow runs the runbook in a custom-action Lambda block', () => {
    const plans = template.findResources('AWS::ARCRegionSwitch::Plan');
    expect(Object.keys(plans)).toHaveLength(1);
    const props = Object.values(plans)[0]?.Properties as Record<string, unknown>;
    expect(props).toMatchObject({
      Name: 'hrp-service',
      RecoveryApproach: 'activePassive',
      PrimaryRegion: 'us-east-1',
      Regions: ['us-east-1', 'us-west-2'],
    });
    const [workflow] = props.Workflows as Record<string, unknown>[];
    expect(workflow).toMatchObject({ WorkflowTargetAction: 'activate', WorkflowTargetRegion: 'us-west-2' });
    const [step] = (workflow?.Steps ?? []) as Record<string, unknown>[];
    expect(step).toMatchObject({
      Name: 'run-drs-runbook',
      ExecutionBlockType: 'CustomActionLambda',
      ExecutionBlockConfiguration: {
        CustomActionLambdaConfig: {
          RegionToRun: 'activatingRegion',
          RetryIntervalMinutes: 1,
          TimeoutMinutes: 180,
        },
      },
    });
  });

  it('gives the function the runbook and the waves machine, and only StartExecution / DescribeExecution on them', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0]?.Properties as {
      Environment: { Variables: Record<string, string> };
    };
    expect(fn.Environment.Variables.DRS_WAVES_STATE_MACHINE_ARN).toBe(WAVES);
    expect(JSON.parse(fn.Environment.Variables.DRS_RUNBOOK_INPUT ?? '{}')).toEqual(
      JSON.parse(JSON.stringify(runbook)),
    );
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (p.Properties as { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } })
          .PolicyDocument.Statement,
    );
    const fnStatements = statements.filter((s) => JSON.stringify(s.Action).includes('states:'));
    expect(fnStatements.map((s) => [s.Action, s.Resource])).toEqual([
      ['states:StartExecution', WAVES],
      [
        'states:DescribeExecution',
        'arn:aws:states:us-west-2:123456789012:execution:drs-orchestration-waves:arc-region-switch-*',
      ],
    ]);
    // The plan's role may invoke the block's function, nothing else.
    const invoke = statements.filter((s) => JSON.stringify(s.Action).includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(built.plan.executionRole).toBeDefined();
  });
});
