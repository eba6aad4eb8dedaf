/**
 * The simulated world on disk, made to survive like AWS does: a state file (a compacted snapshot,
 * replaced atomically), a write-ahead journal next to it (one fsync'd line per mutating call,
 * written before the call answers), and a lock so that one command at a time owns the world.
 *
 * Files for `--state-file .drs-orch/sim.json`:
 * - `sim.json`: the snapshot, with a `generation` id;
 * - `sim.json.journal`: a header line naming the generation it applies to, then one
 *   {@link JournalRecord} per line; a journal of another generation is stale and ignored;
 * - `sim.json.lock`: who holds the world (pid, host, command, since, boot id and process start time);
 * - `sim.json.objects/`: the S3 object bodies, one file per distinct body named by its SHA-256,
 *   each written atomically before its PutObject answered; the snapshot and journal hold only
 *   the objects' metadata, so their size does not grow with the bodies. A compaction removes the
 *   bodies nothing refers to any more.
 */
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
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

/**
 * Who holds a state file. Besides the pid, the lock names the machine and the process precisely
 * enough that a dead holder is recognized even when its pid runs again: the kernel's boot id (a
 * reboot, or a container restarted on another machine) and the pid's start time (a pid reused,
 * e.g. pid 1 of a restarted container). Locks written before these fields existed lack them.
 */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
  /** `/proc/sys/kernel/random/boot_id` of the holder's kernel (Linux). */
  readonly bootId?: string;
  /** Start time of the holder's process, clock ticks since boot (`/proc/PID/stat` field 22, Linux). */
  readonly startTime?: string;
  /** Random token of this acquisition: a release never removes a lock someone else took over. */
  readonly token?: string;
}

/**
 * Seconds after which a lock whose holder cannot be checked (another host, or another container
 * with its own hostname) counts as abandoned: a live holder refreshes its lock's modification time
 * every {@link LOCK_HEARTBEAT_SECONDS}, so a lock this old belongs to a run that is gone.
 */
export const LOCK_STALE_SECONDS = 120;

/** How often a holder refreshes its lock's modification time (its heartbeat). */
export const LOCK_HEARTBEAT_SECONDS = 15;

/** The identity of this machine's kernel, or undefined off Linux. */
export function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Start time of process `pid` in clock ticks since boot (`/proc/PID/stat` field 22), or undefined
 * when it does not run or there is no /proc. The command name (field 2) may hold spaces and
 * parentheses, so the fields are counted after its last `)`.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so field 22 is fields[19].
    return fields[19];
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What this host can find out about a running process. */
export interface ProcessProbe {
  readonly host: string;
  readonly bootId: string | undefined;
  isAlive(pid: number): boolean;
  startTime(pid: number): string | undefined;
  /** Seconds since the lock's last heartbeat (its modification time). */
  readonly lockAgeSeconds: number;
}

/** Whether a lock's holder still runs: `alive`, `dead` (with why), or `unknown` (another host). */
export type HolderState =
  | { readonly state: 'alive' }
  | { readonly state: 'dead'; readonly why: string }
  | { readonly state: 'unknown' };

/**
 * Decides whether the holder of a lock still runs. On this host the holder is checked exactly: a
 * different boot id means the machine rebooted since; a pid that does not run, or runs with another
 * start time, is a process that is gone (its pid reused). Another host (or a container with another
 * hostname) cannot be checked: its lock is abandoned only once its heartbeat is older than
 * {@link LOCK_STALE_SECONDS}.
 */
export function holderState(holder: Partial<LockHolder>, probe: ProcessProbe): HolderState {
  if (typeof holder.pid !== 'number' || !Number.isInteger(holder.pid) || holder.pid <= 0) {
    return { state: 'dead', why: 'the lock file is torn or empty' };
  }
  if (holder.host !== probe.host) {
    return probe.lockAgeSeconds > LOCK_STALE_SECONDS
      ? {
          state: 'dead',
          why: `its heartbeat stopped ${Math.round(probe.lockAgeSeconds)} s ago (another host: only its heartbeat can tell)`,
        }
      : { state: 'unknown' };
  }
  if (holder.bootId !== undefined && probe.bootId !== undefined && holder.bootId !== probe.bootId) {
    return { state: 'dead', why: 'the machine has rebooted since (another boot id)' };
  }
  if (!probe.isAlive(holder.pid)) return { state: 'dead', why: `pid ${holder.pid} no longer runs` };
  if (
    holder.startTime === undefined &&
    holder.bootId === undefined &&
    probe.lockAgeSeconds > LOCK_STALE_SECONDS
  ) {
    // A lock written before locks carried an identity (no boot id, no start time): a live pid proves
    // nothing (pid 1 of a restarted container is always alive), and today's holders refresh the
    // lock every LOCK_HEARTBEAT_SECONDS, so an old lock without identity is a dead holder's.
    return {
      state: 'dead',
      why: `it carries no process identity (an older drs-orch) and has not been refreshed for ${Math.round(probe.lockAgeSeconds)} s`,
    };
  }
  if (holder.startTime !== undefined) {
    const now = probe.startTime(holder.pid);
    if (now !== undefined && now !== holder.startTime) {
      return { state: 'dead', why: `pid ${holder.pid} is another process now (another start time)` };
    }
  }
  return { state: 'alive' };
}

function lockAgeSeconds(lockPath: string): number {
  try {
    return (Date.now() - statSync(lockPath).mtimeMs) / 1000;
  } catch {
    return 0;
  }
}

function describeHolder(holder: Partial<LockHolder>): string {
  return `drs-orch pid ${String(holder.pid)} on ${String(holder.host)} (${holder.command ?? 'a command'}, since ${holder.since ?? '?'})`;
}

/**
 * Takes the lock of a state file, or says who holds it. A lock whose holder is gone is taken over
 * (see {@link holderState}: killed, its pid reused, the machine rebooted, or another host's lock
 * whose heartbeat stopped), saying so. While held, the lock's modification time is refreshed every
 * {@link LOCK_HEARTBEAT_SECONDS} (an unref'd timer: it never keeps the process alive).
 *
 * @param say prints a line for the user (a takeover is worth saying)
 * @param subject what is locked, for messages (default: `--state-file "PATH"`)
 * @returns a function releasing the lock (only if it is still this acquisition's)
 * @throws {UsageError} naming the holder when a live process holds it, or another host's run whose
 *   heartbeat is recent (with when it will be taken over)
 */
export function acquireLock(
  statePath: string,
  shown: string,
  command: string,
  say: (text: string) => void = () => {},
  subject = `--state-file ${shown}`,
): () => void {
  const lockPath = `${statePath}.lock`;
  const elsewhere = subject.startsWith('--state-file') ? ', or use another --state-file' : '';
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command,
    since: new Date().toISOString(),
    ...optional('bootId', bootId()),
    ...optional('startTime', processStartTime(process.pid)),
    token: randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      return heldLock(lockPath, me.token as string);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new UsageError(
          `${subject} cannot be locked (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check that its directory is writable`,
        );
      }
    }
    if (isDirectory(lockPath)) {
      throw new UsageError(
        `${subject} cannot be locked: its lock ${lockPath} is a directory, not a lock file; remove it`,
      );
    }
    let holder: Partial<LockHolder> = {};
    try {
      const parsed: unknown = JSON.parse(readFileSync(lockPath, 'utf8'));
      // `null`, a number or an array is no holder: treated like a torn lock.
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
        holder = parsed as Partial<LockHolder>;
    } catch {
      // Empty or torn (killed while writing it): nobody can hold it.
    }
    const verdict = holderState(holder, {
      host: me.host,
      bootId: me.bootId,
      isAlive,
      startTime: processStartTime,
      lockAgeSeconds: lockAgeSeconds(lockPath),
    });
    if (verdict.state === 'alive') {
      throw new UsageError(
        `${subject} is in use by ${describeHolder(holder)}; wait for it to finish${elsewhere}`,
      );
    }
    if (verdict.state === 'unknown') {
      throw new UsageError(
        `${subject} is in use by ${describeHolder(holder)}, another host, which this one cannot check; a live holder refreshes the lock every ${LOCK_HEARTBEAT_SECONDS} s, so it is taken over once ${LOCK_STALE_SECONDS} s pass without one. If that run is certainly gone, remove ${shown.endsWith('"') ? `${shown.slice(0, -1)}.lock"` : `${shown}.lock`} to take it over now`,
      );
    }
    if (typeof holder.pid === 'number')
      say(`took over the lock of ${describeHolder(holder)}: ${verdict.why}`);
    rmSync(lockPath, { force: true });
  }
  throw new UsageError(`${subject} cannot be locked: another command keeps taking it`);
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** The heartbeat of a held lock, and its release (which leaves a lock someone else took over alone). */
function heldLock(lockPath: string, token: string): () => void {
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(lockPath, now, now);
    } catch {
      // Gone or unwritable: the next acquirer decides; nothing to do here.
    }
  }, LOCK_HEARTBEAT_SECONDS * 1000);
  heartbeat.unref();
  return () => {
    clearInterval(heartbeat);
    try {
      const holder = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockHolder>;
      if (holder.token !== undefined && holder.token !== token) return;
    } catch {
      // Torn or gone: removing it is harmless.
    }
    rmSync(lockPath, { force: true });
  };
}

/** The folder of a state file's S3 object bodies. */
export function objectsDirOf(statePath: string): string {
  return `${statePath}.objects`;
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
    const info = statSync(statePath);
    if (info.isDirectory()) {
      throw new UsageError(
        `--state-file ${shown} is a directory; give a file path such as .drs-orch/sim.json`,
      );
    }
    if (!info.isFile()) {
      // A device or pipe (/dev/zero) has no end to read: refused before it is read into memory.
      throw new UsageError(
        `--state-file ${shown} is not a regular file (a device, pipe or socket); give a file path such as .drs-orch/sim.json`,
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
      const accounts = (record.serviceChanges?.drs ?? []) as readonly {
        accountId: string;
        jobs: readonly { jobID: string }[];
      }[];
      if (audit) {
        for (const account of accounts) {
          appendFileSync(
            audit,
            `${JSON.stringify({ accountId: account.accountId, jobs: account.jobs.map((j) => j.jobID) })}\n`,
          );
        }
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

/**
 * The real path of a state file: a `--state-file` that is a symbolic link (or sits in a linked
 * folder) names the file it points to, whose journal, lock, objects and temporary files are kept
 * beside it. Without this, a link would get a lock and journal of its own beside the link (two
 * commands on one world, each with its own lock) and the first save would replace the link with a
 * copy. A link whose target does not exist yet resolves to that target; a file that does not exist
 * yet to its folder's real path.
 *
 * @param statePath the state file's absolute path as given
 */
export function realStatePath(statePath: string): string {
  try {
    return realpathSync(statePath);
  } catch {
    // Missing: follow a dangling link's chain by hand (at most 40 hops, as the kernel does).
  }
  let path = statePath;
  for (let hop = 0; hop < 40; hop++) {
    let info: ReturnType<typeof lstatSync>;
    try {
      info = lstatSync(path);
    } catch {
      break;
    }
    if (!info.isSymbolicLink()) break;
    path = resolve(dirname(path), readlinkSync(path));
  }
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return path;
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
