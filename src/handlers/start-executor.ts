/** Lambda entry of the `start-executor` task (see create-handler.ts). AWS: sts states. */

import { statesService } from '../aws/services/states.js';
import { stsService } from '../aws/services/sts.js';
import { startExecutor } from '../tasks/start-executor.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('start-executor', startExecutor, {
  services: { sts: stsService, states: statesService },
});
