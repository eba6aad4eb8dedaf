/**
 * The AWS layer: narrow ports over SDK v3 clients (one lazily loaded module per service),
 * cross-account sessions, retry policy and error mapping.
 */
export * from './clients.js';
export * from './create-ports.js';
export * from './errors.js';
export type * from './ports.js';
export * from './retry.js';
export * from './service.js';
export { drsService } from './services/drs.js';
export { ec2Service } from './services/ec2.js';
export { s3Service } from './services/s3.js';
export { quotasService } from './services/service-quotas.js';
export { snsService } from './services/sns.js';
export { ssmService } from './services/ssm.js';
export { statesService } from './services/states.js';
export { stsService } from './services/sts.js';
