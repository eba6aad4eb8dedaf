/**
 * The identity of a runbook run, kept in the world the run launches in, so that re-running a
 * runbook that was killed resumes it, from any folder or machine, instead of launching its finished
 * waves again; and so that an edited runbook, or a failover runbook that already finished, is
 * refused before anything starts instead of launching again silently.
 *
 * - A runbook's identity is its name (the file's name when it has none) and its action, in the
 *   world of its target: the record is an S3 object in the orchestrator's results bucket
 *   (`runbook-runs/<identity>.json`), written through the real SDK by the session of the run (the
 *   emulator's bucket on `--target sim`, `serve`'s with `--endpoint`, the `--results-bucket` on
 *   `--target aws`, the deployed stack's bucket on `--target sfn`). A world without a results
 *   bucket keeps it in a folder instead (beside the state file, or `.drs-orch/runbooks/`), and says
 *   so: a re-run from another folder would not find it.
 * - The record holds the SHA-256 of the runbook's content, the correlation id every wave tags its
 *   DRS jobs with (written before anything launches), and each wave's status.
 * - A re-run of the same runbook whose previous run did not finish resumes with that correlation id,
 *   so every wave's main execution adopts the jobs already started or finished (docs/architecture.md
 *   decision 4) and launches only what was not.
 * - Refused (exit 64, naming the earlier run's correlation id and the way out): an edited runbook
 *   whose previous run did not finish; a failover or failback runbook whose previous run finished.
 *   `--correlation-id ID` (that run, deliberately) or `--new-run` (a new run) are the deliberate ways.
 *
 * A local lock (`<identity>.json.lock`, beside the state file or in `.drs-orch/runbooks/`) keeps two
 * runs of the same runbook apart on one machine; two machines running the same runbook at the same
 * moment are not kept apart (the correlation id still makes the second adopt the first's jobs).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ParsedRunbook } from '../contract/index.js';
import { writeFileAtomic } from '../emulator/atomic-file.js';
import { UsageError } from './errors.js';
import type { TargetOptions } from './invocations.js';
import { acquireLock, realStatePath } from './targets/state-file.js';

/** Key prefix of the run records in the results bucket. */
export const RUN_RECORDS_PREFIX = 'runbook-runs/';

/**
 * Where run records are kept in the world: a results bucket reached through the session's SDK
 * client (or a folder when the world has none).
 */
export interface RunRecordStore {
  /** Where the records are, for messages: `s3://bucket/runbook-runs/` or a folder. */
  readonly where: string;
  /** True when the records are in the world (a bucket), false when in a local folder. */
  readonly inWorld: boolean;
  /** The record's text, or undefined when there is none. */
  read(name: string): Promise<string | undefined>;
  write(name: string, text: string): Promise<void>;
}

/** A wave of a run, as the record keeps it. */
export interface RunbookRunWave {
  readonly number: number;
  readonly name: string;
  /** `pending` until its main execution starts, `running`, then `finished` (whatever the outcome). */
  readonly status: 'pending' | 'running' | 'finished';
  readonly outcome?: string;
}

/** What a run of a runbook records before it launches anything. */
export interface RunbookRunRecord {
  readonly recordVersion: 2;
  /** The runbook's identity: SHA-256 of its name and action ({@link runbookIdentity}). */
  readonly runbookId: string;
  readonly name: string;
  readonly action: string;
  /** SHA-256 of the runbook's content (parsed, keys sorted): an edit changes it. */
  readonly contentSha256: string;
  /** The runbook file as given, for a person reading the record. */
  readonly file: string;
  /** The correlation id every wave of this run tags its DRS jobs with. */
  readonly correlationId: string;
  /** The first execution of this run, and the latest (a resumed run starts a new execution). */
  readonly firstExecution: string;
  readonly lastExecution: string;
  /** Wall-clock times: when the run began, when it was last (re)started, when it finished. */
  readonly startedAt: string;
  readonly resumedAt?: string;
  /** `running` until the waves execution ends and is reported; a killed run stays `running`. */
  readonly state: 'running' | 'finished';
  readonly finishedAt?: string;
  /** How the waves execution ended (its status, and the runbook's when it succeeded). */
  readonly outcome?: string;
  readonly waves: readonly RunbookRunWave[];
}

/** How a run starts: its correlation id, and what to tell the operator about it. */
export interface RunbookRunStart {
  readonly correlationId: string;
  /** True when this run resumes an unfinished one (same correlation id). */
  readonly resumed: boolean;
  /** Wave `number`'s main execution started. */
  waveStarted(number: number): void;
  /** Wave `number`'s main execution ended with `outcome`. */
  waveEnded(number: number, outcome: string): void;
  /** Resolves once every wave update so far is written (or said to have failed). */
  flush(): Promise<void>;
  /** Marks the run finished (called once its waves execution ended and was reported). */
  finish(outcome: string): Promise<void>;
  /** Releases the record's lock (always, finished or not). */
  release(): void;
}

/** Canonical JSON: object keys sorted at every level, so the digest ignores key order and layout. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A runbook's name: its `name`, else its file's name (so a re-run from another folder matches). */
export function runbookName(runbook: ParsedRunbook, file: string): string {
  return runbook.name ?? basename(file);
}

/** The identity of a runbook in its world: a SHA-256 digest (hex) of its name and action. */
export function runbookIdentity(runbook: ParsedRunbook, file: string): string {
  return sha256(canonical({ name: runbookName(runbook, file), action: runbook.action }));
}

/** The SHA-256 of a runbook's content (parsed, keys sorted). */
export function runbookContentDigest(runbook: ParsedRunbook): string {
  return sha256(canonical(runbook));
}

/** Where the local lock (and, without a results bucket, the records) of a target live. */
export function runsFolder(target: TargetOptions, cwd: string): string {
  return target.target === 'sim' && target.endpoint === undefined
    ? join(dirname(realStatePath(resolve(cwd, target.stateFile))), 'runbooks')
    : join(cwd, '.drs-orch', 'runbooks');
}

/** Records kept in a folder: for a world without a results bucket. */
export function folderRunRecords(folder: string): RunRecordStore {
  return {
    where: folder,
    inWorld: false,
    async read(name) {
      try {
        return readFileSync(join(folder, name), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async write(name, text) {
      mkdirSync(folder, { recursive: true });
      writeFileAtomic(join(folder, name), text);
    },
  };
}

/**
 * The deployed stack's results bucket (infra `resultsBucketName`): where a runbook run on
 * `--target sfn` (and `--target aws` without `--results-bucket`) keeps its run record, in the
 * world it launches in.
 */
export function deployedResultsBucket(accountId: string, region: string): string {
  return `drs-orchestration-results-${accountId}-${region}`;
}

/**
 * Records kept in a results bucket, through an S3 client of the session (`get` rejects with S3's
 * NoSuchKey when there is no record).
 */
export function bucketRunRecords(
  bucket: string,
  get: (key: string) => Promise<string>,
  put: (key: string, body: string) => Promise<void>,
): RunRecordStore {
  return {
    where: `s3://${bucket}/${RUN_RECORDS_PREFIX}`,
    inWorld: true,
    async read(name) {
      try {
        return await get(`${RUN_RECORDS_PREFIX}${name}`);
      } catch (err) {
        if (isNoSuchKey(err)) return undefined;
        throw err;
      }
    },
    write: (name, text) => put(`${RUN_RECORDS_PREFIX}${name}`, text),
  };
}

/** True for S3's "no such bucket" (the SDK error, or one of ours wrapping it as its cause). */
export function isNoSuchBucket(err: unknown): boolean {
  for (let e = err as { name?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; i++) {
    if (e.name === 'NoSuchBucket') return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** True for S3's "no such key" (the SDK error, or one of ours wrapping it as its cause). */
export function isNoSuchKey(err: unknown): boolean {
  for (let e = err as { name?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; i++) {
    if (e.name === 'NoSuchKey' || e.name === 'NotFound') return true;
    e = e.cause as typeof e;
  }
  return false;
}

function parseRecord(text: string, shown: string): RunbookRunRecord {
  try {
    const record = JSON.parse(text) as Partial<RunbookRunRecord>;
    if (
      record === null ||
      typeof record !== 'object' ||
      record.recordVersion !== 2 ||
      typeof record.correlationId !== 'string' ||
      typeof record.contentSha256 !== 'string' ||
      (record.state !== 'running' && record.state !== 'finished') ||
      typeof record.startedAt !== 'string' ||
      !Array.isArray(record.waves)
    ) {
      throw new Error('it lacks recordVersion 2, correlationId, contentSha256, state, startedAt or waves');
    }
    return record as RunbookRunRecord;
  } catch (err) {
    throw new UsageError(
      `runbook run record ${shown} is damaged (${(err as Error).message}); pass --correlation-id with the id of the run to resume, or --new-run to start a new run (finished waves would be launched again)`,
    );
  }
}

/** Options of {@link startRunbookRun}. */
export interface StartRunOptions {
  readonly runbook: ParsedRunbook;
  readonly file: string;
  readonly target: TargetOptions;
  readonly cwd: string;
  /** Where the records are: the session's world, else a folder ({@link folderRunRecords}). */
  readonly store: RunRecordStore;
  /** Used instead of `store` when its bucket does not exist (a world without the stack's bucket). */
  readonly fallback?: RunRecordStore;
  /** `--correlation-id`, when given: used as is (already validated). */
  readonly explicitCorrelationId?: string;
  /** `--new-run`: start a new run whatever the record says. */
  readonly newRun: boolean;
  /** The name of the waves execution about to start (a new run's default correlation id). */
  readonly executionName: string;
  /** Checks a correlation id read from a record (the input schema's rule). */
  readonly validate: (correlationId: string) => void;
  readonly say: (text: string) => void;
}

/** Actions whose finished run is not run again without `--new-run`: a second one recovers servers again. */
const ONCE_ACTIONS: ReadonlySet<string> = new Set(['failover', 'failback']);

function wavesSummary(record: RunbookRunRecord): string {
  const finished = record.waves.filter((w) => w.status === 'finished');
  return `${finished.length} of ${record.waves.length} waves finished${finished.length ? `: ${finished.map((w) => w.name).join(', ')}` : ''}`;
}

/**
 * Decides the correlation id of a runbook run and records it in the world before anything
 * launches; holds the local lock until {@link RunbookRunStart.release}.
 *
 * - `--correlation-id` given: that id, whatever the record says (a deliberate choice);
 * - `--new-run`: a new run, its correlation id the execution's name;
 * - the previous run of this runbook did not finish: resume it (its correlation id), unless the
 *   runbook was edited since (refused);
 * - it finished: a new run, unless the action is failover or failback (refused);
 * - there is none: a new run.
 *
 * @throws {UsageError} (exit 64) for an edited runbook or a finished failover, naming the earlier
 *   run's correlation id and how to go on deliberately; when another run of the same runbook holds
 *   the lock; when the record is damaged or cannot be read or written
 */
export async function startRunbookRun(opts: StartRunOptions): Promise<RunbookRunStart> {
  const { runbook } = opts;
  let store = opts.store;
  const name = runbookName(runbook, opts.file);
  const runbookId = runbookIdentity(runbook, opts.file);
  const contentSha256 = runbookContentDigest(runbook);
  const recordName = `${runbookId.slice(0, 32)}.json`;
  let shown = `${store.where.replace(/\/?$/, '/')}${recordName}`;
  const folder = runsFolder(opts.target, opts.cwd);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (err) {
    throw new UsageError(
      `runbook run locks cannot be kept in ${JSON.stringify(folder)} (${(err as NodeJS.ErrnoException).code}); check that it is writable`,
    );
  }
  // The lock is `<identity>.json.lock` in that folder (acquireLock adds `.lock`).
  const lockOf = join(folder, recordName);
  const release = acquireLock(
    lockOf,
    JSON.stringify(`${lockOf}.lock`),
    `drs-orch runbook ${opts.file}`,
    opts.say,
    `runbook ${JSON.stringify(name)} (run record ${shown})`,
  );
  try {
    let text: string | undefined;
    try {
      try {
        text = await store.read(recordName);
      } catch (err) {
        if (!isNoSuchBucket(err) || opts.fallback === undefined) throw err;
        store = opts.fallback;
        shown = `${store.where.replace(/\/?$/, '/')}${recordName}`;
        text = await store.read(recordName);
      }
    } catch (err) {
      throw new UsageError(
        `runbook run record ${shown} cannot be read (${(err as Error).message.split('\n')[0]}); nothing was started`,
      );
    }
    const previous = text === undefined ? undefined : parseRecord(text, shown);
    const now = new Date().toISOString();
    const unfinished = previous?.state === 'running' ? previous : undefined;
    const edited = previous !== undefined && previous.contentSha256 !== contentSha256;
    let correlationId: string;
    let resumed = false;
    if (opts.explicitCorrelationId !== undefined) {
      correlationId = opts.explicitCorrelationId;
      resumed = previous?.correlationId === correlationId;
      if (unfinished !== undefined && !resumed) {
        opts.say(
          `runbook run: using --correlation-id ${correlationId}; the unfinished run of ${unfinished.startedAt} used ${unfinished.correlationId} (pass that id to resume it instead)`,
        );
      }
    } else if (opts.newRun) {
      correlationId = opts.executionName;
      if (previous !== undefined) {
        opts.say(
          `runbook run: --new-run: starting a new run with correlation id ${correlationId}; the ${unfinished ? 'unfinished' : 'finished'} run of ${previous.startedAt} (correlation id ${previous.correlationId}, ${wavesSummary(previous)}) is not continued`,
        );
      }
    } else if (unfinished !== undefined) {
      if (edited) {
        throw new UsageError(
          `runbook ${JSON.stringify(name)} was edited since its run of ${unfinished.startedAt} that did not finish (correlation id ${unfinished.correlationId}, ${wavesSummary(unfinished)}; run record ${shown}): a re-run resumes only the same runbook, nothing was started. Restore the runbook to resume that run, pass --correlation-id ${unfinished.correlationId} to resume it with the edited runbook (what it launched is adopted), or --new-run to start a new run deliberately (its finished waves would be launched again)`,
        );
      }
      opts.validate(unfinished.correlationId);
      correlationId = unfinished.correlationId;
      resumed = true;
    } else if (previous !== undefined && ONCE_ACTIONS.has(runbook.action)) {
      throw new UsageError(
        `runbook ${JSON.stringify(name)} (${runbook.action}) already ran to its end: its run with correlation id ${previous.correlationId} started ${previous.startedAt} and finished ${previous.finishedAt ?? '?'}${previous.outcome ? ` (${previous.outcome})` : ''}, ${wavesSummary(previous)} (run record ${shown}); running it again would ${runbook.action === 'failover' ? 'recover' : 'fail back'} its servers a second time, so nothing was started. Pass --new-run to start a new ${runbook.action} deliberately, or --correlation-id ${previous.correlationId} to run that one again (its waves adopt what it launched)`,
      );
    } else {
      correlationId = opts.executionName;
      if (previous !== undefined) {
        opts.say(
          `runbook run: the previous run of this runbook (correlation id ${previous.correlationId}, ${previous.startedAt}) finished${previous.outcome ? ` (${previous.outcome})` : ''}; starting a new run with correlation id ${correlationId} (to continue the previous one instead, pass --correlation-id ${previous.correlationId})`,
        );
      }
    }
    if (resumed && unfinished !== undefined) {
      opts.say(
        `runbook run: resuming the run of ${unfinished.startedAt} that did not finish, with its correlation id ${correlationId} (${wavesSummary(unfinished)}; run record ${shown}): what its waves launched is adopted, not launched again`,
      );
      const arn = opts.target.stateMachineArn;
      if (opts.target.target === 'sfn' && arn !== undefined) {
        // A killed drs-orch does not stop a waves execution on AWS: it may still be running.
        const last = `${arn.replace(':stateMachine:', ':execution:')}:${unfinished.lastExecution}`;
        opts.say(
          `runbook run: the previous waves execution may still be running on Step Functions (a killed drs-orch does not stop it): check it with aws stepfunctions describe-execution --execution-arn ${last}, and stop it if this run is to replace it`,
        );
      }
    }
    if (!store.inWorld) {
      const missing = opts.store !== store ? ` (${opts.store.where} does not exist)` : '';
      opts.say(
        `runbook run: the target's world has no results bucket${missing}, so this run's record is kept in ${store.where}; a re-run from another folder or machine will not find it`,
      );
    }
    const keep = resumed && previous !== undefined ? previous : undefined;
    let record: RunbookRunRecord = {
      recordVersion: 2,
      runbookId,
      name,
      action: runbook.action,
      contentSha256,
      file: opts.file,
      correlationId,
      firstExecution: keep ? keep.firstExecution : opts.executionName,
      lastExecution: opts.executionName,
      startedAt: keep ? keep.startedAt : now,
      ...(keep && { resumedAt: now }),
      state: 'running',
      waves: runbook.waves.map((w, i) => {
        const before = keep?.waves.find((k) => k.number === i + 1 && k.name === w.name);
        return before ?? { number: i + 1, name: w.name, status: 'pending' as const };
      }),
    };
    const write = async (): Promise<void> => {
      await store.write(recordName, `${JSON.stringify(record, null, 2)}\n`);
    };
    try {
      await write();
    } catch (err) {
      throw new UsageError(
        `runbook run record ${shown} cannot be written (${(err as Error).message.split('\n')[0]}); nothing was started`,
      );
    }
    // Wave updates are written in order, one after the other; a failed one is said, not fatal.
    let pending: Promise<void> = Promise.resolve();
    const update = (change: (r: RunbookRunRecord) => RunbookRunRecord): void => {
      pending = pending.then(async () => {
        record = change(record);
        try {
          await write();
        } catch (err) {
          opts.say(
            `runbook run: the record ${shown} could not be updated (${(err as Error).message.split('\n')[0]})`,
          );
        }
      });
    };
    const setWave = (number: number, wave: Partial<RunbookRunWave>): void =>
      update((r) => ({
        ...r,
        waves: r.waves.map((w) => (w.number === number ? { ...w, ...wave } : w)),
      }));
    return {
      correlationId,
      resumed,
      waveStarted: (number) => setWave(number, { status: 'running' }),
      waveEnded: (number, outcome) => setWave(number, { status: 'finished', outcome }),
      flush: () => pending,
      async finish(outcome) {
        update((r) => ({ ...r, state: 'finished', finishedAt: new Date().toISOString(), outcome }));
        await pending;
      },
      release,
    };
  } catch (err) {
    release();
    throw err;
  }
}
