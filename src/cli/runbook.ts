/**
 * `drs-orch runbook FILE` and `drs-orch plan --runbook FILE`: reads a runbook (YAML or JSON),
 * validates it, runs `statemachines/waves.asl.json` on the target with one live progress block
 * per wave, answers approvals, and writes the evidence report. A thin shell: the waves, their
 * order and the approval pauses are the state machine's.
 */
import { resolve } from 'node:path';
import {
  approvalWaves,
  DOCUMENT_LIMITS,
  DocumentRejected,
  documentFormatOf,
  isOrchestrationOutput,
  type ParsedRunbook,
  parseOrchestrationInput,
  parseRunbook,
  readDocument,
  runbookSteps,
  wavesInput,
} from '../contract/index.js';
import { factsOfHistory, historyDetails, TERMINAL_STATUS } from '../report/index.js';
import { createApprovalDecider, operatorName, preApproved } from './approvals.js';
import { readDocumentFile } from './document-file.js';
import { UsageError } from './errors.js';
import { executionName } from './execution-name.js';
import { ExitCode, exitCodeForStatus } from './exit-codes.js';
import type { OutputOptions, TargetOptions } from './invocations.js';
import type { CliIo } from './io.js';
import { resultNotices } from './notices.js';
import { createProgress, type Progress } from './progress.js';
import { RunRecord, recordReport } from './reports.js';
import { folderRunRecords, type RunbookRunStart, runsFolder, startRunbookRun } from './runbook-runs.js';
import type { PlanReport, ProgressListener, Session } from './session.js';
import { renderPlanTable } from './table.js';

/** `drs-orch runbook FILE` / `drs-orch plan --runbook FILE`. */
export interface RunbookInvocation {
  readonly kind: 'runbook' | 'plan-runbook';
  readonly file: string;
  /** `--approve` values: `all`, wave names or numbers. */
  readonly approve: readonly string[];
  /** Metadata flags: ticket, initiated-by, correlation id. */
  readonly metadata: Readonly<Record<string, string>>;
  /** `--new-run`: start a new run even when the record says to resume or refuse. */
  readonly newRun?: boolean;
  readonly target: TargetOptions;
  readonly out: OutputOptions;
}

/** Exit code of an interrupted run (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/**
 * Reads and validates a runbook file (`.json` is JSON, `.yaml`/`.yml` and anything else YAML)
 * with the strict reader: its size is checked before it is read, then depth, duplicate keys,
 * aliases and tags, all before anything starts (no lock, no journal, no session).
 *
 * @throws {UsageError} when the file cannot be read.
 * @throws {DocumentRejected} when the reader refuses it (limit, key and line in the message).
 * @throws {ValidationError} when it breaks the runbook schema.
 */
export async function readRunbook(file: string, cwd: string): Promise<ParsedRunbook> {
  let bytes: Buffer;
  try {
    bytes = await readDocumentFile(resolve(cwd, file), file, DOCUMENT_LIMITS.runbook);
  } catch (err) {
    if (err instanceof DocumentRejected) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
    throw new UsageError(`runbook file ${JSON.stringify(file)} cannot be read: ${why}`);
  }
  return parseRunbook(readDocument(bytes, { name: file, format: documentFormatOf(file), kind: 'runbook' }));
}

function tagText(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * The runbook with each wave's `expectedServers` moved into the wave's options (the orchestration
 * option of that name), which is how the waves workflow passes it to the wave's run.
 */
function withExpectedServers(runbook: ParsedRunbook): ParsedRunbook {
  const waves = runbook.waves.map((w) =>
    w.expectedServers === undefined
      ? w
      : { ...w, options: { ...(w.options ?? {}), expectedServers: w.expectedServers } },
  ) as unknown as ParsedRunbook['waves'];
  return { ...runbook, waves };
}

/**
 * What each wave's result says besides its counts (its warnings, failed and skipped servers,
 * adopted jobs, the error that stopped it; see {@link resultNotices}), read from the wave's main
 * execution in the run's histories, each line prefixed with its wave.
 */
export function waveNotices(record: RunRecord, waves: readonly { name: string }[]): string[] {
  const lines: string[] = [];
  let wave = 0;
  for (const [arn, events] of record.histories) {
    if (arn === record.rootArn) continue;
    wave += 1;
    const output = factsOfHistory(arn, events).output;
    if (!isOrchestrationOutput(output)) continue;
    const prefix = `wave ${wave} (${waves[wave - 1]?.name ?? '?'}): `;
    for (const line of resultNotices(output)) lines.push(`${prefix}${line}`);
  }
  return lines;
}

/**
 * One stderr warning per wave that matched no source server: a tag typo in a runbook must not pass
 * unseen.
 */
export function emptyWaveWarnings(
  output: Record<string, unknown>,
  waves: readonly { name: string; tags?: Record<string, string>; allowEmpty?: boolean }[],
): string[] {
  const results = (typeof output.waves === 'object' && output.waves !== null ? output.waves : {}) as Record<
    string,
    { summary?: { totalServers?: number }; status?: string }
  >;
  return waves.flatMap((wave, i) => {
    const result = results[`wave${i + 1}`];
    if (result?.summary?.totalServers !== 0 || result.status !== 'success') return [];
    return [
      `warning: wave ${i + 1} (${wave.name}) matched no source server for ${tagText(wave.tags ?? {})}${wave.allowEmpty === true ? ' (allowEmpty: true, so the runbook may still succeed)' : '; the runbook cannot end success (set allowEmpty: true on a wave that may be empty)'}`,
    ];
  });
}

/** Exit code of a waves output: the stopping wave's status decides, like a single action's. */
export function exitCodeForWaves(output: Record<string, unknown>): number {
  const status = output.status;
  const waves = (typeof output.waves === 'object' && output.waves !== null ? output.waves : {}) as Record<
    string,
    { status?: string }
  >;
  const statuses = Object.values(waves).map((w) => w.status);
  switch (status) {
    case 'success':
      // Outputs written before the waves machine reported partial itself.
      return statuses.includes('partial') ? ExitCode.Partial : ExitCode.Success;
    case 'partial':
      return ExitCode.Partial;
    case 'stopped': {
      const last = waves[`wave${String(output.stoppedAtWave)}`]?.status;
      return last === 'partial' || last === 'success'
        ? ExitCode.Partial
        : exitCodeForStatus((last ?? 'failed') as 'failed');
    }
    case 'timeout':
      return ExitCode.Timeout;
    default:
      return ExitCode.Failed;
  }
}

/** Runs a runbook or plans it; resolves to the exit code. */
export async function runRunbook(
  invocation: RunbookInvocation,
  io: CliIo,
  openSession: (io: CliIo, say: (text: string) => void) => Promise<Session>,
): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const runbook = await readRunbook(invocation.file, cwd);
  const say = (text: string): void => {
    if (!invocation.out.quiet) io.stderr.write(`${text}\n`);
  };
  const manualSteps = runbookSteps(runbook).filter((s) => s.kind === 'manual');
  for (const a of invocation.approve) {
    if (a.toLowerCase() === 'all') continue;
    if (
      !runbook.waves.some((w, i) => w.name.toLowerCase() === a.toLowerCase() || String(i + 1) === a) &&
      !manualSteps.some((s) => s.name.toLowerCase() === a.toLowerCase())
    ) {
      throw new UsageError(
        `--approve ${JSON.stringify(a)} names no wave or manual step of the runbook; expected all or one of ${[...runbook.waves.map((w) => w.name), ...manualSteps.map((s) => s.name)].join(', ')}`,
      );
    }
  }
  const interactive = io.isTTY && (io.stdin as { isTTY?: boolean }).isTTY === true;
  if (invocation.kind === 'runbook' && !interactive) {
    const waiting = [
      ...runbook.waves.map((w, i) => ({ number: i + 1, name: w.name, approval: w.approval })),
      // A manual step is answered by its name only (a number names a wave).
      ...manualSteps.map((s) => ({ name: s.name, approval: true })),
    ].filter((w) => w.approval && !preApproved(invocation.approve, w));
    if (waiting.length > 0) {
      throw new UsageError(
        `wave ${waiting.map((w) => JSON.stringify(w.name)).join(', ')} asks for approval and there is no terminal to ask on: run on a terminal, or pass --approve ${waiting.map((w) => w.name).join(' ')} (or --approve all)`,
      );
    }
  }
  // The command line's metadata (--correlation-id above all) is checked with the input schema's
  // rules before anything starts, not by the first wave's execution mid-run.
  checkMetadata(runbook, { ...(runbook.metadata ?? {}), ...invocation.metadata });
  const session = await openSession(io, say);
  try {
    if (invocation.kind === 'plan-runbook') return await planRunbook(runbook, invocation, io, session, say);
    return await executeRunbook(runbook, invocation, io, session, interactive, say);
  } finally {
    await session.close();
  }
}

/**
 * Validates the metadata every wave will carry as the orchestration input's `metadata`.
 *
 * @throws {ValidationError} (exit 64) naming the field, e.g. `/metadata/correlationId (--correlation-id)`
 */
function checkMetadata(runbook: ParsedRunbook, metadata: Record<string, unknown>): void {
  const first = runbook.waves[0];
  // A wave of steps only has no tags: a stand-in tag still checks the metadata.
  parseOrchestrationInput({ action: runbook.action, tags: first.tags ?? { 'DR-Wave': '1' }, metadata });
}

async function planRunbook(
  runbook: ParsedRunbook,
  invocation: RunbookInvocation,
  io: CliIo,
  session: Session,
  say: (text: string) => void,
): Promise<number> {
  const plans: { wave: string; approval: boolean; plan: PlanReport }[] = [];
  for (const wave of runbook.waves) {
    // A wave of steps only launches nothing: there is nothing to plan.
    if (wave.tags === undefined) continue;
    const input: Record<string, unknown> = {
      action: runbook.action,
      tags: wave.tags,
      options: {
        ...(runbook.options ?? {}),
        ...(wave.options ?? {}),
        ...(wave.expectedServers !== undefined && { expectedServers: wave.expectedServers }),
      },
      metadata: { ...(runbook.metadata ?? {}), ...invocation.metadata },
    };
    parseOrchestrationInput(input);
    const plan = await session.plan(input, { onEvent: () => {}, message: () => {} });
    plans.push({ wave: wave.name, approval: wave.approval, plan });
    // An empty wave is loud in the plan too.
    for (const warning of plan.warnings ?? [])
      say(`warning: wave ${plans.length} (${wave.name}): ${warning}`);
  }
  const text =
    invocation.out.format === 'table'
      ? plans
          .map(
            (p, i) =>
              `Wave ${i + 1}: ${p.wave}${p.approval ? ' (waits for approval)' : ''}\n${renderPlanTable(p.plan)}`,
          )
          .join('\n')
      : `${JSON.stringify({ runbook: runbook.name ?? invocation.file, action: runbook.action, waves: plans }, null, 2)}\n`;
  io.stdout.write(text);
  return ExitCode.Success;
}

/**
 * The approval topic must be in the orchestrator's account and Region: the waves machine publishes
 * there with its own role (Step Functions reaches no topic in another Region, and the deployed role
 * publishes to its own account's topic only), so any other topic would fail the run at its first
 * approval, after earlier waves launched.
 *
 * @throws {UsageError} naming the topic, where it is and where it must be
 */
function checkApprovalTopic(topicArn: string | undefined, orchestrator: Session['orchestrator']): void {
  if (topicArn === undefined || orchestrator === undefined) return;
  const [, , , region = '', accountId = ''] = topicArn.split(':');
  if (accountId === orchestrator.accountId && region === orchestrator.region) return;
  throw new UsageError(
    `approval.topicArn ${topicArn} is in account ${accountId || '?'} ${region || '?'}; approvals are published from the orchestrator account ${orchestrator.accountId} in ${orchestrator.region}, so the topic must be there (nothing was started)`,
  );
}

async function executeRunbook(
  runbook: ParsedRunbook,
  invocation: RunbookInvocation,
  io: CliIo,
  session: Session,
  interactive: boolean,
  say: (text: string) => void,
): Promise<number> {
  if (session.runWaves === undefined) {
    throw new UsageError(
      `runbooks do not run on this target (${session.label}); use --target sim, aws or sfn`,
    );
  }
  // Where approvals are published is checked before anything starts (or is recorded).
  if (runbook.waves.some((w) => w.approval) || runbookSteps(runbook).some((s) => s.kind === 'manual')) {
    checkApprovalTopic(runbook.approval.topicArn ?? session.defaultTopicArn, session.orchestrator);
  }

  const operator = operatorName(invocation.metadata.initiatedBy);
  const name = executionName('runbook', session.now());
  const title = runbook.name ?? invocation.file;
  // The run's correlation id: a killed run's, so its waves adopt what it launched (never twice).
  const explicit = invocation.metadata.correlationId ?? runbook.metadata?.correlationId;
  const run = await startRunbookRun({
    runbook,
    file: invocation.file,
    target: invocation.target,
    cwd: cwd(io),
    // In the world the run launches in (its results bucket), else a folder (said at start).
    store: session.runRecords ?? folderRunRecords(runsFolder(invocation.target, cwd(io))),
    fallback: folderRunRecords(runsFolder(invocation.target, cwd(io))),
    newRun: invocation.newRun === true,
    ...(typeof explicit === 'string' && { explicitCorrelationId: explicit }),
    executionName: name,
    validate: (correlationId) => checkMetadata(runbook, { correlationId }),
    say,
  });
  try {
    return await runWithId(runbook, invocation, io, session, interactive, say, {
      operator,
      name,
      title,
      run,
    });
  } finally {
    run.release();
  }
}

/** {@link executeRunbook} once the run's correlation id is recorded. */
async function runWithId(
  runbook: ParsedRunbook,
  invocation: RunbookInvocation,
  io: CliIo,
  session: Session,
  interactive: boolean,
  say: (text: string) => void,
  ids: { operator: string; name: string; title: string; run: RunbookRunStart },
): Promise<number> {
  const { operator, name, title, run } = ids;
  const runWaves = session.runWaves;
  if (runWaves === undefined) throw new UsageError(`runbooks do not run on this target (${session.label})`);
  const input = wavesInput(withExpectedServers(runbook), {
    ...(session.defaultTopicArn !== undefined && { topicArn: session.defaultTopicArn }),
    metadata: { initiatedBy: operator, ...invocation.metadata, correlationId: run.correlationId },
  });
  const record = new RunRecord();
  const color = io.isTTY && io.env.NO_COLOR === undefined;
  let progress: Progress | undefined;
  let wave = 0;
  const total = runbook.waves.length;
  const block = (n: number): Progress => {
    const w = runbook.waves[n - 1];
    return createProgress({
      stream: io.stderr,
      isTTY: io.isTTY,
      quiet: invocation.out.quiet,
      color,
      title: `wave ${n}/${total} ${w?.name ?? ''}: ${w?.tags === undefined ? 'steps' : `${runbook.action} ${tagText(w.tags)}`}  ·  ${session.label}`,
      now: () => session.now(),
    });
  };
  const onEvent: ProgressListener = (x, event): void => {
    const type = event.type ?? '';
    // One live block per wave: a new main execution starts the next block.
    if (type === 'ExecutionStarted' && x.machine === 'main') {
      progress?.stop();
      wave += 1;
      progress = block(wave);
      run.waveStarted(wave);
    }
    const ended = TERMINAL_STATUS[type];
    if (ended !== undefined && x.machine === 'main') {
      const error = historyDetails(event).error;
      run.waveEnded(
        wave,
        ended === 'SUCCEEDED' ? 'succeeded' : `failed${typeof error === 'string' ? ` (${error})` : ''}`,
      );
    }
    // The waves execution's own states (approvals included: the decider asks) are not progress.
    if (x.machine === 'waves' && ended === undefined) return;
    progress?.onEvent(x, event);
  };
  const decide = createApprovalDecider({
    io,
    approve: invocation.approve,
    operator,
    now: () => session.now(),
    interactive,
    beforePrompt: () => {
      progress?.stop();
      progress = undefined;
    },
    onDecision: (question, answer, by) => {
      const verdict = answer.approve ? 'approved' : 'rejected';
      const text = `${question.subject?.replace(/^DRS orchestration: approve /, '') ?? 'wave'}: ${verdict} by ${by}${answer.comment ? ` (${answer.comment})` : ''}`;
      record.note(session.now().toISOString(), text);
      say(text);
    },
  });
  const controller = new AbortController();
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) return;
    interrupted = true;
    record.note(session.now().toISOString(), `cancelled by ${operator} (Ctrl-C)`);
    say('interrupted: stopping the runbook (Ctrl-C again to quit at once)');
    controller.abort();
  };
  session.interceptInterrupt?.(() => {
    if (interrupted) return false;
    onSigint();
    return true;
  });
  if (session.interceptInterrupt === undefined) process.on('SIGINT', onSigint);
  say(
    `runbook ${title}: ${total} waves, ${approvalWaves(runbook).length} with approval${invocation.approve.length ? ` (pre-approved: ${invocation.approve.join(' ')})` : ''}`,
  );
  let outcome: Awaited<ReturnType<NonNullable<Session['runWaves']>>>;
  try {
    outcome = await runWaves(input as unknown as Record<string, unknown>, {
      name,
      onEvent,
      message: (text) => (progress === undefined ? say(text) : progress.message(text)),
      onHistory: record.onHistory,
      decide,
      signal: controller.signal,
    });
  } finally {
    progress?.stop();
    process.off('SIGINT', onSigint);
  }
  // The waves execution ended and is reported: the run is over (a re-run starts a new one).
  const runbookStatus =
    typeof outcome.output === 'object' && outcome.output !== null
      ? (outcome.output as { status?: unknown }).status
      : undefined;
  await run.finish(
    `${outcome.status.toLowerCase()}${typeof runbookStatus === 'string' ? `, runbook ${runbookStatus}` : ''}`,
  );
  await recordReport(
    record,
    {
      kind: 'runbook',
      ...(session.hostedBySfn !== true && { target: session.label }),
      generatedAt: session.now().toISOString(),
    },
    cwd(io),
    session,
    say,
    outcome.output,
  );
  if (outcome.output !== undefined) {
    io.stdout.write(`${JSON.stringify(outcome.output, null, 2)}\n`);
  }
  if (outcome.status === 'ABORTED') return EXIT_INTERRUPTED;
  if (outcome.status !== 'SUCCEEDED' || typeof outcome.output !== 'object' || outcome.output === null) {
    const why = [outcome.error, outcome.cause].filter(Boolean).join(': ');
    io.stderr.write(
      `drs-orch: runbook execution ${outcome.status.toLowerCase().replace('_', ' ')}${why ? `: ${why}` : ''}\n`,
    );
    return outcome.status === 'TIMED_OUT' ? ExitCode.Timeout : ExitCode.Failed;
  }
  const out = outcome.output as Record<string, unknown>;
  for (const line of waveNotices(record, runbook.waves)) say(line);
  for (const line of emptyWaveWarnings(out, runbook.waves)) say(line);
  if (out.status !== 'success') {
    const at = out.stoppedAtWaveName ?? out.stoppedAtWave;
    const reason = typeof out.reason === 'string' ? out.reason : '';
    say(
      `runbook ${String(out.status)}${at !== undefined ? ` at wave ${String(at)}` : ''}${reason ? `: ${reason}` : ''}`,
    );
  }
  return exitCodeForWaves(out);
}

function cwd(io: CliIo): string {
  return io.cwd ?? process.cwd();
}
