/**
 * `--format table`: the output (design 3.2) and the plan as plain text tables for people.
 * JSON stays the default because the next phase of a workflow reads it.
 */
import type { OrchestrationOutput } from '../contract/index.js';
import { inertText } from '../core/inert-text.js';
import { objectivesOf, type ReportTotals, serversOfOutput, warningsOfOutput } from '../report/index.js';
import type { PlanReport } from '../tasks/plan.js';

/** Most servers (failed, or reported) listed before "... and N more". */
export const MAX_FAILED_ROWS = 50;

/**
 * A cell's text: inert and on one line (a hostname from AWS holding a newline or `ESC[2J` can
 * neither start a row of its own nor act on the terminal).
 */
function cellText(value: string | number | undefined): string {
  return inertText(String(value ?? ''), { newlines: false });
}

/** Lays out rows under headers; numbers right-aligned; every cell made inert ({@link cellText}). */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => cellText(r[i]).length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (cells: readonly (string | number)[]): string =>
    cells
      .map((c, i) => {
        const text = cellText(c);
        const width = widths[i] ?? text.length;
        return numeric[i] ? text.padStart(width) : text.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A result's counts in the summary's terms. */
export interface RunCounts {
  readonly totalServers: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly timedOut?: number;
}

/**
 * The counts every view of a run shows: the evidence model's totals (report.json's `totals`, built
 * from the run's histories and outputs by `buildEvidence`) when the run has a record, else the
 * result's own summary.
 */
export function countsOf(output: OrchestrationOutput, totals?: ReportTotals): RunCounts {
  if (totals === undefined) return output.summary;
  return {
    totalServers: totals.servers,
    succeeded: totals.succeeded,
    failed: totals.failed,
    skipped: totals.skipped,
    ...(totals.timedOut > 0 && { timedOut: totals.timedOut }),
  };
}

/**
 * Where the result's summary and the evidence model count differently: a line saying so (a
 * record that disagrees with its run must never pass unseen), else undefined.
 */
export function countsDisagreement(output: OrchestrationOutput, totals?: ReportTotals): string | undefined {
  if (totals === undefined) return undefined;
  const s = output.summary;
  const text = (c: RunCounts): string =>
    `${c.totalServers} servers, ${c.succeeded} succeeded, ${c.failed} failed, ${c.timedOut ?? 0} timed out, ${c.skipped} skipped`;
  const model = countsOf(output, totals);
  return text(model) === text(s)
    ? undefined
    : `the evidence record counts ${text(model)}; the result's summary says ${text(s)}`;
}

/**
 * Renders an orchestration output: a summary block, one row per staging account, the per-server
 * report of status/terminate/failback, and the failed servers (at most {@link MAX_FAILED_ROWS} rows each).
 *
 * @example renderOutputTable(output) // "status        success\naction        drill\n..."
 */
export function renderOutputTable(output: OrchestrationOutput, totals?: ReportTotals): string {
  const s = countsOf(output, totals);
  const summary: [string, string][] = [
    ['status', output.status],
    ['action', output.action],
    ['next phase', output.nextPhaseReady ? 'ready' : 'not ready'],
    [
      'servers',
      output.action === 'status'
        ? `${s.totalServers} total, ${s.succeeded} reported${s.failed ? `, ${s.failed} not reported` : ''}`
        : `${s.totalServers} total, ${s.succeeded} succeeded, ${s.failed} failed, ${s.skipped} skipped${s.timedOut ? `, ${s.timedOut} timed out` : ''}`,
    ],
    [
      'duration',
      `${output.timing.durationFormatted} (${output.timing.startTime} -> ${output.timing.endTime})`,
    ],
  ];
  if (output.readiness) {
    const r = output.readiness;
    const states = Object.entries(r.replicationStates)
      .map(([state, n]) => `${n} ${state}`)
      .join(', ');
    summary.push(['readiness', `${r.ready} ready, ${r.notReady} not ready (${states})`]);
    if (r.maxLagSeconds !== undefined) summary.push(['max lag', `${r.maxLagSeconds} s`]);
    if (r.failbackStates) {
      summary.push([
        'failback',
        Object.entries(r.failbackStates)
          .map(([state, n]) => `${n} ${state}`)
          .join(', '),
      ]);
    }
  }
  // RPO/RTO at a glance, from the evidence model's rows of this output (the report's figures).
  const rows = serversOfOutput(1, output);
  const objectives = objectivesOf(rows);
  const o = objectives.overall;
  if (o.worstDataLossSeconds !== undefined)
    summary.push([
      'data loss',
      `${minutesText(o.worstDataLossSeconds)} worst (recovery point to when replication last reached DRS)${o.previousSnapshot ? `; ${o.previousSnapshot} of ${o.recovered} from a previous snapshot (replication had stopped)` : ''}`,
    ]);
  if (o.recoveryTimeSeconds !== undefined)
    summary.push([
      'recovery',
      `${minutesText(o.recoveryTimeSeconds)} worst (from the outage or the request to ready)`,
    ]);
  const runSeconds = output.summary.recoveryTimeSeconds;
  if (runSeconds !== undefined)
    summary.push(['run', `${minutesText(runSeconds)} from the start to the last server up`]);
  if (objectives.worstServers.length > 0 && o.worstDataLossSeconds !== undefined)
    summary.push([
      'worst',
      objectives.worstServers
        .map(
          (w) =>
            `${w.sourceServerId}${w.name ? ` (${w.name})` : ''} ${minutesText(w.dataLossSeconds ?? 0)} loss${w.recoveryTimeSeconds === undefined ? '' : `, ${minutesText(w.recoveryTimeSeconds)} to recover`}${w.usedPreviousSnapshot ? ', previous snapshot' : ''}`,
        )
        .join('; '),
    ]);
  if (output.message) summary.push(['message', output.message]);
  if (output.resultLocation) summary.push(['full result', output.resultLocation]);
  const parts = [summary.map(([k, v]) => `${k.padEnd(12)}  ${cellText(v)}`).join('\n')];

  if (output.stagingAccountResults.length > 0) {
    parts.push(
      formatTable(
        [
          'ACCOUNT',
          'REGION',
          'STATUS',
          'SERVERS',
          'SUCCEEDED',
          'FAILED',
          'SKIPPED',
          'JOBS',
          'WORST DATA LOSS',
          'RECOVERY TIME',
          'ERROR',
        ],
        output.stagingAccountResults.map((a) => {
          const f = objectives.accounts.find((x) => x.accountId === a.accountId);
          return [
            a.accountId,
            a.region ?? '',
            a.status ?? '',
            a.serversProcessed,
            a.succeeded,
            a.failed,
            a.skipped ?? 0,
            a.jobIds?.length ?? (a.jobId ? 1 : 0),
            f?.worstDataLossSeconds === undefined ? '' : minutesText(f.worstDataLossSeconds),
            f?.recoveryTimeSeconds === undefined ? '' : minutesText(f.recoveryTimeSeconds),
            a.errorCode ? `${a.errorCode}: ${a.errorMessage ?? ''}` : '',
          ];
        }),
      ),
    );
  }

  if (output.servers !== undefined && output.servers.length > 0) {
    const shown = output.servers.slice(0, MAX_FAILED_ROWS);
    let table = formatTable(
      [
        'SERVER',
        'HOSTNAME',
        'ACCOUNT',
        'OUTCOME',
        'REPLICATION',
        'LAG',
        'NEWEST RECOVERY POINT',
        'FAILOVER',
        'LAST LAUNCH',
        'RECOVERY INSTANCE',
        'REASON',
      ],
      shown.map((r) => [
        r.sourceServerId,
        r.sourceServerHostname ?? '',
        r.stagingAccountId,
        r.outcome,
        r.replicationState ?? '',
        r.lagDuration ?? '',
        r.newestRecoveryPoint ?? '',
        r.failoverRecoverable === undefined ? '' : r.failoverRecoverable ? 'yes' : 'NO RECOVERY POINT',
        r.lastLaunch ? [r.lastLaunch.type, r.lastLaunch.status].filter(Boolean).join(' ') : '',
        [r.recoveryInstanceId, r.recoveryInstanceState ?? r.failbackState].filter(Boolean).join(' '),
        r.reason ?? '',
      ]),
    );
    const more = output.servers.length - shown.length;
    if (more > 0) table += `\n... and ${more} more (see the JSON output)`;
    parts.push(table);
  }

  // Warnings next to the servers they name (the report lists them the same way).
  const warnings = warningsOfOutput(1, output, rows);
  const warningsOf = (id: string): string =>
    warnings
      .filter((w) => w.sourceServerIds.includes(id))
      .map((w) => w.text)
      .join('; ');
  const recovered = (output.recoveryInstances ?? []).filter((r) => r.dataLossSeconds !== undefined);
  if (recovered.length > 0) {
    // Data loss ends when data last reached DRS; the downtime after an outage is recovery time.
    const shown = recovered.slice(0, MAX_FAILED_ROWS);
    let table = formatTable(
      [
        'RECOVERED',
        'ACCOUNT',
        'RECOVERY POINT',
        'DATA REACHED DRS',
        'DATA LOSS',
        'RECOVERY TIME',
        'LAUNCH TO READY',
        'SNAPSHOT',
        'WARNING',
      ],
      shown.map((r) => {
        const row = rows.find((x) => x.sourceServerId === r.sourceServerId);
        return [
          r.sourceServerId,
          r.stagingAccountId,
          r.recoveryPointTime ?? '',
          r.replicatedUntil ?? '',
          minutesText(r.dataLossSeconds ?? 0),
          r.recoveryTimeSeconds === undefined ? '' : minutesText(r.recoveryTimeSeconds),
          row?.launchToReadySeconds === undefined ? '' : minutesText(row.launchToReadySeconds),
          r.usedPreviousSnapshot ? 'previous (replication had stopped)' : 'fresh',
          [r.warning, warningsOf(r.sourceServerId)].filter(Boolean).join('; '),
        ];
      }),
    );
    const more = recovered.length - shown.length;
    if (more > 0) table += `\n... and ${more} more (see the JSON output)`;
    parts.push(table);
  }

  const skipped = rows.filter((r) => r.outcome === 'skipped');
  if (skipped.length > 0) {
    const shown = skipped.slice(0, MAX_FAILED_ROWS);
    let table = formatTable(
      ['SKIPPED SERVER', 'HOSTNAME', 'ACCOUNT', 'REASON'],
      shown.map((r) => [
        r.sourceServerId,
        r.name ?? '',
        r.accountId ?? '',
        [r.reason, warningsOf(r.sourceServerId)].filter(Boolean).join('; '),
      ]),
    );
    const more = skipped.length - shown.length;
    if (more > 0) table += `\n... and ${more} more (see the JSON output)`;
    parts.push(table);
  }

  if (output.failedServers.length > 0) {
    const shown = output.failedServers.slice(0, MAX_FAILED_ROWS);
    let table = formatTable(
      ['FAILED SERVER', 'HOSTNAME', 'ACCOUNT', 'ERROR', 'MESSAGE'],
      shown.map((f) => [
        f.sourceServerId,
        f.sourceServerHostname ?? '',
        f.stagingAccountId,
        f.errorCode,
        f.errorMessage,
      ]),
    );
    const more = output.failedServers.length - shown.length;
    if (more > 0) table += `\n... and ${more} more (see the JSON output)`;
    parts.push(table);
  }
  const general = warnings.filter((w) => w.sourceServerIds.length === 0);
  if (general.length > 0) parts.push(general.map((w) => `warning: ${cellText(w.text)}`).join('\n'));
  return `${parts.join('\n\n')}\n`;
}

/** `7.0 min` */
function minutesText(seconds: number): string {
  return `${(seconds / 60).toFixed(1)} min`;
}

/** `3 (100+100+100)`, or `87 (3 to 2 servers)` when listing every size would not fit a cell. */
function describeJobs(sizes: readonly number[]): string {
  if (sizes.length <= 4) return `${sizes.length} (${sizes.join('+')})`;
  const most = Math.max(...sizes);
  const least = Math.min(...sizes);
  return `${sizes.length} (${most === least ? most : `${least} to ${most}`} servers)`;
}

/** Renders a plan: one row per account, then what would be waited for and why accounts are left out. */
export function renderPlanTable(plan: PlanReport): string {
  const tags = Object.entries(plan.tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const parts = [
    `plan for ${plan.action} on ${tags}: ${plan.totalServers} matching servers, nothing changed`,
  ];
  if (plan.accounts.length > 0) {
    parts.push(
      formatTable(
        [
          'ACCOUNT',
          'REGION',
          'SERVERS',
          'READY',
          'NOT READY',
          'IN FLIGHT',
          'JOBS',
          'ROUNDS',
          'EST. MIN',
          'AT MAX',
          'QUOTAS',
        ],
        plan.accounts.map((a) => [
          a.accountId,
          a.region,
          a.servers,
          a.ready,
          a.notReady.length,
          a.maxInFlight ?? '-',
          a.batches.length > 0 ? describeJobs(a.batches) : '-',
          a.rounds ?? '-',
          a.estimatedMinutes ?? '-',
          a.estimatedMinutesAtMax ?? '-',
          a.quotaSource ?? '-',
        ]),
      ),
    );
  }
  for (const warning of plan.warnings ?? []) parts.push(`warning: ${warning}`);
  const waiting = plan.accounts.flatMap((a) =>
    a.notReady.map((n) => [n.sourceServerId, a.accountId, n.replicationState ?? '?']),
  );
  if (waiting.length > 0) {
    parts.push(formatTable(['NOT READY', 'ACCOUNT', 'REPLICATION'], waiting.slice(0, MAX_FAILED_ROWS)));
  }
  if (plan.issues.length > 0) {
    parts.push(
      formatTable(
        ['ACCOUNT LEFT OUT', 'ERROR', 'MESSAGE'],
        plan.issues.map((i) => [i.accountId, i.errorCode, i.errorMessage]),
      ),
    );
  }
  return `${parts.join('\n\n')}\n`;
}
