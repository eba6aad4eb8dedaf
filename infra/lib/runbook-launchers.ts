/**
 * What runs one of our runbooks from another plan, deployed: a parent Step Functions state
 * machine (one `states:startExecution.sync:2` state that runs the waves workflow with the
 * runbook and fails unless the runbook ended `success`) and an SSM Automation document
 * (`aws:executeStateMachine` of the waves workflow with the runbook, then a check of its status).
 * Each with a least-privilege role: start the waves machine, watch and stop its executions.
 */
import {
  Aws,
  aws_iam as iam,
  type aws_kms as kms,
  aws_logs as logs,
  RemovalPolicy,
  aws_stepfunctions as sfn,
  aws_ssm as ssm,
  Validations,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { WavesInput } from '../../src/contract/index.js';

/** Props of {@link RunbookLaunchers}. */
export interface RunbookLaunchersProps {
  /** Names the parent state machine (`<name>-parent`) and the Automation document (`<name>`). */
  readonly name: string;
  /** The deployed waves state machine (`WavesStateMachineArn` output of the main-orchestrator stack). */
  readonly wavesStateMachineArn: string;
  /** The runbook, as `wavesInput(parseRunbook(...))` makes it. */
  readonly runbook: WavesInput;
  /**
   * The key the waves workflow's executions are encrypted with (the orchestrator key): starting
   * one needs `kms:GenerateDataKey`, watching it `kms:Decrypt`. @default none (an unencrypted machine)
   */
  readonly key?: kms.IKey;
  /** Log retention of the parent state machine. @default one year */
  readonly logRetention?: logs.RetentionDays;
}

const SYNC_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';

/**
 * The parent workflow's definition: runs the runbook on the waves machine (`.sync:2`, so its
 * status and output come back) and fails with `RunbookNotSuccessful` unless it ended `success`.
 *
 * @example parentWorkflowDefinition(arn, wavesInput(parseRunbook(doc))).StartAt // 'RunRunbook'
 */
export function parentWorkflowDefinition(
  wavesStateMachineArn: string,
  runbook: WavesInput,
): Record<string, unknown> {
  return {
    Comment: `runs the drs-orchestration runbook ${runbook.name ?? runbook.action} and succeeds only when it ends success`,
    StartAt: 'RunRunbook',
    States: {
      RunRunbook: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.sync:2',
        Parameters: {
          StateMachineArn: wavesStateMachineArn,
          Input: { ...runbook, 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
        },
        ResultSelector: { 'executionArn.$': '$.ExecutionArn', 'output.$': '$.Output' },
        ResultPath: '$.runbookResult',
        Next: 'RunbookSucceeded?',
      },
      'RunbookSucceeded?': {
        Type: 'Choice',
        Choices: [
          { Variable: '$.runbookResult.output.status', StringEquals: 'success', Next: 'RunbookSucceeded' },
        ],
        Default: 'DescribeFailure',
      },
      RunbookSucceeded: { Type: 'Succeed', OutputPath: '$.runbookResult' },
      // The cause is formatted first: a plain path in CausePath works in every interpreter.
      DescribeFailure: {
        Type: 'Pass',
        Parameters: {
          'cause.$':
            "States.Format('the runbook ended {} (execution {})', $.runbookResult.output.status, $.runbookResult.executionArn)",
        },
        ResultPath: '$.failure',
        Next: 'RunbookNotSuccessful',
      },
      RunbookNotSuccessful: { Type: 'Fail', Error: 'RunbookNotSuccessful', CausePath: '$.failure.cause' },
    },
  };
}

/**
 * The Automation document: executes the waves machine with the runbook (the action waits for the
 * execution's end) and fails its last step unless the runbook ended `success`; outputs the status
 * and the report's location.
 */
export function runbookAutomationDocument(
  wavesStateMachineArn: string,
  runbook: WavesInput,
  defaultRoleArn: string,
): Record<string, unknown> {
  return {
    description: `Run the drs-orchestration runbook ${runbook.name ?? runbook.action}`,
    schemaVersion: '0.3',
    assumeRole: '{{AutomationAssumeRole}}',
    parameters: {
      AutomationAssumeRole: { type: 'String', default: defaultRoleArn },
    },
    mainSteps: [
      {
        name: 'RunDrRunbook',
        action: 'aws:executeStateMachine',
        timeoutSeconds: 43200,
        inputs: { stateMachineArn: wavesStateMachineArn, input: JSON.stringify(runbook) },
        nextStep: 'CheckRunbook',
      },
      {
        name: 'CheckRunbook',
        action: 'aws:executeScript',
        inputs: {
          Runtime: 'python3.11',
          Handler: 'check',
          Script: CHECK_SCRIPT,
          InputPayload: { Output: '{{RunDrRunbook.output}}' },
        },
        outputs: [
          { Name: 'Status', Selector: '$.Payload.status', Type: 'String' },
          { Name: 'ReportLocation', Selector: '$.Payload.reportLocation', Type: 'String' },
        ],
        isEnd: true,
      },
    ],
    outputs: ['CheckRunbook.Status', 'CheckRunbook.ReportLocation'],
  };
}

/** Fails the step (an exception) unless the runbook's output says success. */
const CHECK_SCRIPT = `import json

def check(events, context):
    out = json.loads(events.get('Output') or '{}')
    status = out.get('status', 'failed')
    if status != 'success':
        raise Exception('the runbook ended %s: %s' % (status, out.get('reason', '')))
    return {'status': status, 'reportLocation': out.get('reportLocation', '')}
`;

/** The parent state machine and the Automation document of one runbook. */
export class RunbookLaunchers extends Construct {
  readonly parent: sfn.StateMachine;
  readonly parentRole: iam.Role;
  readonly document: ssm.CfnDocument;
  readonly automationRole: iam.Role;

  constructor(scope: Construct, id: string, props: RunbookLaunchersProps) {
    super(scope, id);
    const waves = props.wavesStateMachineArn;
    const wavesExecutions = `${waves.replace(':stateMachine:', ':execution:')}:*`;
    const grantWaves = (role: iam.Role, sync: boolean): void => {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'StartRunbook',
          actions: ['states:StartExecution'],
          resources: [waves],
        }),
      );
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'WatchRunbook',
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [wavesExecutions],
        }),
      );
      if (sync) {
        // The .sync integration's own rule (Step Functions developer guide, "IAM policies for
        // Step Functions": the managed rule the service creates to follow the child).
        role.addToPolicy(
          new iam.PolicyStatement({
            sid: 'SyncCompletionRule',
            actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
            resources: [`arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/${SYNC_RULE}`],
          }),
        );
      }
      props.key?.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${wavesExecutions}]`,
        reason: 'executions of the waves state machine are named at run time',
      });
    };

    this.parentRole = new iam.Role(this, 'ParentRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `drs-orchestration: parent workflow of the runbook ${props.name}`,
    });
    grantWaves(this.parentRole, true);
    const logGroup = new logs.LogGroup(this, 'ParentLogs', {
      logGroupName: `/aws/vendedlogs/states/${props.name}-parent`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.parent = new sfn.StateMachine(this, 'Parent', {
      stateMachineName: `${props.name}-parent`,
      definitionBody: sfn.DefinitionBody.fromString(
        JSON.stringify(parentWorkflowDefinition(waves, props.runbook)),
      ),
      role: this.parentRole,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    // What CDK adds for logs and X-Ray: the log-delivery and trace APIs have no resource-level permissions.
    Validations.of(this.parentRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs delivery (logs:*LogDelivery*, DescribeLogGroups, ...) and X-Ray PutTraceSegments have no resource-level permissions',
    });

    this.automationRole = new iam.Role(this, 'AutomationRole', {
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com'),
      description: `drs-orchestration: SSM Automation document of the runbook ${props.name}`,
    });
    grantWaves(this.automationRole, false);
    this.document = new ssm.CfnDocument(this, 'Document', {
      name: props.name,
      documentType: 'Automation',
      documentFormat: 'YAML',
      updateMethod: 'NewVersion',
      content: runbookAutomationDocument(waves, props.runbook, this.automationRole.roleArn),
    });
  }
}
