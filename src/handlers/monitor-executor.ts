/** Lambda entry of the `monitor-executor` task (see create-handler.ts). AWS: sts states. */

import { statesService } from '../aws/services/states.js';
import { stsService } from '../aws/services/sts.js';
import { monitorExecutor } from '../tasks/monitor-executor.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('monitor-executor', monitorExecutor, {
  services: { sts: stsService, states: statesService },
});
