/** Lambda entry of the `get-recovery-instances` task (see create-handler.ts). */
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('get-recovery-instances');
