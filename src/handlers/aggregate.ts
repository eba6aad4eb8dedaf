/** Lambda entry of the `aggregate` task (see create-handler.ts). AWS: s3. */
import { s3Service } from '../aws/services/s3.js';
import { aggregate } from '../tasks/aggregate.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('aggregate', aggregate, { services: { s3: s3Service } });
