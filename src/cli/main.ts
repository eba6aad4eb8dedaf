/**
 * `drs-orch`: a thin shell over the runtime. Parses the command line, validates the input with the
 * contract before anything starts, opens a target, shows progress, prints the result and maps it
 * to an exit code. No orchestration logic lives here.
 */
import { constants, readFileSync } from 'node:fs';
import { access, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DOCUMENT_LIMITS,
  DocumentRejected,
  isOrchestrationOutput,
  type OrchestrationOutput,
  parseOrchestrationInput,
  readDocument,
  ValidationError,
} from '../contract/index.js';
import { operatorName } from './approvals.js';
import { buildInput, flagForPointer } from './args.js';
import { readDocumentFile, readDocumentStream } from './document-file.js';
import { oneLine, UsageError } from './errors.js';
import { ExitCode, exitCodeForStatus } from './exit-codes.js';
import { type CliIo, resolveIo } from './io.js';
import { resultNotices } from './notices.js';
import {
  type ExtendInvocation,
  type FleetInvocation,
  type Invocation,
  parseInvocation,
  type RunInvocation,
  type ServeInvocation,
} from './program.js';
import { createProgress } from './progress.js';
import { RunRecord, recordReport } from './reports.js';
import type { RunbookInvocation } from './runbook.js';
import type { PlanReport, ProgressListener, Session } from './session.js';
import { countsDisagreement, countsOf, renderOutputTable, renderPlanTable } from './table.js';

// The CLI's stderr is for progress and answers; the SDK's Node 20 end-of-support notice is not news
// to users here. Set before any command (run, approve, report, runbook) constructs an SDK client.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The parts of the CLI that touch the outside world, replaceable in tests. */
export interface CliDeps {
  /** Opens the target named by the invocation (starts the emulator, builds clients). */
  openSession(invocation: RunInvocation, io: CliIo, say: (text: string) => void): Promise<Session>;
  /** Opens the target of a runbook run or plan. */
  openRunbookSession?(
    invocation: RunbookInvocation,
    io: CliIo,
    say: (text: string) => void,
  ): Promise<Session>;
  /** Runs `drs-orch serve` until it is stopped; resolves to the exit code. */
  serve(invocation: ServeInvocation, io: CliIo): Promise<number>;
}

/** The real targets, loaded on first use so that `--help` and bad usage stay instant. */
const defaultDeps: CliDeps = {
  async openSession(invocation, io, say) {
    const { openSession } = await import('./targets.js');
    return openSession(invocation, io, say);
  },
  async openRunbookSession(invocation, io, say) {
    const { openSession } = await import('./targets.js');
    // A runbook opens the same sim/aws target as an action; the action and flags are not used.
    return openSession(
      { kind: 'run', action: undefined, flags: {}, target: invocation.target, out: invocation.out },
      io,
      say,
    );
  },
  async serve(invocation, io) {
    const { serve } = await import('./targets.js');
    return serve(invocation, io);
  },
};

/** The real targets (what `main` uses unless told otherwise), for callers that replace only some. */
export const defaultCliDeps: CliDeps = defaultDeps;

/** Reads this package's version (works from src/ under tsx and from dist/). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'drs-orchestration' && pkg.version) return pkg.version;
    } catch {
      // not here; look one level up
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

/**
 * Reads `--input FILE|-` with the strict reader: size (checked before the file is read whole),
 * depth and duplicate keys are refused before any structure is built.
 */
async function readInputDocument(file: string, io: CliIo): Promise<unknown> {
  const name = `--input ${file === '-' ? 'stdin' : file}`;
  const limits = DOCUMENT_LIMITS.input;
  let bytes: Buffer;
  if (file === '-') {
    bytes = await readDocumentStream(io.stdin, name, limits);
  } else {
    try {
      bytes = await readDocumentFile(resolve(io.cwd ?? process.cwd(), file), name, limits);
    } catch (err) {
      if (err instanceof DocumentRejected) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
      throw new UsageError(`--input file ${JSON.stringify(file)} cannot be read: ${why}`);
    }
  }
  return readDocument(bytes, { name, format: 'json', limits });
}

/** Prints a contract violation: every problem with its pointer and the flag behind it. */
function printValidationError(err: ValidationError, io: CliIo): void {
  const lines = err.problems.map((p) => {
    const flag = flagForPointer(p.pointer);
    return `  ${p.pointer || '/'}${flag ? ` (${flag})` : ''} ${p.message}`;
  });
  io.stderr.write(`drs-orch: ${err.message.split(':')[0]}\n${lines.join('\n')}\n`);
}

/** Writes the result to `--output FILE` or stdout. */
async function emit(
  text: string,
  invocation: Pick<RunInvocation, 'out'>,
  io: CliIo,
  say: (text: string) => void,
): Promise<void> {
  const file = invocation.out.output;
  if (file === undefined) {
    io.stdout.write(text);
    return;
  }
  const path = resolve(io.cwd ?? process.cwd(), file);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    say(`result written to ${file}`);
  } catch (err) {
    // Checked before the run, yet failing now (disk full, removed directory): the result still
    // arrives, on stdout, and the exit code still tells the outcome.
    io.stderr.write(
      `drs-orch: --output ${JSON.stringify(file)} could not be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the result follows on stdout\n`,
    );
    io.stdout.write(text);
  }
}

/**
 * Checks before anything starts that `--output FILE` can be written: not a directory, its
 * directory exists or can be made, and both are writable. Creates nothing but the directory.
 *
 * @throws {UsageError} naming the path and why it cannot be used
 */
async function checkOutputPath(file: string | undefined, io: CliIo): Promise<void> {
  if (file === undefined) return;
  const path = resolve(io.cwd ?? process.cwd(), file);
  const shown = JSON.stringify(file);
  const why = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  try {
    if ((await stat(path)).isDirectory()) {
      throw new UsageError(`--output ${shown} is a directory; give a file path such as result.json`);
    }
    await access(path, constants.W_OK);
    return;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UsageError(`--output ${shown} cannot be written (${why(err)})`);
    }
  }
  try {
    await mkdir(dirname(path), { recursive: true });
    await access(dirname(path), constants.W_OK);
  } catch (err) {
    throw new UsageError(`--output ${shown} cannot be written: its directory is not usable (${why(err)})`);
  }
}

function describeInvocation(invocation: RunInvocation, input: Record<string, unknown>): string {
  const tags = Object.entries((input.tags ?? {}) as Record<string, string>)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const verb = invocation.kind === 'plan' ? `plan ${String(input.action)}` : String(input.action);
  return `${verb} ${tags}`;
}

async function runOrPlan(invocation: RunInvocation, io: CliIo, deps: CliDeps): Promise<number> {
  const document =
    invocation.inputFile !== undefined ? await readInputDocument(invocation.inputFile, io) : undefined;
  const input = buildInput(document, invocation.action, invocation.flags);
  // The contract decides before anything starts; the runtime validates again (design 3.1).
  parseOrchestrationInput(input);
  // Where the result goes is checked before anything runs, so a run never loses its result.
  await checkOutputPath(invocation.out.output, io);

  const say = (text: string): void => {
    if (!invocation.out.quiet) io.stderr.write(`${text}\n`);
  };
  const session = await deps.openSession(invocation, io, say);
  const color = io.isTTY && io.env.NO_COLOR === undefined;
  const progress = createProgress({
    stream: io.stderr,
    isTTY: io.isTTY,
    quiet: invocation.out.quiet,
    color,
    title: `${describeInvocation(invocation, input)}  ·  ${session.label}`,
    now: () => session.now(),
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    progress.stop();
    await session.close();
  };
  try {
    if (invocation.kind === 'plan') {
      const plan: PlanReport = await session.plan(input, progress);
      await close();
      const text =
        invocation.out.format === 'table' ? renderPlanTable(plan) : `${JSON.stringify(plan, null, 2)}\n`;
      await emit(text, invocation, io, say);
      // Not only inside the JSON: a tag that matches nothing, a scope that does not hold.
      for (const warning of plan.warnings ?? []) say(`warning: ${warning}`);
      return ExitCode.Success;
    }
    const record = new RunRecord();
    const interrupt = interruptHandling(input, session, record, say);
    let outcome: Awaited<ReturnType<Session['run']>>;
    try {
      outcome = await session.run(
        input,
        {
          onEvent: (x, event) => {
            interrupt.onEvent(x, event);
            progress.onEvent(x, event);
          },
          message: progress.message,
        },
        record.onHistory,
      );
    } finally {
      interrupt.release();
    }
    const written = await recordReport(
      record,
      {
        kind: 'action',
        ...(session.hostedBySfn !== true && { target: session.label, operator: operatorName(undefined) }),
        generatedAt: session.now().toISOString(),
      },
      io.cwd ?? process.cwd(),
      session,
      say,
      outcome.output,
    );
    await close();
    if (outcome.output !== undefined && isOrchestrationOutput(outcome.output)) {
      const output: OrchestrationOutput = outcome.output;
      const text =
        invocation.out.format === 'table'
          ? renderOutputTable(output, written?.source.totals)
          : `${JSON.stringify(output, null, 2)}\n`;
      await emit(text, invocation, io, say);
      // Nothing only inside the JSON: warnings next to their servers, skipped servers and why,
      // jobs taken over from another run, the error that stopped the run (unless --quiet).
      for (const line of resultNotices(output)) say(line);
      const code = exitCodeForStatus(output.status);
      // The last word on the screen is the outcome, counted by the evidence model (the report's
      // totals); a summary that says otherwise is said too.
      const disagreement = countsDisagreement(output, written?.source.totals);
      if (disagreement !== undefined) say(`warning: ${disagreement}`);
      const s = countsOf(output, written?.source.totals);
      const counted =
        s.totalServers === 0 && output.error === undefined
          ? 'no source server matched'
          : `${s.succeeded} of ${s.totalServers} succeeded, ${s.failed} failed${s.timedOut ? `, ${s.timedOut} timed out` : ''}${s.skipped ? `, ${s.skipped} skipped` : ''}`;
      progress.message(`${String(input.action)} ${output.status}: ${counted} · exit ${code}`);
      return code;
    }
    if (outcome.output !== undefined) {
      // Print whatever came back so nothing is lost, but say it is not a design-3.2 output.
      await emit(`${JSON.stringify(outcome.output, null, 2)}\n`, invocation, io, say);
    }
    if (outcome.status === 'ABORTED' && interrupt.stopped()) {
      io.stderr.write(
        `drs-orch: execution ${interrupt.name()} stopped (Ctrl-C); ${interrupt.resume()} · exit 130\n`,
      );
      return EXIT_INTERRUPTED;
    }
    const why = [outcome.error, outcome.cause].filter((s) => s !== undefined && s !== '').join(': ');
    const code = outcome.status === 'TIMED_OUT' ? ExitCode.Timeout : ExitCode.Failed;
    io.stderr.write(
      `drs-orch: execution ${outcome.status.toLowerCase().replace('_', ' ')}${why ? `: ${why}` : ''} · exit ${code}\n`,
    );
    return code;
  } finally {
    await close();
  }
}

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT). */
const EXIT_INTERRUPTED = 130;

/**
 * Ctrl-C during an action: the first press stops the execution where the CLI runs it (sim, aws:
 * `Session.stopRun`), notes it in the report, which is still written, and says which correlation id
 * resumes the run (a re-run with it takes the DRS jobs already started over instead of launching
 * again); on `sfn` the deployed execution goes on and only following it stops. A second press quits
 * at once. The execution's name (the default correlation id) comes from its start event.
 */
function interruptHandling(
  input: Record<string, unknown>,
  session: Session,
  recorder: RunRecord,
  say: (text: string) => void,
): {
  onEvent: ProgressListener;
  stopped: () => boolean;
  name: () => string;
  resume: () => string;
  release: () => void;
} {
  const metadata = (input.metadata ?? {}) as { correlationId?: unknown };
  let name: string | undefined;
  const correlationId = (): string | undefined =>
    typeof metadata.correlationId === 'string' ? metadata.correlationId : name;
  const resume = (): string => {
    const id = correlationId();
    return id === undefined
      ? 'the execution had not started: nothing to resume'
      : `to resume, re-run with --correlation-id ${id}: it takes over the DRS jobs already started (listed in adoptedJobs) instead of launching them again`;
  };
  let interrupted = false;
  let stopped = false;
  const handler = (): boolean => {
    if (interrupted) return false;
    interrupted = true;
    if (session.stopRun === undefined) {
      say(
        `interrupted: no longer following execution ${name ?? '(not started)'}; it goes on and writes its report to the results bucket (correlation id ${correlationId() ?? 'unknown'})`,
      );
      return false;
    }
    stopped = true;
    recorder.note(session.now().toISOString(), 'cancelled (Ctrl-C)');
    say(
      `interrupted: stopping execution ${name ?? '(not started)'} and writing its report (Ctrl-C again to quit at once); ${resume()}`,
    );
    session.stopRun();
    return true;
  };
  const onSigint = (): void => {
    if (!handler()) process.exit(EXIT_INTERRUPTED);
  };
  if (session.interceptInterrupt !== undefined) session.interceptInterrupt(handler);
  else process.on('SIGINT', onSigint);
  return {
    onEvent: (x, event) => {
      if (name === undefined && event.type === 'ExecutionStarted' && x.machine === 'main') {
        name = x.arn.split(':').pop();
      }
    },
    stopped: () => stopped,
    name: () => name ?? '(not started)',
    resume,
    release: () => {
      process.off('SIGINT', onSigint);
    },
  };
}

/** `drs-orch fleet generate`: a fleet that passes the fleet schema, to stdout or a file. */
async function generateFleetFile(invocation: FleetInvocation, io: CliIo): Promise<number> {
  const { generateFleet } = await import('../emulator/fleet/generate.js');
  const { checkFleet } = await import('../emulator/fleet/load.js');
  const fleet = generateFleet({
    accounts: invocation.accounts,
    serversPerAccount: invocation.serversPerAccount,
    seed: invocation.seed,
    singleTestServer: true,
    ...(invocation.recoveryAccount !== undefined && {
      recoveryAccount: { accountId: invocation.recoveryAccount, extended: invocation.extended === true },
    }),
  });
  checkFleet(fleet);
  const text = `${JSON.stringify(fleet, null, 2)}\n`;
  if (invocation.output === undefined) {
    io.stdout.write(text);
    return ExitCode.Success;
  }
  await checkOutputPath(invocation.output, io);
  const path = resolve(io.cwd ?? process.cwd(), invocation.output);
  await writeFile(path, text);
  const servers = invocation.accounts * invocation.serversPerAccount;
  const recovery =
    invocation.recoveryAccount === undefined
      ? ''
      : invocation.extended === true
        ? `, extended into recovery account ${invocation.recoveryAccount}`
        : `, recovering into account ${invocation.recoveryAccount} once extended (drs-orch extend --tags ... --fleet ${invocation.output})`;
  io.stderr.write(
    `wrote ${invocation.output}: ${invocation.accounts} staging account(s), ${servers} source servers${recovery}; use it with --fleet ${invocation.output}\n`,
  );
  return ExitCode.Success;
}

/**
 * `drs-orch extend`: the extend task in-process against the target's accounts, its result as JSON
 * and its status as the exit code (success 0, partial 2, failed 3, as the actions').
 */
async function runExtend(invocation: ExtendInvocation, io: CliIo, deps: CliDeps): Promise<number> {
  await checkOutputPath(invocation.out.output, io);
  const say = (text: string): void => {
    if (!invocation.out.quiet) io.stderr.write(`${text}\n`);
  };
  const session = await deps.openSession(
    { kind: 'run', action: undefined, flags: {}, target: invocation.target, out: invocation.out },
    io,
    say,
  );
  let result: Awaited<ReturnType<NonNullable<Session['extend']>>>;
  try {
    if (session.extend === undefined) {
      throw new UsageError(
        `extend runs locally; ${session.label} cannot run it (use --target sim or --target aws)`,
      );
    }
    result = await session.extend(invocation.tags);
  } finally {
    await session.close();
  }
  await emit(`${JSON.stringify(result, null, 2)}\n`, invocation, io, say);
  // Nothing only inside the JSON: each server not extended and each account not read, and why.
  for (const s of result.servers) {
    if (s.outcome === 'not-extended')
      say(
        `${s.hostname} (${s.stagingSourceServerId} in ${s.stagingAccountId}) not extended: ${s.reasonCode}: ${s.reason}`,
      );
  }
  for (const a of result.deniedAccounts)
    say(`account ${a.accountId} (${a.region}) not read: ${a.errorCode}: ${a.errorMessage}`);
  const count = (o: string): number => result.servers.filter((s) => s.outcome === o).length;
  const code =
    result.status === 'success'
      ? ExitCode.Success
      : result.status === 'partial'
        ? ExitCode.Partial
        : ExitCode.Failed;
  const counted =
    result.totalServers === 0
      ? 'no source server matched in a staging account that names a recovery account'
      : `${count('extended')} extended, ${count('already-extended')} already extended, ${count('not-extended')} not extended of ${result.totalServers}`;
  say(`extend ${result.status}: ${counted} · exit ${code}`);
  return code;
}

async function dispatch(invocation: Invocation, io: CliIo, deps: CliDeps): Promise<number> {
  switch (invocation.kind) {
    case 'text':
      io.stdout.write(invocation.text);
      return ExitCode.Success;
    case 'serve':
      return deps.serve(invocation, io);
    case 'runbook':
    case 'plan-runbook': {
      const { runRunbook } = await import('./runbook.js');
      const open = deps.openRunbookSession ?? defaultDeps.openRunbookSession;
      return runRunbook(invocation, io, (i, say) =>
        (open as NonNullable<CliDeps['openRunbookSession']>)(invocation, i, say),
      );
    }
    case 'report': {
      const { runReport } = await import('./reports.js');
      return runReport(invocation, io);
    }
    case 'approve': {
      const { runApprove } = await import('./approve.js');
      return runApprove(invocation, io);
    }
    case 'fleet':
      return generateFleetFile(invocation, io);
    case 'extend':
      return runExtend(invocation, io, deps);
    default:
      return runOrPlan(invocation, io, deps);
  }
}

/**
 * Runs `drs-orch` with `argv` (the arguments after the program name) and resolves to the exit
 * code. Never throws and never calls `process.exit`: the caller sets `process.exitCode`.
 *
 * @param argv e.g. `['drill', '--tags', 'DR-Wave=1']`
 * @param io streams, environment and terminal; @default the real process
 * @param deps targets; @default the real sim/aws/sfn targets and emulator
 * @returns 0 success, 2 partial, 3 failed, 4 timeout, 64 invalid usage or input, 70 internal error
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(
  argv: readonly string[],
  io?: Partial<CliIo>,
  deps: CliDeps = defaultDeps,
): Promise<number> {
  const resolved = resolveIo(io);
  try {
    const invocation = await parseInvocation(argv, packageVersion());
    return await dispatch(invocation, resolved, deps);
  } catch (err) {
    if (err instanceof UsageError || err instanceof DocumentRejected) {
      resolved.stderr.write(`drs-orch: ${err.message}\n`);
      return ExitCode.Usage;
    }
    if (err instanceof ValidationError) {
      printValidationError(err, resolved);
      return ExitCode.Usage;
    }
    if (resolved.env.DRS_ORCH_DEBUG === '1' && err instanceof Error && err.stack) {
      resolved.stderr.write(`drs-orch: unexpected error: ${err.stack}\n`);
    } else {
      resolved.stderr.write(
        `drs-orch: unexpected error: ${oneLine(err)} (DRS_ORCH_DEBUG=1 shows the stack)\n`,
      );
    }
    return ExitCode.Internal;
  }
}
