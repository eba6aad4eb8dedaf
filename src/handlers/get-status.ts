/** Lambda entry of the `get-status` task (see create-handler.ts). */
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('get-status');
