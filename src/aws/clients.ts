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
