/**
 * Lambda entry points, one per task (each file `src/handlers/<task-id>.ts` exports `handler`).
 */
export * from './create-handler.js';
