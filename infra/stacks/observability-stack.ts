/**
 * `observability` (orchestrator account): the notification topic, the dashboard of design 10.2,
 * alarms on failed executions and failed servers, the weekly drill rule (8.3), the drill-cleanup
 * schedule and the SSM Automation document of 8.2.
 */
import { Aws, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from '../config.js';
import { METRICS_NAMESPACE, resourceNames } from '../names.js';

/** Properties of {@link ObservabilityStack}. */
export interface ObservabilityStackProps extends StackProps {
  readonly config: DeploymentConfig;
  /** The orchestrator account's key (from main-orchestrator). */
  readonly key: kms.IKey;
  readonly main: sfn.IStateMachine;
  readonly waves: sfn.IStateMachine;
  readonly drillCleanup: sfn.IStateMachine;
}

/** Name of the SSM Automation document of design 8.2. */
export const AUTOMATION_DOCUMENT_NAME = 'DRS-Orchestration-Invoke';

/** Python that turns the main state machine's output into runbook outputs (design 8.2). */
const PARSE_OUTPUT_SCRIPT = `import json

def parse_output(events, context):
    result = json.loads(events['DRSResult'] or '{}')
    summary = result.get('summary', {})
    return {
        'status': result.get('status', 'failed'),
        'succeeded': summary.get('succeeded', 0),
        'failed': summary.get('failed', 0),
        'nextPhaseReady': bool(result.get('nextPhaseReady', False)),
        'recoveryInstances': result.get('recoveryInstances', []),
        'resultLocation': result.get('resultLocation', ''),
    }
`;

/**
 * The correlation id of a scheduled drill: `scheduled-drill-<scheduled time>`, e.g.
 * `scheduled-drill-2026-12-12T06:00:00Z` (tag-value characters only, as the input schema requires).
 *
 * @param time the event's `time` (an EventBridge input-transformer field at synth, a value in tests)
 */
export function scheduledDrillCorrelationId(time: string): string {
  return `scheduled-drill-${time}`;
}

/**
 * The Metrics Insights query of the FailedServers alarm: the sum over every staging account.
 *
 * @example failedServersQuery() // 'SELECT SUM(FailedServers) FROM SCHEMA("DRS/Orchestration", StagingAccount)'
 */
export function failedServersQuery(namespace: string = METRICS_NAMESPACE): string {
  return `SELECT SUM(FailedServers) FROM SCHEMA("${namespace}", StagingAccount)`;
}

/** Dashboards, alarms, schedules and the runbook document. */
export class ObservabilityStack extends Stack {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = resourceNames(config.namePrefix);

    this.topic = new sns.Topic(this, 'Notifications', {
      topicName: names.notificationTopic,
      displayName: 'DRS Orchestration',
      masterKey: props.key,
      enforceSSL: true,
    });
    // enforceSSL writes a Deny-only policy; alarms publish as CloudWatch, which needs an Allow.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
        },
      }),
    );

    // --- dashboard (design 10.2) --------------------------------------------------------------
    const metric = (name: string, dimensions: Record<string, string>, statistic: string, period: Duration) =>
      new cloudwatch.Metric({
        namespace: names.metricsNamespace,
        metricName: name,
        dimensionsMap: dimensions,
        statistic,
        period,
      });
    const hour = Duration.hours(1);
    // One SEARCH per widget: a widget holds at most 100 metrics, and 50 staging accounts x 3
    // actions would be 150. The aggregate task emits these per action and staging account here.
    const perAccount = (name: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${names.metricsNamespace},Action,StagingAccount} MetricName="${name}"', 'Sum', ${hour.toSeconds()})`,
        usingMetrics: {},
        label: name,
        period: hour,
      });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: names.dashboard,
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'DRS Orchestration Executions',
            left: ['failover', 'drill'].flatMap((action) =>
              ['success', 'failed'].map((status) =>
                metric('ExecutionCount', { Action: action, Status: status }, 'Sum', hour),
              ),
            ),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Servers Processed by Staging Account',
            left: [perAccount('ServersProcessed')],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Average Recovery Duration',
            left: ['failover', 'drill'].map((action) =>
              metric('ExecutionDuration', { Action: action }, 'Average', Duration.days(1)),
            ),
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'State machine executions',
            left: [props.main.metricSucceeded(), props.main.metricFailed(), props.main.metricTimedOut()],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Failed servers by staging account',
            left: [perAccount('FailedServers')],
            width: 12,
          }),
        ],
      ],
    });

    // --- alarms -------------------------------------------------------------------------------
    const alarmAction = new actions.SnsAction(this.topic);
    const machines: [string, sfn.IStateMachine][] = [
      ['Main', props.main],
      ['Waves', props.waves],
      ['DrillCleanup', props.drillCleanup],
    ];
    for (const [name, machine] of machines) {
      const alarm = new cloudwatch.Alarm(this, `${name}ExecutionsFailed`, {
        alarmDescription: `an execution of the ${name} state machine failed, timed out or was aborted`,
        metric: new cloudwatch.MathExpression({
          expression: 'failed + timedOut + aborted',
          usingMetrics: {
            failed: machine.metricFailed({ statistic: 'Sum' }),
            timedOut: machine.metricTimedOut({ statistic: 'Sum' }),
            aborted: machine.metricAborted({ statistic: 'Sum' }),
          },
          period: Duration.minutes(5),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(alarmAction);
      this.alarms.push(alarm);
    }
    // One alarm over every staging account: a Metrics Insights query over the StagingAccount
    // dimension (the aggregate task emits FailedServers per account for failover, drill and
    // failback), so an account added to the registry is covered without a redeploy; the dashboard
    // shows which account it was.
    const failedServers = new cloudwatch.Alarm(this, 'FailedServers', {
      alarmDescription: 'servers failed to launch or fail back in a staging account (any account)',
      metric: new cloudwatch.MathExpression({
        expression: failedServersQuery(names.metricsNamespace),
        usingMetrics: {},
        label: 'FailedServers',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    failedServers.addAlarmAction(alarmAction);
    this.alarms.push(failedServers);

    // --- executions that end badly, as notifications ------------------------------------------
    // The alarms say that something failed; this rule says which execution and how, at once.
    new events.Rule(this, 'ExecutionEndedBadly', {
      ruleName: names.rules.executionEndedBadly,
      description: 'notifies when a drs-orchestration workflow execution fails, times out or is aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: machines.map(([, machine]) => machine.stateMachineArn),
        },
      },
      targets: [
        new targets.SnsTopic(this.topic, {
          message: events.RuleTargetInput.fromText(
            `drs-orchestration: execution ${events.EventField.fromPath('$.detail.executionArn')} ended ${events.EventField.fromPath('$.detail.status')}`,
          ),
        }),
      ],
    });

    // --- schedules (design 8.3) ---------------------------------------------------------------
    // EventBridge starts the machines with this role; their history is encrypted with the key, so
    // StartExecution needs kms:GenerateDataKey on it too.
    const schedulesRole = new iam.Role(this, 'SchedulesRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description:
        'drs-orchestration: EventBridge schedules that start the weekly drill and the drill cleanup',
    });
    props.key.grant(schedulesRole, 'kms:GenerateDataKey');
    const drill = config.weeklyDrill;
    new events.Rule(this, 'WeeklyDrill', {
      ruleName: names.rules.weeklyDrill,
      description: `weekly DR drill for servers tagged ${JSON.stringify(drill.tags)}`,
      schedule: events.Schedule.expression(drill.schedule),
      enabled: drill.enabled,
      targets: [
        new targets.SfnStateMachine(props.main, {
          input: events.RuleTargetInput.fromObject({
            action: 'drill',
            tags: drill.tags,
            options: {
              isDrill: true,
              maxWaitMinutes: drill.maxWaitMinutes,
              notificationArn: this.topic.topicArn,
            },
            // One correlation id per scheduled run: a fixed one would be refused from the second
            // week on (already used for a drill whose instances were terminated since). The
            // event's scheduled time is the same on EventBridge's retries of one run.
            metadata: {
              correlationId: scheduledDrillCorrelationId(events.EventField.time),
              initiatedBy: 'eventbridge-schedule',
            },
          }),
          retryAttempts: 2,
          role: schedulesRole,
        }),
      ],
    });
    const cleanup = config.drillCleanup;
    new events.Rule(this, 'DrillCleanupSchedule', {
      ruleName: names.rules.drillCleanup,
      description: `terminates drill instances older than ${cleanup.olderThanMinutes} minutes`,
      schedule: events.Schedule.expression(cleanup.schedule),
      enabled: cleanup.enabled,
      targets: [
        new targets.SfnStateMachine(props.drillCleanup, {
          input: events.RuleTargetInput.fromObject({
            tags: cleanup.tags,
            olderThanMinutes: cleanup.olderThanMinutes,
          }),
          retryAttempts: 2,
          role: schedulesRole,
        }),
      ],
    });

    // --- SSM Automation runbook step (design 8.2) ---------------------------------------------
    const automationRole = new iam.Role(this, 'AutomationRole', {
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com'),
      description: 'drs-orchestration: SSM Automation runbook that invokes the main state machine',
    });
    automationRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'StartMain',
        actions: ['states:StartExecution'],
        resources: [props.main.stateMachineArn],
      }),
    );
    automationRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WatchMain',
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [
          `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${names.stateMachines.main}:*`,
        ],
      }),
    );
    // The runbook starts and watches the KMS-encrypted main machine.
    props.key.grant(automationRole, 'kms:Decrypt', 'kms:GenerateDataKey');
    Validations.of(automationRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${names.stateMachines.main}:*]`,
      reason: 'executions of the main state machine are named at run time',
    });
    new ssm.CfnDocument(this, 'InvokeDocument', {
      name: names.automationDocument,
      documentType: 'Automation',
      documentFormat: 'YAML',
      updateMethod: 'NewVersion',
      content: automationDocument(props.main.stateMachineArn, automationRole.roleArn),
    });
  }
}

/**
 * The Automation document of design 8.2: runs the main state machine (the action waits for the
 * execution to end) and parses its output into runbook outputs.
 */
export function automationDocument(stateMachineArn: string, defaultRoleArn: string): Record<string, unknown> {
  return {
    description: 'Invoke DRS Orchestration as part of a DR runbook',
    schemaVersion: '0.3',
    assumeRole: '{{AutomationAssumeRole}}',
    parameters: {
      Action: { type: 'String', allowedValues: ['failover', 'failback', 'drill', 'terminate', 'status'] },
      WaveNumber: { type: 'String', default: '1' },
      Application: { type: 'String', default: 'HRP' },
      IsDrill: { type: 'Boolean', default: true },
      MaxWaitMinutes: { type: 'Integer', default: 120 },
      AutomationAssumeRole: { type: 'String', default: defaultRoleArn },
    },
    mainSteps: [
      {
        name: 'InvokeDRSOrchestration',
        action: 'aws:executeStateMachine',
        timeoutSeconds: 43200,
        inputs: {
          stateMachineArn,
          input: [
            '{',
            '  "action": "{{Action}}",',
            '  "tags": { "DR-Wave": "{{WaveNumber}}", "DR-Application": "{{Application}}" },',
            '  "options": { "isDrill": {{IsDrill}}, "maxWaitMinutes": {{MaxWaitMinutes}} },',
            '  "metadata": { "correlationId": "{{automation:EXECUTION_ID}}", "parentExecutionId": "{{automation:EXECUTION_ID}}" }',
            '}',
          ].join('\n'),
        },
        nextStep: 'ParseDRSOutput',
      },
      {
        name: 'ParseDRSOutput',
        action: 'aws:executeScript',
        inputs: {
          Runtime: 'python3.11',
          Handler: 'parse_output',
          Script: PARSE_OUTPUT_SCRIPT,
          InputPayload: { DRSResult: '{{InvokeDRSOrchestration.output}}' },
        },
        outputs: [
          { Name: 'Status', Selector: '$.Payload.status', Type: 'String' },
          { Name: 'Succeeded', Selector: '$.Payload.succeeded', Type: 'Integer' },
          { Name: 'Failed', Selector: '$.Payload.failed', Type: 'Integer' },
          { Name: 'NextPhaseReady', Selector: '$.Payload.nextPhaseReady', Type: 'Boolean' },
          { Name: 'RecoveryInstances', Selector: '$.Payload.recoveryInstances', Type: 'MapList' },
          { Name: 'ResultLocation', Selector: '$.Payload.resultLocation', Type: 'String' },
        ],
        isEnd: true,
      },
    ],
    outputs: [
      'ParseDRSOutput.Status',
      'ParseDRSOutput.NextPhaseReady',
      'ParseDRSOutput.RecoveryInstances',
      'ParseDRSOutput.ResultLocation',
    ],
  };
}
