/// <reference lib="dom" />
/**
 * `drs-orch runbook` end to end: the real CLI, the real waves/main/executor ASL, the embedded
 * emulator; approvals answered at a (fake) terminal, and the evidence reports of real runs opened
 * in headless Chromium from Debian (playwright-core, never a downloaded browser).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { RunbookInvocation } from '../../src/cli/runbook.js';
import { runRunbook } from '../../src/cli/runbook.js';
import { openSession } from '../../src/cli/targets.js';
import { assertReportSource } from '../../src/contract/report.js';
import { generateFleet } from '../../src/emulator/fleet/generate.js';
import type { ReportSource } from '../../src/report/index.js';
import { ctrlCAt, terminal } from '../_helpers/terminal.js';
import { Capture } from '../unit/cli/fakes.js';

async function reportSources(dir: string): Promise<{ json: string; html: string; source: ReportSource }[]> {
  const folder = join(dir, '.drs-orch/reports');
  const names = (await readdir(folder)).filter((n) => n.endsWith('.json'));
  return Promise.all(
    names.map(async (n) => {
      const json = join(folder, n);
      return {
        json,
        html: json.replace(/\.json$/, '.html'),
        source: JSON.parse(await readFile(json, 'utf8')) as ReportSource,
      };
    }),
  );
}

const THREE_WAVES = `
name: three-wave drill
action: drill
metadata: { ticketId: CHG-7 }
approval: { timeoutSeconds: 3600 }
waves:
  - name: databases
    tags: { DR-Wave: "1", DR-Application: Connectors }
    rtoTargetMinutes: 60
  - name: application
    tags: { DR-Wave: "1", DR-Application: HealthEdge }
    approval: true
    rtoTargetMinutes: 60
  - name: web
    tags: { DR-Wave: "1", DR-Application: HRP }
    rtoTargetMinutes: 1
`;

const PARTIAL = `
name: partial wave
action: drill
options: { continueOnFailure: true }
waves:
  - name: application
    tags: { DR-Wave: "2", DR-Application: HRP }
`;

const NINE_HUNDRED = `
name: nine hundred servers
action: drill
options: { continueOnFailure: true, parallelism: 200 }
waves:
  - name: everything
    tags: { DR-Wave: "1" }
    rtoTargetMinutes: 120
`;

/** A fresh folder holding `runbook.yaml`. */
async function folderWith(yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'drs-orch-runbook-'));
  await writeFile(join(dir, 'runbook.yaml'), yaml);
  return dir;
}

/** Runs `drs-orch <args>` (space-separated) without a terminal in a fresh folder holding `runbook.yaml`. */
async function runPlain(
  yaml: string,
  args: string,
): Promise<{ dir: string; code: number; stdout: string; stderr: string }> {
  const dir = await folderWith(yaml);
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args.split(' '), {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: {},
    isTTY: false,
    cwd: dir,
  });
  return { dir, code, stdout: stdout.text, stderr: stderr.text };
}

interface Run {
  readonly dir: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly report: { json: string; html: string; source: ReportSource };
}

async function runIn(
  yaml: string,
  argv: string[],
  io?: (dir: string) => ReturnType<typeof terminal>,
): Promise<Run> {
  const dir = await folderWith(yaml);
  if (argv.includes('fleet900.json')) {
    await writeFile(
      join(dir, 'fleet900.json'),
      JSON.stringify(generateFleet({ accounts: 3, serversPerAccount: 300, waves: 1, seed: 7 })),
    );
  }
  const t = io?.(dir) ?? terminal(dir, {});
  const plain = io === undefined ? { ...t.io, isTTY: false, stdin: new PassThrough() } : t.io;
  const code = await main(['runbook', 'runbook.yaml', '--state-file', 'sim.json', ...argv], plain);
  const [report] = await reportSources(dir);
  if (!report) throw new Error(`no report written; stderr:\n${t.stderr.text}`);
  return { dir, code, stdout: t.stdout.text, stderr: t.stderr.text, report };
}

let success: Run;
let partial: Run;
let big: Run;

beforeAll(async () => {
  success = await runIn(THREE_WAVES, [], (dir) =>
    terminal(dir, {
      'Approve this wave?': ['a'],
      'Comment (optional):': ['application owners ready'],
    }),
  );
  partial = await runIn(PARTIAL, ['--approve', 'all']);
  big = await runIn(NINE_HUNDRED, ['--fleet', 'fleet900.json']);
}, 240_000);

describe('drs-orch runbook on the demo fleet', () => {
  it('runs three waves in order, asks at the terminal before wave 2 and records who approved, when and why', () => {
    expect(success.code).toBe(0);
    const out = JSON.parse(success.stdout) as {
      status: string;
      waves: Record<string, { status: string; name: string; approval: Record<string, unknown> }>;
    };
    expect(out.status).toBe('success');
    expect(Object.values(out.waves).map((w) => w.name)).toEqual(['databases', 'application', 'web']);
    expect(out.waves.wave2?.approval).toMatchObject({ approved: true, comment: 'application owners ready' });
    expect(String(out.waves.wave2?.approval.approvedBy)).toMatch(/@/);
    // The prompt showed what the operator needs: the wave, the previous result, the command.
    expect(success.stderr).toContain('Wave 2 of 3 "application"');
    expect(success.stderr).toContain('"wave1":{"status":"success"');
    expect(success.stderr).toMatch(
      /drs-orch approve arn:aws:states:us-east-1:123456789012:execution:drs-orchestration-waves:/,
    );
    const s = success.report.source;
    expect(s.waves.map((w) => w.status)).toEqual(['success', 'success', 'success']);
    expect(s.waves[1]?.approval).toMatchObject({ decision: 'approved', comment: 'application owners ready' });
    expect(s.waves[0]?.approval).toBeUndefined();
    expect(s.startedBy.ticketId).toBe('CHG-7');
    // Wave 3's one-minute RTO target cannot be met by a 30-minute DRS launch.
    expect(s.waves[2]?.rtoMet).toBe(false);
    expect(s.waves[0]?.rtoMet).toBe(true);
  });

  it('writes reports that are valid (schemas/report.schema.json) and that drs-orch report verifies against their page', async () => {
    for (const run of [success, partial, big]) {
      expect(() => assertReportSource(run.report.source)).not.toThrow();
      const name = run.report.source.execution.name;
      const stdout = new Capture();
      const stderr = new Capture();
      const code = await main(['report', name], { stdout, stderr, env: {}, isTTY: false, cwd: run.dir });
      expect({ code, stderr: stderr.text }).toEqual({
        code: 0,
        stderr: expect.stringContaining('(matches its page)'),
      });
    }
  });

  it('writes a report whose totals are the servers of every wave, with the DRS jobs of each account', () => {
    const s = success.report.source;
    expect(s.totals.servers).toBe(s.waves.reduce((n, w) => n + w.totals.servers, 0));
    expect(s.totals.failed).toBe(0);
    expect(s.servers.every((r) => r.instanceId?.startsWith('i-') && r.privateIp && r.jobId)).toBe(true);
    // The recovery point and the data loss (RPO achieved) of every launched server.
    expect(s.servers.every((r) => r.recoveryPointTime !== undefined && r.dataLossSeconds !== undefined)).toBe(
      true,
    );
    expect(s.accounts.length).toBeGreaterThanOrEqual(3);
    expect(s.jobs.length).toBeGreaterThanOrEqual(s.accounts.length);
    expect(s.jobs.every((j) => j.endTime !== undefined && j.endTime >= j.startTime)).toBe(true);
  });

  it('lists failed servers first with their reason and exits 2 on a partial wave', () => {
    expect(partial.code).toBe(2);
    const s = partial.report.source;
    const failed = s.totals.failed + s.totals.timedOut;
    expect(failed).toBeGreaterThan(0);
    expect(s.servers.slice(0, failed).every((r) => r.outcome === 'failed' || r.outcome === 'timeout')).toBe(
      true,
    );
    expect(s.servers.slice(0, failed).every((r) => (r.reason ?? '').length > 0)).toBe(true);
    expect(s.servers.slice(failed).every((r) => r.outcome === 'succeeded')).toBe(true);
  });

  it('reports all 900 servers of a run whose output was cut to fit Step Functions (full result read from S3)', () => {
    expect(big.code).toBe(0);
    const out = JSON.parse(big.stdout) as { lastWaveOutput: { resultLocation?: string } };
    expect(out.lastWaveOutput.resultLocation).toMatch(/^s3:\/\//);
    expect(big.report.source.servers).toHaveLength(900);
    expect(big.report.source.gaps).toEqual([]);
  });
});

describe('drs-orch runbook refusals, rejection and cancellation', () => {
  const FIRST_APPROVAL = THREE_WAVES.replace(
    '    rtoTargetMinutes: 60\n  - name: application',
    '    approval: true\n    rtoTargetMinutes: 60\n  - name: application',
  );

  it('refuses, before anything starts, a wave needing approval with no terminal and no --approve', async () => {
    const { dir, code, stderr } = await runPlain(THREE_WAVES, 'runbook runbook.yaml --state-file sim.json');
    expect(code).toBe(64);
    expect(stderr).toContain('wave "application" asks for approval and there is no terminal');
    expect(stderr).toContain('--approve application');
    expect(await readdir(dir)).toEqual(['runbook.yaml']);
  });

  it('holds virtual time while the operator reads and decides at the prompt: an approval given after real seconds is not cut by its timeout', async () => {
    const SINGLE = `
action: drill
approval: { timeoutSeconds: 3600 }
waves:
  - name: single
    tags: { DR-Test: single }
    approval: true
`;
    // Far more real time than the scheduler needs to jump its frozen clock to the 3,600 s timeout.
    const run = await runIn(SINGLE, [], (dir) =>
      terminal(dir, { 'Approve this wave?': ['a'], 'Comment (optional):': ['read it all'] }, 500),
    );

    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { status: string; waves: Record<string, { approval: unknown }> };
    expect(out.status).toBe('success');
    expect(out.waves.wave1?.approval).toMatchObject({ approved: true, comment: 'read it all' });
    const approval = run.report.source.waves[0]?.approval;
    expect(approval).toMatchObject({ decision: 'approved', comment: 'read it all' });
    // Discrete time stood still from the question to the answer.
    expect(approval?.decidedAt).toBe(approval?.requestedAt);
  });

  it('rejects at the prompt: no wave runs, exit 3, the rejection and its reason are in the record', async () => {
    const run = await runIn(FIRST_APPROVAL, [], (dir) =>
      terminal(dir, {
        'Approve this wave?': ['r'],
        'Reason for the rejection:': ['freeze window'],
      }),
    );
    expect(run.code).toBe(3);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      status: 'rejected',
      stoppedAtWave: 1,
      stoppedAtWaveName: 'databases',
      wavesRun: 0,
    });
    const s = run.report.source;
    expect(s.execution.outcome).toBe('rejected');
    expect(s.waves[0]?.approval).toMatchObject({ decision: 'rejected', comment: 'freeze window' });
    expect(s.waves.map((w) => w.status)).toEqual(['not run', 'not run', 'not run']);
    const world = JSON.parse(await readFile(join(run.dir, 'sim.json'), 'utf8')) as {
      calls: { operation: string }[];
    };
    expect(world.calls.some((c) => c.operation === 'StartRecovery')).toBe(false);
  });

  it('cancelling while a wave waits (Ctrl-C) stops the execution and still writes its report, exit 130', async () => {
    const dir = await folderWith(FIRST_APPROVAL);
    const t = terminal(dir, {});
    // The operator presses Ctrl-C at the approval prompt.
    const interceptInterrupt = ctrlCAt(t, 'Approve this wave?');
    const invocation: RunbookInvocation = {
      kind: 'runbook',
      file: 'runbook.yaml',
      approve: [],
      metadata: { initiatedBy: 'alice' },
      target: {
        target: 'sim',
        fleet: 'demo',
        timeScale: 1000,
        stateFile: 'sim.json',
        reset: false,
        pollSeconds: 5,
      },
      out: { format: 'json', quiet: false },
    };
    const code = await runRunbook(invocation, t.io, async (io, say) => {
      const session = await openSession(
        { kind: 'run', action: undefined, flags: {}, target: invocation.target, out: invocation.out },
        io,
        say,
      );
      return {
        ...session,
        // What the SIGINT listener calls; the test presses "Ctrl-C" through it.
        interceptInterrupt,
      };
    });
    expect(code).toBe(130);
    const [report] = await reportSources(dir);
    expect(report?.source.execution.outcome).toBe('aborted');
    expect(report?.source.notes.map((n) => n.text)).toContain('cancelled by alice (Ctrl-C)');
    expect(report?.source.waves[0]?.approval?.decision).toBe('pending');
  });

  it('plans every wave of a runbook without changing anything', async () => {
    const { dir, code, stdout } = await runPlain(
      THREE_WAVES,
      'plan --runbook runbook.yaml --state-file sim.json --quiet',
    );
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as {
      waves: { wave: string; approval: boolean; plan: { totalServers: number } }[];
    };
    expect(plan.waves.map((w) => [w.wave, w.approval])).toEqual([
      ['databases', false],
      ['application', true],
      ['web', false],
    ]);
    expect(plan.waves.every((w) => w.plan.totalServers > 0)).toBe(true);
    const world = JSON.parse(await readFile(join(dir, 'sim.json'), 'utf8')) as {
      calls: { operation: string }[];
    };
    expect(world.calls.some((c) => c.operation === 'StartRecovery')).toBe(false);
  });

  it('names a wave that --approve does not know', async () => {
    const { code, stderr } = await runPlain(THREE_WAVES, 'runbook runbook.yaml --approve aplication');
    expect(code).toBe(64);
    expect(stderr).toContain(
      '--approve "aplication" names no wave or manual step of the runbook; expected all or one of databases, application, web',
    );
  });
});

describe('the evidence report in Chromium', () => {
  let browser: Browser;
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    // Chromium from Debian (`apt-get install -y chromium`); .ci/run installs it.
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(
    html: string,
    viewport = { width: 1280, height: 900 },
  ): Promise<{ page: Page; ms: number }> {
    const page = await browser.newPage({ viewport });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('file://')) requests.push(r.url());
    });
    const t0 = Date.now();
    await page.goto(`file://${html}`, { waitUntil: 'load' });
    return { page, ms: Date.now() - t0 };
  }

  it('shows the totals, one row per wave and the timeline bars of waves, accounts and DRS jobs', async () => {
    const s = success.report.source;
    const { page } = await open(success.report.html);
    expect(await page.locator('[data-total="servers"] b').textContent()).toBe(String(s.totals.servers));
    expect(await page.locator('[data-total="failed"] b').textContent()).toBe('0');
    expect(await page.locator('tr.wave').count()).toBe(3);
    expect(await page.locator('tr.wave').nth(1).textContent()).toContain('application owners ready');
    expect(await page.locator('rect[data-kind="wave"]').count()).toBe(3);
    expect(await page.locator('rect[data-kind="account"]').count()).toBe(s.accounts.length);
    expect(await page.locator('rect[data-kind="job"]').count()).toBe(s.jobs.length);
    expect(await page.locator('rect[data-kind="approval"]').count()).toBe(1);
    // Bars have a width on the time axis (a job that starts after it ends would not).
    const widths = await page
      .locator('rect.bar')
      .evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('width'))));
    expect(widths.every((w) => w > 0)).toBe(true);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('prints the SHA-256 of its JSON source', async () => {
    const { page } = await open(success.report.html);
    const digest = createHash('sha256')
      .update(await readFile(success.report.json))
      .digest('hex');
    expect(await page.locator('#digest').textContent()).toBe(digest);
    await page.close();
  });

  it('lists the failed servers first, with their reason, and counts them in the totals', async () => {
    const s = partial.report.source;
    const { page } = await open(partial.report.html);
    const failed = s.totals.failed + s.totals.timedOut;
    expect(await page.locator('[data-total="failed"] b').textContent()).toBe(String(s.totals.failed));
    const outcomes = await page
      .locator('tr.server')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-outcome')));
    expect(outcomes).toHaveLength(s.totals.servers);
    expect(outcomes.slice(0, failed).every((o) => o === 'failed' || o === 'timeout')).toBe(true);
    expect(outcomes.slice(failed).every((o) => o === 'succeeded')).toBe(true);
    const firstReason = await page.locator('tr.server').first().locator('td').last().textContent();
    expect(firstReason).toBe(s.servers[0]?.reason);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('opens the 900-server report with every server row', async () => {
    const { page, ms } = await open(big.report.html);
    expect(await page.locator('tr.server').count()).toBe(900);
    expect(await page.locator('[data-total="servers"] b').textContent()).toBe('900');
    expect(consoleErrors).toEqual([]);
    // Measured, not asserted (timing does not belong in tests): see the report module's README.
    console.info(
      `900-server report: ${(await readFile(big.report.html)).length} bytes HTML, opened in ${ms} ms`,
    );
    await page.close();
  });

  it('fits A4 when printed: no table wider than the printable width', async () => {
    // A4 portrait minus the 12 mm margins, at 96 dpi: 186 mm = 703 px.
    const { page } = await open(partial.report.html, { width: 703, height: 1000 });
    await page.emulateMedia({ media: 'print' });
    const overflow = await page.evaluate(
      () =>
        Array.from(document.querySelectorAll('table, svg')).filter(
          (t) => t.getBoundingClientRect().right > 703 + 1,
        ).length,
    );
    expect(overflow).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(703);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
    await page.close();
  });
});
