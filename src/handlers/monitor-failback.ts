/** Lambda entry of the `monitor-failback` task (see create-handler.ts). */
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('monitor-failback');
