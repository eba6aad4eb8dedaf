/**
 * The identity of a runbook run, so that re-running a runbook that was killed resumes it instead of
 * launching its finished waves again. A runbook's identity is a digest of its content (the parsed,
 * validated runbook, keys sorted) and of the target it runs on; the first run records, atomically
 * and before anything launches, the correlation id it tags every DRS job with. A re-run of the same
 * runbook on the same target whose previous run did not finish (killed, crashed) runs with that
 * correlation id again, so every wave's main execution adopts the jobs already started or finished
 * (docs/architecture.md decision 4) and launches only what was not. A run that finished (its waves
 * execution ended and was reported, whatever its outcome) is over: a re-run starts a new one.
 *
 * Records live in `runbooks/` next to the state file (`--target sim`), else in `.drs-orch/runbooks/`
 * of the working directory: `<digest>.json`, plus `<digest>.json.lock` while a run holds it (the
 * state file's lock, so a second run of the same runbook exits 64 naming the first).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ParsedRunbook } from '../contract/index.js';
import { writeFileAtomic } from '../emulator/atomic-file.js';
import { UsageError } from './errors.js';
import type { TargetOptions } from './program.js';
import { acquireLock } from './targets/state-file.js';

/** What a run of a runbook records before it launches anything. */
export interface RunbookRunRecord {
  /** Digest of the runbook's content and target ({@link runbookIdentity}). */
  readonly runbookId: string;
  /** The runbook file as given, and its title, for a person reading the record. */
  readonly file: string;
  readonly title: string;
  /** The target the digest covers (a state file's absolute path, an endpoint, an ARN). */
  readonly target: string;
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
}

/** How a run starts: its correlation id, and what to tell the operator about it. */
export interface RunbookRunStart {
  readonly correlationId: string;
  /** True when this run resumes an unfinished one (same correlation id). */
  readonly resumed: boolean;
  /** Marks the run finished (called once its waves execution ended and was reported). */
  finish(outcome: string): void;
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

/** What a run's target is, as a stable string (the part of the identity that is not the runbook). */
export function targetIdentity(target: TargetOptions, cwd: string): string {
  switch (target.target) {
    case 'sim':
      return target.endpoint !== undefined
        ? `sim endpoint ${target.endpoint}`
        : `sim state-file ${resolve(cwd, target.stateFile)}`;
    case 'aws':
      return `aws ${target.region ?? 'default-region'} ${target.endpoint ?? ''}`.trim();
    default:
      return `sfn ${target.stateMachineArn ?? ''} ${target.endpoint ?? ''}`.trim();
  }
}

/** The identity of a runbook on a target: a SHA-256 digest (hex) of both. */
export function runbookIdentity(runbook: ParsedRunbook, target: string): string {
  return createHash('sha256').update(canonical({ runbook, target })).digest('hex');
}

/** Where the run records of a target live. */
export function runsFolder(target: TargetOptions, cwd: string): string {
  return target.target === 'sim' && target.endpoint === undefined
    ? join(dirname(resolve(cwd, target.stateFile)), 'runbooks')
    : join(cwd, '.drs-orch', 'runbooks');
}

function readRecord(path: string, shown: string): RunbookRunRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(
      `runbook run record ${shown} cannot be read (${(err as NodeJS.ErrnoException).code})`,
    );
  }
  try {
    const record = JSON.parse(text) as Partial<RunbookRunRecord>;
    if (
      typeof record.correlationId !== 'string' ||
      (record.state !== 'running' && record.state !== 'finished') ||
      typeof record.startedAt !== 'string'
    ) {
      throw new Error('it lacks correlationId, state or startedAt');
    }
    return record as RunbookRunRecord;
  } catch (err) {
    throw new UsageError(
      `runbook run record ${shown} is damaged (${(err as Error).message}); move it away to start a new run (finished waves would be launched again), or pass --correlation-id with the id of the run to resume`,
    );
  }
}

/** Options of {@link startRunbookRun}. */
export interface StartRunOptions {
  readonly runbook: ParsedRunbook;
  readonly file: string;
  readonly title: string;
  readonly target: TargetOptions;
  readonly cwd: string;
  /** `--correlation-id`, when given: used as is (already validated). */
  readonly explicitCorrelationId?: string;
  /** The name of the waves execution about to start (a new run's default correlation id). */
  readonly executionName: string;
  /** Checks a correlation id read from a record (the input schema's rule). */
  readonly validate: (correlationId: string) => void;
  readonly say: (text: string) => void;
}

/**
 * Decides the correlation id of a runbook run and records it (atomically, fsync'd) before anything
 * launches; holds the record's lock until {@link RunbookRunStart.release}.
 *
 * - the previous run of this runbook on this target did not finish: resume it (its correlation id);
 * - it finished, or there is none: a new run, its correlation id the execution's name;
 * - `--correlation-id` given: that id, whatever the record says (a deliberate choice).
 *
 * @throws {UsageError} when another run of the same runbook holds the record, or it is damaged
 */
export function startRunbookRun(opts: StartRunOptions): RunbookRunStart {
  const target = targetIdentity(opts.target, opts.cwd);
  const runbookId = runbookIdentity(opts.runbook, target);
  const folder = runsFolder(opts.target, opts.cwd);
  const path = join(folder, `${runbookId.slice(0, 32)}.json`);
  const shown = JSON.stringify(path);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (err) {
    throw new UsageError(
      `runbook run records cannot be kept in ${JSON.stringify(folder)} (${(err as NodeJS.ErrnoException).code}); check that it is writable`,
    );
  }
  const release = acquireLock(
    path,
    shown,
    `drs-orch runbook ${opts.file}`,
    opts.say,
    `runbook ${JSON.stringify(opts.title)} (run record ${shown})`,
  );
  try {
    const previous = readRecord(path, shown);
    const now = new Date().toISOString();
    const unfinished = previous?.state === 'running' ? previous : undefined;
    let correlationId: string;
    let resumed = false;
    if (opts.explicitCorrelationId !== undefined) {
      correlationId = opts.explicitCorrelationId;
      resumed = unfinished?.correlationId === correlationId;
      if (unfinished !== undefined && !resumed) {
        opts.say(
          `runbook run: using --correlation-id ${correlationId}; the unfinished run of ${unfinished.startedAt} used ${unfinished.correlationId} (pass that id to resume it instead)`,
        );
      }
    } else if (unfinished !== undefined) {
      opts.validate(unfinished.correlationId);
      correlationId = unfinished.correlationId;
      resumed = true;
    } else {
      correlationId = opts.executionName;
      if (previous !== undefined) {
        opts.say(
          `runbook run: the previous run of this runbook (correlation id ${previous.correlationId}, ${previous.startedAt}) finished${previous.outcome ? ` (${previous.outcome})` : ''}; starting a new run with correlation id ${correlationId} (to continue the previous one instead, pass --correlation-id ${previous.correlationId})`,
        );
      }
    }
    if (resumed) {
      opts.say(
        `runbook run: resuming the run of ${unfinished?.startedAt ?? '?'} that did not finish, with its correlation id ${correlationId}: what its waves launched is adopted, not launched again`,
      );
      const arn = opts.target.stateMachineArn;
      if (opts.target.target === 'sfn' && arn !== undefined && unfinished !== undefined) {
        // A killed drs-orch does not stop a waves execution on AWS: it may still be running.
        const previous = `${arn.replace(':stateMachine:', ':execution:')}:${unfinished.lastExecution}`;
        opts.say(
          `runbook run: the previous waves execution may still be running on Step Functions (a killed drs-orch does not stop it): check it with aws stepfunctions describe-execution --execution-arn ${previous}, and stop it if this run is to replace it`,
        );
      }
    }
    let record: RunbookRunRecord = {
      runbookId,
      file: opts.file,
      title: opts.title,
      target,
      correlationId,
      firstExecution: resumed && unfinished ? unfinished.firstExecution : opts.executionName,
      lastExecution: opts.executionName,
      startedAt: resumed && unfinished ? unfinished.startedAt : now,
      ...(resumed && { resumedAt: now }),
      state: 'running',
    };
    writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`);
    return {
      correlationId,
      resumed,
      finish(outcome) {
        record = { ...record, state: 'finished', finishedAt: new Date().toISOString(), outcome };
        writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`);
      },
      release,
    };
  } catch (err) {
    release();
    throw err;
  }
}
