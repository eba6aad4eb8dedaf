/** Lambda entry of the `start-failback` task (see create-handler.ts). AWS: sts drs s3. */

import { drsService } from '../aws/services/drs.js';
import { s3Service } from '../aws/services/s3.js';
import { stsService } from '../aws/services/sts.js';
import { startFailback } from '../tasks/start-failback.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('start-failback', startFailback, {
  services: { sts: stsService, drs: drsService, s3: s3Service },
});
