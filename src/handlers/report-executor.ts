/** Lambda entry of the `report-executor` task (see create-handler.ts). AWS: sts states (task tokens). */

import { statesCallbacksService } from '../aws/services/states-callbacks.js';
import { stsService } from '../aws/services/sts.js';
import { reportExecutor } from '../tasks/report-executor.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('report-executor', reportExecutor, {
  services: { sts: stsService, callbacks: statesCallbacksService },
});
