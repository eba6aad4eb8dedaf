/**
 * The embedded emulator bound to a state file, durable like AWS: the one place that turns
 * `state-file.ts` (lock, snapshot, write-ahead journal, compaction) into a running world. Both the
 * CLI's in-process world (`sim-world.ts`) and `drs-orch serve --state-file` open it here, so a
 * `serve` killed at any moment loses no call that answered, exactly like a killed `drs-orch drill`.
 */
import { resolve } from 'node:path';
import {
  demoFleet,
  type Emulator,
  type Fleet,
  type StartEmulatorOptions,
  startEmulator,
} from '../../emulator/index.js';
import { UsageError } from '../errors.js';
import {
  acquireLock,
  compact,
  finish,
  type Journal,
  loadWorld,
  objectsDirOf,
  prepareDirectory,
  realStatePath,
  removeTemporaries,
  type StoredSnapshot,
} from './state-file.js';

/**
 * Journal size past which the world is compacted while it runs (a long `serve` stays bounded:
 * the file never holds more than one pruned snapshot plus this much journal and one record).
 */
export const DEFAULT_JOURNAL_LIMIT_BYTES = 16 * 1024 * 1024;

/** Options of {@link openDurableWorld}. */
export interface DurableWorldOptions {
  /** The fleet the world is made from when the state file holds none (already validated). */
  readonly fleet: Fleet;
  /** The `--fleet` value as given (`demo` or a path), for messages and the snapshot's origin. */
  readonly fleetOption: string;
  /** The `--state-file` value as given; resolved against `cwd`. */
  readonly stateFile: string;
  readonly cwd: string;
  /** Start from `fleet` even when the state file holds a world (`--reset`). */
  readonly reset: boolean;
  /** Who holds the lock, for the message a second writer gets (e.g. `drs-orch serve`). */
  readonly command: string;
  /** How the emulator runs (time scale, port, Step Functions backend, save folder). */
  readonly emulator: Omit<StartEmulatorOptions, 'fleet' | 'state'>;
  /** Compacts the journal when it grows past this many bytes. @default {@link DEFAULT_JOURNAL_LIMIT_BYTES} */
  readonly journalLimitBytes?: number;
  /** Prints a line for the user (stderr). */
  readonly say: (text: string) => void;
}

/** A running emulator that owns its state file until {@link DurableWorld.close}. */
export interface DurableWorld {
  readonly emulator: Emulator;
  /** True when the world was resumed from the state file (not made fresh from the fleet). */
  readonly resumed: boolean;
  /** How many times the journal was compacted while running (the bound at work). */
  compactions(): number;
  /** Compacts the journal into the snapshot, releases the lock and stops the emulator. */
  close(): Promise<void>;
}

/** A short description of a fleet for messages: its origin and size. */
function describeFleet(fleet: Fleet, origin: string | undefined): string {
  const servers = fleet.accounts.reduce((n, a) => n + (a.sourceServers?.length ?? 0), 0);
  const what = `${fleet.accounts.length} account(s), ${servers} source server(s)`;
  return origin !== undefined && origin !== '' ? `${origin} (${what})` : what;
}

/**
 * Opens the world of a state file: takes its lock (a second writer exits 64 naming the holder),
 * removes temporary files killed saves left, resumes the snapshot with its journal folded in
 * (unless `reset` or there is none), starts the emulator, makes the starting point durable, and
 * journals every mutating call (fsync'd before it answers), compacting past the size limit.
 *
 * - A saved world made from another fleet: the demo world is replaced (it can be made again);
 *   a custom fleet's world is never replaced without `reset`.
 *
 * @throws {UsageError} for a state file that is damaged, locked by another command, made from
 *   another custom fleet, or not writable; nothing is left locked or running after a throw.
 */
export async function openDurableWorld(opts: DurableWorldOptions): Promise<DurableWorld> {
  const { fleet, say } = opts;
  const origin = opts.fleetOption === 'demo' ? 'demo' : opts.fleetOption;
  // A link names the file it points to: one lock, one journal per world, whatever path reaches it.
  const statePath = realStatePath(resolve(opts.cwd, opts.stateFile));
  const shown = JSON.stringify(opts.stateFile);
  const limit = opts.journalLimitBytes ?? DEFAULT_JOURNAL_LIMIT_BYTES;
  await prepareDirectory(statePath, shown);
  const release = acquireLock(statePath, shown, opts.command, say);
  let emulator: Emulator | undefined;
  let journal: Journal | undefined;
  try {
    const removed = removeTemporaries(statePath);
    if (removed > 0) say(`removed ${removed} temporary file(s) a killed save left next to ${opts.stateFile}`);
    let snapshot: StoredSnapshot | undefined = opts.reset ? undefined : loadWorld(statePath, shown);
    if (snapshot !== undefined && JSON.stringify(snapshot.fleet) !== JSON.stringify(fleet)) {
      const savedIsDemo = JSON.stringify(snapshot.fleet) === JSON.stringify(demoFleet());
      if (!savedIsDemo) {
        throw new UsageError(
          `state file ${shown} holds the world of another fleet, ${describeFleet(snapshot.fleet, snapshot.origin)}; pass --fleet ${snapshot.origin ?? 'FILE'} to continue it, or --reset to replace it with ${describeFleet(fleet, origin)}`,
        );
      }
      say(`state file ${opts.stateFile} holds the demo world; starting a fresh ${opts.fleetOption} world`);
      snapshot = undefined;
    }
    try {
      // S3 bodies are files beside the state file; the snapshot and journal hold their metadata.
      const files = {
        objectsDir: objectsDirOf(statePath),
        reservedPaths: [statePath, `${statePath}.journal`, `${statePath}.lock`, objectsDirOf(statePath)],
      };
      emulator = await startEmulator(
        snapshot !== undefined
          ? { ...opts.emulator, ...files, state: snapshot }
          : { ...opts.emulator, ...files, fleet },
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
    const running = emulator;
    journal = compact(statePath, running.state.toJSON(), origin);
    // Bodies of objects overwritten or pruned before, or written by a killed upload, go now.
    running.state.compacted();
    let compactions = 0;
    running.state.journalTo((record) => {
      const current = journal as Journal;
      current.append(record);
      if (current.bytes() <= limit) return;
      // The record is durable in the old journal; the new snapshot holds it too.
      current.close();
      journal = compact(statePath, running.state.toJSON(), origin);
      running.state.compacted();
      compactions += 1;
    });
    let closed = false;
    return {
      emulator: running,
      resumed: snapshot !== undefined,
      compactions: () => compactions,
      async close() {
        if (closed) return;
        closed = true;
        try {
          // Stopped first, so that no call answers after the final snapshot was taken.
          await running.stop();
          running.state.journalTo(undefined);
          finish(statePath, journal as Journal, running.state.toJSON(), origin);
          running.state.compacted();
        } finally {
          release();
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
