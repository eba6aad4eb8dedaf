/**
 * Lambda as a registry entry: rest-json, `Invoke` only, over the fleet's `lambdaFunctions`;
 * `stepFailures` faults. No state of its own.
 */
import { ServiceError } from '../../protocols/service-errors.js';
import { anyResource, type ServiceDescriptor } from '../../registry.js';
import { createLambdaOperations, lambdaOperationOf } from './index.js';

/** Lambda (signing name `lambda`). */
export const lambdaService: ServiceDescriptor = {
  name: 'lambda',
  protocol: 'rest-json',
  operationOf: lambdaOperationOf,
  recognizes: (hint) => hint.path.startsWith('/2015-03-31/functions/'),
  unknownOperation: (_operation, req) =>
    new ServiceError(
      'UnknownOperationException',
      `${req.method} ${req.rawPath} is not an operation the emulator's Lambda knows`,
      {
        status: 404,
      },
    ),
  invalidPageToken: () =>
    new ServiceError('InvalidParameterValueException', 'Invalid marker.', { status: 400 }),
  authorization: { fallback: anyResource('lambda') },
  create(world) {
    return {
      operations: createLambdaOperations({
        find: (accountId, region, name) => {
          const account = world.state.account(accountId);
          return account?.region === region
            ? account.fleet.lambdaFunctions?.find((f) => f.name === name)
            : undefined;
        },
        failure: (name) => world.state.faults.stepFailure('lambda', name),
      }),
    };
  },
};
