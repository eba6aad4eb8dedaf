/** Lambda entry of the `start-failback` task (see create-handler.ts). */
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('start-failback');
