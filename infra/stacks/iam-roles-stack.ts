/**
 * `iam-roles` (each staging account, deployed in its DRS region): the role the tasks use for DRS,
 * EC2 and Service Quotas, and the role start-executor and monitor-executor assume to start and watch
 * the executor in this account's Region.
 *
 * Environment-agnostic on purpose: one template serves every staging account (CloudFormation
 * StackSets or one `cdk deploy` per account); account and region come from the pseudo parameters.
 */
import {
  Aws,
  CfnCondition,
  Fn,
  type ICfnConditionExpression,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { type RecoveryTarget, recoveryTargets } from '../../src/contract/recovery-topology.js';
import type { DeploymentConfig } from '../config.js';
import { EXECUTOR_STARTING_TASKS, type ResourceNames, resourceNames, STAGING_ROLE_USERS } from '../names.js';
import {
  DRS_STAGING_ACCOUNT_MANAGED_POLICY,
  drsStagingRoleName,
  drsStagingRoleTrust,
  recoveryAccountStatements,
} from '../recovery-account-permissions.js';
import {
  type ArnContext,
  executorStarterStatements,
  type IamStatementJson,
  stagingRoleStatements,
} from '../staging-role-permissions.js';
import { type RunbookStepAccess, stagingStepStatements } from '../step-permissions.js';

/** Properties of {@link IamRolesStack}. */
export interface IamRolesStackProps extends StackProps {
  readonly config: DeploymentConfig;
  /**
   * The runbook steps the orchestrator's waves workflow runs: with SSM steps on recovered
   * instances, a runbook-steps role that the waves workflow assumes (Task `Credentials`) with
   * only their SSM permissions here. @default none: no such role
   */
  readonly runbookSteps?: RunbookStepAccess;
}

/**
 * Customer-managed policies of `DRS-Orchestration-Role`. Managed (not inline) because the executor's
 * Lambdas in the same account call DRS with their own roles, which attach the very same policies:
 * one definition of what the tasks may do, wherever they run.
 */
export const STAGING_POLICY_NAMES = {
  operations: 'DRS-Orchestration-Operations',
  guardrails: 'DRS-Orchestration-Guardrails',
} as const;

/** cdk-nag's wildcard findings of the step role, each with why it is as narrow as SSM allows. */
function acknowledgeStepRole(
  role: iam.Role,
  steps: readonly { sid: string; resources: readonly string[] }[],
): void {
  const reasons: Record<string, string> = {
    '*': 'ssm:ListCommandInvocations has no resource-level permissions (Service Authorization Reference)',
    'arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*':
      'SendCommand targets the recovered instances of this account, chosen by DRS at run time',
    'arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:automation-execution/*':
      'automation executions are created at run time by StartAutomationExecution',
  };
  const found = new Set(steps.flatMap((st) => st.resources.filter((r) => r.includes('*'))));
  for (const finding of found) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${finding}]`,
      reason:
        reasons[finding] ??
        'the documents the deployer allows by prefix (runbookSteps.ssmDocumentPrefix), or an Automation definition of any version',
    });
  }
}

function documentOf(statements: readonly IamStatementJson[]): iam.PolicyDocument {
  return iam.PolicyDocument.fromJson({ Version: '2012-10-17', Statement: statements });
}

/** The cross-account roles of one staging account. */
export class IamRolesStack extends Stack {
  /** `DRS-Orchestration-Role`. */
  readonly stagingRole: iam.Role;
  /** `DRS-Orchestration-Executor-Starter`. */
  readonly executorStarterRole: iam.Role;
  /** What the tasks may do in this account (Allow statements). */
  readonly operationsPolicy: iam.ManagedPolicy;
  /** What no one holding the operations policy may do (Deny statements). */
  readonly guardrailsPolicy: iam.ManagedPolicy;
  /** `DRS-Orchestration-Runbook-Steps`, when the runbooks have SSM steps on recovered instances. */
  readonly runbookStepsRole?: iam.Role;

  constructor(scope: Construct, id: string, props: IamRolesStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = resourceNames(config.namePrefix);
    const ctx: ArnContext = { partition: Aws.PARTITION, accountId: Aws.ACCOUNT_ID, region: Aws.REGION };
    const orchestratorRoot = `arn:${Aws.PARTITION}:iam::${config.orchestratorAccountId}:root`;
    const inOrganization = { 'aws:PrincipalOrgID': config.organizationId };
    const orchestratorRoles = (tasks: readonly string[]) =>
      tasks.map(
        (taskId) =>
          `arn:${Aws.PARTITION}:iam::${config.orchestratorAccountId}:role/${names.taskRoleName(taskId)}`,
      );

    const statements = stagingRoleStatements(ctx, config.recoveryInstanceRole);
    this.operationsPolicy = new iam.ManagedPolicy(this, 'OperationsPolicy', {
      managedPolicyName: names.stagingPolicies.operations,
      description: 'drs-orchestration: DRS recovery, failback, termination and their dependent actions',
      document: documentOf(statements.filter((st) => st.Effect === 'Allow')),
    });
    this.guardrailsPolicy = new iam.ManagedPolicy(this, 'GuardrailsPolicy', {
      managedPolicyName: names.stagingPolicies.guardrails,
      description: 'drs-orchestration: never stop replication, disconnect or delete a source server',
      document: documentOf(statements.filter((st) => st.Effect === 'Deny')),
    });
    this.stagingRole = new iam.Role(this, 'StagingRole', {
      roleName: names.stagingRole,
      description: 'drs-orchestration: DRS recovery, failback and termination in this staging account',
      // Only the orchestrator tasks that use this role (by their fixed names), not every principal
      // of the orchestrator account that may call sts:AssumeRole.
      assumedBy: new iam.PrincipalWithConditions(new iam.ArnPrincipal(orchestratorRoot), {
        ArnEquals: { 'aws:PrincipalArn': orchestratorRoles(STAGING_ROLE_USERS) },
        StringEquals: inOrganization,
      }),
      managedPolicies: [this.operationsPolicy, this.guardrailsPolicy],
    });

    this.executorStarterRole = new iam.Role(this, 'ExecutorStarterRole', {
      roleName: names.executorStarterRole,
      description:
        'drs-orchestration: lets start-executor and monitor-executor (orchestrator account) start, watch and stop the executor of this account',
      assumedBy: new iam.PrincipalWithConditions(new iam.ArnPrincipal(orchestratorRoot), {
        ArnEquals: { 'aws:PrincipalArn': orchestratorRoles(EXECUTOR_STARTING_TASKS) },
        StringEquals: inOrganization,
      }),
      inlinePolicies: { 'Start-Executor': documentOf(executorStarterStatements(ctx, names)) },
    });

    const steps = stagingStepStatements(props.runbookSteps, {
      partition: Aws.PARTITION,
      region: Aws.REGION,
      account: Aws.ACCOUNT_ID,
    });
    if (steps.length > 0) {
      this.runbookStepsRole = new iam.Role(this, 'RunbookStepsRole', {
        roleName: names.runbookStepsRole,
        description:
          'drs-orchestration: the runbook SSM steps (Run Command, Automation) the waves workflow runs on the recovered instances of this account',
        // Only the waves state machine's role: Step Functions assumes a Task's Credentials role with it.
        assumedBy: new iam.PrincipalWithConditions(new iam.ArnPrincipal(orchestratorRoot), {
          ArnEquals: {
            'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${config.orchestratorAccountId}:role/${names.wavesStateMachineRole}`,
          },
          StringEquals: inOrganization,
        }),
        inlinePolicies: {
          'Runbook-Steps': documentOf(
            steps.map((st) => ({
              Sid: st.sid,
              Effect: 'Allow',
              Action: [...st.actions],
              Resource: [...st.resources],
            })),
          ),
        },
      });
      // The same statements as cdk-nag renders the pseudo parameters, for its findings.
      acknowledgeStepRole(
        this.runbookStepsRole,
        stagingStepStatements(props.runbookSteps, {
          partition: '<AWS::Partition>',
          region: '<AWS::Region>',
          account: '<AWS::AccountId>',
        }),
      );
    }
    const targets = recoveryTargets(config.stagingAccounts);
    if (targets.length > 0) this.addRecoveryTopology(targets, ctx, names);

    this.acknowledgeFindings(names);
  }

  /**
   * The one-recovery-account topology, in the same environment-agnostic template: in a target
   * account the extension policy on `DRS-Orchestration-Role`; in each staging account behind a
   * target, the staging role DRS assumes to read it for that target (what the console's Trusted
   * accounts page would create). Conditions on the account id pick which applies where.
   */
  private addRecoveryTopology(
    targets: readonly RecoveryTarget[],
    ctx: ArnContext,
    names: ResourceNames,
  ): void {
    const isTarget = new CfnCondition(this, 'IsRecoveryAccount', {
      expression: accountIn(targets.map((t) => t.account.accountId)),
    });
    const extension = new iam.ManagedPolicy(this, 'ExtensionPolicy', {
      managedPolicyName: `${names.stagingPolicies.operations}-Extension`,
      description:
        'drs-orchestration: extend staging source servers into this recovery account and keep their tags',
      document: documentOf(recoveryAccountStatements(ctx)),
      roles: [this.stagingRole],
    });
    (extension.node.defaultChild as iam.CfnManagedPolicy).cfnOptions.condition = isTarget;
    Validations.of(extension).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'drs:ListExtensibleSourceServers supports no resource-level permissions (read-only)',
    });
    Validations.of(extension).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:drs:<AWS::Region>:<AWS::AccountId>:source-server/*]',
      reason: 'the extend task creates and tags extended source servers chosen at run time by tag',
    });
    Validations.of(extension).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:drs:<AWS::Region>:*:source-server/*]',
      reason:
        'CreateExtendedSourceServer names a staging source server of another registered account, chosen at run time',
    });
    for (const target of targets) {
      const id = target.account.accountId;
      const inStaging = new CfnCondition(this, `IsStagingAccountOf${id}`, {
        expression: accountIn(target.stagingAccountIds),
      });
      const role = new iam.CfnRole(this, `DrsStagingRole${id}`, {
        roleName: drsStagingRoleName(id),
        path: '/service-role/',
        description: `DRS staging role: lets DRS in recovery account ${id} read this staging account's source servers`,
        assumeRolePolicyDocument: drsStagingRoleTrust(id),
        managedPolicyArns: [`arn:${Aws.PARTITION}:iam::aws:policy/${DRS_STAGING_ACCOUNT_MANAGED_POLICY}`],
      });
      role.cfnOptions.condition = inStaging;
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${DRS_STAGING_ACCOUNT_MANAGED_POLICY}]`,
        reason:
          'the staging role is the one the DRS console creates (Trusted accounts, Staging role) with this AWS managed policy; DRS, not our tasks, uses it',
      });
    }
  }

  private acknowledgeFindings(names: ResourceNames): void {
    const partitionArn = (
      service: string,
      resource: string,
      region = '<AWS::Region>',
      account = '<AWS::AccountId>',
    ) => `arn:<AWS::Partition>:${service}:${region}:${account}:${resource}`;
    const staging: [string, string][] = [
      [
        'Resource::*',
        'DRS Describe* and ec2:DescribeInstances support no resource-level permissions (read-only)',
      ],
      [
        `Resource::${partitionArn('drs', 'source-server/*')}`,
        'the tasks launch any tagged source server of this account; servers are chosen at run time by tag',
      ],
      [
        `Resource::${partitionArn('drs', 'recovery-instance/*')}`,
        'failback and termination act on the recovery instances of the servers chosen at run time',
      ],
      [
        `Resource::${partitionArn('drs', 'job/*')}`,
        'jobs are created by StartRecovery; only our DR-* tag keys may be set (aws:TagKeys condition)',
      ],
      [
        `Resource::${partitionArn('servicequotas', 'drs/*')}`,
        'the partition task reads the DRS quotas (per-job, all-jobs, concurrent jobs) of this account',
      ],
      [
        `Resource::${partitionArn('ec2', '*')}`,
        'EC2 writes are documented dependent actions of StartRecovery/StartFailbackLaunch/TerminateRecoveryInstances on recovery resources DRS names at run time; this account and Region only',
      ],
      [
        `Resource::${partitionArn('ec2', 'image/*', '<AWS::Region>', '')}`,
        'RunInstances through DRS names the recovery AMI, chosen by DRS at run time (a dependent action of StartRecovery)',
      ],
      [
        `Resource::${partitionArn('ec2', 'snapshot/*', '<AWS::Region>', '')}`,
        'DRS creates volumes from its replication snapshots, chosen at run time (a dependent action of StartRecovery)',
      ],
    ];
    for (const [finding, reason] of staging) {
      Validations.of(this.operationsPolicy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    }
    Validations.of(this.executorStarterRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${partitionArn('states', `execution:${names.stateMachines.executor}:*`)}]`,
      reason: 'executions of the executor state machine are named at run time',
    });
    Validations.of(this.executorStarterRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${partitionArn('kms', 'key/*')}]`,
      reason:
        'the executor key is created by another stack (its id is unknown here): limited to the key aliased alias/drs-orchestration-executor, used through Step Functions',
    });
  }
}

/** A condition true when the stack's account is one of `ids` (Fn::Or takes at most 10 conditions). */
function accountIn(ids: readonly string[]): ICfnConditionExpression {
  let parts: ICfnConditionExpression[] = ids.map((id) => Fn.conditionEquals(Aws.ACCOUNT_ID, id));
  while (parts.length > 1) {
    const next: ICfnConditionExpression[] = [];
    for (let i = 0; i < parts.length; i += 10) {
      const group = parts.slice(i, i + 10);
      next.push(group.length === 1 ? (group[0] as ICfnConditionExpression) : Fn.conditionOr(...group));
    }
    parts = next;
  }
  return parts[0] as ICfnConditionExpression;
}
