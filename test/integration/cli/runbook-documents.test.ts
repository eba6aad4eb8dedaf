/**
 * Hostile and fat-fingered runbook files through the real `drs-orch runbook` entry: each is refused
 * with exit 64 and one line naming the file, the limit and where, before anything starts (the
 * folder holds only the runbook afterwards: no state file, no lock, no journal, no report).
 */
import { mkdtemp, readdir, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { Capture } from '../../unit/cli/fakes.js';

/** Runs `drs-orch runbook FILE --approve all --state-file sim.json` in a folder holding only FILE. */
async function runbook(
  file: string,
  content: string | { sparseBytes: number },
): Promise<{ code: number; stderr: string; stdout: string; left: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'drs-orch-hostile-'));
  const path = join(dir, file);
  if (typeof content === 'string') await writeFile(path, content);
  else {
    await writeFile(path, '');
    await truncate(path, content.sparseBytes); // sparse: takes no disk, and no memory unless read
  }
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['runbook', file, '--approve', 'all', '--state-file', 'sim.json'], {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: {},
    isTTY: false,
    cwd: dir,
  });
  return { code, stderr: stderr.text, stdout: stdout.text, left: await readdir(dir) };
}

const WAVES = '"waves":[{"name":"one","tags":{"DR-Test":"single"}}]';

describe('drs-orch runbook refuses hostile files before anything starts (exit 64, one line, nothing left behind)', () => {
  it('refuses a JSON runbook that says drill and then failover (a repeated key), naming the key', async () => {
    const r = await runbook('rb.json', `{"action":"drill",${WAVES},"action":"failover"}`);

    expect(r.stderr).toBe('drs-orch: rb.json: duplicate key "action" at /action (line 1)\n');
    expect(r.code).toBe(64);
    expect(r.left).toEqual(['rb.json']);
  });

  it('refuses a repeated key deeper in a YAML runbook with its pointer and line', async () => {
    const r = await runbook(
      'rb.yaml',
      'action: drill\nwaves:\n  - name: one\n    tags: { DR-Test: single }\n    tags: { DR-Wave: "1" }\n',
    );

    expect(r.stderr).toBe('drs-orch: rb.yaml: duplicate key "tags" at /waves/0/tags (line 5)\n');
    expect(r.code).toBe(64);
    expect(r.left).toEqual(['rb.yaml']);
  });

  it('refuses a JSON runbook nested 3,000 deep (it crashed mid-run and left the lock and journal)', async () => {
    const deep = `${'['.repeat(3000)}${']'.repeat(3000)}`;
    const r = await runbook('rb.json', `{"action":"drill",${WAVES},"metadata":{"x":${deep}}}`);

    expect(r.stderr).toMatch(
      /^drs-orch: rb\.json: nests deeper than 64 levels of objects and arrays at \/metadata\/x\/0\/0\/.* \(line 1\)\n$/,
    );
    expect(r.code).toBe(64);
    expect(r.left).toEqual(['rb.json']);
  });

  it('refuses a YAML alias that contains itself (it exited 70)', async () => {
    const r = await runbook(
      'rb.yaml',
      `action: drill\nmetadata: &m { self: [*m] }\n${WAVES.replace('"waves":', 'waves: ')}\n`,
    );

    expect(r.stderr).toBe(
      'drs-orch: rb.yaml: alias *m refers to a node that contains it at /metadata/self/0 (line 2)\n',
    );
    expect(r.code).toBe(64);
    expect(r.left).toEqual(['rb.yaml']);
  });

  it('refuses 99 aliases of a 1 MB string by the size they expand to (it took 1.1 GB and exited 70)', async () => {
    const aliases = Array.from({ length: 99 }, () => '*big').join(', ');
    const r = await runbook(
      'rb.yaml',
      `action: drill\nmetadata:\n  big: &big "${'x'.repeat(1_000_000)}"\n  copies: [${aliases}]\n${WAVES.replace('"waves":', 'waves: ')}\n`,
    );

    // Refused at the 4th alias: 5 copies of 1 MB pass the 4 MiB cap; nothing was expanded to find out.
    expect(r.stderr).toBe(
      'drs-orch: rb.yaml: aliases expand the document beyond 4194304 bytes (4 MiB) at /metadata/copies/3 (line 4)\n',
    );
    expect(r.code).toBe(64);
    expect(r.left).toEqual(['rb.yaml']);
  });

  it('refuses more than 100 aliases, however small', async () => {
    const aliases = Array.from({ length: 101 }, () => '*t').join(', ');
    const r = await runbook('rb.yaml', `action: drill\nmetadata:\n  t: &t x\n  many: [${aliases}]\n`);

    expect(r.stderr).toBe('drs-orch: rb.yaml: more than 100 YAML aliases at /metadata/many/100 (line 4)\n');
    expect(r.code).toBe(64);
  });

  it('refuses a 50 MB runbook by its size on disk without reading it (it took 1.96 GB first)', async () => {
    const r = await runbook('rb.yaml', { sparseBytes: 50_000_000 });

    expect(r.stderr).toBe(
      'drs-orch: rb.yaml: too large: 50000000 bytes, over the limit of 4194304 bytes (4 MiB)\n',
    );
    expect(r.code).toBe(64);
    expect(r.left).toEqual(['rb.yaml']);
  });

  it('refuses tags outside the YAML core schema instead of reading them as strings', async () => {
    const fn = await runbook('rb.yaml', 'action: !!js/function "drill"\nwaves: []\n');
    expect(fn.stderr).toBe(
      'drs-orch: rb.yaml: unknown tag !!js/function; only the YAML core schema (strings, numbers, booleans, null, maps, sequences) is read at /action (line 1)\n',
    );
    expect(fn.code).toBe(64);

    const int = await runbook('rb.yaml', `action: drill\noptions: { parallelism: !!int "abc" }\n`);
    expect(int.stderr).toBe('drs-orch: rb.yaml: tag !!int does not apply to the value it is on (line 2)\n');
    expect(int.code).toBe(64);
    expect(int.left).toEqual(['rb.yaml']);
  });
});
