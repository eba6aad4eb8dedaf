/**
 * The benchmark's world: a generated fleet in the embedded emulator in discrete virtual time (the
 * runtime's `DiscreteScheduler`, as `drs-orch --target sim` runs by default), and the CLI's
 * runtime environment over it.
 */
import { orchestratorOf, runtimeEnv } from '../src/cli/targets/local.js';
import { type Emulator, type Fleet, generateFleet, startEmulator } from '../src/emulator/index.js';
import type { RuntimeEnv } from '../src/runtime/index.js';
import { taskTokenBackend } from '../src/runtime/integrations/task-tokens.js';
import { DiscreteScheduler } from '../src/runtime/scheduler.js';

/** Orchestrator account of generated fleets. */
export const ORCHESTRATOR = '123456789012';
/** Orchestrator region of generated fleets. */
export const ORCHESTRATOR_REGION = 'us-east-1';
/** Virtual start of every run (a Monday morning; any fixed time keeps runs comparable). */
export const START_TIME = '2025-01-06T09:00:00.000Z';

/** The fleet of a scenario. */
export interface FleetShape {
  readonly accounts: number;
  readonly serversPerAccount: number;
  /** Only one server matches (`DR-Test=single`); the others are left alone. */
  readonly single?: boolean;
  /**
   * Every staging account recovers into this one target (recovery) account, its servers already
   * extended there (issue 22). @default none: each staging account recovers in itself
   */
  readonly recoveryAccount?: string;
  /** `DR-Wave` values drawn (1..waves). @default 1 */
  readonly waves?: number;
  readonly seed: number;
}

/**
 * A generated fleet where every server is in wave 1 and enabled, so the input's tags match
 * exactly `accounts x serversPerAccount` servers (or the one `DR-Test=single` server).
 */
export function benchFleet(shape: FleetShape): Fleet {
  const fleet = generateFleet({
    seed: shape.seed,
    accounts: shape.accounts,
    serversPerAccount: shape.serversPerAccount,
    waves: shape.waves ?? 1,
    singleTestServer: shape.single === true,
    startTime: START_TIME,
    ...(shape.recoveryAccount === undefined ? {} : { recoveryAccount: { accountId: shape.recoveryAccount } }),
  });
  return {
    ...fleet,
    accounts: fleet.accounts.map((a) => ({
      ...a,
      ...(a.sourceServers
        ? {
            sourceServers: a.sourceServers.map((s) => ({
              ...s,
              tags: { ...s.tags, 'DR-Enabled': 'true' },
            })),
          }
        : {}),
    })),
  };
}

/** A running world. */
export interface BenchWorld {
  readonly emu: Emulator;
  readonly scheduler: DiscreteScheduler;
  readonly env: RuntimeEnv;
  stop(): Promise<void>;
}

/**
 * Starts the emulator with a frozen clock that the scheduler moves: virtual time passes only while
 * every execution waits, so local compute costs no virtual time and results do not depend on how
 * busy the machine is.
 */
export async function startBenchWorld(
  fleet: Fleet,
  taskEnv: Readonly<Record<string, string>> = {},
): Promise<BenchWorld> {
  const emu = await startEmulator({ fleet, timeScale: 0, stepFunctions: taskTokenBackend });
  const scheduler = new DiscreteScheduler({ clock: emu.clock });
  // The same wiring as `drs-orch --target sim` (src/cli/targets/local.ts).
  const env = await runtimeEnv({
    ...orchestratorOf(fleet),
    // With a scheduler the scale is not used (as in openSimSession).
    timeScale: 1,
    now: () => emu.clock.now(),
    scheduler,
    endpoint: emu.endpoint,
    credentials: emu.credentials,
    // The tasks' environment (a Lambda's), e.g. MAX_POLL_INTERVAL_SECONDS for the fixed cadence.
    env: taskEnv,
  });
  return {
    emu,
    scheduler,
    env,
    stop: () => emu.stop(),
  };
}

/** The role generated fleets create in every staging account (trusting the orchestrator). */
export const EMULATOR_ROLE = 'DRS-Orchestration-Role';
