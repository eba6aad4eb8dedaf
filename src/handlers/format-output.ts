/** Lambda entry of the `format-output` task (see create-handler.ts). AWS: none. */
import { formatOutput } from '../tasks/format-output.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('format-output', formatOutput, { services: {} });
