/**
 * The drill scenarios of issue 7 and their settings.
 */
import type { FleetShape } from './world.js';

/** Public Standard Workflow price: USD per state transition ($0.025 per 1,000). */
export const PRICE_PER_TRANSITION_USD = 0.025 / 1000;

/** The monitor's poll interval (the executor's Retry on JobInProgress), virtual seconds. */
export const POLL_INTERVAL_SECONDS = 30;

/** One scenario. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly fleet: Omit<FleetShape, 'seed'>;
  /** `options.parallelism` of the input. */
  readonly parallelism: number;
  readonly continueOnFailure: boolean;
  /** DRS calls throttled with this probability. */
  readonly throttle?: number;
  /** Share of servers whose launch fails. */
  readonly launchFailures?: number;
  /** Whether the naive baseline runs on it too (it is slow at large scale). */
  readonly naive?: boolean;
}

/** Issue 7's scenarios, smallest first. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'single',
    title: '1 server',
    fleet: { accounts: 1, serversPerAccount: 20, single: true },
    parallelism: 50,
    continueOnFailure: false,
    naive: true,
  },
  {
    // Design 15.1/15.2: 150 servers over two staging accounts, parallelism 50, ~45 min of DRS time.
    id: 'headline-150',
    title: '150 servers (2 x 75)',
    fleet: { accounts: 2, serversPerAccount: 75 },
    parallelism: 50,
    continueOnFailure: true,
    naive: true,
  },
  {
    id: 'scale-900',
    title: '900 servers (3 x 300)',
    fleet: { accounts: 3, serversPerAccount: 300 },
    parallelism: 200,
    continueOnFailure: true,
    naive: true,
  },
  {
    id: 'scale-3000',
    title: '3,000 servers (10 x 300)',
    fleet: { accounts: 10, serversPerAccount: 300 },
    parallelism: 200,
    continueOnFailure: true,
    naive: true,
  },
  {
    id: 'throttle-900',
    title: '900 servers, 30 % DRS throttling',
    fleet: { accounts: 3, serversPerAccount: 300 },
    parallelism: 200,
    continueOnFailure: true,
    throttle: 0.3,
  },
  {
    id: 'failures-900',
    title: '900 servers, 5 % launch failures',
    fleet: { accounts: 3, serversPerAccount: 300 },
    parallelism: 200,
    continueOnFailure: true,
    launchFailures: 0.05,
    naive: true,
  },
];

/** The scenario with this id. */
export function scenarioById(id: string): Scenario {
  const found = SCENARIOS.find((s) => s.id === id);
  if (!found) {
    throw new RangeError(
      `scenario ${JSON.stringify(id)} is unknown; expected one of ${SCENARIOS.map((s) => s.id).join(', ')}`,
    );
  }
  return found;
}
