/** Lambda entry of the `write-report` task (see create-handler.ts). AWS: s3, states (its own executions). */
import { s3Service } from '../aws/services/s3.js';
import { statesService } from '../aws/services/states.js';
import { writeReport } from '../tasks/write-report.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('write-report', writeReport, {
  services: { s3: s3Service, states: statesService },
});
