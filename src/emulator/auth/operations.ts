/**
 * The pipeline's one authorization step: each service descriptor says, per operation, which IAM
 * action the Service Authorization Reference names for it and the resource ARN(s) IAM evaluates
 * it on, read from the request alone; this module looks the call up and asks the authorizer. No
 * service handler checks IAM itself; a handler only enforces what is not an identity policy
 * (resource policies, trust policies, cross-account sharing).
 */
import { renderServiceError } from '../protocols/service-errors.js';
import type { ServiceDescriptor, ServiceInstance } from '../registry.js';
import type { Authorizer as PipelineAuthorizer } from '../server.js';
import type { EmulatorRequest, Principal } from '../types.js';
import { type AuthorizeRequest, type Authorizer, accessDenied } from './authorizer.js';

/** A service as the authorization step sees it: its descriptor, and its running instance if built. */
export interface AuthorizedService {
  readonly descriptor: ServiceDescriptor;
  readonly instance?: ServiceInstance;
}

/**
 * The IAM request of one call, `'none'` when the operation needs no permission, or undefined for
 * a service the registry does not know (the pipeline then answers that service as unknown anyway).
 * The operation's own rule (in its service's operations) comes first, then the descriptor's
 * fallback (`<service>:<Operation>` on `*` for most), so a new operation is never let through
 * unchecked.
 */
export function authorizationOf(
  service: AuthorizedService | undefined,
  req: EmulatorRequest,
  principal: Principal,
  operation: string,
): AuthorizeRequest | 'none' | undefined {
  if (service === undefined) return undefined;
  const { descriptor, instance } = service;
  const entry = instance?.operations[operation];
  const how =
    instance?.authorization?.[operation] ??
    (entry !== undefined && typeof entry !== 'function' ? entry.iam : undefined) ??
    descriptor.authorization.byOperation?.[operation] ??
    descriptor.authorization.fallback;
  return how === 'none' ? 'none' : how(req, principal, operation);
}

/**
 * The server pipeline's authorization step over an authorizer: looks the call up in its
 * service's descriptor and answers the service's own access-denied error (its code, status and
 * protocol) when the caller's policies do not allow it.
 */
export function createPipelineAuthorizer(
  authorizer: Authorizer,
  services: (name: string) => AuthorizedService | undefined,
): PipelineAuthorizer {
  return (req, principal, operation, requestId) => {
    const service = services(req.service);
    const request = authorizationOf(service, req, principal, operation);
    if (service === undefined || request === undefined || request === 'none') return undefined;
    const identity = authorizer.check(principal, request);
    // A service's resource policies (bucket and key policies) decide together with the identity.
    const result =
      service.instance?.resourcePolicy?.(principal, request, identity, (other) =>
        authorizer.check(principal, other),
      ) ?? identity;
    if (result.allowed) return undefined;
    const shown = typeof request.resources === 'string' ? request.resources : (request.resources[0] ?? '*');
    return renderServiceError(
      service.descriptor,
      accessDenied(service.descriptor, principal, result, shown),
      requestId,
      req.method === 'HEAD',
    );
  };
}
