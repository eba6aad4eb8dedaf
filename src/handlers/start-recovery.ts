/** Lambda entry of the `start-recovery` task (see create-handler.ts). */
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('start-recovery');
