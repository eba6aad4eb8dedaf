/**
 * An organization's own CDK app embedding drs-orchestration through its construct library, with
 * non-default props: another stack-name prefix, a permissions boundary on every role, two DR
 * Regions, bootstrap-free staging templates for StackSets, and an enabled weekly drill.
 * `test/infra/example-app.test.ts` synthesizes it and runs the template checks and cdk-nag.
 *
 * Run: `npx cdk --app "npx tsx examples/cdk-app/app.ts" synth`
 */
import { pathToFileURL } from 'node:url';
import { App, BootstraplessSynthesizer, type IStackSynthesizer, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DrsOrchestrator, DrsStagingAccount } from '../../infra/lib/index.js';

/** Options of {@link exampleApp} (tests pass stand-in handlers and a temporary outdir). */
export interface ExampleAppOptions {
  readonly outdir?: string;
  readonly handlersDir?: string;
  /** @default true */
  readonly nag?: boolean;
}

/** Builds the example app (no synthesis). */
export function exampleApp(options: ExampleAppOptions = {}): {
  app: App;
  orchestrator: DrsOrchestrator;
  staging: DrsStagingAccount;
} {
  const app = new App({
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
    context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true },
  });
  const organization = {
    orchestratorAccountId: '210987654321',
    orchestratorRegion: 'eu-central-1',
    organizationId: 'o-acmeorg0001',
    drOrganizationalUnitPath: 'o-acmeorg0001/r-ac01/ou-ac01-drzone01/',
    stackNamePrefix: 'acme-dr',
    permissionsBoundaryPolicyName: 'AcmeWorkloadBoundary',
    logRetentionDays: 365,
    ...(options.handlersDir === undefined ? {} : { handlersDir: options.handlersDir }),
  };
  const orchestrator = new DrsOrchestrator(app, 'Orchestrator', {
    ...organization,
    stagingAccounts: [
      { accountId: '444444444444', region: 'eu-west-1' },
      { accountId: '555555555555', region: 'eu-north-1' },
    ],
    weeklyDrill: { enabled: true, schedule: 'cron(0 5 ? * SUN *)', tags: { 'DR-Tier': 'gold' } },
  });
  const staging = new DrsStagingAccount(app, 'Staging', {
    ...organization,
    regions: ['eu-west-1', 'eu-north-1'],
    lambdaCode: 'artifact-bucket',
    synthesizer: new BootstraplessSynthesizer() as unknown as IStackSynthesizer,
  });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, orchestrator, staging };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  exampleApp().app.synth();
}
