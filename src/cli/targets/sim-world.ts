/**
 * The simulated world of `--target sim`: the embedded emulator started in-process (its state kept
 * in a file between runs, so drill, then status, then terminate behave as on AWS), or a running
 * `drs-orch serve` reached with `--endpoint`.
 */
import { resolve } from 'node:path';
import {
  demoFleet,
  type Emulator,
  type Fleet,
  FleetError,
  resolveFleet,
  startEmulator,
  VirtualClock,
} from '../../emulator/index.js';
import { DiscreteScheduler } from '../../runtime/scheduler.js';
import { UsageError } from '../errors.js';
import type { TargetOptions } from '../program.js';
import {
  acquireLock,
  compact,
  finish,
  type Journal,
  loadWorld,
  prepareDirectory,
  removeTemporaries,
  type StoredSnapshot,
} from './state-file.js';

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

/** A short description of a fleet for messages: its origin and size. */
function describeFleet(fleet: Fleet, origin: string | undefined): string {
  const servers = fleet.accounts.reduce((n, a) => n + (a.sourceServers?.length ?? 0), 0);
  const what = `${fleet.accounts.length} account(s), ${servers} source server(s)`;
  return origin !== undefined && origin !== '' ? `${origin} (${what})` : what;
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
  const origin = target.fleet === 'demo' ? 'demo' : target.fleet;

  const statePath = resolve(cwd, target.stateFile);
  const shown = JSON.stringify(target.stateFile);
  await prepareDirectory(statePath, shown);
  const release = acquireLock(statePath, shown, command);
  let emulator: Emulator | undefined;
  let journal: Journal | undefined;
  try {
    const removed = removeTemporaries(statePath);
    if (removed > 0)
      say(`removed ${removed} temporary file(s) a killed save left next to ${target.stateFile}`);
    let snapshot: StoredSnapshot | undefined = target.reset ? undefined : loadWorld(statePath, shown);
    if (snapshot !== undefined && JSON.stringify(snapshot.fleet) !== JSON.stringify(fleet)) {
      const savedIsDemo = JSON.stringify(snapshot.fleet) === JSON.stringify(demoFleet());
      if (!savedIsDemo) {
        throw new UsageError(
          `state file ${shown} holds the world of another fleet, ${describeFleet(snapshot.fleet, snapshot.origin)}; pass --fleet ${snapshot.origin ?? 'FILE'} to continue it, or --reset to replace it with ${describeFleet(fleet, origin)}`,
        );
      }
      say(`state file ${target.stateFile} holds the demo world; starting a fresh ${target.fleet} world`);
      snapshot = undefined;
    }
    const discrete = isDiscreteTime(target);
    // A frozen clock (0) is moved by the runtime's scheduler.
    const timeScale = discrete ? 0 : target.timeScale;
    try {
      emulator = await startEmulator(
        snapshot !== undefined ? { state: snapshot, timeScale } : { fleet, timeScale },
      );
    } catch (err) {
      if (snapshot !== undefined && (err as Error).name === 'StateFileError') {
        throw new UsageError(
          `state file ${shown} is damaged: ${(err as Error).message}. Move it away to keep it, or pass --reset to start a fresh world in its place`,
        );
      }
      throw err;
    }
    // The starting point is durable before the first call, and every change after it is journaled.
    journal = compact(statePath, emulator.state.toJSON(), origin);
    const sink = journal;
    emulator.state.journalTo((record) => sink.append(record));
    say(
      snapshot !== undefined
        ? `resumed the simulated world from ${target.stateFile} at ${emulator.clock.now().toISOString()} (virtual)`
        : `started a fresh simulated world (${target.fleet === 'demo' ? 'demo fleet' : target.fleet})`,
    );
    const running = emulator;
    let closed = false;
    return {
      endpoint: running.endpoint,
      credentials: running.credentials,
      clock: running.clock,
      label: `sim (${target.fleet === 'demo' ? 'demo fleet' : target.fleet}, ${discrete ? 'discrete time' : `x${target.timeScale}`})`,
      emulator: running,
      ...(discrete ? { scheduler: new DiscreteScheduler({ clock: running.clock }) } : {}),
      async close() {
        if (closed) return;
        closed = true;
        try {
          running.state.journalTo(undefined);
          finish(statePath, sink, running.state.toJSON(), origin);
        } finally {
          release();
          await running.stop();
        }
      },
    };
  } catch (err) {
    journal?.close();
    release();
    await emulator?.stop();
    throw err;
  }
}
