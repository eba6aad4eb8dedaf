/**
 * E2E world: the embedded emulator, the real tasks and the real ASL through the local runtime.
 */
import { type Emulator, type StartEmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import {
  createRuntimeEnv,
  type LocalRuntimeEnv,
  type MachineName,
  type RunStateMachineResult,
  type RuntimeEnvConfig,
  type RuntimeEvent,
  runStateMachine,
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
  /** Runs a workflow, collecting its events. */
  run(
    machine: MachineName,
    input: unknown,
    name?: string,
  ): Promise<RunStateMachineResult & { events: RuntimeEvent[] }>;
  stop(): Promise<void>;
}

/**
 * Starts an emulator (demo fleet unless told) with a fast clock and a runtime env over it.
 * A high time scale makes a 40-minute DRS job last about a second.
 */
export async function startWorld(
  opts: StartEmulatorOptions & { env?: Partial<RuntimeEnvConfig> } = {},
): Promise<World> {
  const timeScale = opts.timeScale ?? 3000;
  const { env: envOverrides, ...emuOpts } = opts;
  const emu = await startEmulator({
    fleet: 'demo',
    startTime: '2025-01-06T09:00:00.000Z',
    ...emuOpts,
    timeScale,
  });
  const env = await createRuntimeEnv({
    endpoint: emu.endpoint,
    credentials: emu.credentials,
    region: 'us-east-1',
    accountId: ORCHESTRATOR,
    timeScale,
    now: () => emu.clock.now(),
    resultsBucket: RESULTS_BUCKET,
    ...envOverrides,
  });
  return {
    emu,
    env,
    run: async (machine, input, name) => {
      const events: RuntimeEvent[] = [];
      const result = await runStateMachine({
        machine,
        input,
        env,
        onEvent: (e) => events.push(e),
        ...(name === undefined ? {} : { name }),
      });
      return { ...result, events };
    },
    stop: () => emu.stop(),
  };
}
