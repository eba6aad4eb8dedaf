/**
 * The evidence report of a bad day, opened in Chromium from Debian (`/usr/bin/chromium`, installed
 * by .ci/run; never a downloaded browser) at 1400 px: RPO/RTO at a glance in the header, a step log
 * per wave, and a server table whose rows stay at most two lines high whatever the tags and the
 * reasons hold. The run is a real failover through the ASL on the local runtime: the HRP site went
 * dark 7 minutes after its 09:00 snapshot and the failover starts an hour later; one instance
 * never passes its status checks.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { RunRecord } from '../../src/cli/reports.js';
import { reportHistory } from '../../src/cli/targets/local.js';
import { MAX_LOG_EVENTS_PER_JOB } from '../../src/core/model.js';
import { buildEvidence, type ReportSource, renderReportHtml } from '../../src/report/index.js';
import { runStateMachine } from '../../src/runtime/index.js';
import { isNotableLogEvent } from '../../src/tasks/shared.js';
import { serversTagged } from './helpers.js';
import { startWorld, type World } from './world.js';

const WAVE_HRP = { 'DR-Wave': '1', 'DR-Application': 'HRP' };

let world: World | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

/** The failover's evidence, with every server given many tags and one a very long reason. */
async function badDay(): Promise<ReportSource> {
  const { demoFleet } = await import('../../src/emulator/fleet/demo.js');
  world = await startWorld({
    fleet: {
      ...demoFleet(),
      siteOutages: [{ tags: { 'DR-Application': 'HRP' }, at: '2025-01-06T09:07:00.000Z' }],
    },
  });
  const [impaired] = serversTagged(world, WAVE_HRP).map((s) => s.id);
  world.emu.faults.set({ impairedInstances: [impaired as string] });
  world.emu.clock.advance(67 * 60_000);
  const record = new RunRecord();
  await runStateMachine({
    machine: 'main',
    input: {
      action: 'failover',
      tags: WAVE_HRP,
      options: { continueOnFailure: true, healthCheckMinutes: 15 },
      metadata: { initiatedBy: 'ops@example.com' },
    },
    env: world.env,
    name: 'bad-day-1',
    onHistory: reportHistory(record.onHistory) as NonNullable<
      Parameters<typeof runStateMachine>[0]['onHistory']
    >,
  });
  const source = buildEvidence({
    kind: 'action',
    rootArn: record.rootArn ?? '',
    histories: record.histories,
    target: 'sim',
    generatedAt: world.emu.clock.now().toISOString(),
  });
  const tags = Object.fromEntries(
    Array.from({ length: 30 }, (_, i) => [`Tag-${i}`, `a-long-tag-value-number-${i}`]),
  );
  return {
    ...source,
    servers: source.servers.map((s, i) => ({
      ...s,
      tags,
      ...(i === 0 && { reason: `${s.reason ?? ''} ${'the instance never passed its checks '.repeat(20)}` }),
    })),
  };
}

describe('the evidence report in Chromium at 1400 px', () => {
  it('shows worst data loss and recovery time at a glance, the step log with its DRS jobs, and no server row taller than two lines', async () => {
    const source = await badDay();
    const w = world as World;
    expect(source.totals.failed).toBe(1);
    const text = JSON.stringify(source, null, 2);
    const file = join(await mkdtemp(join(tmpdir(), 'report-glance-')), 'report.html');
    await writeFile(file, renderReportHtml(source, text));

    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`file://${file}`, { waitUntil: 'load' });

      // The header figures.
      expect(await page.textContent('[data-figure="worstDataLoss"] b')).toBe('7m 00s');
      const recovery = source.objectives?.overall.recoveryTimeSeconds ?? 0;
      expect(recovery).toBeGreaterThanOrEqual(3600);
      expect(await page.textContent('[data-figure="recoveryTime"] b')).toMatch(/^1h \d\dm \d\ds$/);
      const recovered = source.objectives?.overall.recovered ?? 0;
      expect(await page.textContent('[data-figure="previousSnapshot"] b')).toBe(
        `${recovered} of ${recovered}`,
      );
      expect(await page.locator('[data-worst]').count()).toBeGreaterThan(0);
      // The step log: discovery, each DRS job with USING_PREVIOUS_SNAPSHOT, health checks.
      const steps = await page
        .locator('table.steps tr.step')
        .evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-step'), r.textContent ?? '']));
      expect(steps.map(([s]) => s)).toEqual(
        expect.arrayContaining(['discover', 'aggregate', 'health checks']),
      );
      const jobs = steps.filter(([s]) => /^drs job \S+$/.test(s ?? ''));
      expect(jobs.length).toBe(source.jobs.length);
      expect(jobs.every(([, t]) => t?.includes('USING_PREVIOUS_SNAPSHOT'))).toBe(true);
      // Each job's USING_PREVIOUS_SNAPSHOT items as DRS logged them (DescribeJobLogItems): the
      // job id, the source server and DRS's own time of the item; the first 20 of a job kept and
      // the rest counted on the job's step.
      let all = 0;
      const logged = source.jobs.flatMap((j) => {
        const notable = (w.emu.drs.account(j.accountId)?.job(j.jobId)?.events ?? []).filter((e) =>
          isNotableLogEvent(e.event),
        );
        all += notable.filter((e) => e.event === 'USING_PREVIOUS_SNAPSHOT').length;
        const kept = notable
          .slice(0, MAX_LOG_EVENTS_PER_JOB)
          .filter((e) => e.event === 'USING_PREVIOUS_SNAPSHOT')
          .map((e) => ({
            step: `drs job ${j.jobId} USING_PREVIOUS_SNAPSHOT`,
            time: new Date(e.atMs).toISOString(),
            detail: `${j.accountId}: source server ${e.sourceServerID}`,
          }));
        const left = notable.length - MAX_LOG_EVENTS_PER_JOB;
        const job = jobs.find(([s]) => s === `drs job ${j.jobId}`)?.[1] ?? '';
        expect(job).toContain(`USING_PREVIOUS_SNAPSHOT: ${kept.length}`);
        if (left > 0) expect(job).toContain(`${left} more job log items not kept`);
        return kept;
      });
      // Every launch used the 09:00 snapshot, the impaired instance's too.
      expect(all).toBe(recovered + source.totals.failed);
      const items = (source.waves[0]?.steps ?? [])
        .filter((s) => s.step.endsWith(' USING_PREVIOUS_SNAPSHOT'))
        .map(({ step, time, detail }) => ({ step, time, detail }));
      expect(items).toEqual(expect.arrayContaining(logged));
      expect(items).toHaveLength(logged.length);
      expect(steps.filter(([s]) => s?.endsWith(' USING_PREVIOUS_SNAPSHOT'))).toHaveLength(logged.length);
      expect(w.emu.state.callTotal({ service: 'drs', operation: 'DescribeJobLogItems' })).toBe(
        source.jobs.length,
      );
      // A single action is not called "Wave 1"; nothing overflows the badge's cell.
      expect(await page.locator('text=Wave 1').count()).toBe(0);
      // Every server row at most two lines high, the tags and the long reason included.
      const rows = await page.locator('table.servers tbody tr').evaluateAll((trs) =>
        trs.map((tr) => {
          const td = tr.querySelector('td') as HTMLElement;
          const line = Number.parseFloat(getComputedStyle(td).lineHeight);
          const badge = tr.querySelector('.badge') as HTMLElement;
          const cell = badge.parentElement as HTMLElement;
          return {
            height: tr.getBoundingClientRect().height,
            line,
            badgeInside: badge.getBoundingClientRect().right <= cell.getBoundingClientRect().right + 0.5,
          };
        }),
      );
      expect(rows).toHaveLength(source.servers.length);
      for (const r of rows) {
        // Two lines of text, the cell's padding (3 px each side) and its border.
        expect(r.height).toBeLessThanOrEqual(2 * r.line + 8);
        expect(r.badgeInside).toBe(true);
      }
    } finally {
      await browser.close();
    }
  }, 120_000);
});
