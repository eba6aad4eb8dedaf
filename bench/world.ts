/**
 * The benchmark's world: a generated fleet in the embedded emulator, driven by a compute-aware
 * virtual clock, and the CLI's runtime environment over it.
 */
import { performance } from 'node:perf_hooks';
import { runtimeEnv } from '../src/cli/targets/local.js';
import { EMULATOR_CREDENTIALS } from '../src/cli/targets/sim-world.js';
import {
  type Emulator,
  type FaultPlan,
  type Fleet,
  generateFleet,
  startEmulator,
} from '../src/emulator/index.js';
import type { RuntimeEnv } from '../src/runtime/index.js';

/** Orchestrator account of generated fleets. */
export const ORCHESTRATOR = '123456789012';
/** Orchestrator region of generated fleets. */
export const ORCHESTRATOR_REGION = 'us-east-1';
/** Results bucket of generated fleets. */
export const RESULTS_BUCKET = `drs-orchestration-results-${ORCHESTRATOR}`;
/** Virtual start of every run (a Monday morning; any fixed time keeps runs comparable). */
export const START_TIME = '2025-01-06T09:00:00.000Z';

/** The fleet of a scenario. */
export interface FleetShape {
  readonly accounts: number;
  readonly serversPerAccount: number;
  /** Only one server matches (`DR-Test=single`); the others are left alone. */
  readonly single?: boolean;
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
    waves: 1,
    singleTestServer: shape.single === true,
    startTime: START_TIME,
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

/**
 * Drives a frozen emulator clock so that virtual time runs `timeScale` times faster than wall
 * time while the process waits (timers, sockets) and at wall speed while it computes. Local
 * compute (runtime, tasks, SDK, emulator) then costs what it would cost on AWS, instead of being
 * multiplied by the time scale. Reads the event loop's idle/active split every millisecond.
 */
export class ComputeAwareClock {
  readonly #emu: Emulator;
  readonly #timeScale: number;
  #last = performance.eventLoopUtilization();
  #timer: NodeJS.Timeout | undefined;
  /** Wall milliseconds spent computing while the clock ran. */
  activeMs = 0;
  /** Wall milliseconds spent waiting while the clock ran. */
  idleMs = 0;

  constructor(emu: Emulator, timeScale: number) {
    if (emu.clock.timeScale !== 0) {
      throw new RangeError(`emulator clock runs at x${emu.clock.timeScale}; expected a frozen clock (0)`);
    }
    this.#emu = emu;
    this.#timeScale = timeScale;
  }

  /** Starts advancing the clock. */
  start(): void {
    this.#last = performance.eventLoopUtilization();
    this.#timer = setInterval(() => this.tick(), 1);
  }

  /** Advances the clock by what happened since the last tick. */
  tick(): void {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, this.#last);
    this.#last = now;
    this.activeMs += delta.active;
    this.idleMs += delta.idle;
    this.#emu.clock.advance(delta.idle * this.#timeScale + delta.active);
  }

  /** Stops advancing the clock. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.tick();
  }
}

/** A running world. */
export interface BenchWorld {
  readonly emu: Emulator;
  readonly clock: ComputeAwareClock;
  readonly env: RuntimeEnv;
  stop(): Promise<void>;
}

/** Starts the emulator (clock frozen, then driven by a {@link ComputeAwareClock}) and the runtime env. */
export async function startBenchWorld(
  fleet: Fleet,
  timeScale: number,
  faults?: FaultPlan,
): Promise<BenchWorld> {
  const emu = await startEmulator({ fleet, timeScale: 0, ...(faults ? { faults } : {}) });
  const clock = new ComputeAwareClock(emu, timeScale);
  // The same wiring as `drs-orch --target sim` (src/cli/targets/local.ts).
  const env = runtimeEnv({
    accountId: ORCHESTRATOR,
    region: ORCHESTRATOR_REGION,
    timeScale,
    now: () => emu.clock.now(),
    endpoint: emu.endpoint,
    credentials: EMULATOR_CREDENTIALS,
    resultsBucket: RESULTS_BUCKET,
    env: {},
  });
  return {
    emu,
    clock,
    env,
    stop: async () => {
      clock.stop();
      await emu.stop();
    },
  };
}

/** The role generated fleets create in every staging account (trusting the orchestrator). */
export const EMULATOR_ROLE = 'DRS-Orchestration-Role';
