/**
 * `main-orchestrator` (orchestrator account): the main state machine of design 7.1 with its six
 * task Lambdas (design 9.1's four, plus start-executor and monitor-executor), the role the
 * executors call back through, the waves and drill-cleanup workflows, the staging-accounts SSM
 * parameter, the results bucket and the account's KMS key.
 */
import { join } from 'node:path';
import { ArnFormat, Aws, CfnOutput, Stack, Token, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { REPO_ROOT } from '../config.js';
import { AslStateMachine } from '../constructs/asl-state-machine.js';
import { logicalIdOf, type TaskFunction } from '../constructs/task-function.js';
import { EXECUTOR_CALLBACK_TASKS, type ResourceNames, resourceNames, TASK_FUNCTIONS } from '../names.js';
import { needsStagingStepRole, type RunbookStepAccess, stepStatements } from '../step-permissions.js';
import { drOuConditions, orchestratorKey, resultsBucket, stagingAccountParameters } from './main-storage.js';
import {
  grantTaskAccess,
  mainTaskFunctions,
  type TaskFunctionSpec,
  taskFunctionOf,
} from './main-task-functions.js';
import { acknowledgeStateMachineRole, type FunctionStackProps } from './staging-account-executor-stack.js';

/** The rule Step Functions manages for `.sync` integrations (it learns of child completion through it). */
const SYNC_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';

/** The orchestrator account's workflows and storage. */
export class MainOrchestratorStack extends Stack {
  /** The orchestrator key: created here, or the one `kmsKeyArn` names (then none is created). */
  readonly key: kms.IKey;
  readonly resultsBucket: s3.Bucket;
  /** The staging-account registry: one parameter per account under `names.stagingAccountsPath`. */
  readonly stagingAccountParameters: readonly ssm.StringParameter[];
  readonly functions: Readonly<Record<string, TaskFunction>>;
  readonly main: AslStateMachine;
  readonly waves: AslStateMachine;
  readonly drillCleanup: AslStateMachine;
  /** The role the staging accounts' executors answer the main execution through. */
  readonly executorCallbackRole: iam.Role;
  private readonly organizationId: string;
  /** Physical names of this deployment (its name prefix). */
  private readonly names: ResourceNames;
  /** ARN of the notification topic (created by the observability stack under a fixed name). */
  readonly notificationTopicArn: string;

  constructor(
    scope: Construct,
    id: string,
    props: FunctionStackProps & { readonly runbookSteps?: RunbookStepAccess },
  ) {
    super(scope, id, props);
    const { config } = props;
    this.names = resourceNames(config.namePrefix);
    const names = this.names;
    this.organizationId = config.organizationId;
    const statemachinesDir = props.statemachinesDir ?? join(REPO_ROOT, 'statemachines');
    const conditions = drOuConditions(config, names);
    const inDrOu = conditions.inDrOu;
    this.notificationTopicArn = `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:${names.notificationTopic}`;

    const key = orchestratorKey(this, props.kmsKeyArn, names, conditions);
    this.key = key;
    const bucket = resultsBucket(this, config, names, key, conditions);
    this.resultsBucket = bucket;
    this.stagingAccountParameters = stagingAccountParameters(this, config, names);

    // --- task functions -----------------------------------------------------------------------
    // The waves workflow's own tasks live here too (the orchestrator account), invoked only by it.
    const specs = TASK_FUNCTIONS.filter((s) => s.machine === 'main' || s.machine === 'waves');
    const functions = mainTaskFunctions(this, { specs, props, config, names, key, bucket });
    this.functions = functions;
    const fn = (taskId: string): TaskFunction => taskFunctionOf(functions, taskId);
    grantTaskAccess(this, functions, { config, names, key, bucket });

    this.main = this.mainStateMachine(specs, fn, key, statemachinesDir, props.retention);
    this.executorCallbackRole = this.callbackRole(inDrOu, key);
    this.waves = this.wavesStateMachine(specs, fn, key, statemachinesDir, props);
    this.drillCleanup = this.drillCleanupStateMachine(key, statemachinesDir, props.retention);
    this.stoppedExecutionReports(fn('write-report'));

    new CfnOutput(this, 'MainStateMachineArn', { value: this.main.stateMachine.stateMachineArn });
    new CfnOutput(this, 'WavesStateMachineArn', { value: this.waves.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ResultsBucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'StagingAccountsPath', { value: names.stagingAccountsPath });
  }

  /**
   * The main state machine (design 7.1) and its role: its task functions, notifications, the
   * Distributed Map's children, and write-report's reading of its own executions' histories.
   */
  private mainStateMachine(
    specs: readonly TaskFunctionSpec[],
    fn: (taskId: string) => TaskFunction,
    key: kms.IKey,
    statemachinesDir: string,
    retention: FunctionStackProps['retention'],
  ): AslStateMachine {
    const names = this.names;
    const mainRole = new iam.Role(this, 'MainRole', {
      roleName: names.mainStateMachineRole,
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'drs-orchestration: main state machine',
    });
    const substitutions: Record<string, string> = {
      Partition: Aws.PARTITION,
      ExecutorStateMachineName: names.stateMachines.executor,
      ExecutorStartRoleName: names.executorStarterRole,
    };
    for (const spec of specs) {
      if (spec.machine !== 'main') continue;
      const task = fn(spec.taskId).function;
      substitutions[spec.placeholder] = task.functionArn;
      this.grantTaskInvoke(task, mainRole);
    }
    this.grantNotify(mainRole, key);
    // ExecutePerAccount is a Distributed Map: its map run starts a child execution of this state
    // machine per account and watches and stops them (Step Functions developer guide, "IAM
    // policies for using Distributed Map states"). The ARNs are built from the fixed name, as
    // the machine's own ARN would make the role depend on the machine it serves.
    const mainArn = (resource: string, name: string): string =>
      Stack.of(this).formatArn({
        service: 'states',
        resource,
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    mainRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DistributedMapStartsItsChildren',
        actions: ['states:StartExecution'],
        resources: [mainArn('stateMachine', names.stateMachines.main)],
      }),
    );
    mainRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DistributedMapWatchesItsChildren',
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [mainArn('execution', `${names.stateMachines.main}/*`)],
      }),
    );
    const here = Stack.of(this);
    const shown = (value: string, token: string): string =>
      Token.isUnresolved(value) ? `<${token}>` : value;
    Validations.of(mainRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${shown(here.region, 'AWS::Region')}:${shown(here.account, 'AWS::AccountId')}:execution:${names.stateMachines.main}/*]`,
      reason: 'the Distributed Map child executions of this machine have generated names under its map run',
    });
    // write-report reads only its own executions' histories, in this account and Region (the
    // evidence model is built from them, as the CLI builds it): a main execution's (the request as
    // given, its steps; the state never carries the input next to an output near 256 KiB) and a
    // waves execution's (its waves, approvals and wave executions, whose histories it then reads
    // as main executions). Not the Distributed Map's children
    // (`drs-orchestration-main/<label>:*` does not match `drs-orchestration-main:*`).
    const reportRole = fn('write-report').role;
    const ownExecutions: [string, string, string][] = [
      ['ReadOwnExecutionHistory', 'states:GetExecutionHistory', names.stateMachines.main],
      ['ReadRunbookHistory', 'states:GetExecutionHistory', names.stateMachines.waves],
    ];
    for (const [sid, action, machine] of ownExecutions) {
      reportRole.addToPolicy(
        new iam.PolicyStatement({
          sid,
          actions: [action],
          resources: [mainArn('execution', `${machine}:*`)],
        }),
      );
      Validations.of(reportRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${shown(here.region, 'AWS::Region')}:${shown(here.account, 'AWS::AccountId')}:execution:${machine}:*]`,
        reason: `executions of ${machine} have names given at start; write-report reads only the one it runs in`,
      });
    }
    const main = new AslStateMachine(this, 'Main', {
      definitionFile: join(statemachinesDir, 'main-orchestrator.asl.json'),
      substitutions,
      stateMachineName: names.stateMachines.main,
      role: mainRole,
      key,
      retention,
    });
    acknowledgeStateMachineRole(mainRole);
    return main;
  }

  /** The waves workflow (runbooks): runs the main machine per wave, its own tasks, the runbook steps. */
  private wavesStateMachine(
    specs: readonly TaskFunctionSpec[],
    fn: (taskId: string) => TaskFunction,
    key: kms.IKey,
    statemachinesDir: string,
    props: FunctionStackProps & { readonly runbookSteps?: RunbookStepAccess },
  ): AslStateMachine {
    const names = this.names;
    const wavesRole = this.childRunnerRole(
      'WavesRole',
      'waves workflow',
      this.main.stateMachine,
      key,
      names.wavesStateMachineRole,
    );
    this.grantNotify(wavesRole, key);
    const wavesSubstitutions: Record<string, string> = {
      MainStateMachineArn: this.main.stateMachine.stateMachineArn,
      RunbookStepsRoleName: names.runbookStepsRole,
      Partition: Aws.PARTITION,
    };
    // The waves workflow's tasks, and write-report (kind runbook: the whole runbook's report).
    const wavesTasks = specs.filter((s) => s.machine === 'waves' || s.taskId === 'write-report');
    for (const spec of wavesTasks) {
      const task = fn(spec.taskId).function;
      wavesSubstitutions[spec.placeholder] = task.functionArn;
      this.grantTaskInvoke(task, wavesRole);
    }
    // Runbook steps: only what the deployer's runbooks (or prefixes) name, one group per step kind.
    for (const st of stepStatements(props.runbookSteps, {
      partition: this.partition,
      region: this.region,
      account: this.account,
    })) {
      wavesRole.addToPolicy(
        new iam.PolicyStatement({ sid: st.sid, actions: [...st.actions], resources: [...st.resources] }),
      );
    }
    // cdk-nag's wildcard findings of those statements (rendered as it renders the partition).
    const stepWildcards = new Set(
      stepStatements(props.runbookSteps, {
        partition: '<AWS::Partition>',
        region: this.region,
        account: this.account,
      }).flatMap((st) => st.resources.filter((r) => r.includes('*') && r !== '*')),
    );
    for (const finding of stepWildcards) {
      Validations.of(wavesRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${finding}]`,
        reason:
          'runbook steps: instances, automation executions and Route 53 changes are named at run time; a function with its versions and aliases; or a document/function prefix the deployer set',
      });
    }
    // SSM steps on recovered instances run in the account that holds them, as its runbook-steps
    // role (the Task's Credentials): any account of the DR OU, by name.
    if (needsStagingStepRole(props.runbookSteps)) {
      wavesRole.addToPolicy(
        new iam.PolicyStatement({
          sid: 'RunbookAssumeStepRoles',
          actions: ['sts:AssumeRole'],
          resources: [`arn:${Aws.PARTITION}:iam::*:role/${names.runbookStepsRole}`],
          conditions: {
            'ForAnyValue:StringLike': {
              'aws:ResourceOrgPaths': [`${props.config.drOrganizationalUnitPath}*`],
            },
          },
        }),
      );
      Validations.of(wavesRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${names.runbookStepsRole}]`,
        reason:
          'the runbook-steps role of any account in the DR OU (aws:ResourceOrgPaths): the recovered instances are in the account DRS recovered them in',
      });
    }
    return new AslStateMachine(this, 'Waves', {
      definitionFile: join(statemachinesDir, 'waves.asl.json'),
      substitutions: wavesSubstitutions,
      stateMachineName: names.stateMachines.waves,
      role: wavesRole,
      key,
      retention: props.retention,
    });
  }

  /** The drill-cleanup workflow: runs the main machine's terminate. */
  private drillCleanupStateMachine(
    key: kms.IKey,
    statemachinesDir: string,
    retention: FunctionStackProps['retention'],
  ): AslStateMachine {
    const names = this.names;
    const cleanupRole = this.childRunnerRole(
      'DrillCleanupRole',
      'drill-cleanup workflow',
      this.main.stateMachine,
      key,
    );
    return new AslStateMachine(this, 'DrillCleanup', {
      definitionFile: join(statemachinesDir, 'drill-cleanup.asl.json'),
      substitutions: {
        MainStateMachineArn: this.main.stateMachine.stateMachineArn,
        Partition: Aws.PARTITION,
      },
      stateMachineName: names.stateMachines.drillCleanup,
      role: cleanupRole,
      key,
      retention,
    });
  }

  /** The rule that has write-report write the report of a stopped or timed-out execution. */
  private stoppedExecutionReports(writeReport: TaskFunction): void {
    // A stopped (StopExecution) or timed-out execution never reaches its WriteReport or
    // WriteRunbookReport state (Step Functions has no "finally"): its end event invokes the same
    // write-report function, which writes its record from the execution's input and history with
    // the permissions above (main input, waves history). The target adds the Lambda permission.
    new events.Rule(this, 'StoppedExecutionReportRule', {
      description: 'writes the evidence report of an ABORTED or TIMED_OUT waves or main execution',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['ABORTED', 'TIMED_OUT'],
          stateMachineArn: [this.waves.stateMachine.stateMachineArn, this.main.stateMachine.stateMachineArn],
        },
      },
      targets: [new targets.LambdaFunction(writeReport.function, { retryAttempts: 8 })],
    });
  }

  /**
   * The role the executors answer the main execution's waiting Task through (Step Functions in
   * this Region; no integration of theirs can cross Regions): assumable only by the callback
   * tasks' fixed-name roles in the accounts of the DR OU (conditions, not a principal or account
   * list, so the trust policy is the same for 1 or 50 accounts), allowed nothing but SendTaskSuccess /
   * SendTaskFailure / SendTaskHeartbeat on the main state machine, and the key that encrypts its
   * history (the answer is written into it).
   */
  private callbackRole(inDrOu: Record<string, string[]>, key: kms.IKey): iam.Role {
    const names = this.names;
    const role = new iam.Role(this, 'ExecutorCallbackRole', {
      roleName: names.executorCallbackRole,
      description:
        "drs-orchestration: lets the staging accounts' executors answer the main execution's waiting Task (SendTask* on the main state machine only)",
      assumedBy: new iam.PrincipalWithConditions(new iam.AnyPrincipal(), {
        StringEquals: { 'aws:PrincipalOrgID': this.organizationId },
        'ForAnyValue:StringLike': inDrOu,
        ArnLike: {
          'aws:PrincipalArn': EXECUTOR_CALLBACK_TASKS.map(
            (taskId) => `arn:${Aws.PARTITION}:iam::*:role/${names.taskRoleName(taskId)}`,
          ),
        },
      }),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AnswerWaitingTasks',
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        // The waiting Task runs in the Distributed Map's child executions, whose state machine is
        // `<main>/<map run label>`.
        resources: [this.main.stateMachine.stateMachineArn, `${this.main.stateMachine.stateMachineArn}/*`],
      }),
    );
    key.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(this.main.stateMachine)}>/*]`,
      reason:
        "the main machine's Distributed Map child workflows (main/<map run label>), where the waiting Task runs; nothing else",
    });
    return role;
  }

  /** Lets a state machine's role invoke a task function (by its unqualified ARN and versions). */
  private grantTaskInvoke(task: TaskFunction['function'], role: iam.Role): void {
    task.grantInvoke(role);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(task)}.Arn>:*]`,
      reason:
        'Step Functions invokes the function by its unqualified ARN; the :* covers its versions and aliases',
    });
  }

  /** Publishing to the KMS-encrypted notification topic (started/completed messages, approvals). */
  private grantNotify(role: iam.Role, key: kms.IKey): void {
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PublishNotifications',
        actions: ['sns:Publish'],
        resources: [this.notificationTopicArn],
      }),
    );
    key.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
  }

  /** A role for a workflow that runs the main state machine with `startExecution.sync:2`. */
  private childRunnerRole(
    id: string,
    what: string,
    main: sfn.IStateMachine,
    key: kms.IKey,
    roleName?: string,
  ): iam.Role {
    const names = this.names;
    const role = new iam.Role(this, id, {
      ...(roleName === undefined ? {} : { roleName }),
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `drs-orchestration: ${what}`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'StartMain',
        actions: ['states:StartExecution'],
        resources: [main.stateMachineArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WatchMain',
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [
          `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${names.stateMachines.main}:*`,
        ],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SyncCompletionRule',
        actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
        resources: [`arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/${SYNC_RULE}`],
      }),
    );
    // The main machine's history is encrypted with the key: starting it needs GenerateDataKey,
    // watching it (DescribeExecution) Decrypt. The role's own grant covers only its own machine.
    key.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${names.stateMachines.main}:*]`,
      reason: 'executions of the main state machine are named at run time',
    });
    acknowledgeStateMachineRole(role);
    return role;
  }
}
