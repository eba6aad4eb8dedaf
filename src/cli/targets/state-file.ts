/**
 * The simulated world on disk, made to survive like AWS does: a state file (a compacted snapshot,
 * replaced atomically), a write-ahead journal next to it (one fsync'd line per mutating call,
 * written before the call answers), and a lock so that one command at a time owns the world.
 *
 * Files for `--state-file .drs-orch/sim.json`:
 * - `sim.json`: the snapshot, with a `generation` id;
 * - `sim.json.journal`: a header line naming the generation it applies to, then one
 *   {@link JournalRecord} per line; a journal of another generation is stale and ignored;
 * - `sim.json.lock`: who holds the world (pid, host, command, since).
 */
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import {
  applyJournal,
  checkSnapshot,
  type JournalRecord,
  pruneSnapshot,
  StateFileError,
  type StateSnapshot,
  writeFileAtomic,
} from '../../emulator/state.js';
import { UsageError } from '../errors.js';

/** A saved world with the generation its journal must name. */
export type StoredSnapshot = StateSnapshot & { readonly generation?: string; readonly origin?: string };

/** Who holds a state file. */
interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock of a state file, or says who holds it. A lock left by a process of this host
 * that no longer runs (killed) is taken over.
 *
 * @returns a function releasing the lock
 * @throws {UsageError} naming the holder when another live process holds it
 */
export function acquireLock(statePath: string, shown: string, command: string): () => void {
  const lockPath = `${statePath}.lock`;
  const me: LockHolder = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      return () => rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new UsageError(
          `--state-file ${shown} cannot be locked (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check that its directory is writable`,
        );
      }
    }
    let holder: Partial<LockHolder> = {};
    try {
      holder = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockHolder>;
    } catch {
      // Empty or torn (killed while writing it): nobody can hold it.
    }
    const stale =
      typeof holder.pid !== 'number' ||
      (holder.host === me.host && holder.pid !== me.pid && !isAlive(holder.pid));
    if (!stale) {
      throw new UsageError(
        `--state-file ${shown} is in use by drs-orch pid ${holder.pid} on ${holder.host} (${holder.command ?? 'a command'}, since ${holder.since ?? '?'}); wait for it to finish, or use another --state-file`,
      );
    }
    rmSync(lockPath, { force: true });
  }
  throw new UsageError(`--state-file ${shown} cannot be locked: another command keeps taking it`);
}

/** Removes temporary files a killed save left next to the state file (old and current naming). */
export function removeTemporaries(statePath: string): number {
  const dir = dirname(statePath);
  const base = basename(statePath);
  let removed = 0;
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const old = name.startsWith(`${base}.`) && name.endsWith('.tmp');
    const current = name.startsWith(`.${base}.`) && name.endsWith('.tmp');
    if (old || current) {
      rmSync(`${dir}/${name}`, { force: true });
      removed += 1;
    }
  }
  return removed;
}

function damaged(shown: string, what: string): UsageError {
  return new UsageError(
    `state file ${shown} is damaged: ${what}. Move it away to keep it, or pass --reset to start a fresh world in its place`,
  );
}

/** Reads the journal lines that apply to `generation`; a torn last line (a kill mid-write) is dropped. */
function readJournal(path: string, generation: string | undefined, shown: string): JournalRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  const complete = lines.slice(0, -1); // the last piece is empty, or torn by a kill mid-write
  if (complete.length === 0) return [];
  let header: { generation?: unknown };
  try {
    header = JSON.parse(complete[0] as string) as { generation?: unknown };
  } catch {
    throw damaged(`${shown}.journal`, 'its header line is not JSON');
  }
  if (generation === undefined || header.generation !== generation) return []; // stale: compacted since
  return complete.slice(1).map((line, i) => {
    try {
      return JSON.parse(line) as JournalRecord;
    } catch {
      throw damaged(`${shown}.journal`, `line ${i + 2} is not JSON`);
    }
  });
}

/**
 * Loads the saved world: the snapshot with its journal folded in. `undefined` when there is none.
 *
 * @throws {UsageError} (exit 64) for a damaged snapshot or journal, saying what is wrong and how to recover
 */
export function loadWorld(statePath: string, shown: string): StoredSnapshot | undefined {
  try {
    if (statSync(statePath).isDirectory()) {
      throw new UsageError(
        `--state-file ${shown} is a directory; give a file path such as .drs-orch/sim.json`,
      );
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`--state-file ${shown} cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
  let text: string;
  try {
    text = readFileSync(statePath, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--state-file ${shown} cannot be read (${(err as NodeJS.ErrnoException).code}); check its permissions`,
    );
  }
  if (text.trim() === '') throw damaged(shown, 'it is empty');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw damaged(shown, `it is not valid JSON (${(err as Error).message})`);
  }
  let snapshot: StoredSnapshot;
  try {
    snapshot = checkSnapshot(raw) as StoredSnapshot;
  } catch (err) {
    if (err instanceof StateFileError) throw damaged(shown, err.message);
    throw err;
  }
  const records = readJournal(`${statePath}.journal`, snapshot.generation, shown);
  return records.length === 0 ? snapshot : (applyJournal(snapshot, records) as StoredSnapshot);
}

/** The write-ahead journal of one command. */
export interface Journal {
  /** Appends a record and flushes it to disk before returning. */
  append(record: JournalRecord): void;
  /** Bytes written to the journal so far (its header included). */
  bytes(): number;
  close(): void;
}

/**
 * Writes `snapshot` as the new base (pruned, with a fresh generation, atomically) and starts an
 * empty journal for it. A kill between the two leaves a journal of the old generation, which the
 * next load ignores (its changes are in the snapshot).
 */
export function compact(statePath: string, snapshot: StateSnapshot, origin: string): Journal {
  const generation = randomBytes(8).toString('hex');
  writeFileAtomic(statePath, JSON.stringify({ ...pruneSnapshot(snapshot), generation, origin }));
  const fd = openSync(`${statePath}.journal`, 'w', 0o600);
  let written = writeSync(fd, `${JSON.stringify({ generation })}\n`);
  fsyncSync(fd);
  const audit = process.env.DRS_ORCH_SIM_AUDIT;
  let open = true;
  return {
    append(record) {
      if (!open) return;
      written += writeSync(fd, `${JSON.stringify(record)}\n`);
      fsyncSync(fd);
      // Test instrumentation: what was durable when each call answered (the crash-loop test).
      if (audit && record.drs) {
        appendFileSync(
          audit,
          `${JSON.stringify({ accountId: record.drs.accountId, jobs: record.drs.jobs.map((j) => j.jobID) })}\n`,
        );
      }
    },
    bytes: () => written,
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

/** Ends a clean run: the final snapshot replaces the file and the journal goes. */
export function finish(statePath: string, journal: Journal, snapshot: StateSnapshot, origin: string): void {
  journal.close();
  compact(statePath, snapshot, origin).close();
  rmSync(`${statePath}.journal`, { force: true });
}

/** Whether `path` is an existing directory (false when it does not exist or cannot be read). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Creates the directory of a state file, or says why it cannot be used (before anything starts). */
export async function prepareDirectory(statePath: string, shown: string): Promise<void> {
  // Also with --reset, which reads nothing: a folder can never be written as the state file.
  if (isDirectory(statePath)) {
    throw new UsageError(`--state-file ${shown} is a directory; give a file path such as .drs-orch/sim.json`);
  }
  try {
    await mkdir(dirname(statePath), { recursive: true });
  } catch (err) {
    throw new UsageError(
      `--state-file ${shown}: its directory cannot be created (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}
