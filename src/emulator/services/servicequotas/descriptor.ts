/**
 * Service Quotas as a registry entry: JSON 1.1 (`ServiceQuotasV20190624.*`), the DRS quotas of
 * each account as the fleet applies them.
 */
import { fail } from '../../protocols/service-errors.js';
import { anyResource, jsonProtocol, type ServiceDescriptor } from '../../registry.js';
import { createServiceQuotasHandler } from './service-quotas.js';

/** Service Quotas (signing name `servicequotas`). */
export const serviceQuotasService: ServiceDescriptor = {
  name: 'servicequotas',
  ...jsonProtocol('ServiceQuotasV20190624'),
  messageKey: 'Message',
  commonErrors: { throttling: { code: 'TooManyRequestsException' }, internal: { code: 'ServiceException' } },
  invalidPageToken: () =>
    fail({ code: 'InvalidPaginationTokenException', message: 'Invalid pagination token' }),
  authorization: { fallback: anyResource('servicequotas') },
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
