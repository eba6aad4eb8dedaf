/** Service Quotas port of one account; `@aws-sdk/client-service-quotas` is loaded on the first call. */
import type { QuotasPort } from '../ports.js';
import { type AwsService, sdkService } from '../service.js';

/**
 * The Service Quotas service module.
 *
 * @example
 * ```ts
 * const perJob = await quotasService.create(scope).getServiceQuota({ serviceCode: 'drs', quotaCode: 'L-…' });
 * ```
 */
export const quotasService: AwsService<QuotasPort> = /* @__PURE__ */ sdkService(
  'servicequotas',
  () => import('./sdk/service-quotas.js'),
  (call) => ({
    async getServiceQuota({ serviceCode, quotaCode }) {
      const out = await call('GetServiceQuota', (sdk, client) =>
        client.send(new sdk.GetServiceQuotaCommand({ ServiceCode: serviceCode, QuotaCode: quotaCode })),
      );
      const value = out.Quota?.Value;
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    },
  }),
);
