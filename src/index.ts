/**
 * drs-orchestration: the public API of the package.
 */
export * from './contract/index.js';
