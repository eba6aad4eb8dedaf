/**
 * `DrsStagingAccount`: the staging-account side as a construct: `iam-roles` (the roles the
 * orchestrator's tasks use) and `staging-account-executor` (the executor state machine and its
 * task functions), once per DR Region. With `lambdaCode: 'artifact-bucket'` and a
 * `BootstraplessSynthesizer` the templates need no CDK bootstrap: the form for StackSets.
 */
import { type App, Aws, type Stage } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { artifactBucketName, bundleArtifact } from '../artifacts.js';
import type { HandlerBundle } from '../bundle.js';
import type { DeploymentConfig } from '../config.js';
import { IamRolesStack } from '../stacks/iam-roles-stack.js';
import { StagingAccountExecutorStack } from '../stacks/staging-account-executor-stack.js';
import type { RunbookStepAccess } from '../step-permissions.js';
import { applyBoundary } from './drs-orchestrator.js';
import { type DrsCommonProps, type DrsStagingAccountEntry, deploymentConfigOf } from './props.js';

/** Props of {@link DrsStagingAccount}. */
export interface DrsStagingAccountProps extends DrsCommonProps {
  /**
   * DR Regions: one `iam-roles-<region>` and `staging-account-executor-<region>` pair each
   * (role names are global, so each Region's pair goes to the accounts that recover there).
   * @default one environment-agnostic pair, `iam-roles` and `staging-account-executor`
   */
  readonly regions?: readonly string[];
  /**
   * Where the executor's Lambda code comes from: CDK assets (the account must be bootstrapped),
   * or the orchestrator's artifact bucket of the Region (`drs-orchestration-artifacts-<account>-<region>`,
   * see `npm run synth:stacksets`). @default 'assets'
   */
  readonly lambdaCode?: 'assets' | 'artifact-bucket';
  /** Which of the two stacks to build (e.g. the roles alone first). @default both */
  readonly stacks?: readonly ('iam-roles' | 'staging-account-executor')[];
  /**
   * The runbook steps the orchestrator's waves workflow may run (the same value as
   * `DrsOrchestrator`'s): SSM steps on recovered instances get the runbook-steps role here,
   * with only their documents. @default none
   */
  readonly runbookSteps?: RunbookStepAccess;
  /**
   * The registry's accounts, for the one-recovery-account topology: entries naming a
   * `recoveryAccount` give `iam-roles` the extension policy (in the target) and the DRS staging
   * role (in the staging accounts behind it). @default none
   */
  readonly stagingAccounts?: readonly DrsStagingAccountEntry[];
}

/** One DR Region's stacks. */
export interface DrsStagingRegion {
  readonly region: string | undefined;
  readonly iamRoles?: IamRolesStack;
  readonly executor?: StagingAccountExecutorStack;
}

/** The staging accounts' stacks. */
export class DrsStagingAccount extends Construct {
  readonly config: DeploymentConfig;
  readonly regions: readonly DrsStagingRegion[];
  /** The Lambda zips the templates name (lambdaCode 'artifact-bucket'), by key. */
  readonly artifacts = new Map<string, Buffer>();

  /**
   * @param scope the app (or stage) the stacks are added to
   * @example new DrsStagingAccount(app, 'Staging', { orchestratorAccountId: '123456789012', orchestratorRegion: 'us-east-1', organizationId: 'o-abcdefghij', regions: ['us-east-2'] });
   */
  constructor(scope: App | Stage, id: string, props: DrsStagingAccountProps) {
    super(scope, id);
    this.config = deploymentConfigOf(props, props.orchestratorRegion);
    const config = this.config;
    const prefix = props.stackNamePrefix ?? 'drs-orchestration';
    const outdir = (scope.node.root as App).outdir;
    const regions: (string | undefined)[] = props.regions === undefined ? [undefined] : [...props.regions];
    const artifacts =
      props.lambdaCode === 'artifact-bucket'
        ? {
            bucketName: artifactBucketName(config.orchestratorAccountId, Aws.REGION),
            key: (bundle: HandlerBundle) => {
              const { key, zip } = bundleArtifact(bundle);
              this.artifacts.set(key, zip);
              return key;
            },
          }
        : undefined;
    this.regions = regions.map((region) => {
      const suffix = region === undefined ? '' : `-${region}`;
      const common = {
        ...(region === undefined ? {} : { env: { region } }),
        ...(props.synthesizer === undefined ? {} : { synthesizer: props.synthesizer }),
      };
      const wanted = new Set(props.stacks ?? ['iam-roles', 'staging-account-executor']);
      const iamRoles = wanted.has('iam-roles')
        ? new IamRolesStack(scope, `iam-roles${suffix}`, {
            ...common,
            stackName: `${prefix}-iam-roles${suffix}`,
            description:
              'drs-orchestration: cross-account roles of a staging account (deploy first, in every staging account)',
            config,
            ...(props.runbookSteps === undefined ? {} : { runbookSteps: props.runbookSteps }),
          })
        : undefined;
      const executor = wanted.has('staging-account-executor')
        ? new StagingAccountExecutorStack(scope, `staging-account-executor${suffix}`, {
            ...common,
            stackName: `${prefix}-staging-account-executor${suffix}`,
            description:
              'drs-orchestration: executor state machine and task functions (every staging account)',
            config,
            retention: config.logRetentionDays as logs.RetentionDays,
            bundleDir: props.bundleDir ?? `${outdir}/.bundles`,
            ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
            ...(artifacts === undefined ? {} : { artifacts }),
          })
        : undefined;
      if (props.permissionsBoundaryPolicyName !== undefined) {
        for (const stack of [iamRoles, executor]) {
          if (stack !== undefined) applyBoundary(stack, props.permissionsBoundaryPolicyName);
        }
      }
      return { region, ...(iamRoles ? { iamRoles } : {}), ...(executor ? { executor } : {}) };
    });
  }
}
