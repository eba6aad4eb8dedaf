/**
 * `main-orchestrator` (orchestrator account): the main state machine of design 7.1 with its six
 * task Lambdas (design 9.1's four, plus start-executor and monitor-executor), the role the
 * executors call back through, the waves and drill-cleanup workflows, the staging-accounts SSM
 * parameter, the results bucket and the account's KMS key.
 */
import { join } from 'node:path';
import { ArnFormat, Aws, CfnOutput, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { registryParameters } from '../../src/contract/staging-accounts.js';
import { bundleHandlers } from '../bundle.js';
import { REPO_ROOT } from '../config.js';
import { AslStateMachine } from '../constructs/asl-state-machine.js';
import { createOrchestrationKey } from '../constructs/orchestration-key.js';
import { logicalIdOf, TaskFunction } from '../constructs/task-function.js';
import {
  EXECUTOR_CALLBACK_TASKS,
  EXECUTOR_STARTING_TASKS,
  HANDLER_ENV,
  namesEnvironment,
  RESULTS_PREFIX,
  RESULTS_WRITER_TASKS,
  type ResourceNames,
  resourceNames,
  STAGING_ROLE_USERS,
  TASK_FUNCTIONS,
} from '../names.js';
import { needsStagingStepRole, type RunbookStepAccess, stepStatements } from '../step-permissions.js';
import { acknowledgeStateMachineRole, type FunctionStackProps } from './staging-account-executor-stack.js';

/** The rule Step Functions manages for `.sync` integrations (it learns of child completion through it). */
const SYNC_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';

/** SSM Standard parameters hold at most 4 KB. */
const STANDARD_PARAMETER_LIMIT = 4096;

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
    // The executors' results writers, named by a condition rather than listed as principals: the
    // policies stay the same size for 1 or 50 staging accounts (a list of every writer role passes
    // S3's 20 KB bucket-policy limit at ~46 accounts), and a re-created role (new principal id)
    // keeps its access without redeploying this stack.
    // Any account of the DR OU, by its organization path, not a list of accounts: an account
    // added to the OU (and to the registry) needs no change to these policies.
    const inDrOu = { 'aws:PrincipalOrgPaths': [`${config.drOrganizationalUnitPath}*`] };
    const writerConditions = {
      StringEquals: { 'aws:PrincipalOrgID': config.organizationId },
      'ForAnyValue:StringLike': inDrOu,
      ArnLike: {
        'aws:PrincipalArn': RESULTS_WRITER_TASKS.map(
          (taskId) => `arn:${Aws.PARTITION}:iam::*:role/${names.taskRoleName(taskId)}`,
        ),
      },
    };
    this.notificationTopicArn = `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:${names.notificationTopic}`;

    // --- key -------------------------------------------------------------------------------
    // A key of the organization's own (kmsKeyArn): used everywhere, none created. Its key policy is
    // the organization's: the statements below are not added to it (infra/README.md lists them).
    const key: kms.IKey =
      props.kmsKeyArn === undefined
        ? createOrchestrationKey(this, 'Key', names.keyAliases.orchestrator)
        : kms.Key.fromKeyArn(this, 'Key', props.kmsKeyArn);
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        // The notification topic is encrypted with this key: alarms publish to it only if they
        // may use the key (the EventBridge target adds its own statement for rules).
        sid: 'AlarmsPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ExecutorsWriteEncryptedRecords',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ...writerConditions,
          StringEquals: {
            ...writerConditions.StringEquals,
            'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com`,
          },
        },
      }),
    );
    this.key = key;

    // --- results bucket ----------------------------------------------------------------------
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      // Server access log delivery supports only SSE-S3 on the target bucket.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(config.resultsExpirationDays) }],
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'this is the access-log bucket of the results bucket; logging it to itself would loop',
    });
    const bucket = new s3.Bucket(this, 'Results', {
      bucketName: names.resultsBucket(config.orchestratorAccountId, config.region),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // aws-cdk-lib's Bucket and IBucket disagree under exactOptionalPropertyTypes (isWebsite).
      serverAccessLogsBucket: accessLogs as s3.IBucket,
      serverAccessLogsPrefix: 'results/',
      lifecycleRules: [
        {
          id: 'expire-results',
          expiration: Duration.days(config.resultsExpirationDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ExecutorsWriteAccountRecords',
        principals: [new iam.AnyPrincipal()],
        conditions: writerConditions,
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects(`${RESULTS_PREFIX}*`)],
      }),
    );
    this.resultsBucket = bucket;

    // --- staging-account registry: one parameter per account -----------------------------------
    // A single document outgrows SSM's 4 KB standard and 8 KB advanced values before the schema's
    // 50 accounts; one small standard parameter per account never does.
    this.stagingAccountParameters = registryParameters(config.stagingAccounts, names.stagingAccountsPath).map(
      (p, i) => {
        if (Buffer.byteLength(p.value) > STANDARD_PARAMETER_LIMIT) {
          throw new Error(
            `staging account parameter ${p.name} is over the ${STANDARD_PARAMETER_LIMIT}-byte standard tier`,
          );
        }
        return new ssm.StringParameter(this, `StagingAccount${config.stagingAccounts[i]?.accountId}`, {
          parameterName: p.name,
          description: 'drs-orchestration staging account, validated against staging-accounts.schema.json',
          stringValue: p.value,
          tier: ssm.ParameterTier.STANDARD,
        });
      },
    );

    // --- task functions -----------------------------------------------------------------------
    // The waves workflow's own tasks live here too (the orchestrator account), invoked only by it.
    const specs = TASK_FUNCTIONS.filter((s) => s.machine === 'main' || s.machine === 'waves');
    const bundles = bundleHandlers({
      taskIds: specs.map((s) => s.taskId),
      outDir: props.bundleDir,
      ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
    });
    const functions: Record<string, TaskFunction> = {};
    for (const [index, spec] of specs.entries()) {
      const bundle = bundles[index];
      if (bundle === undefined) throw new Error(`no bundle for ${spec.taskId}`);
      functions[spec.taskId] = new TaskFunction(this, spec.taskId, {
        spec: { ...spec, functionName: names.functionName(spec.taskId) },
        metricsNamespace: names.metricsNamespace,
        bundle,
        key,
        retention: props.retention,
        // The staging accounts' executor-starter roles trust start-executor and monitor-executor
        // by name, their staging roles discover, partition and describe-wave.
        ...(EXECUTOR_STARTING_TASKS.includes(spec.taskId) || STAGING_ROLE_USERS.includes(spec.taskId)
          ? { roleName: names.taskRoleName(spec.taskId) }
          : {}),
        environment: {
          [HANDLER_ENV.stagingAccountsPath]: names.stagingAccountsPath,
          [HANDLER_ENV.resultsBucket]: bucket.bucketName,
          [HANDLER_ENV.resultsBucketRegion]: config.region,
          ...namesEnvironment(config.namePrefix),
        },
      });
    }
    this.functions = functions;
    const fn = (taskId: string): TaskFunction => {
      const found = functions[taskId];
      if (found === undefined) throw new Error(`${taskId} is not a main task`);
      return found;
    };
    // The staging roles and executor-starter roles of every account in the DR OU
    // (aws:ResourceOrgPaths of the role's account), by name: no account list.
    const inDrOuResources = {
      'ForAnyValue:StringLike': { 'aws:ResourceOrgPaths': [`${config.drOrganizationalUnitPath}*`] },
    };
    const anyAccountRole = (name: string) => `arn:${Aws.PARTITION}:iam::*:role/${name}`;
    // GetParametersByPath is authorized against the path, not the parameters it returns
    // (Systems Manager user guide, "How Parameter Store authorizes parameter retrieval").
    // discover and describe-wave (the waves workflow's approval message) read the registry:
    // one parameter per account under the path, or the single document of design 6.1 named by
    // the path itself (GetParameter on exactly that name).
    for (const taskId of ['discover', 'describe-wave']) {
      fn(taskId).role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ReadStagingAccountRegistry',
          actions: ['ssm:GetParametersByPath', 'ssm:GetParameter'],
          resources: [
            Stack.of(this).formatArn({
              service: 'ssm',
              resource: 'parameter',
              resourceName: names.stagingAccountsPath.replace(/^\//, ''),
            }),
          ],
        }),
      );
    }
    // discover and describe-wave list source servers and partition reads service quotas, in
    // every staging account.
    for (const taskId of STAGING_ROLE_USERS) {
      const role = fn(taskId).role;
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'UseStagingRoles',
          actions: ['sts:AssumeRole'],
          resources: [anyAccountRole(names.stagingRole)],
          conditions: inDrOuResources,
        }),
      );
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${names.stagingRole}]`,
        reason:
          'the staging role of any account in the DR OU (aws:ResourceOrgPaths), so adding an account changes nothing in this account',
      });
    }
    // start-executor and monitor-executor reach each executor in its own Region through the
    // account's executor-starter role (Step Functions' own integrations stay in one Region).
    for (const taskId of EXECUTOR_STARTING_TASKS) {
      fn(taskId).role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'UseExecutorStarterRoles',
          actions: ['sts:AssumeRole'],
          resources: [anyAccountRole(names.executorStarterRole)],
          conditions: inDrOuResources,
        }),
      );
      Validations.of(fn(taskId).role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${names.executorStarterRole}]`,
        reason:
          'the executor-starter role of any account in the DR OU (aws:ResourceOrgPaths), so adding an account changes nothing in this account',
      });
    }
    // discover stores each account's server ids under results/ and start-executor reads them
    // back for the executor's input: the main machine's state carries only their key and count.
    const discoverRole = fn('discover').role;
    discoverRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteAccountServerIds',
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects(`${RESULTS_PREFIX}*`)],
      }),
    );
    key.grant(discoverRole, 'kms:GenerateDataKey');
    const startRole = fn('start-executor').role;
    startRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadAccountServerIds',
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects(`${RESULTS_PREFIX}*`)],
      }),
    );
    key.grant(startRole, 'kms:Decrypt');
    for (const role of [discoverRole, startRole]) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(bucket)}.Arn>/${RESULTS_PREFIX}*]`,
        reason:
          'the per-account server id objects of each execution live under results/<correlation>/<execution>/work/',
      });
    }
    // aggregate reads the per-account records and writes the output; write-report reads the full
    // result of a cut output and writes the report next to it. The bucket encrypts with the
    // orchestration key by default, so writing needs its data keys.
    const resultsReaders: [string, string, string][] = [
      [
        'aggregate',
        'ReadRecordsWriteOutput',
        'aggregate reads the per-account records and writes the output of its own execution under results/',
      ],
      [
        'write-report',
        'ReadResultWriteReport',
        'write-report reads the output of its own execution and writes its report under results/<correlation>/<execution>/, names known only at run time',
      ],
    ];
    for (const [taskId, sid, reason] of resultsReaders) {
      const role = fn(taskId).role;
      role.addToPolicy(
        new iam.PolicyStatement({
          sid,
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [bucket.arnForObjects(`${RESULTS_PREFIX}*`)],
        }),
      );
      key.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(bucket)}.Arn>/${RESULTS_PREFIX}*]`,
        reason,
      });
    }

    // --- main state machine -------------------------------------------------------------------
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
    this.main = new AslStateMachine(this, 'Main', {
      definitionFile: join(statemachinesDir, 'main-orchestrator.asl.json'),
      substitutions,
      stateMachineName: names.stateMachines.main,
      role: mainRole,
      key,
      retention: props.retention,
    });
    acknowledgeStateMachineRole(mainRole);
    this.executorCallbackRole = this.callbackRole(inDrOu, key);

    // --- waves and drill cleanup --------------------------------------------------------------
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
    this.waves = new AslStateMachine(this, 'Waves', {
      definitionFile: join(statemachinesDir, 'waves.asl.json'),
      substitutions: wavesSubstitutions,
      stateMachineName: names.stateMachines.waves,
      role: wavesRole,
      key,
      retention: props.retention,
    });
    const cleanupRole = this.childRunnerRole(
      'DrillCleanupRole',
      'drill-cleanup workflow',
      this.main.stateMachine,
      key,
    );
    this.drillCleanup = new AslStateMachine(this, 'DrillCleanup', {
      definitionFile: join(statemachinesDir, 'drill-cleanup.asl.json'),
      substitutions: {
        MainStateMachineArn: this.main.stateMachine.stateMachineArn,
        Partition: Aws.PARTITION,
      },
      stateMachineName: names.stateMachines.drillCleanup,
      role: cleanupRole,
      key,
      retention: props.retention,
    });

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
      targets: [new targets.LambdaFunction(fn('write-report').function, { retryAttempts: 8 })],
    });

    new CfnOutput(this, 'MainStateMachineArn', { value: this.main.stateMachine.stateMachineArn });
    new CfnOutput(this, 'WavesStateMachineArn', { value: this.waves.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ResultsBucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'StagingAccountsPath', { value: names.stagingAccountsPath });
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

  /** Publishing to the KMS-encrypted notification topic (started/completed messages, approvals). */
  /** Lets a state machine's role invoke a task function (by its unqualified ARN and versions). */
  private grantTaskInvoke(task: TaskFunction['function'], role: iam.Role): void {
    task.grantInvoke(role);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(task)}.Arn>:*]`,
      reason:
        'Step Functions invokes the function by its unqualified ARN; the :* covers its versions and aliases',
    });
  }

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
