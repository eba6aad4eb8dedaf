/**
 * The AWS layer: narrow ports over SDK v3 clients, cross-account sessions, retry policy and
 * error mapping.
 */
export * from './clients.js';
export * from './errors.js';
export type * from './ports.js';
export * from './retry.js';
