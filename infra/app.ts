/**
 * The CDK app (design 13.1): `iam-roles` and `staging-account-executor` for every staging account,
 * `main-orchestrator` and `observability` for the orchestrator account. Everything it needs comes
 * from `config/`, so synthesis needs no AWS credentials and no context lookups.
 *
 * Entry point of `cdk.json` (`cdk synth`/`cdk deploy`); `infra/synth.ts` writes the templates.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, type Environment, Validations } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type DeploymentConfig, loadDeploymentConfig, REPO_ROOT } from './config.js';
import { IamRolesStack } from './stacks/iam-roles-stack.js';
import { MainOrchestratorStack } from './stacks/main-orchestrator-stack.js';
import { ObservabilityStack } from './stacks/observability-stack.js';
import { StagingAccountExecutorStack } from './stacks/staging-account-executor-stack.js';

/** Construct ids of the stacks; also the names of their templates in `templates/`. */
export const STACK_IDS = [
  'iam-roles',
  'staging-account-executor',
  'main-orchestrator',
  'observability',
] as const;

/** One of {@link STACK_IDS}. */
export type StackId = (typeof STACK_IDS)[number];

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** Stacks to build; `observability` brings `main-orchestrator` with it. @default all */
  readonly stacks?: readonly StackId[];
  /** Deployment configuration. @default loadDeploymentConfig() */
  readonly config?: DeploymentConfig;
  /** Cloud assembly directory. @default `<repo>/cdk.out` */
  readonly outdir?: string;
  /** Directory for the Lambda bundles. @default `<outdir>/.bundles` */
  readonly bundleDir?: string;
  /** Handler sources. @default `<repo>/src/handlers` */
  readonly handlersDir?: string;
  /** ASL files. @default `<repo>/statemachines` */
  readonly statemachinesDir?: string;
  /** Register cdk-nag's AwsSolutions pack as a validation plugin (synth fails on findings). @default true */
  readonly nag?: boolean;
  /**
   * CDK's built-in CloudFormation schema validation (costs several seconds per stack; errors
   * are fatal when enabled). @default true
   */
  readonly cfnValidation?: boolean;
}

/** The stacks {@link buildApp} created (absent when not requested). */
export interface BuiltApp {
  readonly app: App;
  readonly config: DeploymentConfig;
  readonly iamRoles?: IamRolesStack;
  readonly executor?: StagingAccountExecutorStack;
  readonly main?: MainOrchestratorStack;
  readonly observability?: ObservabilityStack;
}

const STACK_DESCRIPTIONS: Record<StackId, string> = {
  'iam-roles':
    'drs-orchestration: cross-account roles of a staging account (deploy first, in every staging account)',
  'staging-account-executor':
    'drs-orchestration: executor state machine and task functions (every staging account)',
  'main-orchestrator':
    'drs-orchestration: main state machine, task functions, results bucket (orchestrator account)',
  observability:
    'drs-orchestration: notifications, dashboard, alarms, schedules, runbook (orchestrator account)',
};

/**
 * Builds the app (no synthesis).
 *
 * @example const { app, main } = buildApp({ stacks: ['main-orchestrator'], nag: false });
 */
export function buildApp(options: BuildAppOptions = {}): BuiltApp {
  const config = options.config ?? loadDeploymentConfig();
  const outdir = options.outdir ?? join(REPO_ROOT, 'cdk.out');
  const wanted = new Set<StackId>(options.stacks ?? STACK_IDS);
  if (wanted.has('observability')) wanted.add('main-orchestrator');
  const cfnValidation = options.cfnValidation ?? true;
  const app = new App({
    outdir,
    builtinCloudFormationValidation: cfnValidation,
    context: {
      // Access logs are delivered under a bucket policy, so the log bucket keeps ACLs disabled.
      '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
      ...(cfnValidation ? { '@aws-cdk/core:validateAgainstDefaultRules': true } : {}),
    },
  });
  const orchestrator: Environment = { account: config.orchestratorAccountId, region: config.region };
  const retention = config.logRetentionDays as logs.RetentionDays;
  const common = {
    config,
    retention,
    bundleDir: options.bundleDir ?? join(outdir, '.bundles'),
    ...(options.handlersDir === undefined ? {} : { handlersDir: options.handlersDir }),
    ...(options.statemachinesDir === undefined ? {} : { statemachinesDir: options.statemachinesDir }),
  };
  const stackProps = (id: StackId) => ({
    stackName: `drs-orchestration-${id}`,
    description: STACK_DESCRIPTIONS[id],
  });

  const built: {
    iamRoles?: IamRolesStack;
    executor?: StagingAccountExecutorStack;
    main?: MainOrchestratorStack;
    observability?: ObservabilityStack;
  } = {};
  if (wanted.has('iam-roles')) {
    built.iamRoles = new IamRolesStack(app, 'iam-roles', { ...stackProps('iam-roles'), config });
  }
  if (wanted.has('staging-account-executor')) {
    built.executor = new StagingAccountExecutorStack(app, 'staging-account-executor', {
      ...stackProps('staging-account-executor'),
      ...common,
    });
  }
  if (wanted.has('main-orchestrator')) {
    built.main = new MainOrchestratorStack(app, 'main-orchestrator', {
      ...stackProps('main-orchestrator'),
      ...common,
      env: orchestrator,
    });
    if (wanted.has('observability')) {
      built.observability = new ObservabilityStack(app, 'observability', {
        ...stackProps('observability'),
        env: orchestrator,
        config,
        key: built.main.key,
        main: built.main.main.stateMachine,
        waves: built.main.waves.stateMachine,
        drillCleanup: built.main.drillCleanup.stateMachine,
      });
    }
  }
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { app, config, ...built };
}

// `cdk synth` / `cdk deploy` run this file directly.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildApp({ outdir: process.env.CDK_OUTDIR ?? join(REPO_ROOT, 'cdk.out') }).app.synth();
}
