/** Lambda entry of the `write-report` task (see create-handler.ts). AWS: s3. */
import { s3Service } from '../aws/services/s3.js';
import { writeReport } from '../tasks/write-report.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('write-report', writeReport, { services: { s3: s3Service } });
