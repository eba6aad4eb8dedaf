/**
 * One task Lambda of design 9.1: a pre-bundled Node 22 arm64 function with its own role and its
 * own KMS-encrypted log group (no AWS managed policies, no shared roles).
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HandlerBundle } from '../bundle.js';
import { METRICS_NAMESPACE, type TaskFunctionSpec } from '../names.js';
import { retainedName } from './retained-name.js';

/** Properties of {@link TaskFunction}. */
export interface TaskFunctionProps {
  readonly spec: TaskFunctionSpec;
  /** The bundle produced by `bundleHandlers`. */
  readonly bundle: HandlerBundle;
  /** Key for the log group and the environment variables. */
  readonly key: kms.IKey;
  /** Log retention. */
  readonly retention: logs.RetentionDays;
  /** CloudWatch namespace of the task's metrics. @default METRICS_NAMESPACE */
  readonly metricsNamespace?: string;
  /** Extra environment variables. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** Fixed role name (when another account's policy must name the role). @default generated */
  readonly roleName?: string;
  /** Timeout. @default 5 minutes */
  readonly timeout?: Duration;
  /** Memory in MiB. @default 512 */
  readonly memorySize?: number;
  /**
   * Where the code comes from. @default the bundle as a CDK asset (needs a bootstrapped account;
   * StackSet templates pass the bundle's zip in a regional artifact bucket instead)
   */
  readonly code?: lambda.Code;
}

/** A task Lambda with a dedicated role and encrypted log group. */
export class TaskFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TaskFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: retainedName(`/aws/lambda/${spec.functionName}`),
      encryptionKey: props.key,
      retention: props.retention,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.role = new iam.Role(this, 'Role', {
      ...(props.roleName === undefined ? {} : { roleName: props.roleName }),
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `execution role of ${spec.functionName}`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${this.logGroup.logGroupArn}`],
      }),
    );
    this.function = new lambda.Function(this, 'Function', {
      functionName: spec.functionName,
      description: `drs-orchestration task ${spec.taskId}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      code: props.code ?? lambda.Code.fromAsset(props.bundle.dir),
      handler: props.bundle.handler,
      role: this.role,
      logGroup: this.logGroup,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.minutes(5),
      environmentEncryption: props.key,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'drs-orchestration',
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? METRICS_NAMESPACE,
        DRS_ORCHESTRATION_TASK: spec.taskId,
        ...props.environment,
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the handlers are built and tested for (esbuild target node22); newer runtimes are adopted deliberately',
    });
  }
}

/** The logical id CDK gives a construct's CloudFormation resource (what cdk-nag names in findings). */
export function logicalIdOf(construct: Construct): string {
  const child = construct.node.defaultChild;
  if (child === undefined) throw new Error(`construct ${construct.node.path} has no cloudformation resource`);
  return Stack.of(construct).getLogicalId(child as never);
}
