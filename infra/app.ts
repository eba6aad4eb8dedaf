/**
 * The CDK app (design 13.1): `iam-roles` and `staging-account-executor` for every staging account,
 * `main-orchestrator` and `observability` for the orchestrator account. Everything it needs comes
 * from `config/`, so synthesis needs no AWS credentials and no context lookups.
 *
 * Entry point of `cdk.json` (`cdk synth`/`cdk deploy`); `infra/synth.ts` writes the templates.
 */

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type DeploymentConfig, loadDeploymentConfig, REPO_ROOT } from './config.js';
import { DrsOrchestrator, DrsStagingAccount } from './lib/index.js';
import type { IamRolesStack } from './stacks/iam-roles-stack.js';
import type { MainOrchestratorStack } from './stacks/main-orchestrator-stack.js';
import type { ObservabilityStack } from './stacks/observability-stack.js';
import type { StagingAccountExecutorStack } from './stacks/staging-account-executor-stack.js';
import type { RunbookStepAccess } from './step-permissions.js';

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
  /** The runbook steps the waves workflow may run. @default none */
  readonly runbookSteps?: RunbookStepAccess;
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
  // The app is a thin consumer of the construct library (infra/lib): the repository's config in,
  // the library's stacks out, under the construct ids the docs' `cdk` commands name.
  const common = {
    orchestratorAccountId: config.orchestratorAccountId,
    orchestratorRegion: config.region,
    organizationId: config.organizationId,
    drOrganizationalUnitPath: config.drOrganizationalUnitPath,
    recoveryInstanceRole: config.recoveryInstanceRole,
    logRetentionDays: config.logRetentionDays,
    bundleDir: options.bundleDir ?? join(outdir, '.bundles'),
    ...(options.handlersDir === undefined ? {} : { handlersDir: options.handlersDir }),
  };
  const built: {
    iamRoles?: IamRolesStack;
    executor?: StagingAccountExecutorStack;
    main?: MainOrchestratorStack;
    observability?: ObservabilityStack;
  } = {};
  const staging = (['iam-roles', 'staging-account-executor'] as const).filter((id) => wanted.has(id));
  if (staging.length > 0) {
    const [only] = new DrsStagingAccount(app, 'StagingAccounts', {
      ...common,
      stacks: staging,
      ...(options.runbookSteps === undefined ? {} : { runbookSteps: options.runbookSteps }),
      // Only a registry that names a recovery account changes the staging-side templates.
      ...(config.stagingAccounts.some((a) => a.recoveryAccount !== undefined) && {
        stagingAccounts: config.stagingAccounts,
      }),
    }).regions;
    if (only?.iamRoles) built.iamRoles = only.iamRoles;
    if (only?.executor) built.executor = only.executor;
  }
  if (wanted.has('main-orchestrator')) {
    const orchestrator = new DrsOrchestrator(app, 'Orchestrator', {
      ...common,
      stagingAccounts: config.stagingAccounts,
      weeklyDrill: config.weeklyDrill,
      drillCleanup: config.drillCleanup,
      resultsExpirationDays: config.resultsExpirationDays,
      ...(options.statemachinesDir === undefined ? {} : { statemachinesDir: options.statemachinesDir }),
      ...(options.runbookSteps === undefined ? {} : { runbookSteps: options.runbookSteps }),
    });
    built.main = orchestrator.main;
    if (wanted.has('observability')) built.observability = orchestrator.observability;
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
