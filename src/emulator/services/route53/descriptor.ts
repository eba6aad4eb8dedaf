/**
 * Route 53 as a registry entry: rest-xml routed by its HTTP paths, errors in the `<ErrorResponse>`
 * envelope (the query protocol's), seeded from the fleet's `hostedZones`; health checks from the
 * fleet's `healthChecks`; `stepFailures` faults.
 */
import { ServiceError } from '../../protocols/service-errors.js';
import { anyResource, type ServiceDescriptor } from '../../registry.js';
import {
  createRoute53Operations,
  ROUTE53_XMLNS,
  Route53State,
  type Route53StateSnapshot,
  route53OperationOf,
} from './index.js';

/** Route 53 (signing name `route53`). */
export const route53Service: ServiceDescriptor = {
  name: 'route53',
  protocol: 'query',
  xmlns: ROUTE53_XMLNS,
  operationOf: route53OperationOf,
  recognizes: (hint) => hint.path.startsWith('/2013-04-01/'),
  unknownOperation: (_operation, req) =>
    new ServiceError(
      'InvalidInput',
      `${req.method} ${req.rawPath} is not an operation the emulator's Route 53 knows`,
      {
        status: 400,
      },
    ),
  invalidPageToken: () => new ServiceError('InvalidInput', 'The page marker is not valid.', { status: 400 }),
  authorization: { fallback: anyResource('route53') },
  create(world) {
    const restored = world.restored as Route53StateSnapshot | undefined;
    const state = restored ? Route53State.fromJSON(restored) : new Route53State();
    if (!restored) {
      for (const account of world.state.accounts()) {
        for (const z of account.fleet.hostedZones ?? []) state.addZone(account.accountId, z);
      }
    }
    return {
      operations: createRoute53Operations({
        state,
        healthCheck: (accountId, id) =>
          world.state.account(accountId)?.fleet.healthChecks?.find((c) => c.id === id),
        failure: (target, name) => world.state.faults.stepFailure(target, name),
      }),
      state,
    };
  },
};
