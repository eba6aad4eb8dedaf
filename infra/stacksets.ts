/**
 * The staging-account side as bootstrap-free CloudFormation templates for service-managed
 * StackSets (issue 21): `iam-roles` and `staging-account-executor` with no `BootstrapVersion`
 * parameter, no `CheckBootstrapVersion` rule and no CDK asset (`BootstraplessSynthesizer` throws
 * on any), plus `artifacts`, the orchestrator account's regional bucket the executor's Lambda code
 * is read from. The Lambda bundles are written as content-addressed zips next to the templates;
 * `aws s3 sync` puts them in each DR Region's artifact bucket, which the DR OU may read.
 *
 * Role names are global and the templates' ARNs use `AWS::Region`: one stack set per DR Region,
 * each targeting the accounts that recover there (infra/README.md, "StackSets to an OU").
 *
 * Usage: `tsx infra/stacksets.ts [--out <dir>]` (default `templates/stacksets`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  App,
  Aws,
  BootstraplessSynthesizer,
  Duration,
  type IStackSynthesizer,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ARTIFACT_PREFIX, artifactBucketName, bundleArtifact } from './artifacts.js';
import { type DeploymentConfig, loadDeploymentConfig, REPO_ROOT } from './config.js';
import { IamRolesStack } from './stacks/iam-roles-stack.js';
import { StagingAccountExecutorStack } from './stacks/staging-account-executor-stack.js';
import { templateToYaml } from './synth.js';

/** The StackSet templates, by file name without `.yaml`. */
export const STACKSET_TEMPLATES = ['iam-roles', 'staging-account-executor', 'artifacts'] as const;

/** One of {@link STACKSET_TEMPLATES}. */
export type StackSetTemplate = (typeof STACKSET_TEMPLATES)[number];

export { ARTIFACT_PREFIX, artifactBucketName, bundleArtifact };

/** Options of {@link buildStackSets}. */
export interface BuildStackSetsOptions {
  readonly config?: DeploymentConfig;
  /** Cloud assembly directory. @default `<repo>/cdk.out/stacksets` */
  readonly outdir?: string;
  /** Handler sources. @default `<repo>/src/handlers` */
  readonly handlersDir?: string;
  /** Run cdk-nag's AwsSolutions pack on synth. @default true */
  readonly nag?: boolean;
}

/** The StackSet stacks (not yet synthesized) and the Lambda zips their templates name. */
export interface BuiltStackSets {
  readonly app: App;
  readonly stacks: Readonly<Record<StackSetTemplate, Stack>>;
  readonly artifacts: readonly { key: string; zip: Buffer }[];
}

/**
 * A synthesizer that adds no bootstrap parameter or rule and refuses every asset (the typing
 * cast: aws-cdk-lib's class and interface disagree under exactOptionalPropertyTypes).
 */
function bootstrapless(): IStackSynthesizer {
  return new BootstraplessSynthesizer() as unknown as IStackSynthesizer;
}

/** The artifact bucket: Lambda code of the executors, readable by the accounts of the DR OU. */
class ArtifactsStack extends Stack {
  constructor(scope: App, id: string, config: DeploymentConfig) {
    super(scope, id, {
      stackName: 'drs-orchestration-artifacts',
      description:
        'drs-orchestration: Lambda code of the staging-account executors in this Region (orchestrator account)',
      synthesizer: bootstrapless(),
    });
    const bucket = new s3.Bucket(this, 'Artifacts', {
      bucketName: artifactBucketName(config.orchestratorAccountId, Aws.REGION),
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    // CloudFormation creates each executor function with the StackSets execution role of the
    // target account; Lambda reads the zip with that caller's permissions.
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DrOuReadsLambdaCode',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [bucket.arnForObjects(`${ARTIFACT_PREFIX}*`)],
        conditions: {
          StringEquals: { 'aws:PrincipalOrgID': config.organizationId },
          'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${config.drOrganizationalUnitPath}*`] },
        },
      }),
    );
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'holds only build artifacts (Lambda zips) published by the platform team; reads are by the DR OU during stack operations',
    });
  }
}

/**
 * Builds the StackSet stacks with bootstrap-free synthesizers (no synthesis).
 *
 * @throws {Error} from `BootstraplessSynthesizer` if any construct adds a CDK asset.
 */
export function buildStackSets(options: BuildStackSetsOptions = {}): BuiltStackSets {
  const config = options.config ?? loadDeploymentConfig();
  const outdir = options.outdir ?? join(REPO_ROOT, 'cdk.out', 'stacksets');
  const app = new App({
    outdir,
    context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true },
  });
  const artifacts = new Map<string, Buffer>();
  const iamRoles = new IamRolesStack(app, 'stackset-iam-roles', {
    stackName: 'drs-orchestration-iam-roles',
    description: 'drs-orchestration: cross-account roles of a staging account (StackSet, one per DR Region)',
    config,
    synthesizer: bootstrapless(),
  });
  const executor = new StagingAccountExecutorStack(app, 'stackset-staging-account-executor', {
    stackName: 'drs-orchestration-staging-account-executor',
    description: 'drs-orchestration: executor state machine and task functions (StackSet, one per DR Region)',
    config,
    retention: config.logRetentionDays as logs.RetentionDays,
    bundleDir: join(outdir, '.bundles'),
    ...(options.handlersDir === undefined ? {} : { handlersDir: options.handlersDir }),
    synthesizer: bootstrapless(),
    artifacts: {
      bucketName: artifactBucketName(config.orchestratorAccountId, Aws.REGION),
      key: (bundle) => {
        const { key, zip } = bundleArtifact(bundle);
        artifacts.set(key, zip);
        return key;
      },
    },
  });
  const artifactsStack = new ArtifactsStack(app, 'stackset-artifacts', config);
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return {
    app,
    stacks: { 'iam-roles': iamRoles, 'staging-account-executor': executor, artifacts: artifactsStack },
    artifacts: [...artifacts].map(([key, zip]) => ({ key, zip })),
  };
}

/**
 * Synthesizes the StackSet templates to `<outDir>/<name>.yaml` and the Lambda zips to
 * `<outDir>/lambda/`.
 *
 * @param outDir @default `<repo>/templates/stacksets`
 */
export function writeStackSets(
  outDir = join(REPO_ROOT, 'templates', 'stacksets'),
  options: BuildStackSetsOptions = {},
): { path: string; bytes: number }[] {
  const built = buildStackSets(options);
  const assembly = built.app.synth();
  mkdirSync(join(outDir, ARTIFACT_PREFIX), { recursive: true });
  const written = STACKSET_TEMPLATES.map((name) => {
    const artifact = assembly.getStackArtifact(built.stacks[name].artifactId);
    const template: unknown = JSON.parse(
      readFileSync(join(assembly.directory, artifact.templateFile), 'utf8'),
    );
    const path = join(outDir, `${name}.yaml`);
    const text = templateToYaml(template);
    writeFileSync(path, text);
    return { path, bytes: Buffer.byteLength(text) };
  });
  for (const { key, zip } of built.artifacts) {
    const path = join(outDir, key);
    writeFileSync(path, zip);
    written.push({ path, bytes: zip.length });
  }
  return written;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outFlag = process.argv.indexOf('--out');
  const outDir =
    outFlag > 0 && process.argv[outFlag + 1] ? resolve(process.argv[outFlag + 1] as string) : undefined;
  try {
    for (const t of writeStackSets(outDir))
      console.log(`wrote ${relative(process.cwd(), t.path)} (${t.bytes} bytes)`);
  } catch (err) {
    console.error(`stacksets synth failed: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
