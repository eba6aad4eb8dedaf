/**
 * Pure orchestration logic: no I/O, no clock, no AWS.
 */
export * from './aggregate.js';
export * from './duration.js';
export * from './execution-arn.js';
export * from './inert-text.js';
export type * from './model.js';
export * from './notifications.js';
export * from './partition.js';
export * from './readiness.js';
export * from './status.js';
export * from './tags.js';
