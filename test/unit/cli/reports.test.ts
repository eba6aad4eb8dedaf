/**
 * `drs-orch report` reads a report back only after verifying it: a JSON edited after it was
 * written is refused (exit 65) naming the SHA-256 its page carries and the one it has now; a file
 * that is not a valid report (the report schema) is refused naming the field, never an internal
 * error; a page drs-orch did not write is never overwritten.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { writeReport } from '../../../src/cli/reports.js';
import { assertReportSource } from '../../../src/contract/report.js';
import { type ReportSource, renderReportHtml, sourceDigest } from '../../../src/report/index.js';
import { fakeIo } from './fakes.js';

const REPORTS = '.drs-orch/reports';

/** A runbook report with every kind of row: a wave with an approval, an account, a job, a server, a note, a gap. */
const SAMPLE: ReportSource = {
  reportVersion: 1,
  kind: 'runbook',
  title: 'quarterly drill',
  action: 'drill',
  execution: {
    name: 'rb-7',
    arn: 'arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:rb-7',
    target: 'sim',
    outcome: 'success',
    status: 'SUCCEEDED',
    startTime: '2025-01-06T09:00:00.000Z',
    endTime: '2025-01-06T09:40:00.000Z',
    durationSeconds: 2400,
  },
  startedBy: { initiatedBy: 'alice@ops', ticketId: 'CHG-7', correlationId: 'rb-7' },
  input: { action: 'drill', waves: [{ name: 'db', tags: { 'DR-Wave': '1' }, approval: true }] },
  waves: [
    {
      number: 1,
      name: 'db',
      tags: { 'DR-Wave': '1' },
      status: 'success',
      startTime: '2025-01-06T09:05:00.000Z',
      endTime: '2025-01-06T09:35:00.000Z',
      durationSeconds: 1800,
      rtoTargetMinutes: 60,
      rtoMet: true,
      approvalRequired: true,
      approval: {
        decision: 'approved',
        requestedAt: '2025-01-06T09:00:00.000Z',
        decidedAt: '2025-01-06T09:05:00.000Z',
        by: 'alice@ops',
        comment: 'go',
      },
      totals: { servers: 1, succeeded: 1, failed: 0, skipped: 0, timedOut: 0 },
    },
  ],
  accounts: [
    {
      wave: 1,
      accountId: '111111111111',
      region: 'us-east-2',
      status: 'success',
      startTime: '2025-01-06T09:05:00.000Z',
      endTime: '2025-01-06T09:35:00.000Z',
    },
  ],
  jobs: [
    {
      wave: 1,
      accountId: '111111111111',
      jobId: 'drsjob-1',
      servers: 1,
      startTime: '2025-01-06T09:06:00.000Z',
      endTime: '2025-01-06T09:34:00.000Z',
    },
  ],
  servers: [
    {
      wave: 1,
      sourceServerId: 's-1',
      name: 'db-1',
      tags: { 'DR-Wave': '1' },
      accountId: '111111111111',
      jobId: 'drsjob-1',
      recoveryPointTime: '2025-01-06T09:04:00.000Z',
      dataLossSeconds: 120,
      instanceId: 'i-0123456789abcdef0',
      privateIp: '10.0.0.1',
      health: 'ok',
      outcome: 'succeeded',
      launchTime: '2025-01-06T09:30:00.000Z',
    },
  ],
  totals: { servers: 1, succeeded: 1, failed: 0, skipped: 0, timedOut: 0, waves: 1, wavesRun: 1 },
  notes: [{ time: '2025-01-06T09:05:00.000Z', text: 'wave 1 approved by alice@ops (go)' }],
  gaps: ['none'],
  generatedAt: '2025-01-06T09:41:00.000Z',
};

async function folder(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'drs-orch-reports-'));
}

async function report(dir: string, args: string[]) {
  const run = fakeIo({ cwd: dir });
  const code = await main(['report', ...args], run.io);
  return { code, stdout: run.stdout.text, stderr: run.stderr.text };
}

describe('drs-orch report: a report is verified before it is rendered', () => {
  it('lists the reports under a header, newest first, with failed and skipped counts', async () => {
    const dir = await folder();
    const at = (hour: string) => ({
      ...SAMPLE.execution,
      name: `rb-${hour}`,
      arn: `${SAMPLE.execution.arn.replace(/rb-7$/, '')}rb-${hour}`,
      startTime: `2025-01-06T${hour}:00:00.000Z`,
    });
    // Written out of order, and named so that the file names sort the other way.
    await writeReport({ ...SAMPLE, execution: at('11'), title: 'third' }, dir);
    await writeReport({ ...SAMPLE, execution: at('09'), title: 'first' }, dir);
    await writeReport(
      {
        ...SAMPLE,
        execution: at('10'),
        title: 'second',
        totals: { ...SAMPLE.totals, servers: 3, failed: 1, skipped: 1 },
      },
      dir,
    );

    const r = await report(dir, []);

    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^STARTED\s+OUTCOME\s+OK\/SERVERS\s+FAILED\s+SKIPPED\s+KIND\s+PAGE\s+REPORT\s+TITLE$/,
    );
    expect(lines.slice(2).map((l) => l.split(/\s+/).at(-1))).toEqual(['third', 'second', 'first']);
    expect(lines[3]).toMatch(/^2025-01-06T10:00:00.000Z\s+success\s+1\/3\s+1\s+1\s+runbook\s+checked\s/);
  });

  it('the sample and the reports drs-orch writes are valid reports (schemas/report.schema.json)', () => {
    expect(() => assertReportSource(JSON.parse(JSON.stringify(SAMPLE)))).not.toThrow();
  });

  it('refuses a report whose JSON was edited after it was written (exit 65), naming the expected and the actual SHA-256, and renders nothing', async () => {
    const dir = await folder();
    const written = await writeReport(SAMPLE, dir);
    const page = await readFile(join(dir, written.html), 'utf8');
    const edited = (await readFile(join(dir, written.json), 'utf8')).replace('"failed": 0', '"failed": 7');
    await writeFile(join(dir, written.json), edited);

    const r = await report(dir, ['rb-7']);

    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`SHA-256 ${written.sha256} (expected)`);
    expect(r.stderr).toContain(`SHA-256 ${sourceDigest(edited)} (actual)`);
    expect(r.stderr).toContain('.drs-orch/reports/rb-7.json does not match its report page');
    expect(r.stdout).toBe('');
    expect(await readFile(join(dir, written.html), 'utf8')).toBe(page);
    // The list says so too.
    const list = await report(dir, []);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/CHANGED .*rb-7\.html/);
  });

  it('renders a verified report again with the same SHA-256, and one whose page is missing against the SHA-256 recorded when it was written', async () => {
    const dir = await folder();
    const written = await writeReport(SAMPLE, dir);

    const again = await report(dir, [join(REPORTS, 'rb-7.html')]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(
      new RegExp(
        `sha256 ${written.sha256}  \\.drs-orch/reports/rb-7\\.json \\(matches its page\\) \\(matches the SHA-256 recorded when it was written, [^)]+\\)`,
      ),
    );
    expect(await readFile(join(dir, written.html), 'utf8')).toContain(written.sha256);

    await rm(join(dir, written.html));
    const missing = await report(dir, ['rb-7']);
    expect(missing.code).toBe(0);
    expect(missing.stderr).toContain('(matches the SHA-256 recorded when it was written');
    expect(missing.stderr).not.toContain('unverified');
    expect(await readFile(join(dir, written.html), 'utf8')).toContain(written.sha256);
  });

  it('refuses a report whose JSON was edited and whose page was deleted (exit 65), naming the SHA-256 recorded at write time, and a later run still refuses it', async () => {
    const dir = await folder();
    const written = await writeReport(SAMPLE, dir);
    const edited = (await readFile(join(dir, written.json), 'utf8')).replace('"failed": 0', '"failed": 7');
    await writeFile(join(dir, written.json), edited);
    await rm(join(dir, written.html));

    for (const attempt of [1, 2]) {
      const r = await report(dir, ['rb-7']);
      expect(r.code, `attempt ${attempt}`).toBe(65);
      expect(r.stderr).toContain(
        '.drs-orch/reports/rb-7.json does not match the SHA-256 recorded when it was written: .drs-orch/report-digests.jsonl',
      );
      expect(r.stderr).toContain(`SHA-256 ${written.sha256} (expected)`);
      expect(r.stderr).toContain(`SHA-256 ${sourceDigest(edited)} (actual)`);
      expect(r.stdout).toBe('');
      // Nothing was rendered: no page whose SHA-256 would vouch for the edited record.
      await expect(readFile(join(dir, written.html), 'utf8')).rejects.toThrow(/ENOENT/);
    }
    const list = await report(dir, []);
    expect(list.stdout).toMatch(/CHANGED .*rb-7\.html/);
  });

  it('refuses a report with neither a recorded SHA-256 nor its page (exit 65): nothing to verify it against', async () => {
    const dir = await folder();
    await mkdir(join(dir, REPORTS), { recursive: true });
    const text = `${JSON.stringify(SAMPLE, null, 2)}\n`;
    await writeFile(join(dir, REPORTS, 'rb-7.json'), text);

    const r = await report(dir, ['rb-7']);

    expect(r.code).toBe(65);
    expect(r.stderr).toContain(
      '.drs-orch/reports/rb-7.json cannot be verified: no SHA-256 was recorded for it when it was written',
    );
    expect(r.stderr).toContain(sourceDigest(text));
    await expect(readFile(join(dir, REPORTS, 'rb-7.html'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('never overwrites a page it did not write: an X.html without a report SHA-256, or a link, beside X.json is left as it is (exit 64)', async () => {
    const dir = await folder();
    await writeReport(SAMPLE, dir);
    const mine = '<html>my own notes, not a report</html>';
    await writeFile(join(dir, REPORTS, 'rb-7.html'), mine);

    const r = await report(dir, [join(REPORTS, 'rb-7.html')]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('.drs-orch/reports/rb-7.html is not a report page drs-orch wrote');
    expect(await readFile(join(dir, REPORTS, 'rb-7.html'), 'utf8')).toBe(mine);

    // A link to another file is not followed, whatever it points to.
    await writeFile(join(dir, 'elsewhere.html'), mine);
    await rm(join(dir, REPORTS, 'rb-7.html'));
    await symlink(join(dir, 'elsewhere.html'), join(dir, REPORTS, 'rb-7.html'));
    const linked = await report(dir, ['rb-7']);
    expect(linked.code).toBe(64);
    expect(await readFile(join(dir, 'elsewhere.html'), 'utf8')).toBe(mine);
  });

  it('refuses a report whose totals and wave numbers are not numbers (exit 64, naming the fields) and writes no page', async () => {
    const dir = await folder();
    await mkdir(join(dir, REPORTS), { recursive: true });
    const forged = JSON.parse(JSON.stringify(SAMPLE)) as Record<string, unknown> & {
      totals: Record<string, unknown>;
      waves: Record<string, unknown>[];
    };
    forged.totals.servers = '<script>alert(1)</script>';
    (forged.waves[0] as Record<string, unknown>).number = '<script>alert(2)</script>';
    await writeFile(join(dir, REPORTS, 'rb-7.json'), JSON.stringify(forged));

    const r = await report(dir, ['rb-7']);

    expect(r.code).toBe(64);
    expect(r.stderr).toContain('.drs-orch/reports/rb-7.json is not a valid report');
    expect(r.stderr).toContain('/totals/servers must be integer, got string');
    expect(r.stderr).toContain('/waves/0/number must be integer, got string');
    await expect(readFile(join(dir, REPORTS, 'rb-7.html'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('refuses 60 malformed report files each with a clear error (exit 64), never an internal error', async () => {
    const dir = await folder();
    await mkdir(join(dir, REPORTS), { recursive: true });
    const valid = JSON.parse(JSON.stringify(SAMPLE)) as Record<string, unknown>;
    const texts: string[] = [
      '',
      ' ',
      'null',
      '[]',
      '"report"',
      '42',
      'true',
      '{',
      '{}',
      '{"execution":{"name":"x"}}',
      '{"execution":{"name":"a","name":"b"}}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      `{"a":${'{"a":'.repeat(200)}1${'}'.repeat(200)}}`,
      '\u0000\u0001',
      JSON.stringify(SAMPLE).slice(0, 500),
      JSON.stringify({ ...valid, reportVersion: 2 }),
      JSON.stringify({ ...valid, kind: 'other' }),
      JSON.stringify({ ...valid, extra: true }),
      JSON.stringify({ ...valid, waves: {} }),
      JSON.stringify({ ...valid, servers: [null] }),
      JSON.stringify({ ...valid, servers: [{ wave: 1 }] }),
      JSON.stringify({ ...valid, notes: ['text'] }),
      JSON.stringify({ ...valid, gaps: [1] }),
      JSON.stringify({ ...valid, execution: { ...(valid.execution as object), outcome: 'great' } }),
      JSON.stringify({ ...valid, execution: { ...(valid.execution as object), name: '' } }),
      JSON.stringify({ ...valid, execution: { ...(valid.execution as object), name: 7 } }),
      JSON.stringify({ ...valid, execution: null }),
      JSON.stringify({ ...valid, startedBy: [] }),
      JSON.stringify({ ...valid, totals: { ...(valid.totals as object), failed: -1 } }),
      JSON.stringify({ ...valid, totals: { ...(valid.totals as object), failed: 1.5 } }),
      // Valid but for an input nested far deeper than the reader's limit.
      JSON.stringify({ ...valid, input: 0 }).replace(
        '"input":0',
        `"input":${'['.repeat(200_000)}${']'.repeat(200_000)}`,
      ),
    ];
    // Every required field missing, and every field of the wrong type.
    for (const key of Object.keys(valid)) {
      if (key === 'input') continue;
      const { [key]: _dropped, ...without } = valid;
      texts.push(JSON.stringify(without));
      const value = valid[key];
      texts.push(JSON.stringify({ ...valid, [key]: typeof value === 'string' ? 12 : '<script>x</script>' }));
    }
    for (const [i, wrong] of [
      { number: 'one' },
      { name: 3 },
      { tags: { a: 1 } },
      { approvalRequired: 'yes' },
      { approval: { decision: 'maybe' } },
      { totals: { servers: '1', succeeded: 1, failed: 0, skipped: 0, timedOut: 0 } },
      { durationSeconds: '<b>' },
    ].entries()) {
      texts.push(JSON.stringify({ ...valid, waves: [{ ...(valid.waves as object[])[0], ...wrong, i }] }));
    }
    expect(texts.length).toBeGreaterThanOrEqual(60);

    const codes = new Map<number, number>();
    for (const [i, text] of texts.slice(0, 60).entries()) {
      await writeFile(join(dir, REPORTS, `bad-${i}.json`), text);
      const r = await report(dir, [`bad-${i}`]);
      codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
      expect({ i, code: r.code }).toEqual({ i, code: 64 });
      expect(r.stderr, text.slice(0, 80)).toMatch(
        new RegExp(
          `^drs-orch: \\.drs-orch/reports/bad-${i}\\.json (is not a (valid )?report|cannot be rendered)`,
        ),
      );
      expect(r.stderr).not.toContain('unexpected error');
    }
    expect(Object.fromEntries(codes)).toEqual({ 64: 60 });
    // The list names each as invalid, and still exits 0.
    const list = await report(dir, []);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n').filter((l) => l.startsWith('?  invalid'))).toHaveLength(60);
  });

  it('renders markup in any field of a source as text, numbers included (whatever reaches the renderer)', () => {
    const markup = '<script>alert(1)</script>';
    const everywhere = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(everywhere);
      if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, everywhere(v)]));
      }
      return markup;
    };
    const poisoned = {
      ...(everywhere(SAMPLE) as ReportSource),
      waves: SAMPLE.waves.map(everywhere),
    } as ReportSource;
    const html = renderReportHtml(poisoned, JSON.stringify(poisoned));
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // Tag keys are data too.
    const keyed = { ...SAMPLE, waves: [{ ...SAMPLE.waves[0], tags: { [markup]: markup } }] } as ReportSource;
    expect(renderReportHtml(keyed, '{}')).not.toContain('<script');
  });
});
