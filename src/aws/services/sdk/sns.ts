/**
 * The part of `@aws-sdk/client-sns` we use, as named imports: `sns.ts` loads this module with
 * `import()`, and esbuild keeps every export of a dynamically imported module, so naming them
 * here lets it drop the commands we never send.
 */
export { PublishCommand, SNSClient as Client } from '@aws-sdk/client-sns';
