/**
 * The evidence reports on disk: `.drs-orch/reports/<execution>.json` (the source) and
 * `<execution>.html` (rendered from exactly that text, its SHA-256 printed inside), and
 * `drs-orch report [EXECUTION|FILE] [--open]` to list, re-render or open them.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { DOCUMENT_LIMITS, DocumentRejected, readDocument, ValidationError } from '../contract/index.js';
import { assertReportSource } from '../contract/report.js';
import {
  buildEvidence,
  type HistoryEventLike,
  printedDigest,
  type ReportNote,
  type ReportSource,
  renderReportHtml,
  sourceDigest,
  truncatedResults,
} from '../report/index.js';
import { readDocumentFile } from './document-file.js';
import { ReportMismatchError, UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { type LedgerEntry, ledgerPath, recordedDigest, recordReportDigest } from './report-ledger.js';
import { formatTable } from './table.js';

/** Where reports are kept, relative to the working directory. */
export const REPORTS_DIR = '.drs-orch/reports';

/** `drs-orch report`. */
export interface ReportInvocation {
  readonly kind: 'report';
  /** An execution name or ARN, or a report JSON/HTML file; absent: list the reports. */
  readonly what?: string;
  readonly open: boolean;
  readonly dir: string;
}

/** Paths of a written report, relative to the working directory when inside it. */
export interface WrittenReport {
  readonly json: string;
  readonly html: string;
  readonly sha256: string;
  /** The record written (the evidence model every view of the run counts from). */
  readonly source: ReportSource;
}

/** Writes the JSON source and its HTML page; the page is rendered from the exact bytes written. */
export async function writeReport(
  source: ReportSource,
  cwd: string,
  dir = REPORTS_DIR,
): Promise<WrittenReport> {
  const folder = resolve(cwd, dir);
  await mkdir(folder, { recursive: true });
  const text = `${JSON.stringify(source, null, 2)}\n`;
  const name = source.execution.name.replace(/[^A-Za-z0-9._-]/g, '_');
  const json = join(folder, `${name}.json`);
  const html = join(folder, `${name}.html`);
  await writeFile(json, text);
  await writeFile(html, renderReportHtml(source, text));
  // The digest is also kept apart from the two files, so a page deleted with its JSON edited is caught.
  await recordReportDigest(json, sourceDigest(text));
  const shown = (p: string): string => (p.startsWith(cwd) ? relative(cwd, p) : p);
  return { json: shown(json), html: shown(html), sha256: sourceDigest(text), source };
}

/** Where a report's missing pieces are read from (the session of the run). */
export interface ReportFetchers {
  /** Reads a full result stored at `resultLocation` (`s3://bucket/key`). */
  fetchResult?(location: string): Promise<unknown>;
  /** Reads the workflow's own report (deployed targets): the page at `location` and its JSON next to it. */
  fetchReport?(location: string): Promise<{ readonly json: string; readonly html: string }>;
}

/** Most bytes of a report file read back (the strict document reader's report limit, 64 MiB). */
export const MAX_REPORT_BYTES = DOCUMENT_LIMITS.report.maxBytes;

/** Why the strict reader refused a document, without the document's name it starts with. */
function refusal(err: DocumentRejected): string {
  const prefix = `${err.document}: `;
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

/**
 * Reads a report's JSON with the strict document reader (`src/contract/document-reader.ts`:
 * depth, no key twice, UTF-8) and checks it against `schemas/report.schema.json`.
 *
 * @returns the report, or why it is not one (naming the field or the limit)
 */
function parseReport(
  source: string | Uint8Array,
  name: string,
): { source: ReportSource } | { problem: string } {
  let value: unknown;
  try {
    value = readDocument(source, { name, format: 'json', kind: 'report' });
  } catch (err) {
    if (!(err instanceof DocumentRejected)) throw err;
    return { problem: `is not a report: ${refusal(err)}` };
  }
  try {
    assertReportSource(value);
    return { source: value as ReportSource };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const problems = err.problems.map((p) => `${p.pointer || '/'} ${p.message}`).join('; ');
    return { problem: `is not a valid report (schemas/report.schema.json): ${problems}` };
  }
}

/** Why a report fetched from the workflow cannot be kept as it is, or undefined when it can. */
export function fetchedReportProblem(json: string, html: string): string | undefined {
  const parsed = parseReport(json, 'report.json');
  if ('problem' in parsed) return `its report.json ${parsed.problem}`;
  const digest = sourceDigest(json);
  const printed = printedDigest(html);
  if (printed === undefined) return 'its report.html prints no SHA-256';
  if (printed !== digest)
    return `its report.html prints SHA-256 ${printed} but report.json hashes to ${digest}`;
  return undefined;
}

/** Writes a report exactly as the workflow wrote it (the page's SHA-256 is of these bytes). */
async function writeFetchedReport(
  fetched: { readonly json: string; readonly html: string },
  cwd: string,
  dir = REPORTS_DIR,
): Promise<WrittenReport> {
  const folder = resolve(cwd, dir);
  await mkdir(folder, { recursive: true });
  const source = JSON.parse(fetched.json) as ReportSource;
  const name = source.execution.name.replace(/[^A-Za-z0-9._-]/g, '_');
  const json = join(folder, `${name}.json`);
  const html = join(folder, `${name}.html`);
  await writeFile(json, fetched.json);
  await writeFile(html, fetched.html);
  await recordReportDigest(json, sourceDigest(fetched.json));
  const shown = (p: string): string => (p.startsWith(cwd) ? relative(cwd, p) : p);
  return { json: shown(json), html: shown(html), sha256: sourceDigest(fetched.json), source };
}

/**
 * The workflow's own report (deployed targets): downloaded when the output names it
 * (`reportLocation`) and its page's SHA-256 matches its JSON. Otherwise the reason it is not used.
 */
async function deployedReport(
  from: ReportFetchers,
  output: unknown,
  cwd: string,
  say: (text: string) => void,
): Promise<{ written: WrittenReport } | { gap: string }> {
  const fetchReport = from.fetchReport?.bind(from);
  const location =
    typeof output === 'object' && output !== null
      ? (output as { reportLocation?: unknown }).reportLocation
      : undefined;
  if (output === undefined) {
    return {
      gap: 'the execution ended without an output (stopped, failed or timed out before its report task)',
    };
  }
  if (typeof location !== 'string' || location === '' || fetchReport === undefined) {
    return { gap: 'the workflow wrote no report of its own (its output has no reportLocation)' };
  }
  let fetched: { json: string; html: string };
  try {
    fetched = await fetchReport(location);
  } catch (err) {
    return {
      gap: `the workflow's report at ${location} could not be read (${(err as Error).name}: ${(err as Error).message.split('\n')[0]})`,
    };
  }
  const problem = fetchedReportProblem(fetched.json, fetched.html);
  if (problem !== undefined) return { gap: `the workflow's report at ${location} is not used: ${problem}` };
  const written = await writeFetchedReport(fetched, cwd);
  say(`report: ${written.html} (written by the workflow to ${location}; SHA-256 ${written.sha256} checked)`);
  return { written };
}

/** Receives the history events of a run's root execution and its waves' main executions. */
export type RunHistoryListener = (executionArn: string, event: HistoryEventLike) => void;

/**
 * What the CLI keeps of a run for its evidence: the Step Functions histories of the root execution
 * and of each wave's main execution, as the target read them (the local runtime records them
 * where they happen; on `sfn` the follower reads them with GetExecutionHistory), and the notes of
 * what happened at the prompt. The executors' histories are not kept: the report task of a
 * deployed run cannot read them, and both reports are built by the same function.
 */
export class RunRecord {
  readonly histories = new Map<string, HistoryEventLike[]>();
  readonly notes: ReportNote[] = [];
  #root: string | undefined;

  /** Adds one history event (the first execution seen is the root). */
  readonly onHistory: RunHistoryListener = (executionArn, event) => {
    this.#root ??= executionArn;
    let list = this.histories.get(executionArn);
    if (list === undefined) {
      list = [];
      this.histories.set(executionArn, list);
    }
    list.push(event);
  };

  /** Adds a note (a decision given at the prompt, a cancellation). */
  note(time: string, text: string): void {
    this.notes.push({ time, text });
  }

  /** The root execution's ARN, once its first event was seen. */
  get rootArn(): string | undefined {
    return this.#root;
  }
}

/** What the report is about, beyond the histories. */
export interface RunReportContext {
  readonly kind: 'runbook' | 'action';
  /** Where it ran; absent for an execution hosted by Step Functions (named after its state machine). */
  readonly target?: string;
  /** Who ran the CLI (`user@host`), when the input's metadata names nobody. */
  readonly operator?: string;
  readonly generatedAt: string;
}

/**
 * Builds and writes the evidence report of a run from its histories (`buildEvidence`, the function
 * the workflow's report task calls), fetching the full results of outputs that were cut to fit Step
 * Functions' payload limit. On a deployed target (`fetchReport`) the workflow's own report is
 * downloaded and checked first; when it is missing or does not check, the report is built here
 * from the histories read, with a gap note saying why. A failure to write is reported, never
 * fatal: the execution's own result matters more than its report.
 *
 * @param output the root execution's output (where `reportLocation` is)
 */
export async function recordReport(
  record: RunRecord,
  ctx: RunReportContext,
  cwd: string,
  from: ReportFetchers,
  say: (text: string) => void,
  output?: unknown,
): Promise<WrittenReport | undefined> {
  const gaps: string[] = [];
  try {
    if (from.fetchReport !== undefined) {
      const deployed = await deployedReport(from, output, cwd, say);
      if ('written' in deployed) return deployed.written;
      gaps.push(`${deployed.gap}; this record was built by drs-orch from the execution histories it read`);
    }
  } catch (err) {
    say(`report: the workflow's report could not be kept (${(err as Error).message.split('\n')[0]})`);
  }
  const rootArn = record.rootArn;
  if (rootArn === undefined) return undefined;
  const run = { kind: ctx.kind, rootArn, histories: record.histories };
  const full = new Map<string, unknown>();
  for (const location of truncatedResults(run)) {
    if (from.fetchResult === undefined) continue;
    try {
      full.set(location, await from.fetchResult(location));
    } catch (err) {
      say(`report: could not read the full result at ${location} (${(err as Error).message.split('\n')[0]})`);
    }
  }
  try {
    const built = buildEvidence({
      ...run,
      ...(ctx.target !== undefined && { target: ctx.target }),
      ...(ctx.operator !== undefined && { operator: ctx.operator }),
      generatedAt: ctx.generatedAt,
      fullResults: full,
      notes: record.notes,
      gaps,
    });
    const written = await writeReport(built, cwd);
    say(`report: ${written.html}`);
    return written;
  } catch (err) {
    say(`report: not written (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

/** Opens a file with the desktop's viewer (xdg-open / open / start). */
function openFile(path: string, io: CliIo): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', path] : [path];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => io.stderr.write(`drs-orch: could not run ${cmd}; open ${path} in a browser\n`));
    child.unref();
  } catch {
    io.stderr.write(`drs-orch: could not run ${cmd}; open ${path} in a browser\n`);
  }
}

/** A path as shown in messages: relative to the working directory when inside it. */
function shownPath(cwd: string, path: string): string {
  return relative(cwd, path) || path;
}

/** What is at `path`: nothing, a regular file of `size` bytes, or something else (a folder, a link). */
async function entryAt(
  path: string,
): Promise<{ kind: 'none' } | { kind: 'file'; size: number } | { kind: 'other' }> {
  try {
    const s = await lstat(path);
    return s.isFile() ? { kind: 'file', size: s.size } : { kind: 'other' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    throw new UsageError(`${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

/**
 * Reads a report file: a regular file, read with the strict document reader (its size checked
 * before it is read, at most {@link MAX_REPORT_BYTES}; depth; no key twice; UTF-8), valid against
 * `schemas/report.schema.json`.
 *
 * @throws {UsageError} naming the file and what is wrong with it (never an internal error)
 */
export async function readReportFile(
  path: string,
  shown: string,
): Promise<{ text: string; source: ReportSource }> {
  const entry = await entryAt(path);
  if (entry.kind !== 'file') throw new UsageError(`${shown} is not a report file (not a regular file)`);
  let bytes: Buffer;
  try {
    bytes = await readDocumentFile(path, shown, DOCUMENT_LIMITS.report);
  } catch (err) {
    if (err instanceof DocumentRejected) throw new UsageError(`${shown} is not a report: ${refusal(err)}`);
    throw new UsageError(`${shown} cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  const parsed = parseReport(bytes, shown);
  if ('problem' in parsed) throw new UsageError(`${shown} ${parsed.problem}`);
  // The SHA-256 is of the bytes as they are on disk (as written).
  return { text: bytes.toString('utf8'), source: parsed.source };
}

/**
 * The page beside a report JSON, checked before anything is written over it: absent (nothing to
 * check against), or a page drs-orch rendered from exactly this JSON. A page drs-orch did not
 * write (no report SHA-256 in it) or that is not a regular file is never overwritten; a page
 * whose SHA-256 is not this JSON's means the record changed after it was written.
 *
 * @throws {UsageError} for a page drs-orch did not write
 * @throws {ReportMismatchError} naming the page's SHA-256 (expected) and the JSON's (actual)
 */
async function checkedPage(
  htmlPath: string,
  jsonShown: string,
  htmlShown: string,
  digest: string,
): Promise<'verified' | 'missing'> {
  const entry = await entryAt(htmlPath);
  if (entry.kind === 'none') return 'missing';
  const foreign = (why: string): UsageError =>
    new UsageError(
      `${htmlShown} is not a report page drs-orch wrote (${why}); it is left as it is: move it away to render ${jsonShown}`,
    );
  if (entry.kind !== 'file') throw foreign('not a regular file');
  // Far larger than any page of a report that can be read back: not one of ours, and not read.
  if (entry.size > 4 * MAX_REPORT_BYTES) throw foreign(`${entry.size} bytes`);
  const printed = printedDigest(await readFile(htmlPath, 'utf8'));
  if (printed === undefined) throw foreign('it carries no SHA-256 of a report');
  if (printed !== digest) {
    throw new ReportMismatchError(
      `${jsonShown} does not match its report page: ${htmlShown} was rendered from a JSON source with SHA-256 ${printed} (expected), but ${jsonShown} now has SHA-256 ${digest} (actual). The record was changed after it was written; nothing was rendered`,
    );
  }
  return 'verified';
}

/**
 * Writes a page through a temporary file beside it and a rename: never half a page.
 *
 * @param replace whether a page may be there (the verified one); else one that appeared since it
 *   was checked is left as it is
 * @throws {UsageError} naming the page when it cannot be written
 */
async function writePage(path: string, shown: string, html: string, replace: boolean): Promise<void> {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, html, { flag: 'wx' });
    if (!replace && (await entryAt(path)).kind !== 'none') {
      throw new UsageError(`${shown} appeared while the report was rendered; it is left as it is`);
    }
    await rename(temp, path);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `${shown} cannot be written: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  } finally {
    await rm(temp, { force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a report JSON against the digest the ledger recorded when it was written.
 *
 * @returns the ledger's entry, or undefined when none was recorded (reports written before the ledger)
 * @throws {ReportMismatchError} naming the recorded SHA-256 (expected) and the JSON's (actual)
 * @throws {UsageError} when the ledger cannot be read
 */
async function checkedLedger(
  folder: string,
  jsonPath: string,
  jsonShown: string,
  ledgerShown: string,
  digest: string,
): Promise<LedgerEntry | undefined> {
  let recorded: LedgerEntry | undefined;
  try {
    recorded = await recordedDigest(folder, jsonPath);
  } catch (err) {
    throw new UsageError(
      `the report ledger ${ledgerShown} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); reports cannot be verified without it`,
    );
  }
  if (recorded !== undefined && recorded.sha256 !== digest) {
    throw new ReportMismatchError(
      `${jsonShown} does not match the SHA-256 recorded when it was written: ${ledgerShown} recorded SHA-256 ${recorded.sha256} (expected) at ${recorded.writtenAt}, but ${jsonShown} now has SHA-256 ${digest} (actual). The record was changed after it was written; nothing was rendered`,
    );
  }
  return recorded;
}

/** What the list says of a report: checked, missing page, or not matching its page or its recorded digest. */
async function pageState(jsonPath: string, digest: string, folder: string): Promise<string> {
  try {
    const recorded = await recordedDigest(folder, jsonPath);
    if (recorded !== undefined && recorded.sha256 !== digest) return 'CHANGED';
    const html = jsonPath.replace(/\.json$/, '.html');
    const entry = await entryAt(html);
    if (entry.kind === 'none') return recorded !== undefined ? 'checked' : 'no page';
    if (entry.kind !== 'file' || entry.size > 4 * MAX_REPORT_BYTES) return 'foreign page';
    const printed = printedDigest(await readFile(html, 'utf8'));
    if (printed === undefined) return 'foreign page';
    return printed === digest ? 'checked' : 'CHANGED';
  } catch {
    return 'unreadable page';
  }
}

/**
 * `drs-orch report`: lists reports, or re-renders one from its JSON source and prints its path.
 * The JSON is verified first: it must be a valid report (schema) and match the SHA-256 its page
 * carries and the SHA-256 recorded when it was written (`report-ledger.ts`, kept apart from the
 * two files); a changed record is refused (exit 65) naming both digests, and a page drs-orch did not
 * write is never overwritten (exit 64). A report with neither a recorded digest nor its page has
 * nothing to be checked against and is refused too (exit 65): it is never rendered unverified.
 */
export async function runReport(invocation: ReportInvocation, io: CliIo): Promise<number> {
  try {
    return await reportCommand(invocation, io);
  } catch (err) {
    if (!(err instanceof ReportMismatchError)) throw err;
    io.stderr.write(`drs-orch: ${err.message}\n`);
    return ExitCode.ReportMismatch;
  }
}

/** {@link runReport}'s work; a changed record is a {@link ReportMismatchError}. */
async function reportCommand(invocation: ReportInvocation, io: CliIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const folder = resolve(cwd, invocation.dir);
  if (invocation.what === undefined) {
    let names: string[] = [];
    try {
      names = (await readdir(folder)).filter((n) => n.endsWith('.json')).sort();
    } catch {
      names = [];
    }
    if (names.length === 0) {
      io.stderr.write(`no reports in ${invocation.dir} yet: run a runbook or an action first\n`);
      return ExitCode.Success;
    }
    // Newest first, under a header; a file that is not a report is listed last, with why.
    const rows: { start: string; cells: string[] }[] = [];
    const invalid: string[] = [];
    for (const n of names) {
      const path = join(folder, n);
      try {
        const { text, source: s } = await readReportFile(path, join(invocation.dir, n));
        const page = await pageState(path, sourceDigest(text), folder);
        const t = s.totals;
        rows.push({
          start: s.execution.startTime,
          cells: [
            s.execution.startTime,
            s.execution.outcome,
            `${t.succeeded}/${t.servers}`,
            String(t.failed + t.timedOut),
            String(t.skipped),
            s.kind,
            page,
            join(invocation.dir, n.replace(/\.json$/, '.html')),
            s.title,
          ],
        });
      } catch (err) {
        const why = err instanceof UsageError ? err.message : 'unreadable';
        invalid.push(`?  invalid  ${join(invocation.dir, n)}: ${why}`);
      }
    }
    rows.sort((a, b) => b.start.localeCompare(a.start));
    const listing = formatTable(
      ['STARTED', 'OUTCOME', 'OK/SERVERS', 'FAILED', 'SKIPPED', 'KIND', 'PAGE', 'REPORT', 'TITLE'],
      rows.map((r) => r.cells),
    );
    io.stdout.write(`${[listing, ...invalid].join('\n')}\n`);
    return ExitCode.Success;
  }
  const what = invocation.what;
  const name = basename(what.split(':').pop() ?? what).replace(/\.(json|html)$/, '');
  const candidates = [
    what.endsWith('.json') ? resolve(cwd, what) : undefined,
    what.endsWith('.html') ? resolve(cwd, what.replace(/\.html$/, '.json')) : undefined,
    join(folder, `${name}.json`),
  ].filter((p): p is string => p !== undefined);
  let jsonPath: string | undefined;
  for (const c of candidates) {
    if (await exists(c)) {
      jsonPath = c;
      break;
    }
  }
  if (jsonPath === undefined) {
    throw new UsageError(
      `no report for ${JSON.stringify(what)}: expected an execution name, its ARN or a report file (drs-orch report lists them)`,
    );
  }
  const jsonShown = shownPath(cwd, jsonPath);
  const { text, source } = await readReportFile(jsonPath, jsonShown);
  const digest = sourceDigest(text);
  const htmlPath = jsonPath.replace(/\.json$/, '.html');
  const htmlShown = shownPath(cwd, htmlPath);
  const page = await checkedPage(htmlPath, jsonShown, htmlShown, digest);
  const recorded = await checkedLedger(
    folder,
    jsonPath,
    jsonShown,
    shownPath(cwd, ledgerPath(folder)),
    digest,
  );
  if (page === 'missing' && recorded === undefined) {
    throw new ReportMismatchError(
      `${jsonShown} cannot be verified: no SHA-256 was recorded for it when it was written (${shownPath(cwd, ledgerPath(folder))}) and its page ${htmlShown} is gone, so nothing is left to check it against (its SHA-256 is now ${digest}); nothing was rendered`,
    );
  }
  let html: string;
  try {
    html = renderReportHtml(source, text);
  } catch (err) {
    // An input nested deeper than the stack (the schema leaves the input as given) cannot be shown.
    if (!(err instanceof RangeError)) throw err;
    throw new UsageError(`${jsonShown} cannot be rendered: ${err.message}`);
  }
  await writePage(htmlPath, htmlShown, html, page === 'verified');
  io.stdout.write(`${htmlShown}\n`);
  const matches = [
    ...(page === 'verified' ? [' (matches its page)'] : []),
    ...(recorded !== undefined
      ? [` (matches the SHA-256 recorded when it was written, ${recorded.writtenAt})`]
      : []),
  ];
  io.stderr.write(`sha256 ${digest}  ${jsonShown}${matches.join('')}\n`);
  if (invocation.open) openFile(htmlPath, io);
  return ExitCode.Success;
}
