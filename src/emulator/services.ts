/**
 * Builds every service of the registry over the world: each descriptor's `create` gets the
 * world and the slice it saved, its state is registered with the world (saved and journaled with
 * it), its operations become its handler, its views join the inspection API under its name, and
 * one authorizer over the fleet's role policies authorizes every call by the descriptors.
 */
import { createAuthorizer } from './auth/authorizer.js';
import type { PolicyDocument } from './auth/iam-policy.js';
import { type AuthorizedService, createPipelineAuthorizer } from './auth/operations.js';
import { FLEET_ORGANIZATION_ID } from './auth/organization.js';
import type { InspectionViews } from './inspection.js';
import type { InspectionRoute, ServiceInstance, ServiceRegistry } from './registry.js';
import { serviceHandler } from './registry.js';
import type { Authorizer as ServerAuthorizer } from './server.js';
import { type EmulatorState, StateFileError } from './state.js';
import type { ServiceHandler } from './types.js';

/** The services built over one world. */
export interface RunningServices {
  readonly registry: ServiceRegistry;
  /** Each service's handler, by signing name. */
  readonly handlers: Readonly<Record<string, ServiceHandler>>;
  /** Each service's running instance, by signing name. */
  readonly instances: ReadonlyMap<string, ServiceInstance>;
  readonly authorize: ServerAuthorizer;
  /** Every service's inspection views, as `<service>/<view>`. */
  readonly views: InspectionViews;
  /** The services' own inspection routes (`GET jobs`, ...). */
  readonly routes: Readonly<Record<string, InspectionRoute>>;
  /** The fields the services add to each account of the inspection API. */
  accountFields(accountId: string): Readonly<Record<string, unknown>>;
  /** Tells every service the emulator stops. */
  stop(): void;
}

/** The organization every fleet account belongs to (for `aws:PrincipalOrgID` trust conditions). */
export { FLEET_ORGANIZATION_ID };

/**
 * Builds the registry's services over the world, in the registry's order; a service's state is
 * seeded from the fleet once (or restored from the world's saved slice).
 *
 * @param options - the emulator's start options; each service reads its own
 * @param endpoint - the emulator's endpoint, once it listens
 * @throws StateFileError when a saved slice cannot be restored
 */
export function createServices(
  state: EmulatorState,
  registry: ServiceRegistry,
  options: Readonly<Record<string, unknown>> = {},
  endpoint: () => string = () => '',
): RunningServices {
  const instances = new Map<string, ServiceInstance>();
  const handlers: Record<string, ServiceHandler> = {};
  const views: Record<string, InspectionViews[string]> = {};
  const routes: Record<string, InspectionRoute> = {};
  for (const descriptor of registry.descriptors) {
    const restored = state.restoredServices[descriptor.name];
    let instance: ServiceInstance;
    try {
      instance = descriptor.create({
        state,
        restored,
        options,
        endpoint,
        service: (name) => instances.get(name),
      });
    } catch (err) {
      if (restored === undefined) throw err;
      throw new StateFileError((err as Error).message);
    }
    instances.set(descriptor.name, instance);
    handlers[descriptor.name] = serviceHandler(descriptor, instance.operations);
    if (instance.state !== undefined) state.services.set(descriptor.name, instance.state);
    for (const [view, read] of Object.entries(instance.views ?? {}))
      views[`${descriptor.name}/${view}`] = read;
    Object.assign(routes, instance.routes);
  }

  const authorizer = createAuthorizer({
    policiesForRole: (arn) =>
      state.role(arn)?.role.policies as unknown as readonly PolicyDocument[] | undefined,
    organizationPathOf: (accountId) => state.organizationPathOf(accountId),
    requirements: registry.requirements(),
  });
  const authorize = createPipelineAuthorizer(authorizer, (name): AuthorizedService | undefined => {
    const descriptor = registry.get(name);
    const instance = instances.get(name);
    return descriptor === undefined ? undefined : { descriptor, ...(instance ? { instance } : {}) };
  });

  return {
    registry,
    handlers,
    instances,
    authorize,
    views,
    routes,
    accountFields: (accountId) =>
      Object.assign({}, ...[...instances.values()].map((i) => i.accountFields?.(accountId) ?? {})),
    stop: () => {
      for (const instance of instances.values()) instance.stop?.();
    },
  };
}
