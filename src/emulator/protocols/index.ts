/** Wire-format helpers of the emulator's AWS protocols. */
export * from './ec2.js';
export * from './json.js';
export * from './query.js';
export * from './rest-json.js';
export * from './s3.js';
export * from './service-errors.js';
export * from './xml.js';
