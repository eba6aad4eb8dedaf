/**
 * The drill scenarios of issue 7 and their settings.
 */
import type { Parallelism } from '../src/core/partition.js';
import type { FleetShape } from './world.js';

/** Public Standard Workflow price: USD per state transition ($0.025 per 1,000). */
export const PRICE_PER_TRANSITION_USD = 0.025 / 1000;

/** The monitor's base poll interval (the executor's Retry on JobInProgress), virtual seconds. */
export { POLL_INTERVAL_SECONDS } from '../src/core/launch-times.js';

/** The design's default `parallelism`, run next to `"max"` on the scenarios that ask for it. */
export const DEFAULT_PARALLELISM = 50;

/** One scenario. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly fleet: Omit<FleetShape, 'seed'>;
  /** `options.parallelism` of the input. */
  readonly parallelism: Parallelism;
  /** Also run at the default parallelism (50), to show what it costs against "max". */
  readonly atDefault?: boolean;
  /** Also run with the fixed 30 s poll cadence, to show the polling trade-off. */
  readonly fixedCadence?: boolean;
  /** Whether the competent script runs on it too. */
  readonly competent?: boolean;
  /** Runs of ours (seeds 1..n); default: the bench's `--runs`. */
  readonly runs?: number;
  readonly continueOnFailure: boolean;
  /** DRS calls throttled with this probability. */
  readonly throttle?: number;
  /** Share of servers whose launch fails. */
  readonly launchFailures?: number;
  /** Whether the naive baseline runs on it too (it is slow at large scale). */
  readonly naive?: boolean;
  /** Run with the EC2 health check on (`healthCheckMinutes` left at its default) instead of off. */
  readonly healthCheck?: boolean;
  /** The scenario this one repeats with one thing changed (same fleet and seeds), for its cost. */
  readonly comparedWith?: string;
  /** Input tags. @default `{ "DR-Wave": "1" }` (`{ "DR-Test": "single" }` for a single-server fleet) */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The recovery (target) account of the one-recovery-account scenario. */
export const BENCH_RECOVERY_ACCOUNT = '424242424242';

/** Issue 7's scenarios, smallest first. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'single',
    title: '1 server',
    fleet: { accounts: 1, serversPerAccount: 20, single: true },
    parallelism: 'max',
    continueOnFailure: false,
    naive: true,
    competent: true,
  },
  {
    // Design 15.1/15.2: 150 servers over two staging accounts, ~45 min of DRS time.
    id: 'headline-150',
    title: '150 servers (2 x 75)',
    fleet: { accounts: 2, serversPerAccount: 75 },
    parallelism: 'max',
    continueOnFailure: true,
    atDefault: true,
    naive: true,
    competent: true,
  },
  {
    // Issue 10: headline-150 with the EC2 health check on (default healthCheckMinutes), to measure
    // the DescribeInstanceStatus calls and the minutes it adds per server.
    id: 'health-150',
    title: '150 servers (2 x 75), EC2 health check on',
    fleet: { accounts: 2, serversPerAccount: 75 },
    parallelism: 'max',
    continueOnFailure: true,
    healthCheck: true,
    comparedWith: 'headline-150',
  },
  {
    id: 'scale-900',
    title: '900 servers (3 x 300)',
    fleet: { accounts: 3, serversPerAccount: 300 },
    parallelism: 'max',
    continueOnFailure: true,
    atDefault: true,
    fixedCadence: true,
    naive: true,
    competent: true,
  },
  {
    id: 'scale-3000',
    title: '3,000 servers (10 x 300)',
    fleet: { accounts: 10, serversPerAccount: 300 },
    parallelism: 'max',
    continueOnFailure: true,
    atDefault: true,
    naive: true,
    competent: true,
  },
  {
    id: 'throttle-900',
    title: '900 servers, 30 % DRS throttling',
    fleet: { accounts: 3, serversPerAccount: 300 },
    parallelism: 'max',
    continueOnFailure: true,
    throttle: 0.3,
  },
  {
    id: 'failures-900',
    title: '900 servers, 5 % launch failures',
    fleet: { accounts: 3, serversPerAccount: 300 },
    parallelism: 'max',
    continueOnFailure: true,
    launchFailures: 0.05,
    naive: true,
    competent: true,
  },
  {
    // Issue 22: every staging account recovers into one target account (extended source
    // servers): all 3,000 launches share that account's quotas, in three waves (DR-Wave 1-3)
    // whose servers get the slots in wave order.
    id: 'target-3000',
    title: '3,000 servers (10 x 300) into one recovery account, 3 waves',
    fleet: { accounts: 10, serversPerAccount: 300, recoveryAccount: BENCH_RECOVERY_ACCOUNT, waves: 3 },
    tags: { 'DR-Enabled': 'true' },
    parallelism: 'max',
    continueOnFailure: true,
    runs: 1,
  },
  {
    // Issue 13: 50 staging accounts in one execution.
    id: 'scale-15000',
    title: '15,000 servers (50 x 300)',
    fleet: { accounts: 50, serversPerAccount: 300 },
    parallelism: 'max',
    continueOnFailure: true,
    runs: 1,
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
