/** Lambda entry of the `validate` task (see create-handler.ts). No AWS access. */
import { validate } from '../tasks/validate.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('validate', validate);
