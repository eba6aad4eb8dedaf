/**
 * The registry of emulated services: one descriptor per service, each in its own folder. This is
 * the one list of services; the server, the signature check, the authorizer, the error renderer,
 * the world's saved slices and the inspection API all iterate over it. Order matters only where
 * a service reads another while it is built (EC2 lists DRS's recovery instances: DRS first).
 */
import { ServiceRegistry } from '../registry.js';
import { drsService } from './drs/descriptor.js';
import { ec2Service } from './ec2/descriptor.js';
import { lambdaService } from './lambda/descriptor.js';
import { route53Service } from './route53/descriptor.js';
import { s3Service } from './s3/descriptor.js';
import { serviceQuotasService } from './servicequotas/descriptor.js';
import { snsService } from './sns/descriptor.js';
import { ssmService } from './ssm/descriptor.js';
import { statesService } from './states/descriptor.js';
import { stsService } from './sts/descriptor.js';

/** Every service the emulator serves; an unsigned request no other service recognizes is S3's. */
export const SERVICES = new ServiceRegistry(
  [
    drsService,
    stsService,
    ssmService,
    snsService,
    s3Service,
    serviceQuotasService,
    ec2Service,
    statesService,
    route53Service,
    lambdaService,
  ],
  's3',
);

export type { ServiceHandler } from '../types.js';
export {
  createEc2Handler,
  type Ec2InstanceStateName,
  type Ec2InstanceView,
  type Ec2Ports,
} from './ec2/ec2.js';
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
export {
  drsService,
  ec2Service,
  lambdaService,
  route53Service,
  s3Service,
  serviceQuotasService,
  snsService,
  ssmService,
  statesService,
  stsService,
};
