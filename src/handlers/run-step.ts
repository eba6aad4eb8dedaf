/** Lambda entry of the `run-step` task (see create-handler.ts). No AWS access. */
import { runStep } from '../tasks/run-step.js';
import { createHandler } from './create-handler.js';

/** The Lambda handler. */
export const handler = createHandler('run-step', runStep);
