/** Service Quotas port of one account; `@aws-sdk/client-service-quotas` is loaded on the first call. */
import type { QuotasPort } from '../ports.js';
import { type AwsService, sdkCaller } from '../service.js';

/**
 * The Service Quotas service module.
 *
 * @example
 * ```ts
 * const perJob = await quotasService.create(scope).getServiceQuota({ serviceCode: 'drs', quotaCode: 'L-…' });
 * ```
 */
export const quotasService: AwsService<QuotasPort> = {
  service: 'servicequotas',
  create({ settings, send }) {
    const call = sdkCaller(
      send,
      () => import('./sdk/service-quotas.js'),
      (sdk) => new sdk.ServiceQuotasClient(settings),
    );
    return {
      async getServiceQuota({ serviceCode, quotaCode }) {
        const out = await call('GetServiceQuota', (sdk, client) =>
          client.send(new sdk.GetServiceQuotaCommand({ ServiceCode: serviceCode, QuotaCode: quotaCode })),
        );
        const value = out.Quota?.Value;
        return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
      },
    };
  },
};
