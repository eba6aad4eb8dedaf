/**
 * Renders a report's JSON source as one self-contained HTML page: inline CSS and SVG, no script,
 * no font, no image and no link that needs the network, readable on screen and printed to A4.
 * Pure: a string in, a string out.
 */
import { createHash } from 'node:crypto';
import { inertText } from '../core/inert-text.js';
import type { ReportJob, ReportServer, ReportSource, ReportWave } from './model.js';

/**
 * Escapes text for HTML content and attribute values; controls and bidirectional overrides from
 * AWS or a fleet are shown as `\uXXXX` ({@link inertText}), never acted on. Every value of the
 * source goes through it, numbers too: the page must stay inert whatever a JSON file holds.
 */
export function escapeHtml(value: unknown): string {
  return inertText(String(value ?? ''))
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** SHA-256 (hex) of the exact JSON text the report was rendered from. */
export function sourceDigest(sourceText: string): string {
  return createHash('sha256').update(sourceText, 'utf8').digest('hex');
}

/**
 * The SHA-256 a report page says it was rendered from (its Integrity footer), or undefined for a
 * page that is not a report page of ours.
 */
export function printedDigest(html: string): string | undefined {
  return /<span class="digest" id="digest">([0-9a-f]{64})<\/span>/.exec(html)?.[1];
}

/** `1h 02m 03s`, `4m 05s`, `12s`. */
export function formatSeconds(total: number | undefined): string {
  if (total === undefined) return '—';
  // Only a finite number of seconds is laid out; anything else is shown as it is, escaped.
  if (typeof total !== 'number' || !Number.isFinite(total)) return escapeHtml(total);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

/** `2025-01-06 09:00:00 UTC`. */
function when(iso: string | undefined): string {
  if (iso === undefined) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return escapeHtml(iso);
  return `${new Date(t)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')} UTC`;
}

const CSS = `
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa;--acc:#0969da}
*{box-sizing:border-box}
body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;margin:0;padding:24px;max-width:1280px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.sub{color:var(--muted);margin:0 0 16px}
.badge{display:inline-block;white-space:nowrap;padding:1px 8px;border-radius:10px;font-weight:600;font-size:12px;color:#fff;background:var(--muted);text-transform:uppercase}
.o-success,.o-succeeded,.o-approved,.o-launched{background:var(--ok)}.o-failed,.o-rejected,.o-aborted{background:var(--bad)}
.o-partial,.o-timeout,.o-stopped,.o-skipped,.o-pending{background:var(--warn)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;word-break:break-all}
.totals{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}
.total{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:110px;background:var(--bg)}
.total b{display:block;font-size:22px}.total.bad b{color:var(--bad)}.total.good b{color:var(--ok)}
table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:12.5px}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word}
th{background:var(--bg)}tr.failed td,tr.timeout td{background:#ffebe9}
td.num{text-align:right}
.rto-miss{color:var(--bad);font-weight:600}.rto-ok{color:var(--ok);font-weight:600}
svg.timeline{width:100%;height:auto;border:1px solid var(--line);background:#fff}
svg text{font:11px sans-serif;fill:#1f2328}svg .axis{stroke:var(--line)}svg .tick{fill:var(--muted)}
.legend span{display:inline-block;margin-right:14px;font-size:12px}.legend i{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:middle}
pre{background:var(--bg);border:1px solid var(--line);padding:8px;white-space:pre-wrap;word-break:break-all;font-size:11.5px}
.digest{font-family:ui-monospace,Menlo,monospace;word-break:break-all}
.note{color:var(--muted)}
@page{size:A4;margin:12mm}
@media print{
 body{padding:0;max-width:none;font-size:10px}
 h2{break-after:avoid}
 table{font-size:8px}th,td{padding:1px 3px}
 thead{display:table-header-group}
 tr,.total,svg{break-inside:avoid}
 .badge{border:1px solid #000;color:#000;background:none!important}
 tr.failed td,tr.timeout td{background:#ffebe9!important;-webkit-print-color-adjust:exact;print-color-adjust:exact}
 svg.timeline{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}`;

function badge(outcome: string): string {
  return `<span class="badge o-${escapeHtml(outcome.replace(/[^a-z]/gi, '').toLowerCase())}">${escapeHtml(outcome)}</span>`;
}

function tagText(tags: Readonly<Record<string, string>> | undefined): string {
  if (!tags) return '';
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

const BAR_COLORS: Readonly<Record<string, string>> = {
  success: '#2da44e',
  succeeded: '#2da44e',
  partial: '#d4a72c',
  timeout: '#d4a72c',
  failed: '#cf222e',
};

/** Lays jobs of one row on as few lanes as possible (a job never overlaps another on its lane). */
function lanes(jobs: readonly ReportJob[], t: (iso: string | undefined) => number): ReportJob[][] {
  const out: { end: number; jobs: ReportJob[] }[] = [];
  const sorted = [...jobs].sort((a, b) => t(a.startTime) - t(b.startTime));
  for (const job of sorted) {
    const lane = out.find((l) => l.end <= t(job.startTime));
    const end = t(job.endTime ?? job.startTime);
    if (lane) {
      lane.jobs.push(job);
      lane.end = end;
    } else out.push({ end, jobs: [job] });
  }
  return out.map((l) => l.jobs);
}

/** The timeline: waves, approval waits, accounts and DRS jobs on one time axis. */
function timeline(src: ReportSource): string {
  const times = [
    src.execution.startTime,
    src.execution.endTime,
    ...src.waves.flatMap((w) => [w.startTime, w.endTime, w.approval?.requestedAt, w.approval?.decidedAt]),
    ...src.accounts.flatMap((a) => [a.startTime, a.endTime]),
    ...src.jobs.flatMap((j) => [j.startTime, j.endTime]),
  ]
    .filter((s): s is string => s !== undefined)
    .map((s) => Date.parse(s))
    .filter((n) => !Number.isNaN(n));
  if (times.length === 0) return '<p class="note">No timing recorded.</p>';
  const t0 = Math.min(...times);
  const t1 = Math.max(t0 + 1000, ...times);
  const labelW = 190;
  const width = 1000;
  const plotW = width - labelW - 10;
  const x = (iso: string | undefined): number =>
    iso === undefined ? labelW + plotW : labelW + ((Date.parse(iso) - t0) / (t1 - t0)) * plotW;
  const ms = (iso: string | undefined): number => (iso === undefined ? t1 : Date.parse(iso));
  const rowH = 22;
  const parts: string[] = [];
  let y = 24;
  const bar = (
    kind: string,
    x0: number,
    x1: number,
    yy: number,
    h: number,
    color: string,
    title: string,
    extra = '',
  ): string =>
    `<rect class="bar" data-kind="${kind}" x="${x0.toFixed(1)}" y="${yy}" width="${Math.max(1.5, x1 - x0).toFixed(1)}" height="${h}" fill="${color}"${extra}><title>${escapeHtml(title)}</title></rect>`;
  for (const wave of src.waves) {
    parts.push(
      `<text x="4" y="${y + 15}" font-weight="bold">${escapeHtml(`Wave ${wave.number}: ${wave.name}`.slice(0, 30))}</text>`,
    );
    const a = wave.approval;
    if (a?.requestedAt !== undefined) {
      parts.push(
        bar(
          'approval',
          x(a.requestedAt),
          x(a.decidedAt ?? src.execution.endTime),
          y + 4,
          rowH - 8,
          '#bf8700',
          `approval ${a.decision}: ${when(a.requestedAt)} → ${when(a.decidedAt)}${a.by ? ` by ${a.by}` : ''}`,
          ' fill-opacity="0.55"',
        ),
      );
    }
    if (wave.startTime !== undefined) {
      parts.push(
        bar(
          'wave',
          x(wave.startTime),
          x(wave.endTime),
          y + 3,
          rowH - 6,
          (Object.hasOwn(BAR_COLORS, wave.status) ? BAR_COLORS[wave.status] : undefined) ?? '#8c959f',
          `wave ${wave.number} ${wave.name}: ${wave.status}, ${formatSeconds(wave.durationSeconds)}`,
        ),
      );
    }
    y += rowH;
    for (const acc of src.accounts.filter((ac) => ac.wave === wave.number)) {
      const accJobs = src.jobs.filter((j) => j.wave === wave.number && j.accountId === acc.accountId);
      const jobLanes = lanes(accJobs, ms);
      const h = rowH + Math.max(0, jobLanes.length - 1) * 8;
      parts.push(`<text x="14" y="${y + 14}">${escapeHtml(`account ${acc.accountId}`)}</text>`);
      parts.push(
        bar(
          'account',
          x(acc.startTime),
          x(acc.endTime),
          y + 2,
          h - 4,
          '#afb8c1',
          `account ${acc.accountId} (wave ${wave.number}): ${acc.status}, ${when(acc.startTime)} → ${when(acc.endTime)}`,
          ' fill-opacity="0.6"',
        ),
      );
      jobLanes.forEach((lane, li) => {
        for (const j of lane) {
          parts.push(
            bar(
              'job',
              x(j.startTime),
              x(j.endTime),
              y + 5 + li * 8,
              6,
              '#0969da',
              `DRS job ${j.jobId} (${j.servers} servers, account ${j.accountId}): ${when(j.startTime)} → ${when(j.endTime)}`,
            ),
          );
        }
      });
      y += h;
    }
  }
  // Axis with about six ticks.
  const ticks: string[] = [];
  const span = t1 - t0;
  for (let i = 0; i <= 6; i++) {
    const tx = labelW + (plotW * i) / 6;
    const label = formatSeconds(Math.round((span * i) / 6 / 1000));
    ticks.push(`<line class="axis" x1="${tx.toFixed(1)}" y1="18" x2="${tx.toFixed(1)}" y2="${y}"/>`);
    ticks.push(
      `<text class="tick" x="${tx.toFixed(1)}" y="12" text-anchor="middle">+${escapeHtml(label)}</text>`,
    );
  }
  return `<svg class="timeline" role="img" aria-label="timeline" viewBox="0 0 ${width} ${y + 6}" xmlns="http://www.w3.org/2000/svg">${ticks.join('')}${parts.join('')}</svg>
<div class="legend"><span><i style="background:#2da44e"></i>wave</span><span><i style="background:#bf8700;opacity:.55"></i>approval wait</span><span><i style="background:#afb8c1"></i>staging account</span><span><i style="background:#0969da"></i>DRS job (created → completed)</span><span>axis: time since ${escapeHtml(when(src.execution.startTime))}</span></div>`;
}

function waveRow(w: ReportWave): string {
  const rto =
    w.rtoTargetMinutes === undefined
      ? '—'
      : `${escapeHtml(w.rtoTargetMinutes)} min ${w.rtoMet === undefined ? '' : w.rtoMet ? '<span class="rto-ok">met</span>' : '<span class="rto-miss">missed</span>'}`;
  const a = w.approval;
  const approval = !w.approvalRequired
    ? 'not required'
    : a === undefined
      ? 'required'
      : `${badge(a.decision)} ${a.by ? `by ${escapeHtml(a.by)}` : ''} ${a.decidedAt ? `at ${when(a.decidedAt)}` : ''}${a.comment ? `<br>“${escapeHtml(a.comment)}”` : ''}`;
  return `<tr class="wave" data-wave="${escapeHtml(w.number)}"><td>${escapeHtml(w.number)}</td><td>${escapeHtml(w.name)}</td><td>${escapeHtml(tagText(w.tags))}</td><td>${badge(w.status)}</td><td>${when(w.startTime)}</td><td>${when(w.endTime)}</td><td>${formatSeconds(w.durationSeconds)}</td><td>${rto}</td><td>${approval}</td><td class="num">${escapeHtml(w.totals.succeeded)}/${escapeHtml(w.totals.servers)}</td></tr>`;
}

function serverRow(s: ReportServer): string {
  const loss = s.dataLossSeconds === undefined ? '—' : formatSeconds(s.dataLossSeconds);
  return `<tr class="server ${escapeHtml(s.outcome)}" data-outcome="${escapeHtml(s.outcome)}"><td>${badge(s.outcome)}</td><td>${escapeHtml(s.name ?? s.sourceServerId)}<br><small>${escapeHtml(s.sourceServerId)}</small></td><td>${escapeHtml(s.wave)}</td><td>${escapeHtml(s.accountId ?? '—')}</td><td>${escapeHtml(s.jobId ?? '—')}</td><td>${s.recoveryPointTime ? when(s.recoveryPointTime) : '—'}</td><td>${loss}</td><td>${escapeHtml(s.instanceId ?? '—')}</td><td>${escapeHtml(s.privateIp ?? '—')}</td><td>${escapeHtml(s.health ?? '—')}</td><td>${escapeHtml(tagText(s.tags))}</td><td>${escapeHtml(s.reason ?? '')}</td></tr>`;
}

/**
 * Renders the report page.
 *
 * @param source the report source
 * @param sourceText the exact JSON text of `source` as stored next to the page (its SHA-256 is printed)
 * @example renderReportHtml(source, JSON.stringify(source, null, 2))
 */
export function renderReportHtml(source: ReportSource, sourceText: string): string {
  const s = source;
  const e = s.execution;
  const t = s.totals;
  const digest = sourceDigest(sourceText);
  const facts: [string, string][] = [
    ['Execution', escapeHtml(e.arn)],
    ['Target', escapeHtml(e.target)],
    ['Started by', escapeHtml(s.startedBy.initiatedBy ?? 'not recorded')],
    ['Ticket', escapeHtml(s.startedBy.ticketId ?? 'none')],
    ['Correlation id', escapeHtml(s.startedBy.correlationId ?? '—')],
    ['Started', when(e.startTime)],
    ['Ended', when(e.endTime)],
    ['Duration', formatSeconds(e.durationSeconds)],
    ['Step Functions status', escapeHtml(e.status)],
  ];
  if (e.reason) facts.push(['Reason', escapeHtml(e.reason)]);
  const failedCount = t.failed + t.timedOut;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(`DRS ${s.kind} report: ${s.title}`)}</title>
<style>${CSS}</style></head>
<body>
<header><h1>${escapeHtml(s.title)} ${badge(e.outcome)}</h1>
<p class="sub">DRS ${escapeHtml(s.action)} ${s.kind === 'runbook' ? `runbook, ${escapeHtml(t.wavesRun)} of ${escapeHtml(t.waves)} waves run` : 'action'} · report generated ${when(s.generatedAt)}</p></header>
<section id="summary"><dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>
<div class="totals" id="totals">
<div class="total" data-total="servers"><b>${escapeHtml(t.servers)}</b>servers</div>
<div class="total good" data-total="succeeded"><b>${escapeHtml(t.succeeded)}</b>succeeded</div>
<div class="total${t.failed ? ' bad' : ''}" data-total="failed"><b>${escapeHtml(t.failed)}</b>failed</div>
<div class="total${t.timedOut ? ' bad' : ''}" data-total="timedOut"><b>${escapeHtml(t.timedOut)}</b>timed out</div>
<div class="total" data-total="skipped"><b>${escapeHtml(t.skipped)}</b>skipped</div>
<div class="total" data-total="waves"><b>${escapeHtml(t.wavesRun)}/${escapeHtml(t.waves)}</b>waves run</div>
</div></section>
<section id="waves"><h2>Waves</h2>
<table><colgroup><col style="width:4%"><col style="width:11%"><col style="width:14%"><col style="width:9%"><col style="width:12%"><col style="width:12%"><col style="width:8%"><col style="width:9%"><col style="width:14%"><col style="width:7%"></colgroup>
<thead><tr><th>#</th><th>Wave</th><th>Tags</th><th>Status</th><th>Start</th><th>End</th><th>Duration</th><th>RTO target</th><th>Approval</th><th>OK / servers</th></tr></thead>
<tbody>${s.waves.map(waveRow).join('')}</tbody></table></section>
<section id="timeline"><h2>Timeline</h2>${timeline(s)}</section>
${s.notes.length ? `<section id="notes"><h2>Log</h2><table><colgroup><col style="width:22%"><col></colgroup><tbody>${s.notes.map((n) => `<tr><td>${when(n.time)}</td><td>${escapeHtml(n.text)}</td></tr>`).join('')}</tbody></table></section>` : ''}
<section id="servers"><h2>Servers (${escapeHtml(t.servers)}${failedCount ? `, ${escapeHtml(failedCount)} not recovered, listed first` : ''})</h2>
${s.gaps.map((g) => `<p class="note">${escapeHtml(g)}</p>`).join('')}
<table><colgroup><col style="width:7%"><col style="width:12%"><col style="width:4%"><col style="width:8.5%"><col style="width:9%"><col style="width:8%"><col style="width:5.5%"><col style="width:9%"><col style="width:7.5%"><col style="width:5.5%"><col style="width:12%"><col style="width:12%"></colgroup>
<thead><tr><th>Outcome</th><th>Server</th><th>Wave</th><th>Account</th><th>DRS job</th><th>Recovery point</th><th>Data loss</th><th>Instance</th><th>Private IP</th><th>Health</th><th>Tags</th><th>Reason</th></tr></thead>
<tbody>${s.servers.map(serverRow).join('')}</tbody></table></section>
<section id="input"><h2>Input</h2><pre>${escapeHtml(JSON.stringify(s.input, null, 2))}</pre></section>
<footer><h2>Integrity</h2><p>SHA-256 of the JSON source this page was rendered from: <span class="digest" id="digest">${digest}</span><br>
<span class="note">Check it later with <code>sha256sum ${escapeHtml(e.name)}.json</code> next to this file.</span></p></footer>
</body></html>
`;
  return html;
}
