/** Lambda entry of the `terminate-instances` task (see create-handler.ts). */
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('terminate-instances');
