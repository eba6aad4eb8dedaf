/**
 * E2E world: the embedded emulator, the real tasks and the real ASL through the local runtime.
 */
import { type Emulator, type StartEmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import {
  createRuntimeEnv,
  DiscreteScheduler,
  type LocalRuntimeEnv,
  type MachineName,
  type RunStateMachineResult,
  type RuntimeEnvConfig,
  type RuntimeEvent,
  runStateMachine,
  taskTokenBackend,
} from '../../src/runtime/index.js';

/** Orchestrator account of generated and demo fleets. */
export const ORCHESTRATOR = '123456789012';
/** Results bucket of generated and demo fleets. */
export const RESULTS_BUCKET = `drs-orchestration-results-${ORCHESTRATOR}`;
/** Notification topic of generated and demo fleets. */
export const TOPIC_ARN = `arn:aws:sns:us-east-1:${ORCHESTRATOR}:dr-notifications`;

/** A running world. */
export interface World {
  readonly emu: Emulator;
  readonly env: LocalRuntimeEnv;
  /** The scheduler that moves the frozen clock (discrete time only). */
  readonly scheduler?: DiscreteScheduler;
  /** Runs a workflow, collecting its events (and telling each to `onEvent`). */
  run(
    machine: MachineName,
    input: unknown,
    name?: string,
    onEvent?: (event: RuntimeEvent) => void,
  ): Promise<RunStateMachineResult & { events: RuntimeEvent[] }>;
  stop(): Promise<void>;
}

/**
 * Starts an emulator (demo fleet unless told) and a runtime env over it. Time is discrete by
 * default: the clock is frozen and the runtime's scheduler jumps it to the next wake-up, so a
 * 40-minute DRS job costs no wall time and a loaded machine cannot stretch virtual time. Give a
 * `timeScale` to run the old way (virtual = wall x scale).
 */
export async function startWorld(
  opts: StartEmulatorOptions & { env?: Partial<RuntimeEnvConfig> } = {},
): Promise<World> {
  const { env: envOverrides, timeScale, ...emuOpts } = opts;
  const emu = await startEmulator({
    fleet: 'demo',
    startTime: '2025-01-06T09:00:00.000Z',
    // Executors answer the main execution's task tokens through the emulator's Step Functions.
    stepFunctions: taskTokenBackend,
    ...emuOpts,
    timeScale: timeScale ?? 0,
  });
  const scheduler = timeScale === undefined ? new DiscreteScheduler({ clock: emu.clock }) : undefined;
  const env = await createRuntimeEnv({
    endpoint: emu.endpoint,
    credentials: emu.credentials,
    region: 'us-east-1',
    accountId: ORCHESTRATOR,
    now: () => emu.clock.now(),
    resultsBucket: RESULTS_BUCKET,
    ...(scheduler ? { scheduler } : {}),
    ...(timeScale === undefined ? {} : { timeScale }),
    ...envOverrides,
  });
  return {
    emu,
    env,
    ...(scheduler ? { scheduler } : {}),
    run: async (machine, input, name, onEvent) => {
      const events: RuntimeEvent[] = [];
      const result = await runStateMachine({
        machine,
        input,
        env,
        onEvent: (e) => {
          events.push(e);
          onEvent?.(e);
        },
        ...(name === undefined ? {} : { name }),
      });
      return { ...result, events };
    },
    stop: () => emu.stop(),
  };
}
