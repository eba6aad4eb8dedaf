/** Lambda entry of the `get-recovery-instances` task (see create-handler.ts). AWS: sts drs s3. */

import { drsService } from '../aws/services/drs.js';
import { s3Service } from '../aws/services/s3.js';
import { stsService } from '../aws/services/sts.js';
import { getRecoveryInstances } from '../tasks/get-recovery-instances.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('get-recovery-instances', getRecoveryInstances, {
  services: { sts: stsService, drs: drsService, s3: s3Service },
});
