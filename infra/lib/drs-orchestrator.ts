/**
 * `DrsOrchestrator`: the orchestrator account's side as a construct: the `main-orchestrator` and
 * `observability` stacks (main, waves and drill-cleanup state machines, task functions, results
 * bucket, registry, KMS key; notifications, dashboard, alarms, schedules, runbook document).
 */
import type { App, Stage } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DeploymentConfig } from '../config.js';
import { MainOrchestratorStack } from '../stacks/main-orchestrator-stack.js';
import { ObservabilityStack } from '../stacks/observability-stack.js';
import type { RunbookStepAccess } from '../step-permissions.js';
import {
  type DrsCommonProps,
  type DrsScheduleProps,
  type DrsStagingAccountEntry,
  deploymentConfigOf,
} from './props.js';

/** Props of {@link DrsOrchestrator}. */
export interface DrsOrchestratorProps extends DrsCommonProps {
  /**
   * The registry entries deployed with the stack (one SSM parameter each). Accounts added later
   * need only their entry (`aws ssm put-parameter`): no policy lists accounts. @default none
   */
  readonly stagingAccounts?: readonly DrsStagingAccountEntry[];
  /** The weekly drill of design 8.3. @default off */
  readonly weeklyDrill?: DrsScheduleProps & { readonly maxWaitMinutes?: number };
  /** The scheduled cleanup of drill instances. @default off */
  readonly drillCleanup?: DrsScheduleProps & { readonly olderThanMinutes?: number };
  /** Days after which result objects expire. @default 90 */
  readonly resultsExpirationDays?: number;
  /**
   * Bring your own key: the ARN of a KMS key in the orchestrator account and Region that encrypts
   * the results bucket, the state machines' history, the log groups, the Lambda environments and
   * the notification topic. The stacks then create no key and leave its key policy alone, so it
   * must itself allow what the created key's policy allows (infra/README.md, "Bring your own
   * key"), and carry the alias `alias/drs-orchestration`, by which the staging accounts'
   * executors are allowed to encrypt their records with it.
   * @default a new rotating key aliased `alias/drs-orchestration`
   */
  readonly kmsKeyArn?: string;
  /** ASL files. @default `<repo>/statemachines` */
  readonly statemachinesDir?: string;
  /** Bundle directory. @default `<app outdir>/.bundles` */
  readonly bundleDir?: string;
  /**
   * The runbook steps the waves workflow may run (docs/runbook-steps.md): the SSM documents,
   * functions, hosted zones and health checks the given runbooks name, or prefixes. @default none
   */
  readonly runbookSteps?: RunbookStepAccess;
}

/** The orchestrator account's stacks. */
export class DrsOrchestrator extends Construct {
  readonly config: DeploymentConfig;
  readonly main: MainOrchestratorStack;
  readonly observability: ObservabilityStack;

  /**
   * @param scope the app (or stage) the two stacks are added to, as `main-orchestrator` and `observability`
   * @example new DrsOrchestrator(app, 'Orchestrator', { orchestratorAccountId: '123456789012', orchestratorRegion: 'us-east-1', organizationId: 'o-abcdefghij' });
   */
  constructor(scope: App | Stage, id: string, props: DrsOrchestratorProps) {
    super(scope, id);
    this.config = deploymentConfigOf(props, props.orchestratorRegion);
    const config = this.config;
    const prefix = props.stackNamePrefix ?? 'drs-orchestration';
    const env = { account: config.orchestratorAccountId, region: config.region };
    const common = {
      env,
      ...(props.synthesizer === undefined ? {} : { synthesizer: props.synthesizer }),
    };
    const outdir = (scope.node.root as App).outdir;
    this.main = new MainOrchestratorStack(scope, 'main-orchestrator', {
      ...common,
      stackName: `${prefix}-main-orchestrator`,
      description:
        'drs-orchestration: main state machine, task functions, results bucket (orchestrator account)',
      config,
      ...(props.kmsKeyArn === undefined ? {} : { kmsKeyArn: props.kmsKeyArn }),
      retention: config.logRetentionDays as logs.RetentionDays,
      bundleDir: props.bundleDir ?? `${outdir}/.bundles`,
      ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
      ...(props.statemachinesDir === undefined ? {} : { statemachinesDir: props.statemachinesDir }),
      ...(props.runbookSteps === undefined ? {} : { runbookSteps: props.runbookSteps }),
    });
    this.observability = new ObservabilityStack(scope, 'observability', {
      ...common,
      stackName: `${prefix}-observability`,
      description:
        'drs-orchestration: notifications, dashboard, alarms, schedules, runbook (orchestrator account)',
      config,
      key: this.main.key,
      main: this.main.main.stateMachine,
      waves: this.main.waves.stateMachine,
      drillCleanup: this.main.drillCleanup.stateMachine,
    });
    if (props.permissionsBoundaryPolicyName !== undefined) {
      for (const stack of [this.main, this.observability]) {
        applyBoundary(stack, props.permissionsBoundaryPolicyName);
      }
    }
  }
}

/** Applies a customer-managed policy as the permissions boundary of every role of a stack. */
export function applyBoundary(stack: Construct, policyName: string): void {
  iam.PermissionsBoundary.of(stack).apply(
    iam.ManagedPolicy.fromManagedPolicyName(stack, 'PermissionsBoundary', policyName),
  );
}
