/**
 * Wires the neighbour services (STS, SSM, SNS, S3, Service Quotas, EC2; written against narrow
 * ports in services/) and IAM authorization onto the world.
 */

import type { InspectionViews } from './inspection.js';
import type { Authorizer } from './server.js';
import type { EmulatorState } from './state.js';
import type { ServiceHandler } from './types.js';

/** Handlers, authorizer and inspection views of the neighbour services. */
export interface NeighbourServices {
  readonly handlers: Readonly<Record<string, ServiceHandler>>;
  readonly authorize?: Authorizer;
  readonly views: InspectionViews;
}

/** Builds the neighbour services over the world (those that exist so far). */
export function createNeighbourServices(_state: EmulatorState): NeighbourServices {
  return { handlers: {}, views: {} };
}
