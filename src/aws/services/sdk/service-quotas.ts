/**
 * The part of `@aws-sdk/client-service-quotas` we use, as named imports: `service-quotas.ts` loads this module with
 * `import()`, and esbuild keeps every export of a dynamically imported module, so naming them
 * here lets it drop the commands we never send.
 */
export {
  GetServiceQuotaCommand,
  ServiceQuotasClient as Client,
} from '@aws-sdk/client-service-quotas';
