/**
 * Aggregation of per-account results into the orchestration output (design 3.2).
 */
import type {
  AdoptedJob,
  FailedServer,
  OrchestrationOutput,
  RecoveryInstanceResult,
  ServerReport,
  SkippedServer,
  StagingAccountResult,
} from '../contract/index.js';
import { formatIsoDuration, parseIsoDurationSeconds, secondsBetween } from './duration.js';
import type {
  AccountIssue,
  AccountSummary,
  ExecutionRef,
  OrchestrationRequest,
  ServerRecord,
} from './model.js';
import { countRecords, nextPhaseReady, type ResultCounts, resultStatus } from './status.js';

/** One account's part of the aggregation: its summary and its records (read back from S3). */
export interface AccountOutcome {
  summary: AccountSummary;
  records: readonly ServerRecord[];
}

/** Everything the output is made of. */
export interface AggregateFacts {
  request: OrchestrationRequest;
  execution: ExecutionRef;
  /** ISO end time (`deps.now()`). */
  endTime: string;
  accounts: readonly AccountOutcome[];
  /** Accounts that were not worked on: denied AssumeRole, over `maxServers`. */
  issues: readonly AccountIssue[];
  /** A failure of the whole run (a caught state machine error). */
  error?: { code: string; message: string };
}

const RECOVERY_ACTIONS = new Set(['failover', 'drill']);

/** `T` whose optional properties may also be given as `undefined`. */
export type Loose<T> = { [K in keyof T]: Partial<Pick<T, K>> extends Pick<T, K> ? T[K] | undefined : T[K] };

/**
 * Drops `undefined` properties so optional fields are absent, never `undefined`, on the wire
 * (exactOptionalPropertyTypes, and Step Functions payloads without nulls).
 */
export function compact<T extends object>(value: Loose<T>): T {
  const out = { ...value } as Record<string, unknown>;
  for (const key of Object.keys(out)) {
    if (out[key] === undefined) delete out[key];
  }
  return out as T;
}

function recoveryInstanceOf(record: ServerRecord): RecoveryInstanceResult {
  return compact<RecoveryInstanceResult>({
    sourceServerId: record.sourceServerId,
    sourceServerHostname: record.hostname,
    recoveryInstanceId: record.recoveryInstanceId,
    ec2InstanceId: record.ec2InstanceId,
    stagingAccountId: record.stagingAccountId,
    recoveryAccountId: record.recoveryAccountId,
    status: record.status as RecoveryInstanceResult['status'],
    privateIp: record.privateIp,
    launchTime: record.launchTime,
    isDrill: record.isDrill,
    jobId: record.jobId,
    tags: record.tags,
    recoveryPointTime: record.recoveryPointTime,
    replicatedUntil: record.replicatedUntil,
    dataLossSeconds: record.dataLossSeconds,
    usedPreviousSnapshot: record.usedPreviousSnapshot,
    recoveryTimeSeconds: record.recoveryTimeSeconds,
    readyTime: record.readyTime,
    postLaunchActions: record.postLaunchActions,
    warning: record.warning,
  });
}

/** RPO and RTO achieved by a set of records (failover/drill). */
export interface RecoveryObjectives {
  /** Largest data loss of the recovered servers, seconds. */
  worstDataLossSeconds?: number;
  /** Seconds from the execution's start to the last recovered server up. */
  recoveryTimeSeconds?: number;
}

/**
 * The RPO (worst data loss) and RTO (execution start to the last server up) of the launched
 * records; both absent when nothing was recovered.
 *
 * @example
 * ```ts
 * recoveryObjectives([{ status: 'launched', dataLossSeconds: 1500, readyTime: '2025-01-06T10:00:00Z' }], '2025-01-06T09:00:00Z');
 * // { worstDataLossSeconds: 1500, recoveryTimeSeconds: 3600 }
 * ```
 */
export function recoveryObjectives(
  records: readonly Pick<ServerRecord, 'status' | 'dataLossSeconds' | 'readyTime' | 'launchTime'>[],
  startTime: string,
): RecoveryObjectives {
  let loss: number | undefined;
  let ready: number | undefined;
  for (const r of records) {
    if (r.status !== 'launched') continue;
    if (r.dataLossSeconds !== undefined) loss = Math.max(loss ?? 0, r.dataLossSeconds);
    const up = r.readyTime ?? r.launchTime;
    if (up !== undefined) ready = Math.max(ready ?? 0, secondsBetween(startTime, up));
  }
  return compact<RecoveryObjectives>({ worstDataLossSeconds: loss, recoveryTimeSeconds: ready });
}

function failedServerOf(record: ServerRecord): FailedServer {
  return compact<FailedServer>({
    sourceServerId: record.sourceServerId,
    sourceServerHostname: record.hostname,
    stagingAccountId: record.stagingAccountId,
    recoveryAccountId: record.recoveryAccountId,
    errorCode: record.errorCode ?? (record.status === 'timeout' ? 'JobTimeout' : 'DRSServiceError'),
    errorMessage: record.errorMessage ?? `server ${record.sourceServerId} ended as ${record.status}`,
    jobId: record.jobId,
    postLaunchActions: record.postLaunchActions,
  });
}

/**
 * A skipped record as the output lists it: the server, its account and Region, and why (the
 * record's stable `errorCode`, `NotActedOn` when a task gave none).
 */
function skippedServerOf(record: ServerRecord, region: string | undefined): SkippedServer {
  return compact<SkippedServer>({
    sourceServerId: record.sourceServerId,
    sourceServerHostname: record.hostname,
    stagingAccountId: record.stagingAccountId,
    recoveryAccountId: record.recoveryAccountId,
    region,
    reasonCode: record.errorCode ?? 'NotActedOn',
    reason: record.errorMessage ?? `source server ${record.sourceServerId} was not acted on`,
  });
}

/** The jobs an account's run took over (each with the correlation id of the run that started it). */
function adoptedJobsOf(summary: AccountSummary): AdoptedJob[] {
  return (summary.jobs ?? []).flatMap((j) =>
    j.adoptedFrom === undefined
      ? []
      : [
          compact<AdoptedJob>({
            jobId: j.jobId,
            stagingAccountId: summary.accountId,
            servers: j.servers,
            correlationId: j.adoptedFrom === '' ? undefined : j.adoptedFrom,
          }),
        ],
  );
}

function serverReportOf(record: ServerRecord): ServerReport {
  const outcome: ServerReport['outcome'] = record.status === 'launched' ? 'reported' : record.status;
  return compact<ServerReport>({
    sourceServerId: record.sourceServerId,
    sourceServerHostname: record.hostname,
    stagingAccountId: record.stagingAccountId,
    recoveryAccountId: record.recoveryAccountId,
    outcome,
    replicationState: record.replicationState,
    lagDuration: record.lagDuration,
    newestRecoveryPoint: record.newestRecoveryPoint,
    failoverRecoverable: record.failoverRecoverable,
    lastLaunch: record.lastLaunch,
    recoveryInstanceId: record.recoveryInstanceId,
    ec2InstanceId: record.ec2InstanceId,
    recoveryInstanceState: record.recoveryInstanceState,
    failbackState: record.failbackState,
    crossRegionFailback: record.crossRegionFailback,
    isDrill: record.isDrill,
    jobId: record.jobId,
    reason: record.errorMessage,
  });
}

/** Records standing for the servers of an account issue (all failed with the issue's code). */
export function issueRecords(issue: AccountIssue): ServerRecord[] {
  return (issue.serverIds ?? []).map((id) => ({
    sourceServerId: id,
    hostname: 'unknown',
    stagingAccountId: issue.accountId,
    status: 'failed' as const,
    errorCode: issue.errorCode,
    errorMessage: issue.errorMessage,
  }));
}

function accountResultOf(
  summary: AccountSummary,
  counts: ResultCounts,
  objectives: RecoveryObjectives,
): StagingAccountResult {
  return compact<StagingAccountResult>({
    ...objectives,
    accountId: summary.accountId,
    region: summary.region,
    status: summary.status,
    serversProcessed: counts.total,
    succeeded: counts.succeeded,
    failed: counts.failed,
    skipped: counts.skipped,
    timedOut: counts.timedOut,
    jobId: summary.jobIds[0],
    jobIds: summary.jobIds.length ? [...summary.jobIds] : undefined,
    startTime: summary.startTime,
    endTime: summary.endTime,
    jobs: summary.jobs?.length ? summary.jobs.map((j) => ({ ...j })) : undefined,
    errorCode: summary.errorCode,
    errorMessage: summary.errorMessage,
  });
}

function describe(action: string, counts: ResultCounts, accounts: number, problems: string[]): string {
  const parts = [
    `${action}: ${counts.succeeded} of ${counts.total} servers succeeded`,
    `${counts.failed} failed`,
    `${counts.timedOut} timed out`,
    `${counts.skipped} skipped`,
  ];
  const head = `${parts.join(', ')} across ${accounts} staging account${accounts === 1 ? '' : 's'}`;
  return problems.length ? `${head}; ${problems.join('; ')}` : head;
}

/**
 * Builds the orchestration output from the per-account outcomes. Pure: the caller validates it
 * (`assertOrchestrationOutput`) and decides what is inline (see {@link fitOutput}).
 */
export function aggregateOutput(facts: AggregateFacts): OrchestrationOutput {
  const { request, execution } = facts;
  const recovery = RECOVERY_ACTIONS.has(request.action);
  const allRecords: ServerRecord[] = [];
  const accountResults: StagingAccountResult[] = [];
  const problems: string[] = [];
  const skippedServers: SkippedServer[] = [];
  const adoptedJobs: AdoptedJob[] = [];

  for (const { summary, records } of facts.accounts) {
    allRecords.push(...records);
    for (const r of records)
      if (r.status === 'skipped') skippedServers.push(skippedServerOf(r, summary.region));
    adoptedJobs.push(...adoptedJobsOf(summary));
    accountResults.push(
      accountResultOf(
        summary,
        countRecords(records),
        recovery ? recoveryObjectives(records, execution.startTime) : {},
      ),
    );
    if (summary.errorCode)
      problems.push(`account ${summary.accountId}: ${summary.errorCode}: ${summary.errorMessage ?? ''}`);
  }
  let accountFailures = 0;
  for (const issue of facts.issues) {
    const records = issueRecords(issue);
    allRecords.push(...records);
    if (records.length === 0) accountFailures += 1;
    const counts = countRecords(records);
    accountResults.push(
      compact<StagingAccountResult>({
        accountId: issue.accountId,
        region: issue.region,
        status: 'failed',
        serversProcessed: counts.total,
        succeeded: 0,
        failed: counts.failed,
        errorCode: issue.errorCode,
        errorMessage: issue.errorMessage,
      }),
    );
    problems.push(`account ${issue.accountId}: ${issue.errorCode}: ${issue.errorMessage}`);
  }
  const unreachable = accountFailures;
  if (facts.error) {
    accountFailures += 1;
    problems.unshift(`${facts.error.code}: ${facts.error.message}`);
  }

  const counts = countRecords(allRecords);
  const status = resultStatus(counts, {
    continueOnFailure: request.options.continueOnFailure,
    requireSuccess: request.action === 'failback',
    accountFailures,
  });
  const durationSeconds = secondsBetween(execution.startTime, facts.endTime);
  const output: OrchestrationOutput = {
    status,
    action: request.action,
    message: describe(request.action, counts, accountResults.length, problems),
    summary: {
      totalServers: counts.total,
      succeeded: counts.succeeded,
      failed: counts.failed,
      skipped: counts.skipped,
      timedOut: counts.timedOut,
      ...(recovery ? recoveryObjectives(allRecords, execution.startTime) : {}),
      ...(unreachable > 0 ? { unreachableAccounts: unreachable } : {}),
    },
    timing: {
      startTime: new Date(execution.startTime).toISOString(),
      endTime: new Date(facts.endTime).toISOString(),
      durationSeconds,
      durationFormatted: formatIsoDuration(durationSeconds),
    },
    recoveryInstances: recovery
      ? allRecords
          .filter(
            (r) => r.status === 'launched' || r.status === 'timeout' || (r.status === 'failed' && r.jobId),
          )
          .map(recoveryInstanceOf)
      : [],
    failedServers: allRecords
      .filter((r) => r.status === 'failed' || r.status === 'timeout')
      .map(failedServerOf),
    stagingAccountResults: accountResults,
    metadata: { ...request.metadata },
    nextPhaseReady: nextPhaseReady(status, counts, request.options.nextPhaseThreshold),
  };
  if (!recovery) output.servers = allRecords.map(serverReportOf);
  // Every matched server is accounted for: totalServers = succeeded + failed + timedOut + skipped,
  // and each skipped one is named with why.
  if (skippedServers.length > 0) output.skippedServers = skippedServers;
  if (adoptedJobs.length > 0) output.adoptedJobs = adoptedJobs;
  if (facts.error) output.error = { code: facts.error.code, message: facts.error.message.slice(0, 2000) };
  if (request.action === 'status') {
    output.readiness = readinessOf(allRecords);
    output.message = describeStatus(counts, output.readiness, accountResults.length, problems);
  }
  return output;
}

/**
 * The readiness of a status run, from its records: servers a failover would recover now (each
 * record's `failoverRecoverable`, decided by `recoverableNow` in core/readiness.ts, the rule `plan`
 * shares), servers by replication state, the largest lag, recovery instances by failback state.
 */
export function readinessOf(
  records: readonly Pick<
    ServerRecord,
    'status' | 'replicationState' | 'lagDuration' | 'failbackState' | 'failoverRecoverable'
  >[],
): NonNullable<OrchestrationOutput['readiness']> {
  const replicationStates: Record<string, number> = {};
  const failbackStates: Record<string, number> = {};
  let maxLag: number | undefined;
  let ready = 0;
  let notReady = 0;
  let unrecoverable = 0;
  for (const r of records) {
    if (r.status === 'failed' && r.replicationState === undefined) continue; // not reported at all
    const state = r.replicationState ?? 'UNKNOWN';
    replicationStates[state] = (replicationStates[state] ?? 0) + 1;
    if (r.failoverRecoverable === true) ready += 1;
    else notReady += 1;
    const lag = parseIsoDurationSeconds(r.lagDuration);
    if (lag !== undefined) maxLag = Math.max(maxLag ?? 0, Math.round(lag));
    if (r.failbackState) failbackStates[r.failbackState] = (failbackStates[r.failbackState] ?? 0) + 1;
    if (r.failoverRecoverable === false) unrecoverable += 1;
  }
  return {
    ready,
    notReady,
    replicationStates,
    ...(maxLag !== undefined && { maxLagSeconds: maxLag }),
    ...(unrecoverable > 0 && { unrecoverable }),
    ...(Object.keys(failbackStates).length > 0 && { failbackStates }),
  };
}

function describeStatus(
  counts: ResultCounts,
  readiness: NonNullable<OrchestrationOutput['readiness']>,
  accounts: number,
  problems: string[],
): string {
  const states = Object.entries(readiness.replicationStates)
    .sort(([a], [b]) => (a === 'CONTINUOUS' ? -1 : b === 'CONTINUOUS' ? 1 : a.localeCompare(b)))
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  const parts = [
    `status: ${counts.total} servers across ${accounts} staging account${accounts === 1 ? '' : 's'}; ${readiness.ready} ready (a failover recovers them now), ${readiness.notReady} not ready`,
  ];
  if (states) parts.push(`replication: ${states}`);
  if (readiness.maxLagSeconds !== undefined)
    parts.push(`max lag ${formatIsoDuration(readiness.maxLagSeconds)}`);
  if (readiness.unrecoverable !== undefined)
    parts.push(`${readiness.unrecoverable} a failover could not recover (no recovery point)`);
  if (readiness.failbackStates) {
    parts.push(
      `failback: ${Object.entries(readiness.failbackStates)
        .map(([state, n]) => `${n} ${state}`)
        .join(', ')}`,
    );
  }
  if (counts.failed > 0) parts.push(`${counts.failed} not reported`);
  return [...parts, ...problems].join('; ');
}

/** UTF-8 bytes of a value's JSON. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * Returns the output as it may travel inline: unchanged when it is at most `maxBytes` of JSON,
 * otherwise with `recoveryInstances`, `failedServers`, `skippedServers`, `servers` and `adoptedJobs` cut (same fraction kept of each,
 * in order) until it fits, and `resultLocation` pointing at the full document.
 */
export function fitOutput(
  output: OrchestrationOutput,
  maxBytes: number,
  resultLocation: string | undefined,
): OrchestrationOutput {
  if (jsonBytes(output) <= maxBytes) return output;
  const cut = (fraction: number): OrchestrationOutput => {
    const keep = <T>(list: readonly T[]): T[] => list.slice(0, Math.floor(list.length * fraction));
    const next: OrchestrationOutput = {
      ...output,
      // The jobs' times grow with the jobs; the stored full result keeps them (the report reads it).
      stagingAccountResults: output.stagingAccountResults.map(({ jobs: _jobs, ...a }) => a),
      recoveryInstances: keep(output.recoveryInstances),
      failedServers: keep(output.failedServers),
      ...(resultLocation !== undefined && { resultLocation }),
    };
    if (output.servers) next.servers = keep(output.servers);
    if (output.skippedServers) next.skippedServers = keep(output.skippedServers);
    if (output.adoptedJobs) next.adoptedJobs = keep(output.adoptedJobs);
    const where =
      resultLocation !== undefined
        ? `full result at ${resultLocation}`
        : 'the full result could not be stored';
    // How many of each list are shown, so a reader knows what the inline output leaves out.
    const shown = (
      [
        ['recoveryInstances', output.recoveryInstances, next.recoveryInstances],
        ['failedServers', output.failedServers, next.failedServers],
        ['skippedServers', output.skippedServers, next.skippedServers],
        ['servers', output.servers, next.servers],
        ['adoptedJobs', output.adoptedJobs, next.adoptedJobs],
      ] as const
    )
      .filter(([, all, kept]) => all !== undefined && kept !== undefined && kept.length < all.length)
      .map(([name, all, kept]) => `${name} ${kept?.length ?? 0} of ${all?.length ?? 0}`)
      .join(', ');
    next.message =
      `${output.message ?? ''} (per-server lists truncated${shown ? `: ${shown}` : ''}; ${where})`.trim();
    return next;
  };
  let low = 0;
  let high = 1;
  // Binary search on the kept fraction; 20 steps resolve one entry in a million.
  for (let i = 0; i < 20; i += 1) {
    const mid = (low + high) / 2;
    if (jsonBytes(cut(mid)) <= maxBytes) low = mid;
    else high = mid;
  }
  return cut(low);
}

export { MAX_ERROR_MESSAGE, rootCause, shortMessage } from './root-cause.js';

/**
 * Most warnings in one output. Here, not in the aggregate task, so that write-report (which adds
 * one) need not bundle that task's output validator.
 */
export const MAX_WARNINGS = 20;
