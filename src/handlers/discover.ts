/** Lambda entry of the `discover` task (see create-handler.ts). AWS: ssm sts drs. */

import { drsService } from '../aws/services/drs.js';
import { ssmService } from '../aws/services/ssm.js';
import { stsService } from '../aws/services/sts.js';
import { discover } from '../tasks/discover.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('discover', discover, {
  services: { ssm: ssmService, sts: stsService, drs: drsService },
});
