/**
 * The built-in `demo` fleet: orchestrator 123456789012 (us-east-1) with the staging-account
 * registry (one SSM parameter per account), the results bucket and the `dr-notifications` topic; staging accounts 111111111111,
 * 222222222222 and 333333333333 (us-east-2) with `DRS-Orchestration-Role` trusting the
 * orchestrator and 200 source servers each (HRP, HealthEdge, Connectors; waves 1-4), one tagged
 * `DR-Test=single` and six not in CONTINUOUS replication (all outside wave 1).
 */
import { generateFleet } from './generate.js';
import type { Fleet } from './types.js';

/** Builds the demo fleet (deterministic: same seed, same fleet). */
export function demoFleet(): Fleet {
  return {
    ...generateFleet({
      seed: 2024,
      accounts: ['111111111111', '222222222222', '333333333333'],
      serversPerAccount: 200,
      notContinuous: 6,
      singleTestServer: true,
    }),
    name: 'demo',
  };
}
