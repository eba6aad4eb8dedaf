/**
 * The simulated world of `--target sim`: the embedded emulator started in-process (its state kept
 * in a file between runs, so drill, then status, then terminate behave as on AWS), or a running
 * `drs-orch serve` reached with `--endpoint`.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  type Emulator,
  FleetError,
  resolveFleet,
  startEmulator,
  VirtualClock,
} from '../../emulator/index.js';
import type { StateSnapshot } from '../../emulator/state.js';
import { DiscreteScheduler } from '../../runtime/scheduler.js';
import { UsageError } from '../errors.js';
import type { TargetOptions } from '../program.js';

/** The orchestrator account's credentials on the emulator (architecture.md §3.3). */
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
   * Discrete virtual time: the embedded emulator's clock is frozen and this scheduler moves it,
   * so the result depends on the fleet and the seed only, not on how busy the machine is.
   * Absent with `--endpoint` (a `drs-orch serve` owns its clock) and with `--time-scale N`.
   */
  readonly scheduler?: DiscreteScheduler;
  /** Saves the world to the state file (in-process only) and stops the emulator. */
  close(): Promise<void>;
}

/**
 * Loads the fleet a `--fleet` option names (`demo` or a file, relative to `cwd`); a fleet that
 * breaks its schema is a usage error (exit 64) naming its first problems, before anything starts.
 */
export async function resolveFleetOption(
  option: string,
  cwd: string,
): Promise<Awaited<ReturnType<typeof resolveFleet>>> {
  try {
    return await resolveFleet(option === 'demo' ? 'demo' : resolve(cwd, option));
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

/** Loads the saved world, or says why it cannot be used. `undefined` when there is none. */
async function readSnapshot(path: string, shown: string): Promise<StateSnapshot | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(
      `state file ${shown} cannot be read (${(err as Error).message}); use --reset to start over`,
    );
  }
  try {
    return JSON.parse(text) as StateSnapshot;
  } catch {
    throw new UsageError(`state file ${shown} is not valid JSON; use --reset to start over`);
  }
}

/**
 * Opens the simulated world for one command.
 *
 * - `--endpoint URL`: a running `drs-orch serve`; its state is its own (no state file).
 * - otherwise: the embedded emulator, resumed from the state file unless `--reset`, it does not
 *   exist, or it was made from a different fleet; saved back by {@link SimWorld.close}.
 *
 * @throws {UsageError} for a fleet file that is missing or breaks its schema, or an unusable state file.
 */
export async function openSimWorld(
  target: TargetOptions,
  cwd: string,
  say: (text: string) => void,
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

  const statePath = resolve(cwd, target.stateFile);
  let snapshot = target.reset ? undefined : await readSnapshot(statePath, JSON.stringify(target.stateFile));
  if (snapshot !== undefined && JSON.stringify(snapshot.fleet) !== JSON.stringify(fleet)) {
    say(`state file ${target.stateFile} holds another fleet; starting a fresh ${target.fleet} world`);
    snapshot = undefined;
  }
  const discrete = isDiscreteTime(target);
  // A frozen clock (0) is moved by the runtime's scheduler.
  const timeScale = discrete ? 0 : target.timeScale;
  let emulator: Emulator;
  try {
    emulator = await startEmulator(
      snapshot !== undefined ? { state: snapshot, timeScale } : { fleet, timeScale },
    );
  } catch (err) {
    if (snapshot !== undefined && (err as Error).name === 'StateFileError') {
      throw new UsageError(
        `state file ${JSON.stringify(target.stateFile)} cannot be used (${(err as Error).message}); use --reset to start over`,
      );
    }
    throw err;
  }
  say(
    snapshot !== undefined
      ? `resumed the simulated world from ${target.stateFile} at ${emulator.clock.now().toISOString()} (virtual)`
      : `started a fresh simulated world (${target.fleet === 'demo' ? 'demo fleet' : target.fleet})`,
  );
  let closed = false;
  return {
    endpoint: emulator.endpoint,
    credentials: emulator.credentials,
    clock: emulator.clock,
    label: `sim (${target.fleet === 'demo' ? 'demo fleet' : target.fleet}, ${discrete ? 'discrete time' : `x${target.timeScale}`})`,
    emulator,
    ...(discrete ? { scheduler: new DiscreteScheduler({ clock: emulator.clock }) } : {}),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await mkdir(dirname(statePath), { recursive: true });
        // Write then rename, so an interrupted save never leaves half a world behind.
        const temp = `${statePath}.${process.pid}.tmp`;
        await writeFile(temp, JSON.stringify(emulator.state.toJSON()));
        await rename(temp, statePath);
      } finally {
        await emulator.stop();
      }
    },
  };
}
