/**
 * `staging-account-executor` (each staging account, its DRS region): the executor state machine
 * of design 7.2 and its nine task Lambdas (design 9.1's eight and report-executor, which answers
 * the main execution's waiting Task). Environment-agnostic like `iam-roles`: one template for
 * every staging account.
 *
 * Each Lambda has its own role. The tasks call this account's DRS with the Lambda's own credentials
 * (they assume no role inside their own account), so every role attaches the customer-managed
 * policies of the `iam-roles` stack: the tasks hold the same permissions here as through
 * `DRS-Orchestration-Role`, and the emulator proves exactly those. The tasks that finish a report
 * (`RESULTS_WRITER_TASKS`) may also write its records under `results/` of the orchestrator's bucket.
 */
import { join } from 'node:path';
import { Aws, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { bundleHandlers, type HandlerBundle } from '../bundle.js';
import { type DeploymentConfig, REPO_ROOT } from '../config.js';
import { AslStateMachine } from '../constructs/asl-state-machine.js';
import { createOrchestrationKey } from '../constructs/orchestration-key.js';
import { logicalIdOf, TaskFunction } from '../constructs/task-function.js';
import {
  EXECUTOR_CALLBACK_TASKS,
  HANDLER_ENV,
  namesEnvironment,
  RESULTS_PREFIX,
  RESULTS_WRITER_TASKS,
  resourceNames,
  TASK_FUNCTIONS,
} from '../names.js';

/** Properties shared by the stacks that deploy task Lambdas. */
export interface FunctionStackProps extends StackProps {
  readonly config: DeploymentConfig;
  /** Where the esbuild bundles are written. */
  readonly bundleDir: string;
  /** Directory of the handler sources. @default `<repo>/src/handlers` */
  readonly handlersDir?: string;
  /** Directory of the ASL files. @default `<repo>/statemachines` */
  readonly statemachinesDir?: string;
  /** Log retention (validated in the config). */
  readonly retention: logs.RetentionDays;
  /**
   * Bootstrap-free form for StackSets: the Lambda code comes from the orchestrator's regional
   * artifact bucket (`artifactBucketName`, readable by the DR OU) under `artifactKey(bundle)`,
   * and the state machine definition is inlined. @default CDK assets (needs `cdk bootstrap`)
   */
  readonly artifacts?: {
    readonly bucketName: string;
    readonly key: (bundle: HandlerBundle) => string;
  };
  /**
   * ARN of a KMS key of the organization's own for the orchestrator account's resources: the
   * main-orchestrator stack uses it and creates no key (its key policy is then the
   * organization's to write). @default a new key aliased `alias/drs-orchestration`
   */
  readonly kmsKeyArn?: string;
}

/** The executor of one staging account. */
export class StagingAccountExecutorStack extends Stack {
  readonly functions: Readonly<Record<string, TaskFunction>>;
  readonly executor: AslStateMachine;

  constructor(scope: Construct, id: string, props: FunctionStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = resourceNames(config.namePrefix);
    const specs = TASK_FUNCTIONS.filter((s) => s.machine === 'executor');
    const key = createOrchestrationKey(this, 'Key', names.keyAliases.executor);
    const bundles = bundleHandlers({
      taskIds: specs.map((s) => s.taskId),
      outDir: props.bundleDir,
      ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
    });
    const bucket = names.resultsBucket(config.orchestratorAccountId, config.region);
    const sharedPolicies = [names.stagingPolicies.operations, names.stagingPolicies.guardrails].map((name) =>
      iam.ManagedPolicy.fromManagedPolicyName(this, name, name),
    );

    const artifactBucket =
      props.artifacts === undefined
        ? undefined
        : s3.Bucket.fromBucketName(this, 'ArtifactBucket', props.artifacts.bucketName);
    const functions: Record<string, TaskFunction> = {};
    for (const [index, spec] of specs.entries()) {
      const bundle = bundles[index];
      if (bundle === undefined) throw new Error(`no bundle for ${spec.taskId}`);
      const fn = new TaskFunction(this, spec.taskId, {
        spec: { ...spec, functionName: names.functionName(spec.taskId) },
        metricsNamespace: names.metricsNamespace,
        bundle,
        ...(artifactBucket === undefined || props.artifacts === undefined
          ? {}
          : { code: lambda.Code.fromBucket(artifactBucket, props.artifacts.key(bundle)) }),
        key,
        retention: props.retention,
        // The orchestrator's bucket policy and callback role name these roles.
        ...(RESULTS_WRITER_TASKS.includes(spec.taskId) || EXECUTOR_CALLBACK_TASKS.includes(spec.taskId)
          ? { roleName: names.taskRoleName(spec.taskId) }
          : {}),
        environment: {
          [HANDLER_ENV.resultsBucket]: bucket,
          [HANDLER_ENV.resultsBucketRegion]: config.region,
          ...namesEnvironment(config.namePrefix),
        },
      });
      for (const policy of sharedPolicies) fn.role.addManagedPolicy(policy);
      functions[spec.taskId] = fn;
    }
    for (const taskId of RESULTS_WRITER_TASKS) {
      const writer = functions[taskId];
      if (writer === undefined) throw new Error(`${taskId} is not an executor task`);
      grantResultsWrite(
        writer.role,
        bucket,
        config.region,
        config.orchestratorAccountId,
        names.keyAliases.orchestrator,
      );
    }
    // The callback tasks answer the main execution's waiting Task (its Region, the orchestrator
    // account) through the orchestrator's callback role: a Step Functions integration cannot.
    for (const taskId of EXECUTOR_CALLBACK_TASKS) {
      const caller = functions[taskId];
      if (caller === undefined) throw new Error(`${taskId} is not an executor task`);
      caller.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'AnswerMainExecution',
          actions: ['sts:AssumeRole'],
          resources: [
            `arn:${Aws.PARTITION}:iam::${config.orchestratorAccountId}:role/${names.executorCallbackRole}`,
          ],
        }),
      );
    }
    this.functions = functions;

    const role = new iam.Role(this, 'ExecutorRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'drs-orchestration: executor state machine',
    });
    const substitutions: Record<string, string> = {};
    for (const spec of specs) {
      const fn = functions[spec.taskId] as TaskFunction;
      substitutions[spec.placeholder] = fn.function.functionArn;
      fn.function.grantInvoke(role);
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(fn.function)}.Arn>:*]`,
        reason:
          'Step Functions invokes the function by its unqualified ARN; the :* covers its versions and aliases',
      });
    }
    this.executor = new AslStateMachine(this, 'Executor', {
      definitionFile: join(
        props.statemachinesDir ?? join(REPO_ROOT, 'statemachines'),
        'staging-account-executor.asl.json',
      ),
      substitutions,
      stateMachineName: names.stateMachines.executor,
      role,
      key,
      retention: props.retention,
      inlineDefinition: props.artifacts !== undefined,
    });
    acknowledgeStateMachineRole(role);
  }
}

/** The wildcards CDK itself writes for Step Functions logging and X-Ray (no narrower form exists). */
export function acknowledgeStateMachineRole(role: iam.IRole): void {
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'CloudWatch Logs delivery (logs:*LogDelivery, PutResourcePolicy, Describe*) and X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) support no resource-level permissions',
  });
}

/**
 * Lets an executor task role write its account's records to the orchestrator's results bucket
 * (only under `results/`) and encrypt them with the orchestrator's key (only through S3).
 */
function grantResultsWrite(
  role: iam.Role,
  bucket: string,
  region: string,
  orchestratorAccountId: string,
  orchestratorKeyAlias: string,
): void {
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'WriteAccountRecords',
      actions: ['s3:PutObject'],
      resources: [`arn:${Aws.PARTITION}:s3:::${bucket}/${RESULTS_PREFIX}*`],
    }),
  );
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'EncryptAccountRecords',
      actions: ['kms:GenerateDataKey'],
      resources: [`arn:${Aws.PARTITION}:kms:${region}:${orchestratorAccountId}:key/*`],
      conditions: {
        StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': orchestratorKeyAlias },
      },
    }),
  );
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucket}/${RESULTS_PREFIX}*]`,
    reason: 'each execution writes its own object under results/<correlationId>/<execution>/; nothing else',
  });
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:${region}:${orchestratorAccountId}:key/*]`,
    reason: `the orchestrator key id is unknown in the staging account; limited to the key aliased ${orchestratorKeyAlias} and to S3 use`,
  });
}
