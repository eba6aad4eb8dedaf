/**
 * The report ledger: the SHA-256 of every report JSON drs-orch writes, recorded at write time in
 * a file kept apart from the reports (`.drs-orch/report-digests.jsonl` for the default
 * `.drs-orch/reports`). A report is verified against the digest recorded here, not only against
 * the page beside it: editing a report's JSON and deleting its page (so that nothing is left to
 * compare with) no longer lets `drs-orch report` render the edited record as if it were the
 * original. One JSON object per line, appended (O_APPEND): the newest line of a report wins.
 *
 * What it does not do: a person who can write the working folder can edit this file too. The
 * ledger makes tampering a deliberate forgery of two files in two places, not an accident or a
 * one-file edit; the README says so.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** One ledger line: a report JSON file (by name), its SHA-256 when written, and when. */
export interface LedgerEntry {
  /** The report JSON's file name (`<execution>.json`). */
  readonly report: string;
  readonly sha256: string;
  readonly writtenAt: string;
}

/** Name of the ledger file, beside the reports folder (never inside it). */
export const LEDGER_FILE = 'report-digests.jsonl';

/** Most bytes of the ledger read back (a line is ~150 bytes: about 100,000 reports). */
const MAX_LEDGER_BYTES = 16 * 1024 * 1024;

/** The ledger of the reports folder `reportsDir` (absolute): beside it, in its parent. */
export function ledgerPath(reportsDir: string): string {
  return join(dirname(resolve(reportsDir)), LEDGER_FILE);
}

/** Records the SHA-256 of a report JSON just written at `jsonPath` (absolute). */
export async function recordReportDigest(jsonPath: string, sha256: string): Promise<void> {
  const path = ledgerPath(dirname(jsonPath));
  await mkdir(dirname(path), { recursive: true });
  const entry: LedgerEntry = { report: basename(jsonPath), sha256, writtenAt: new Date().toISOString() };
  await appendFile(path, `${JSON.stringify(entry)}\n`, { flag: 'a' });
}

/**
 * The digest recorded when the report JSON named like `jsonPath` was last written, looked up in
 * the ledger of `reportsDir` (the folder of the reports, absolute).
 *
 * @returns the entry, or undefined when none was recorded (or the ledger is absent)
 * @throws {Error} when the ledger cannot be read or is too large (the caller names it)
 */
export async function recordedDigest(reportsDir: string, jsonPath: string): Promise<LedgerEntry | undefined> {
  let text: string;
  try {
    const buffer = await readFile(ledgerPath(reportsDir));
    if (buffer.length > MAX_LEDGER_BYTES) {
      throw new Error(`it is larger than ${MAX_LEDGER_BYTES} bytes`);
    }
    text = buffer.toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const name = basename(jsonPath);
  let found: LedgerEntry | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let entry: Partial<LedgerEntry>;
    try {
      entry = JSON.parse(line) as Partial<LedgerEntry>;
    } catch {
      // A torn last line (a kill mid-append) records nothing; it does not hide earlier lines.
      continue;
    }
    if (
      entry !== null &&
      typeof entry === 'object' &&
      entry.report === name &&
      typeof entry.sha256 === 'string' &&
      typeof entry.writtenAt === 'string'
    ) {
      found = entry as LedgerEntry;
    }
  }
  return found;
}
