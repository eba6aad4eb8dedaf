/**
 * The part of `@aws-sdk/client-ssm` we use, as named imports: `ssm.ts` loads this module with
 * `import()`, and esbuild keeps every export of a dynamically imported module, so naming them
 * here lets it drop the commands we never send.
 */
export {
  GetParameterCommand,
  GetParametersByPathCommand,
  SSMClient as Client,
} from '@aws-sdk/client-ssm';
