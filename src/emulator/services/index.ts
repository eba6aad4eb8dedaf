/**
 * The neighbour services of the emulator (STS, SSM, SNS, S3, Service Quotas, EC2). Each factory
 * takes narrow ports and returns a {@link ServiceHandler}; the server routes to them by the SigV4
 * signing name (`sts`, `ssm`, `sns`, `s3`, `servicequotas`, `ec2`).
 */
export type { ServiceHandler } from '../types.js';
export { createEc2Handler, type Ec2InstanceStateName, type Ec2InstanceView, type Ec2Ports } from './ec2/ec2.js';
export {
  createS3Handler,
  decodeAwsChunked,
  type S3BucketRecord,
  type S3ObjectRecord,
  type S3Ports,
  S3State,
  type S3StateSnapshot,
} from './s3/s3.js';
export { DirectoryBodyStore, MemoryBodyStore, type S3BodyStore } from './s3/s3-bodies.js';
export {
  createServiceQuotasHandler,
  DRS_QUOTAS,
  DRS_SERVICE_CODE,
  DRS_SERVICE_NAME,
  type QuotaDefinition,
  type ServiceQuotasPorts,
} from './servicequotas/service-quotas.js';
export {
  createSnsHandler,
  type SnsMessageAttribute,
  type SnsMessageRecord,
  type SnsPorts,
  SnsState,
  type SnsStateSnapshot,
  type SnsTopicRecord,
  topicArn,
} from './sns/sns.js';
export {
  createSsmHandler,
  parameterArn,
  type SsmParameterRecord,
  type SsmParameterType,
  type SsmParameterVersion,
  type SsmPorts,
  type SsmPutInput,
  SsmState,
  SsmStateError,
  type SsmStateSnapshot,
} from './ssm/ssm.js';
export { createStsHandler, roleIdOf, type StsOptions, type StsPorts, type StsRole } from './sts/sts.js';
