/** Lambda entry of the `describe-wave` task (see create-handler.ts). AWS: ssm sts drs. */
import { drsService } from '../aws/services/drs.js';
import { ssmService } from '../aws/services/ssm.js';
import { stsService } from '../aws/services/sts.js';
import { describeWave } from '../tasks/describe-wave.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('describe-wave', describeWave, {
  services: { ssm: ssmService, sts: stsService, drs: drsService },
});
