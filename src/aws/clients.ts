/**
 * Every AWS service we call, for the local runtime, the CLI and the tests. Lambda handlers do not
 * import this module: they pass only their own services to `createAwsPortsFor`, so their bundles
 * leave the other SDK clients out. The service modules load their SDK packages on first use, so
 * importing this module stays cheap too.
 */
import { type AwsConfig, type AwsPorts, type AwsServices, createAwsPortsFor } from './create-ports.js';
import { drsService } from './services/drs.js';
import { ec2Service } from './services/ec2.js';
import { s3Service } from './services/s3.js';
import { quotasService } from './services/service-quotas.js';
import { snsService } from './services/sns.js';
import { ssmService } from './services/ssm.js';
import { statesService } from './services/states.js';
import { statesCallbacksService } from './services/states-callbacks.js';
import { stsService } from './services/sts.js';

/**
 * Every service module, by port name. A plain literal on purpose: a call such as
 * `Object.freeze(...)` would count as a side effect and keep every client in every bundle.
 */
export const ALL_AWS_SERVICES: Readonly<Required<AwsServices>> = {
  sts: stsService,
  ssm: ssmService,
  s3: s3Service,
  sns: snsService,
  drs: drsService,
  quotas: quotasService,
  ec2: ec2Service,
  states: statesService,
  callbacks: statesCallbacksService,
};

/**
 * Creates the ports of every service for the orchestrator account and a cache of
 * staging-account ports. Clients are created, and their SDK packages loaded, on first use.
 *
 * @example
 * ```ts
 * const aws = createAwsPorts({ endpoint: emu.endpoint, credentials: emu.credentials, sleep, now });
 * const drs = aws.account({ accountId, region, roleArn }).drs;
 * ```
 */
export function createAwsPorts(config: AwsConfig): AwsPorts {
  return createAwsPortsFor(config, ALL_AWS_SERVICES);
}

/**
 * Loads the SDK client packages the tasks call (not EC2 or SNS: no task calls them, and the
 * runtime publishes notifications through its own client) now instead of on first use. The local runtime calls it before a
 * run in discrete virtual time: its scheduler advances the clock when every execution waits on
 * nothing but HTTP or a sleep, and cannot see a module load in flight, so a first-use import in
 * one branch while another branch sleeps could let virtual time jump early. Loaded modules are
 * cached, so later `import()`s of them settle at once. Lambda handlers never call this.
 */
export async function preloadAwsSdks(): Promise<void> {
  await Promise.all([
    import('./services/sdk/drs.js'),
    import('./services/sdk/s3.js'),
    import('./services/sdk/service-quotas.js'),
    import('./services/sdk/ssm.js'),
    import('./services/sdk/sts.js'),
  ]);
}
