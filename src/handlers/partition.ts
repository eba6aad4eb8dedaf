/** Lambda entry of the `partition` task (see create-handler.ts). AWS: sts quotas. */

import { quotasService } from '../aws/services/service-quotas.js';
import { stsService } from '../aws/services/sts.js';
import { partition } from '../tasks/partition.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('partition', partition, {
  services: { sts: stsService, quotas: quotasService },
});
