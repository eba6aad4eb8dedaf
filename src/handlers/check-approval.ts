/** Lambda entry of the `check-approval` task (see create-handler.ts). No AWS access. */
import { checkApproval } from '../tasks/check-approval.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('check-approval', checkApproval);
