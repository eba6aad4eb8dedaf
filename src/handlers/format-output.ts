/** Lambda entry of the `format-output` task (see create-handler.ts). */
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('format-output');
