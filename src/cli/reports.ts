/**
 * The evidence reports on disk: `.drs-orch/reports/<execution>.json` (the source) and
 * `<execution>.html` (rendered from exactly that text, its SHA-256 printed inside), and
 * `drs-orch report [EXECUTION|FILE] [--open]` to list, re-render or open them.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import {
  type ReportContext,
  type ReportRecorder,
  type ReportSource,
  renderReportHtml,
  sourceDigest,
} from '../report/index.js';
import { UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

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
  const shown = (p: string): string => (p.startsWith(cwd) ? relative(cwd, p) : p);
  return { json: shown(json), html: shown(html), sha256: sourceDigest(text) };
}

/** Where a report's missing pieces are read from (the session of the run). */
export interface ReportFetchers {
  /** Reads a full result stored at `resultLocation` (`s3://bucket/key`). */
  fetchResult?(location: string): Promise<unknown>;
  /** Reads the workflow's own report (deployed targets): the page at `location` and its JSON next to it. */
  fetchReport?(location: string): Promise<{ readonly json: string; readonly html: string }>;
}

/** Why a report fetched from the workflow cannot be kept as it is, or undefined when it can. */
export function fetchedReportProblem(json: string, html: string): string | undefined {
  let source: unknown;
  try {
    source = JSON.parse(json);
  } catch {
    return 'its report.json is not JSON';
  }
  const name = (source as { execution?: { name?: unknown } } | null)?.execution?.name;
  if (typeof name !== 'string' || name === '') return 'its report.json names no execution';
  const digest = sourceDigest(json);
  const printed = /id="digest">([0-9a-f]{64})</.exec(html)?.[1];
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
  const shown = (p: string): string => (p.startsWith(cwd) ? relative(cwd, p) : p);
  return { json: shown(json), html: shown(html), sha256: sourceDigest(fetched.json) };
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

/**
 * Builds and writes the report of a recorded execution, fetching the full results of outputs
 * that were cut to fit Step Functions' payload limit. On a deployed target (`fetchReport`) the
 * workflow's own report is downloaded and checked first; when it is missing or does not check,
 * the report is built here from the histories read, with a gap note saying why. A failure to
 * write is reported, never fatal: the execution's own result matters more than its report.
 *
 * @param output the root execution's output (where `reportLocation` is)
 */
export async function recordReport(
  recorder: ReportRecorder,
  ctx: ReportContext,
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
      gaps.push(
        `${deployed.gap}; this record was built by drs-orch from the execution histories it read (the executors run in the staging accounts: no DRS job timeline)`,
      );
    }
  } catch (err) {
    say(`report: the workflow's report could not be kept (${(err as Error).message.split('\n')[0]})`);
  }
  if (recorder.empty) return undefined;
  const full = new Map<string, unknown>();
  for (const t of recorder.truncated()) {
    if (from.fetchResult === undefined) continue;
    try {
      full.set(t.executionArn, await from.fetchResult(t.location));
    } catch (err) {
      say(
        `report: could not read the full result at ${t.location} (${(err as Error).message.split('\n')[0]})`,
      );
    }
  }
  try {
    const built = recorder.build(ctx, full);
    const written = await writeReport(
      gaps.length === 0 ? built : { ...built, gaps: [...built.gaps, ...gaps] },
      cwd,
    );
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** `drs-orch report`: lists reports, or (re-)renders one from its JSON source and prints its path. */
export async function runReport(invocation: ReportInvocation, io: CliIo): Promise<number> {
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
    const rows: string[] = [];
    for (const n of names) {
      try {
        const s = JSON.parse(await readFile(join(folder, n), 'utf8')) as ReportSource;
        rows.push(
          `${s.execution.startTime}  ${s.execution.outcome.padEnd(9)}  ${`${s.totals.succeeded}/${s.totals.servers}`.padStart(9)}  ${s.kind.padEnd(7)}  ${join(invocation.dir, n.replace(/\.json$/, '.html'))}  ${s.title}`,
        );
      } catch {
        rows.push(`?  unreadable  ${join(invocation.dir, n)}`);
      }
    }
    io.stdout.write(`${rows.join('\n')}\n`);
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
  const text = await readFile(jsonPath, 'utf8');
  let source: ReportSource;
  try {
    source = JSON.parse(text) as ReportSource;
  } catch (err) {
    throw new UsageError(`${relative(cwd, jsonPath)} is not a report source: ${(err as Error).message}`);
  }
  if (typeof source !== 'object' || source === null || typeof source.execution?.name !== 'string') {
    throw new UsageError(`${relative(cwd, jsonPath)} is not a report source (no execution)`);
  }
  const htmlPath = jsonPath.replace(/\.json$/, '.html');
  await writeFile(htmlPath, renderReportHtml(source, text));
  io.stdout.write(`${relative(cwd, htmlPath) || htmlPath}\n`);
  io.stderr.write(`sha256 ${sourceDigest(text)}  ${relative(cwd, jsonPath)}\n`);
  if (invocation.open) openFile(htmlPath, io);
  return ExitCode.Success;
}
