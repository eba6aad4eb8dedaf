/** Lambda entry of the `start-recovery` task (see create-handler.ts). AWS: sts drs. */

import { drsService } from '../aws/services/drs.js';
import { stsService } from '../aws/services/sts.js';
import { startRecovery } from '../tasks/start-recovery.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('start-recovery', startRecovery, {
  services: { sts: stsService, drs: drsService },
});
