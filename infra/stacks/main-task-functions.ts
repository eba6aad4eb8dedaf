/**
 * The main-orchestrator stack's task functions (the main and waves workflows' tasks) and what
 * each may reach beyond its own function: the staging-account registry, the staging and
 * executor-starter roles of the DR OU's accounts, and its objects in the results bucket. Built in
 * the stack's scope so logical ids stay as they were.
 */
import { Aws, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { bundleHandlers } from '../bundle.js';
import type { DeploymentConfig } from '../config.js';
import { logicalIdOf, TaskFunction } from '../constructs/task-function.js';
import {
  EXECUTOR_STARTING_TASKS,
  HANDLER_ENV,
  namesEnvironment,
  RESULTS_PREFIX,
  type ResourceNames,
  STAGING_ROLE_USERS,
  type TASK_FUNCTIONS,
} from '../names.js';
import type { FunctionStackProps } from './staging-account-executor-stack.js';

/** A task function spec of `TASK_FUNCTIONS`. */
export type TaskFunctionSpec = (typeof TASK_FUNCTIONS)[number];

/** What the task functions are built from. */
export interface MainTaskFunctionsProps {
  readonly specs: readonly TaskFunctionSpec[];
  readonly props: FunctionStackProps;
  readonly config: DeploymentConfig;
  readonly names: ResourceNames;
  readonly key: kms.IKey;
  readonly bucket: s3.Bucket;
}

/** The task functions of `specs`, each with its bundle, key, log retention and environment. */
export function mainTaskFunctions(stack: Stack, p: MainTaskFunctionsProps): Record<string, TaskFunction> {
  const { specs, props, config, names, key, bucket } = p;
  const bundles = bundleHandlers({
    taskIds: specs.map((s) => s.taskId),
    outDir: props.bundleDir,
    ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
  });
  const functions: Record<string, TaskFunction> = {};
  for (const [index, spec] of specs.entries()) {
    const bundle = bundles[index];
    if (bundle === undefined) throw new Error(`no bundle for ${spec.taskId}`);
    functions[spec.taskId] = new TaskFunction(stack, spec.taskId, {
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
  return functions;
}

/** The task function of `taskId`, or an error naming it. */
export function taskFunctionOf(
  functions: Readonly<Record<string, TaskFunction>>,
  taskId: string,
): TaskFunction {
  const found = functions[taskId];
  if (found === undefined) throw new Error(`${taskId} is not a main task`);
  return found;
}

/**
 * Grants the task functions what they reach beyond their own function: the registry (discover,
 * describe-wave), the DR OU's staging and executor-starter roles, and their objects under
 * `results/` in the results bucket.
 */
export function grantTaskAccess(
  stack: Stack,
  functions: Readonly<Record<string, TaskFunction>>,
  p: Omit<MainTaskFunctionsProps, 'specs' | 'props'>,
): void {
  const { config, names, key, bucket } = p;
  const fn = (taskId: string): TaskFunction => taskFunctionOf(functions, taskId);
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
          Stack.of(stack).formatArn({
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
}
