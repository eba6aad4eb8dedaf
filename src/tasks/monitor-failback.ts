/**
 * monitor-failback: see {@link monitorFailback} in start-failback.ts (they share the report).
 */
export { monitorFailback } from './start-failback.js';
