/**
 * Service Quotas as a registry entry: JSON 1.1 (`ServiceQuotasV20190624.*`), the DRS quotas of
 * each account as the fleet applies them.
 */
import { fail } from '../../protocols/service-errors.js';
import {
  anyResource,
  jsonBodyOf,
  jsonProtocol,
  nonEmpty,
  type OperationAuthorization,
  type ServiceDescriptor,
} from '../../registry.js';
import { createServiceQuotasHandler } from './service-quotas.js';

/** The quota's ARN for the per-quota reads, `*` for the listing. */
const onQuota: OperationAuthorization = (req, principal, operation) => {
  const body = jsonBodyOf(req);
  const service = nonEmpty(body?.ServiceCode);
  const code = nonEmpty(body?.QuotaCode);
  return {
    action: `servicequotas:${operation}`,
    resources:
      operation === 'ListServiceQuotas' || service === undefined || code === undefined
        ? '*'
        : `arn:aws:servicequotas:${req.region}:${principal.accountId}:${service}/${code}`,
    region: req.region,
  };
};

/** Service Quotas (signing name `servicequotas`). */
export const serviceQuotasService: ServiceDescriptor = {
  name: 'servicequotas',
  ...jsonProtocol('ServiceQuotasV20190624'),
  messageKey: 'Message',
  commonErrors: { throttling: { code: 'TooManyRequestsException' }, internal: { code: 'ServiceException' } },
  invalidPageToken: () =>
    fail({ code: 'InvalidPaginationTokenException', message: 'Invalid pagination token' }),
  authorization: {
    byOperation: { GetServiceQuota: onQuota, GetAWSDefaultServiceQuota: onQuota, ListServiceQuotas: onQuota },
    fallback: anyResource('servicequotas'),
  },
  create(world) {
    return {
      operations: createServiceQuotasHandler({
        quotas: (accountId) => {
          const q = world.state.account(accountId)?.quotas;
          return q
            ? {
                'L-B827C881': q.serversPerJob,
                'L-05AFA8C6': q.serversInAllActiveJobs,
                'L-D88FAC3A': q.concurrentJobs,
                'L-DD6D028C': q.jobsPerSourceServer,
                'L-C1D14A2B': q.replicatingServers,
              }
            : {};
        },
      }),
    };
  },
};
