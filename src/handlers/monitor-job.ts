/** Lambda entry of the `monitor-job` task (see create-handler.ts). */
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('monitor-job');
