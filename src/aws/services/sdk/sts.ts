/**
 * The part of `@aws-sdk/client-sts` we use, as named imports: `sts.ts` loads this module with
 * `import()`, and esbuild keeps every export of a dynamically imported module, so naming them
 * here lets it drop the commands we never send.
 */
export {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  STSClient as Client,
} from '@aws-sdk/client-sts';
