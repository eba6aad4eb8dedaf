/**
 * One record of a run (issue 20, acceptance): for a drill with skipped servers, a failover with a
 * warning, a zero-match failover and a three-wave runbook with one empty wave, the JSON result,
 * stderr, `--format table`, report.json and the HTML page of the same run agree on every count and
 * list the same skipped servers and warnings. Through the real `drs-orch` entry on the sim world
 * (discrete virtual time: the same command in a fresh world runs the same run, so the table is
 * taken from a second run of it).
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { loadLocalWorkflows } from '../../../src/cli/targets/serve-workflows.js';
import type { OrchestrationOutput } from '../../../src/contract/index.js';
import { type Emulator, startEmulator } from '../../../src/emulator/index.js';
import type { ReportSource } from '../../../src/report/index.js';
import { Capture, fakeIo } from '../../unit/cli/fakes.js';

interface Counts {
  servers: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  skipped: number;
}

type CliRun = { code: number; stdout: string; stderr: string; report: ReportSource; html: string };
/** Runs already made, by command (the same command in a fresh world is the same run: asked once). */
const runs = new Map<string, Promise<CliRun>>();

/** Runs the CLI in-process in a fresh directory (its own simulated world). */
function run(argv: string[], files: Record<string, string> = {}): Promise<CliRun> {
  const key = JSON.stringify([argv, files]);
  const known = runs.get(key) ?? runFresh(argv, files);
  runs.set(key, known);
  return known;
}

async function runFresh(argv: string[], files: Record<string, string>): Promise<CliRun> {
  const dir = await mkdtemp(join(tmpdir(), 'drs-orch-one-record-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const { io, stdout, stderr } = fakeIo({ cwd: dir });
  const code = await main([...argv, '--state-file', 'sim.json'], io);
  const folder = join(dir, '.drs-orch/reports');
  const [name] = (await readdir(folder)).filter((n) => n.endsWith('.json'));
  const json = await readFile(join(folder, name ?? ''), 'utf8');
  const html = await readFile(join(folder, (name ?? '').replace(/\.json$/, '.html')), 'utf8');
  return { code, stdout: stdout.text, stderr: stderr.text, report: JSON.parse(json) as ReportSource, html };
}

function ofSummary(s: OrchestrationOutput['summary']): Counts {
  return {
    servers: s.totalServers,
    succeeded: s.succeeded,
    failed: s.failed,
    timedOut: s.timedOut ?? 0,
    skipped: s.skipped,
  };
}

function ofTotals(t: ReportSource['totals']): Counts {
  return {
    servers: t.servers,
    succeeded: t.succeeded,
    failed: t.failed,
    timedOut: t.timedOut,
    skipped: t.skipped,
  };
}

/** The counts the page's header prints. */
function ofHtml(html: string): Counts {
  const n = (key: string): number => Number(new RegExp(`data-total="${key}"><b>(\\d+)</b>`).exec(html)?.[1]);
  return {
    servers: n('servers'),
    succeeded: n('succeeded'),
    failed: n('failed'),
    timedOut: n('timedOut'),
    skipped: n('skipped'),
  };
}

/** The counts of `--format table`'s servers line. */
function ofTable(table: string): Counts {
  const m =
    /^servers\s+(\d+) total, (\d+) succeeded, (\d+) failed, (\d+) skipped(?:, (\d+) timed out)?$/m.exec(
      table,
    );
  expect(m, table).not.toBeNull();
  const [, servers, succeeded, failed, skipped, timedOut] = m ?? [];
  return {
    servers: Number(servers),
    succeeded: Number(succeeded),
    failed: Number(failed),
    timedOut: Number(timedOut ?? 0),
    skipped: Number(skipped),
  };
}

/** The counts of the last stderr line (`drill failed: 100 of 156 succeeded, 1 failed, 55 skipped · exit 3`). */
function ofStderr(stderr: string): Counts | 'none matched' {
  if (/: no source server matched · exit \d+$/m.test(stderr)) return 'none matched';
  const m =
    /: (\d+) of (\d+) succeeded, (\d+) failed(?:, (\d+) timed out)?(?:, (\d+) skipped)? · exit \d+$/m.exec(
      stderr,
    );
  expect(m, stderr).not.toBeNull();
  const [, succeeded, servers, failed, timedOut, skipped] = m ?? [];
  return {
    servers: Number(servers),
    succeeded: Number(succeeded),
    failed: Number(failed),
    timedOut: Number(timedOut ?? 0),
    skipped: Number(skipped ?? 0),
  };
}

/** A single action: every view of the run against the JSON result. */
async function actionAgrees(argv: string[], files: Record<string, string> = {}) {
  const json = await run(argv, files);
  const table = await run([...argv, '--format', 'table'], files);
  const out = JSON.parse(json.stdout) as OrchestrationOutput;
  const counts = ofSummary(out.summary);
  expect(counts.succeeded + counts.failed + counts.timedOut + counts.skipped).toBe(counts.servers);
  // The one model (report.json) counts as the result does; the page, the table and stderr read it.
  expect(ofTotals(json.report.totals)).toEqual(counts);
  expect(ofHtml(json.html)).toEqual(counts);
  expect(ofTable(table.stdout)).toEqual(counts);
  expect(ofStderr(json.stderr)).toEqual(counts.servers === 0 ? 'none matched' : counts);
  expect(json.stderr).not.toContain('the evidence record counts');
  // The same skipped servers everywhere (stderr and the table show the first ones of the list).
  const skipped = (out.skippedServers ?? []).map((k) => k.sourceServerId).sort();
  expect(skipped).toHaveLength(counts.skipped);
  expect(
    json.report.servers
      .filter((s) => s.outcome === 'skipped')
      .map((s) => s.sourceServerId)
      .sort(),
  ).toEqual(skipped);
  const onStderr = [...json.stderr.matchAll(/^skipped: (s-[0-9a-f]+) /gm)].map((m) => m[1]);
  const inTable = [...table.stdout.matchAll(/^(s-[0-9a-f]+) .*NotLaunched/gm)].map((m) => m[1]);
  for (const id of [...onStderr, ...inTable]) expect(skipped).toContain(id);
  expect(onStderr).toHaveLength(Math.min(20, skipped.length));
  expect(inTable).toHaveLength(Math.min(50, skipped.length));
  for (const id of skipped) expect(json.html).toContain(`data-server="${id}"`);
  // The same warnings everywhere.
  const warnings = out.warnings ?? [];
  expect((json.report.warnings ?? []).map((w) => w.text)).toEqual(warnings);
  for (const w of warnings) {
    expect(json.stderr).toContain(`warning: ${w}\n`);
    expect(table.stdout).toContain(w.split(';')[0] ?? w);
    expect(json.html).toContain(w.split(';')[0]?.replace(/'/g, '&#39;') ?? w);
  }
  const serverWarnings = (out.recoveryInstances ?? []).filter((r) => r.warning !== undefined);
  const warnedIds = serverWarnings.map((r) => r.sourceServerId);
  const warnedOnStderr = [...json.stderr.matchAll(/^warning: (s-[0-9a-f]+) /gm)].map((m) => m[1]);
  expect(warnedOnStderr).toHaveLength(Math.min(20, warnedIds.length));
  for (const id of warnedOnStderr) expect(warnedIds).toContain(id);
  for (const r of serverWarnings) {
    expect(json.report.servers.find((s) => s.sourceServerId === r.sourceServerId)?.reason).toContain(
      r.warning,
    );
    expect(table.stdout).toMatch(new RegExp(`^${r.sourceServerId} .*${r.warning}`, 'm'));
  }
  return { out, counts, json, table, warnings: warnings.length + serverWarnings.length };
}

describe('one record of a run: the result, stderr, the table, report.json and the page agree', () => {
  it('a drill with skipped servers (a wave-2 drill stopped by a failure: 100 + 1 + 55 = 156)', async () => {
    const { counts } = await actionAgrees(['drill', '--tags', 'DR-Wave=2']);
    expect(counts).toEqual({ servers: 156, succeeded: 100, failed: 1, timedOut: 0, skipped: 55 });
  }, 120_000);

  it('a run with a warning per server (the HRP site is down: each of its servers is launched with a warning)', async () => {
    const { demoFleet } = await import('../../../src/emulator/fleet/demo.js');
    const fleet = { ...demoFleet(), siteOutages: [{ tags: { 'DR-Application': 'HRP' } }] };

    const { out, warnings, counts } = await actionAgrees(
      ['drill', '--tags', 'DR-Wave=1,DR-Application=HRP', '--fleet', 'outage.json'],
      { 'outage.json': JSON.stringify(fleet) },
    );

    expect(counts.servers).toBeGreaterThan(0);
    expect(warnings).toBe(counts.succeeded);
    expect(out.recoveryInstances?.[0]?.warning).toMatch(/whose replication is STALLED, not CONTINUOUS/);
  }, 120_000);

  it('a zero-match failover (DR-Wave=01) says so in every view', async () => {
    const { out, json, table } = await actionAgrees(['failover', '--tags', 'DR-Wave=01']);
    expect(out.summary.totalServers).toBe(0);
    expect(out.warnings?.[0]).toMatch(/^no source server matched DR-Wave=01/);
    expect(json.report.totals.servers).toBe(0);
    expect(table.stdout).toMatch(/^servers\s+0 total/m);
  }, 120_000);

  it('a three-wave runbook with one empty wave: each wave counts the same in the result, report.json and the page, and the empty wave is warned everywhere', async () => {
    const runbook = JSON.stringify({
      name: 'three waves, one empty',
      action: 'status',
      waves: [
        { name: 'db', tags: { 'DR-Test': 'single' } },
        { name: 'app', tags: { 'DR-Application': 'HPR' } },
        { name: 'web', tags: { 'DR-Test': 'single' } },
      ],
    });

    const r = await run(['runbook', 'three.json'], { 'three.json': runbook });
    const out = JSON.parse(r.stdout) as {
      status: string;
      waves: Record<string, { summary: OrchestrationOutput['summary']; warnings?: string[] }>;
    };

    expect(r.code).toBe(2);
    expect(out.status).toBe('partial');
    const waves = [1, 2, 3].map((n) => out.waves[`wave${n}`]);
    expect(
      r.report.waves.map((w) => ofTotals({ ...w.totals, wavesRun: 0, waves: 0 } as ReportSource['totals'])),
    ).toEqual(waves.map((w) => ofSummary(w?.summary as OrchestrationOutput['summary'])));
    const all = waves.reduce<Counts>(
      (t, w) => {
        const c = ofSummary(w?.summary as OrchestrationOutput['summary']);
        return {
          servers: t.servers + c.servers,
          succeeded: t.succeeded + c.succeeded,
          failed: t.failed + c.failed,
          timedOut: t.timedOut + c.timedOut,
          skipped: t.skipped + c.skipped,
        };
      },
      { servers: 0, succeeded: 0, failed: 0, timedOut: 0, skipped: 0 },
    );
    expect(ofTotals(r.report.totals)).toEqual(all);
    expect(ofHtml(r.html)).toEqual(all);
    // The empty wave's warning: in its result, on stderr next to its wave, in the record and on the page.
    // (the waves result keeps each wave's counts; the wave's own warnings are in its main execution's output)
    const warning =
      /^wave 2 \(app\): warning: (no source server matched DR-Application=HPR.*)$/m.exec(r.stderr)?.[1] ?? '';
    expect(warning).not.toBe('');
    expect(r.stderr).toContain('warning: wave 2 (app) matched no source server for DR-Application=HPR');
    expect(r.report.warnings?.map((w) => `${w.wave}: ${w.text}`)).toContain(`2: ${warning}`);
    expect(r.html).toContain(`wave 2: ${warning.split(';')[0]}`);
  }, 120_000);
});

const MAIN = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-main';
const KEYS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', NO_COLOR: '1' };

const WAVES = 'arn:aws:states:us-east-1:123456789012:stateMachine:drs-orchestration-waves';

/** Worlds hosting our workflows as `drs-orch serve` does, by fleet (demo, or demo with its HRP site down). */
const served = new Map<string, Emulator>();
afterAll(async () => {
  for (const emu of served.values()) await emu.stop();
});

/** The same command on the deployed path: our workflows hosted as `drs-orch serve` does, `--target sfn`. */
async function runDeployed(argv: string[], files: Record<string, string> = {}, outage = false) {
  const { demoFleet } = await import('../../../src/emulator/fleet/demo.js');
  const key = outage ? 'outage' : 'demo';
  const fleet = outage
    ? { ...demoFleet(), siteOutages: [{ tags: { 'DR-Application': 'HRP' } }] }
    : demoFleet();
  const emu =
    served.get(key) ??
    (await startEmulator({ fleet, timeScale: 600, stepFunctions: await loadLocalWorkflows() }));
  served.set(key, emu);
  const dir = await mkdtemp(join(tmpdir(), 'drs-orch-one-record-sfn-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(
    [
      ...argv,
      '--target',
      'sfn',
      '--endpoint',
      emu.endpoint,
      '--state-machine-arn',
      argv[0] === 'runbook' ? WAVES : MAIN,
      '--poll-interval',
      '0.2',
    ],
    { stdout, stderr, stdin: new PassThrough(), env: KEYS, isTTY: false, cwd: dir },
  );
  const folder = join(dir, '.drs-orch/reports');
  const [name] = (await readdir(folder)).filter((n) => n.endsWith('.json'));
  const report = JSON.parse(await readFile(join(folder, name ?? ''), 'utf8')) as ReportSource;
  return { code, stdout: stdout.text, stderr: stderr.text, report };
}

describe('one record of a run, deployed: the write-report task (through serve, --target sfn) records what the CLI records', () => {
  for (const [what, argv] of [
    ['a drill with skipped servers', ['drill', '--tags', 'DR-Wave=2']],
    ['a zero-match failover', ['failover', '--tags', 'DR-Wave=01']],
  ] as const) {
    it(`${what}: the same counts, skipped servers and warnings in the deployed report.json as in the local run's`, async () => {
      const local = await run([...argv]);
      const deployed = await runDeployed([...argv]);
      const localOut = JSON.parse(local.stdout) as OrchestrationOutput;
      const deployedOut = JSON.parse(deployed.stdout) as OrchestrationOutput;

      expect(deployed.code, deployed.stderr).toBe(local.code);
      // The workflow's own report, downloaded and checked, not one the CLI built.
      expect(deployed.stderr).toMatch(
        /report: \.drs-orch\/reports\/[^ ]+\.html \(written by the workflow to s3:\/\//,
      );
      expect(deployed.report.gaps ?? []).toEqual([]);
      expect(ofSummary(deployedOut.summary)).toEqual(ofSummary(localOut.summary));
      expect(ofTotals(deployed.report.totals)).toEqual(ofTotals(local.report.totals));
      expect(ofTotals(deployed.report.totals)).toEqual(ofSummary(deployedOut.summary));
      const skipped = (r: ReportSource) =>
        r.servers
          .filter((s) => s.outcome === 'skipped')
          .map((s) => `${s.sourceServerId} ${s.reason ?? ''}`)
          .sort();
      expect(skipped(deployed.report)).toEqual(skipped(local.report));
      expect(deployed.report.warnings).toEqual(local.report.warnings);
      expect(ofStderr(deployed.stderr)).toEqual(ofStderr(local.stderr));
    }, 180_000);
  }

  it('a run with a warning per server (site down): the same warnings next to the same servers in the deployed report', async () => {
    const { demoFleet } = await import('../../../src/emulator/fleet/demo.js');
    const fleet = { ...demoFleet(), siteOutages: [{ tags: { 'DR-Application': 'HRP' } }] };
    const argv = ['drill', '--tags', 'DR-Wave=1,DR-Application=HRP'];
    const local = await run([...argv, '--fleet', 'outage.json'], { 'outage.json': JSON.stringify(fleet) });
    const deployed = await runDeployed(argv, {}, true);
    const reasons = (r: ReportSource) =>
      r.servers.map((s) => `${s.sourceServerId} ${s.outcome} ${s.reason ?? ''}`).sort();

    expect(deployed.code, deployed.stderr).toBe(local.code);
    expect(deployed.report.gaps ?? []).toEqual([]);
    expect(ofTotals(deployed.report.totals)).toEqual(ofTotals(local.report.totals));
    expect(reasons(deployed.report)).toEqual(reasons(local.report));
    expect(reasons(deployed.report).every((r) => r.includes('not CONTINUOUS'))).toBe(true);
    expect(deployed.report.warnings).toEqual(local.report.warnings);
    // The step log shows each DRS job with the USING_PREVIOUS_SNAPSHOT items its job log holds
    // (read by the executor in the staging account), each naming a server of the run, within the job.
    for (const report of [local.report, deployed.report]) {
      const steps = report.waves.flatMap((w) => w.steps ?? []);
      const ids = new Set(report.servers.map((s) => s.sourceServerId));
      expect(report.jobs.length).toBeGreaterThan(0);
      for (const job of report.jobs) {
        const items = steps.filter((s) => s.step === `drs job ${job.jobId} USING_PREVIOUS_SNAPSHOT`);
        expect(items.length).toBeGreaterThan(0);
        expect(items).toEqual(
          job.logEvents
            ?.filter((e) => e.event === 'USING_PREVIOUS_SNAPSHOT')
            .map((e) =>
              expect.objectContaining({
                time: e.time,
                detail: `${job.accountId}: source server ${e.sourceServerId}`,
              }),
            ),
        );
        for (const item of items) {
          expect(ids.has(item.detail?.split('source server ')[1] ?? '')).toBe(true);
          expect(item.time >= job.startTime && item.time <= (job.endTime ?? item.time)).toBe(true);
        }
      }
    }
  }, 180_000);

  it('a three-wave runbook with one empty wave: the same per-wave counts and warnings in the deployed runbook report', async () => {
    const runbook = JSON.stringify({
      name: 'three waves, one empty',
      action: 'status',
      waves: [
        { name: 'db', tags: { 'DR-Test': 'single' } },
        { name: 'app', tags: { 'DR-Application': 'HPR' } },
        { name: 'web', tags: { 'DR-Test': 'single' } },
      ],
    });
    const local = await run(['runbook', 'three.json'], { 'three.json': runbook });
    const deployed = await runDeployed(['runbook', 'three.json'], { 'three.json': runbook });

    expect(deployed.code, deployed.stderr).toBe(2);
    expect(deployed.report.gaps ?? []).toEqual([]);
    expect(
      deployed.report.waves.map((w) => [w.number, w.status, ofTotals(w.totals as ReportSource['totals'])]),
    ).toEqual(
      local.report.waves.map((w) => [w.number, w.status, ofTotals(w.totals as ReportSource['totals'])]),
    );
    expect(ofTotals(deployed.report.totals)).toEqual(ofTotals(local.report.totals));
    expect(deployed.report.warnings).toEqual(local.report.warnings);
    expect(deployed.stderr).toMatch(/^wave 2 \(app\): warning: no source server matched DR-Application=HPR/m);
  }, 180_000);
});
