/**
 * A place for a runbook in AWS ARC Region switch: an `AWS::ARCRegionSwitch::Plan` whose activate
 * workflow has a custom-action Lambda execution block running one of our runbooks through the
 * `arc-runbook` function (src/handlers/arc-runbook.ts). Region switch invokes the function and,
 * until it succeeds, again after `retryIntervalMinutes`, up to `timeoutMinutes` (ARC developer
 * guide, "Custom action Lambda execution block"): the function starts the runbook once and
 * answers success only when the runbook ended `success`.
 */
import { aws_arcregionswitch as arc, Duration, aws_iam as iam, aws_lambda as lambda } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { WavesInput } from '../../src/contract/index.js';

/** Props of {@link RunbookRegionSwitchPlan}. */
export interface RunbookRegionSwitchPlanProps {
  /** The plan's name. */
  readonly planName: string;
  /** The Region traffic normally runs in, and the one the plan activates. */
  readonly primaryRegion: string;
  readonly secondaryRegion: string;
  /** The deployed waves state machine (`WavesStateMachineArn` output of the main-orchestrator stack). */
  readonly wavesStateMachineArn: string;
  /** The runbook, as `wavesInput(parseRunbook(...))` makes it. */
  readonly runbook: WavesInput;
  /** The bundled `arc-runbook` handler (`src/handlers/arc-runbook.ts`). */
  readonly code: lambda.Code;
  /** Minutes between Region switch's invocations while the runbook runs. @default 1 */
  readonly retryIntervalMinutes?: number;
  /** Minutes the block waits for the runbook before it fails. @default 180 */
  readonly timeoutMinutes?: number;
}

/** The plan, its execution role and the block's function. */
export class RunbookRegionSwitchPlan extends Construct {
  readonly plan: arc.CfnPlan;
  readonly function: lambda.Function;
  readonly executionRole: iam.Role;

  constructor(scope: Construct, id: string, props: RunbookRegionSwitchPlanProps) {
    super(scope, id);
    this.function = new lambda.Function(this, 'RunRunbook', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: props.code,
      // One invocation starts or describes an execution: seconds, whatever the runbook takes.
      timeout: Duration.seconds(30),
      environment: {
        DRS_WAVES_STATE_MACHINE_ARN: props.wavesStateMachineArn,
        DRS_RUNBOOK_INPUT: JSON.stringify(props.runbook),
      },
    });
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [props.wavesStateMachineArn],
      }),
    );
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution'],
        resources: [
          `${props.wavesStateMachineArn.replace(':stateMachine:', ':execution:')}:arc-region-switch-*`,
        ],
      }),
    );
    this.executionRole = new iam.Role(this, 'PlanExecutionRole', {
      assumedBy: new iam.ServicePrincipal('arc-region-switch.amazonaws.com'),
      description: 'ARC Region switch plan that runs a drs-orchestration runbook',
    });
    this.function.grantInvoke(this.executionRole);
    this.plan = new arc.CfnPlan(this, 'Plan', {
      name: props.planName,
      executionRole: this.executionRole.roleArn,
      recoveryApproach: 'activePassive',
      primaryRegion: props.primaryRegion,
      regions: [props.primaryRegion, props.secondaryRegion],
      workflows: [
        {
          workflowTargetAction: 'activate',
          workflowTargetRegion: props.secondaryRegion,
          workflowDescription: 'recover the service with its drs-orchestration runbook',
          steps: [
            {
              name: 'run-drs-runbook',
              description: props.runbook.name ?? 'drs-orchestration runbook',
              executionBlockType: 'CustomActionLambda',
              executionBlockConfiguration: {
                customActionLambdaConfig: {
                  lambdas: [{ arn: this.function.functionArn }],
                  regionToRun: 'activatingRegion',
                  retryIntervalMinutes: props.retryIntervalMinutes ?? 1,
                  timeoutMinutes: props.timeoutMinutes ?? 180,
                },
              },
            },
          ],
        },
      ],
    });
  }
}
