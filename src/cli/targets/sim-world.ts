/**
 * The simulated world of `--target sim`: the embedded emulator started in-process (its state kept
 * in a file between runs, so drill, then status, then terminate behave as on AWS), or a running
 * `drs-orch serve` reached with `--endpoint`.
 */
import { resolve } from 'node:path';
import { type Emulator, FleetError, resolveFleet, VirtualClock } from '../../emulator/index.js';
import { taskTokenBackend } from '../../runtime/integrations/task-tokens.js';
import { DiscreteScheduler } from '../../runtime/scheduler.js';
import { UsageError } from '../errors.js';
import type { TargetOptions } from '../invocations.js';
import { openDurableWorld } from './durable-world.js';

/** The orchestrator account's credentials on the emulator (docs/architecture.md §2.3). */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** An emulator to run against. */
export interface SimWorld {
  readonly endpoint: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The emulator's virtual clock (a mirror of the remote one with `--endpoint`). */
  readonly clock: VirtualClock;
  /** Short description for the progress header. */
  readonly label: string;
  /** The in-process emulator, when there is one. */
  readonly emulator?: Emulator;
  /**
   * The embedded emulator's virtual time: discrete (the clock is frozen and this scheduler jumps
   * it) or, with `--time-scale N`, paced (the clock runs at N but this scheduler holds it while
   * work is due), so the result depends on the fleet and the seed only, not on how busy the
   * machine is. Absent with `--endpoint` (a `drs-orch serve` owns its clock).
   */
  readonly scheduler?: DiscreteScheduler;
  /** Saves the world to the state file (in-process only) and stops the emulator. */
  close(): Promise<void>;
}

/**
 * Loads the fleet a `--fleet` option names (`demo` or a file, relative to `cwd`); a fleet that
 * breaks its schema is a usage error (exit 64) naming its first problems, and a file the strict
 * reader refuses (too large, too deep, a repeated key) a `DocumentRejected` (exit 64), both
 * before anything starts.
 */
export async function resolveFleetOption(
  option: string,
  cwd: string,
): Promise<Awaited<ReturnType<typeof resolveFleet>>> {
  try {
    return await resolveFleet(option === 'demo' ? 'demo' : resolve(cwd, option), `--fleet ${option}`);
  } catch (err) {
    if (err instanceof FleetError) {
      throw new UsageError(
        `--fleet ${JSON.stringify(option)} is not a valid fleet: ${err.problems.slice(0, 5).join('; ')}`,
      );
    }
    throw err;
  }
}

/**
 * Whether the embedded emulator runs in discrete virtual time: yes unless `--time-scale` asked
 * for paced, watchable time (any value, the default one included).
 */
export function isDiscreteTime(target: TargetOptions): boolean {
  return target.endpoint === undefined && target.timeScaleGiven !== true;
}

/** Reads the virtual time of a running emulator. */
async function remoteClock(endpoint: string): Promise<VirtualClock> {
  let body: { nowMs?: unknown; timeScale?: unknown };
  try {
    const res = await fetch(`${endpoint}/_emulator/time`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = (await res.json()) as typeof body;
  } catch (err) {
    throw new UsageError(
      `--endpoint ${endpoint} does not answer as a drs-orch emulator (${(err as Error).message}); start one with \`drs-orch serve\``,
    );
  }
  if (typeof body.nowMs !== 'number' || typeof body.timeScale !== 'number') {
    throw new UsageError(`--endpoint ${endpoint} does not answer as a drs-orch emulator (no virtual time)`);
  }
  return new VirtualClock(body.nowMs, body.timeScale);
}

/**
 * Opens the simulated world for one command.
 *
 * - `--endpoint URL`: a running `drs-orch serve`; its state is its own (no state file).
 * - otherwise: the embedded emulator, resumed from the state file (snapshot plus write-ahead
 *   journal, see state-file.ts) unless `--reset` or it does not exist. The command holds the
 *   file's lock until {@link SimWorld.close}, every mutating call is journaled before it answers,
 *   and close compacts the journal into the snapshot.
 * - A saved world made from another fleet: the demo world is replaced (it can be made again);
 *   a custom fleet's world is never replaced without `--reset`.
 *
 * @throws {UsageError} for a fleet file that is missing or breaks its schema, a state file that is
 *   damaged, locked by another command, made from another custom fleet, or not writable.
 */
export async function openSimWorld(
  target: TargetOptions,
  cwd: string,
  say: (text: string) => void,
  command = 'drs-orch',
): Promise<SimWorld> {
  if (target.endpoint !== undefined) {
    const clock = await remoteClock(target.endpoint);
    return {
      endpoint: target.endpoint,
      credentials: EMULATOR_CREDENTIALS,
      clock,
      label: `sim ${target.endpoint} (x${clock.timeScale})`,
      close: async () => {},
    };
  }

  const fleet = await resolveFleetOption(target.fleet, cwd);
  const discrete = isDiscreteTime(target);
  const world = await openDurableWorld({
    fleet,
    fleetOption: target.fleet,
    stateFile: target.stateFile,
    cwd,
    reset: target.reset,
    command,
    // A frozen clock (0) is moved by the runtime's scheduler; the executors' SendTask* calls
    // reach the Tasks of this process's runs.
    emulator: { timeScale: discrete ? 0 : target.timeScale, stepFunctions: taskTokenBackend },
    say,
  });
  const running = world.emulator;
  say(
    world.resumed
      ? `resumed the simulated world from ${target.stateFile} at ${running.clock.now().toISOString()} (virtual)`
      : `started a fresh simulated world (${target.fleet === 'demo' ? 'demo fleet' : target.fleet})`,
  );
  return {
    endpoint: running.endpoint,
    credentials: running.credentials,
    clock: running.clock,
    label: `sim (${target.fleet === 'demo' ? 'demo fleet' : target.fleet}, ${discrete ? 'discrete time' : `x${target.timeScale}`})`,
    emulator: running,
    scheduler: new DiscreteScheduler({ clock: running.clock, paced: !discrete }),
    close: () => world.close(),
  };
}
