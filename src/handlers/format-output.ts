/** Lambda entry of the `format-output` task (see create-handler.ts). AWS: s3. */
import { s3Service } from '../aws/services/s3.js';
import { formatOutput } from '../tasks/format-output.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('format-output', formatOutput, { services: { s3: s3Service } });
