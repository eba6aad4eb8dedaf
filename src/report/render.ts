/**
 * Renders a report's JSON source as one self-contained HTML page: inline CSS and SVG, no script,
 * no font, no image and no link that needs the network, readable on screen and printed to A4.
 * Pure: a string in, a string out.
 */
import { createHash } from 'node:crypto';
import { inertText } from '../core/inert-text.js';
import type {
  ReportJob,
  ReportObjectiveFigures,
  ReportServer,
  ReportSource,
  ReportStep,
  ReportWave,
} from './model.js';

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
.desc{margin:0 0 12px}
.glance{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}
.figure{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:170px;background:var(--bg)}
.figure b{display:block;font-size:22px}.figure small{color:var(--muted)}
table.servers td{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
table.servers td .badge{display:block;overflow:hidden;text-overflow:ellipsis;max-width:100%}
.flag{color:var(--warn);font-weight:600}
.warn{color:var(--warn)}
@page{size:A4;margin:12mm}
@media print{
 body{padding:0;max-width:none;font-size:10px}
 h2{break-after:avoid}
 table{font-size:8px}th,td{padding:1px 3px}
 thead{display:table-header-group}
 tr,.total,svg{break-inside:avoid}
 .badge{border:1px solid #000;color:#000;background:none!important}
 table.servers td{white-space:normal}
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
      `<text x="4" y="${y + 15}" font-weight="bold">${escapeHtml((src.kind === 'runbook' ? `Wave ${wave.number}: ${wave.name}` : 'Run').slice(0, 30))}</text>`,
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
          `${src.kind === 'runbook' ? `wave ${wave.number} ` : ''}${wave.name}: ${wave.status}, ${formatSeconds(wave.durationSeconds)}`,
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
          `account ${acc.accountId}${src.kind === 'runbook' ? ` (wave ${wave.number})` : ''}: ${acc.status}, ${when(acc.startTime)} → ${when(acc.endTime)}`,
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

/** Cell text on one line, cut with an ellipsis on screen; the whole text is its tooltip. */
function cell(text: string | undefined, fallback = '—'): string {
  if (text === undefined || text === '') return fallback;
  return `<span title="${escapeHtml(text)}">${escapeHtml(text)}</span>`;
}

/**
 * One server: at most two lines per cell (name over id, account over job, recovery point over
 * replicated-until, instance over IP), so a row never grows with tags or long reasons on screen
 * (the tags are in the JSON source; a long reason is cut with its whole text as the tooltip, and
 * printed whole).
 */
function serverRow(s: ReportServer, warnings: readonly string[], runbook: boolean): string {
  const loss =
    s.dataLossSeconds === undefined
      ? '—'
      : `${formatSeconds(s.dataLossSeconds)}${s.usedPreviousSnapshot ? '<br><span class="flag" title="DRS launched from an older snapshot because replication had stopped (USING_PREVIOUS_SNAPSHOT)">previous snapshot</span>' : ''}`;
  const reason = [s.reason, ...warnings].filter((r): r is string => r !== undefined && r !== '').join('; ');
  return `<tr class="server ${escapeHtml(s.outcome)}" data-outcome="${escapeHtml(s.outcome)}" data-server="${escapeHtml(s.sourceServerId)}"><td>${badge(s.outcome)}</td><td title="${escapeHtml(tagText(s.tags))}">${escapeHtml(s.name ?? s.sourceServerId)}<br><small>${escapeHtml(s.sourceServerId)}</small></td>${runbook ? `<td>${escapeHtml(s.wave)}</td>` : ''}<td>${cell(s.accountId)}<br><small>${cell(s.jobId, '')}</small></td><td>${s.recoveryPointTime ? when(s.recoveryPointTime) : '—'}<br><small>${s.replicatedUntil ? `until ${when(s.replicatedUntil)}` : ''}</small></td><td data-field="dataLoss">${loss}</td><td data-field="recoveryTime">${formatSeconds(s.recoveryTimeSeconds)}</td><td>${formatSeconds(s.launchToReadySeconds)}</td><td>${cell(s.instanceId)}<br><small>${cell(s.privateIp, '')}</small></td><td>${cell(s.health)}</td><td${warnings.length ? ' class="warn"' : ''}>${cell(reason, '')}</td></tr>`;
}

/** One figure of the RPO/RTO block. */
function figure(key: string, label: string, seconds: number | undefined, note: string): string {
  return `<div class="figure" data-figure="${escapeHtml(key)}"><b>${formatSeconds(seconds)}</b>${escapeHtml(label)}<br><small>${escapeHtml(note)}</small></div>`;
}

/** A row of per-wave or per-account objectives. */
function objectiveRow(name: string, f: ReportObjectiveFigures): string {
  return `<tr><td>${escapeHtml(name)}</td><td>${formatSeconds(f.worstDataLossSeconds)}</td><td>${formatSeconds(f.recoveryTimeSeconds)}</td><td class="num">${escapeHtml(f.recovered)}</td><td class="num">${escapeHtml(f.previousSnapshot)}</td></tr>`;
}

/** RPO and RTO at a glance: overall figures, per wave and per account, and the worst servers. */
function objectivesSection(src: ReportSource): string {
  const o = src.objectives;
  if (o === undefined) return '';
  const head =
    '<thead><tr><th>{}</th><th>Worst data loss</th><th>Recovery time</th><th>Recovered</th><th>Previous snapshot</th></tr></thead>';
  const waves =
    src.kind === 'runbook' && o.waves.length > 0
      ? `<table class="objectives" data-by="wave">${head.replace('{}', 'Wave')}<tbody>${o.waves.map((w) => objectiveRow(`${w.wave}: ${src.waves.find((x) => x.number === w.wave)?.name ?? ''}`, w)).join('')}</tbody></table>`
      : '';
  const accounts =
    o.accounts.length > 0
      ? `<table class="objectives" data-by="account">${head.replace('{}', 'Account')}<tbody>${o.accounts.map((a) => objectiveRow(a.accountId, a)).join('')}</tbody></table>`
      : '';
  const worst =
    o.worstServers.length > 0
      ? `<p>Worst servers: ${o.worstServers
          .map(
            (w) =>
              `<span data-worst="${escapeHtml(w.sourceServerId)}">${escapeHtml(w.name ?? w.sourceServerId)} (${formatSeconds(w.dataLossSeconds)} data loss, ${formatSeconds(w.recoveryTimeSeconds)} to recover${w.usedPreviousSnapshot ? ', previous snapshot' : ''})</span>`,
          )
          .join('; ')}</p>`
      : '';
  return `<section id="objectives"><h2>Recovery objectives (RPO / RTO achieved)</h2>
<div class="glance">${figure('worstDataLoss', 'worst data loss (RPO)', o.overall.worstDataLossSeconds, 'replicated-until minus recovery point')}${figure('recoveryTime', 'recovery time (RTO)', o.overall.recoveryTimeSeconds, 'replicated-until (the outage or the request) to ready')}<div class="figure" data-figure="previousSnapshot"><b>${escapeHtml(o.overall.previousSnapshot)} of ${escapeHtml(o.overall.recovered)}</b>from a previous snapshot<br><small>replication had stopped</small></div></div>
${worst}${waves}${accounts}</section>`;
}

function stepRow(step: ReportStep): string {
  return `<tr class="step" data-step="${escapeHtml(step.step)}"><td>${when(step.time)}</td><td>${when(step.endTime)}</td><td>${escapeHtml(step.step)}</td><td>${badge(step.status)}</td><td>${escapeHtml(step.detail ?? '')}</td></tr>`;
}

/** Each wave's step log: discover, each account and DRS job, health checks, approvals. */
function stepsSection(src: ReportSource): string {
  const blocks = src.waves
    .filter((w) => (w.steps ?? []).length > 0)
    .map(
      (w) =>
        `${src.kind === 'runbook' ? `<h3>Wave ${escapeHtml(w.number)}: ${escapeHtml(w.name)}</h3>` : ''}<table class="steps" data-wave="${escapeHtml(w.number)}"><colgroup><col style="width:17%"><col style="width:17%"><col style="width:18%"><col style="width:10%"><col></colgroup><thead><tr><th>Start</th><th>End</th><th>Step</th><th>Status</th><th>Detail</th></tr></thead><tbody>${(w.steps ?? []).map(stepRow).join('')}</tbody></table>`,
    );
  return blocks.length > 0 ? `<section id="steps"><h2>Step log</h2>${blocks.join('')}</section>` : '';
}

/** The outputs' warnings, each naming the servers it concerns. */
function warningsSection(src: ReportSource): string {
  const list = src.warnings ?? [];
  if (list.length === 0) return '';
  return `<section id="warnings"><h2>Warnings (${escapeHtml(list.length)})</h2><ul>${list
    .map(
      (w) =>
        `<li class="warn">${src.kind === 'runbook' ? `wave ${escapeHtml(w.wave)}: ` : ''}${escapeHtml(w.text)}${w.sourceServerIds.length ? ` <small>(${w.sourceServerIds.map(escapeHtml).join(', ')})</small>` : ''}</li>`,
    )
    .join('')}</ul></section>`;
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
    ['Started by', escapeHtml(s.startedBy.initiatedBy ?? 'not given (metadata.initiatedBy)')],
    ['Ticket', escapeHtml(s.startedBy.ticketId ?? 'none')],
    ['Correlation id', escapeHtml(s.startedBy.correlationId ?? '—')],
    ['Started', when(e.startTime)],
    ['Ended', when(e.endTime)],
    ['Duration', formatSeconds(e.durationSeconds)],
    [
      'Step Functions status',
      `${escapeHtml(e.status)}${e.statusNote ? `<br><small class="note" id="status-note">${escapeHtml(e.statusNote)}</small>` : ''}`,
    ],
  ];
  if (e.reason) facts.push(['Reason', escapeHtml(e.reason)]);
  const failedCount = t.failed + t.timedOut;
  const runbook = s.kind === 'runbook';
  const warningsFor = new Map<string, string[]>();
  for (const w of s.warnings ?? []) {
    for (const id of w.sourceServerIds) warningsFor.set(id, [...(warningsFor.get(id) ?? []), w.text]);
  }
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(`DRS ${s.kind} report: ${s.title}`)}</title>
<style>${CSS}</style></head>
<body>
<header><h1>${escapeHtml(s.title)} ${badge(e.outcome)}</h1>
<p class="sub">DRS ${escapeHtml(s.action)} ${s.kind === 'runbook' ? `runbook, ${escapeHtml(t.wavesRun)} of ${escapeHtml(t.waves)} waves run` : 'action'} · report generated ${when(s.generatedAt)}</p>
${s.description ? `<p class="desc" id="description">${escapeHtml(s.description)}</p>` : ''}</header>
<section id="summary"><dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>
<div class="totals" id="totals">
<div class="total" data-total="servers"><b>${escapeHtml(t.servers)}</b>servers</div>
<div class="total good" data-total="succeeded"><b>${escapeHtml(t.succeeded)}</b>succeeded</div>
<div class="total${t.failed ? ' bad' : ''}" data-total="failed"><b>${escapeHtml(t.failed)}</b>failed</div>
<div class="total${t.timedOut ? ' bad' : ''}" data-total="timedOut"><b>${escapeHtml(t.timedOut)}</b>timed out</div>
<div class="total" data-total="skipped"><b>${escapeHtml(t.skipped)}</b>skipped</div>
<div class="total" data-total="waves"><b>${escapeHtml(t.wavesRun)}/${escapeHtml(t.waves)}</b>waves run</div>
</div></section>
${objectivesSection(s)}
${
  s.kind === 'runbook'
    ? `<section id="waves"><h2>Waves</h2>
<table><colgroup><col style="width:4%"><col style="width:11%"><col style="width:14%"><col style="width:9%"><col style="width:12%"><col style="width:12%"><col style="width:8%"><col style="width:9%"><col style="width:14%"><col style="width:7%"></colgroup>
<thead><tr><th>#</th><th>Wave</th><th>Tags</th><th>Status</th><th>Start</th><th>End</th><th>Duration</th><th>RTO target</th><th>Approval</th><th>OK / servers</th></tr></thead>
<tbody>${s.waves.map(waveRow).join('')}</tbody></table></section>`
    : ''
}
${stepsSection(s)}
<section id="timeline"><h2>Timeline</h2>${timeline(s)}</section>
${warningsSection(s)}
${s.notes.length ? `<section id="notes"><h2>Log</h2><table><colgroup><col style="width:22%"><col></colgroup><tbody>${s.notes.map((n) => `<tr><td>${when(n.time)}</td><td>${escapeHtml(n.text)}</td></tr>`).join('')}</tbody></table></section>` : ''}
<section id="servers"><h2>Servers (${escapeHtml(t.servers)}${failedCount ? `, ${escapeHtml(failedCount)} not recovered, listed first` : ''})</h2>
${s.gaps.map((g) => `<p class="note">${escapeHtml(g)}</p>`).join('')}
<table class="servers"><colgroup><col style="width:9%"><col style="width:13%">${runbook ? '<col style="width:4%">' : ''}<col style="width:11%"><col style="width:13%"><col style="width:8%"><col style="width:7%"><col style="width:7%"><col style="width:10%"><col style="width:8%"><col style="width:${runbook ? 10 : 14}%"></colgroup>
<thead><tr><th>Outcome</th><th>Server</th>${runbook ? '<th>Wave</th>' : ''}<th>Account / DRS job</th><th>Recovery point / replicated until</th><th>Data loss</th><th>Recovery time</th><th>Launch to ready</th><th>Instance / IP</th><th>Health</th><th>Reason, warnings</th></tr></thead>
<tbody>${s.servers.map((r) => serverRow(r, warningsFor.get(r.sourceServerId) ?? [], runbook)).join('')}</tbody></table></section>
<section id="input"><h2>Input</h2><pre>${escapeHtml(JSON.stringify(s.input, null, 2))}</pre></section>
<footer><h2>Integrity</h2><p>SHA-256 of the JSON source this page was rendered from: <span class="digest" id="digest">${digest}</span><br>
<span class="note">Check it later with <code>sha256sum ${escapeHtml(e.name)}.json</code> next to this file.</span></p></footer>
</body></html>
`;
  return html;
}
