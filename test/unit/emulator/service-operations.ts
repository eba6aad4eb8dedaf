/**
 * Each service's operations table, built over empty state: what the emulator serves, for tests
 * that check a list against it (the vendored model subsets, the one-list rule).
 */
import { CredentialStore } from '../../../src/emulator/auth/credentials.js';
import { DEFAULT_QUOTAS } from '../../../src/emulator/fleet/load.js';
import { createDrsService } from '../../../src/emulator/services/drs/service.js';
import {
  createEc2Handler,
  createS3Handler,
  createServiceQuotasHandler,
  createSnsHandler,
  createSsmHandler,
  createStsHandler,
  S3State,
  SnsState,
  SsmState,
} from '../../../src/emulator/services/index.js';
import { createLambdaOperations } from '../../../src/emulator/services/lambda/index.js';
import { createRoute53Operations, Route53State } from '../../../src/emulator/services/route53/index.js';
import { createSsmRunsOperations, SsmRunsState } from '../../../src/emulator/services/ssm/runs.js';
import {
  createStepFunctionsHandler,
  StepFunctionsState,
} from '../../../src/emulator/services/states/stepfunctions.js';
import type { Operations } from '../../../src/emulator/types.js';

/** SSM's Automation and Run Command operations (runbook steps), a table of their own beside Parameter Store's. */
export const SSM_RUN_OPERATIONS: Operations = createSsmRunsOperations({
  state: new SsmRunsState(),
  document: () => undefined,
  instances: () => [],
  failure: () => undefined,
});

/** The operations table of every service, by signing name. */
export const SERVED_OPERATIONS: Readonly<Record<string, Operations>> = {
  drs: createDrsService({ account: () => undefined, quotas: () => DEFAULT_QUOTAS }),
  ec2: createEc2Handler({ listInstances: () => [] }),
  s3: createS3Handler({ state: new S3State() }),
  servicequotas: createServiceQuotasHandler({ quotas: () => ({}) }),
  sns: createSnsHandler({ state: new SnsState() }),
  ssm: { ...createSsmHandler({ state: new SsmState() }), ...SSM_RUN_OPERATIONS },
  states: createStepFunctionsHandler({ state: new StepFunctionsState(), nowMs: () => 0 }),
  sts: createStsHandler({ findRole: () => undefined, credentials: new CredentialStore() }),
  route53: createRoute53Operations({
    state: new Route53State(),
    healthCheck: () => undefined,
    failure: () => undefined,
  }),
  lambda: createLambdaOperations({ find: () => undefined, failure: () => undefined }),
};
