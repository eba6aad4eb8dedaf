/** Lambda entry of the `monitor-failback` task (see create-handler.ts). AWS: sts drs s3, states (heartbeats). */

import { drsService } from '../aws/services/drs.js';
import { s3Service } from '../aws/services/s3.js';
import { statesCallbacksService } from '../aws/services/states-callbacks.js';
import { stsService } from '../aws/services/sts.js';
import { monitorFailback } from '../tasks/monitor-failback.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('monitor-failback', monitorFailback, {
  services: { sts: stsService, drs: drsService, s3: s3Service, callbacks: statesCallbacksService },
});
