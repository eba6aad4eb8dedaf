/**
 * What the terminal must say about a result besides its counts: its warnings, the servers they
 * concern, the skipped servers and why, the jobs taken over from another run, the error that
 * stopped it. The JSON result has all of it; stderr shows it so nothing is only inside the JSON.
 */
import type { OrchestrationOutput } from '../contract/index.js';

/** Most lines of one kind (skipped servers, per-server warnings) before `... and N more`. */
export const MAX_NOTICE_LINES = 20;

function bounded(lines: readonly string[], what: string): string[] {
  if (lines.length <= MAX_NOTICE_LINES) return [...lines];
  return [
    ...lines.slice(0, MAX_NOTICE_LINES),
    `... and ${lines.length - MAX_NOTICE_LINES} more ${what} (see the JSON result)`,
  ];
}

function server(id: string, hostname: string | undefined, accountId: string): string {
  return `${id} (${hostname !== undefined && hostname !== 'unknown' ? `${hostname}, ` : ''}account ${accountId})`;
}

/**
 * The stderr lines of a result, in the order a reader needs them: the error that stopped the run,
 * the run's warnings (a tag that matched nothing comes first), each per-server warning next to its
 * server, the failed and the skipped servers with their reason, the jobs taken over from another run.
 *
 * @example
 * ```ts
 * resultNotices(output); // ['warning: no source server matched DR-Wave=01 in 3 staging account(s); ...']
 * ```
 */
export function resultNotices(output: OrchestrationOutput): string[] {
  const lines: string[] = [];
  if (output.error) lines.push(`error: ${output.error.code}: ${output.error.message}`);
  for (const w of output.warnings ?? []) lines.push(`warning: ${w}`);
  lines.push(
    ...bounded(
      output.recoveryInstances.flatMap((r) =>
        r.warning === undefined
          ? []
          : [
              `warning: ${server(r.sourceServerId, r.sourceServerHostname, r.stagingAccountId)}: ${r.warning}`,
            ],
      ),
      'server warnings',
    ),
  );
  lines.push(
    ...bounded(
      output.failedServers.map(
        (f) =>
          `failed: ${server(f.sourceServerId, f.sourceServerHostname, f.stagingAccountId)}: ${f.errorCode}: ${f.errorMessage}`,
      ),
      'failed servers',
    ),
  );
  const skipped = (output.skippedServers ?? []).slice(0, MAX_NOTICE_LINES);
  for (const s of skipped) {
    lines.push(
      `skipped: ${server(s.sourceServerId, s.sourceServerHostname, s.stagingAccountId)}: ${s.reasonCode}: ${s.reason}`,
    );
  }
  // The inline list may itself be cut (the full result is in S3): count from the summary.
  const more = output.summary.skipped - skipped.length;
  if (more > 0) {
    lines.push(
      `... and ${more} more skipped servers (see skippedServers in the JSON result${output.resultLocation ? `, all of them in ${output.resultLocation}` : ''})`,
    );
  }
  for (const j of output.adoptedJobs ?? []) {
    lines.push(
      `adopted: DRS job ${j.jobId} (${j.servers} server${j.servers === 1 ? '' : 's'}, account ${j.stagingAccountId}) was taken over from ${j.correlationId !== undefined ? `run ${j.correlationId}` : 'a run without a correlation id'} instead of starting a new one (DRS allows one job per server)`,
    );
  }
  return lines;
}
