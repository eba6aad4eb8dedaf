/**
 * Helpers shared by the tasks: paged DRS reads in filter-sized chunks, job tags, record building.
 */
import type { Job, RecoveryInstance, SourceServer } from '@aws-sdk/client-drs';
import type { DrsPort } from '../aws/index.js';
import { ErrorNames } from '../contract/errors.js';
import {
  type ExecutionRef,
  type JobLogEvent,
  MAX_LOG_EVENTS_PER_JOB,
  type OrchestrationRequest,
  type RunFailure,
  type ServerRecord,
} from '../core/model.js';
import { chunk, MAX_IDS_PER_DESCRIBE, MAX_JOB_IDS_PER_DESCRIBE } from '../core/partition.js';

/** Items asked for per DescribeJobLogItems page (DRS's usual page maximum). */
const JOB_LOG_PAGE = 1000;

/** DRS caps tag values at 256 characters. */
const MAX_TAG_VALUE = 256;

/** The correlation id of a run: the input's, else the execution name. */
export function correlationIdOf(request: OrchestrationRequest, execution: ExecutionRef): string {
  return request.metadata.correlationId ?? execution.name;
}

/** Tags every DRS job we start carries (data-flow.md: idempotency lives in DRS). */
export function jobTags(request: OrchestrationRequest, execution: ExecutionRef): Record<string, string> {
  const tags: Record<string, string> = {
    'DR-Orchestration': 'true',
    'DR-CorrelationId': correlationIdOf(request, execution).slice(0, MAX_TAG_VALUE),
    'DR-Action': request.action,
  };
  const parent = request.metadata.parentExecutionId ?? request.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID;
  if (parent) tags['DR-ParentExecutionId'] = parent.slice(0, MAX_TAG_VALUE);
  return tags;
}

/** What a launch is: a drill (terminable, replication untouched) or a real recovery. */
export type LaunchKind = 'drill' | 'recovery';

/** The launch kind a request asks for. */
export function launchKindOf(request: OrchestrationRequest): LaunchKind {
  return request.options.isDrill ? 'drill' : 'recovery';
}

/** The launch kind of a DRS job, when it is a drill or recovery launch. */
export function jobLaunchKind(job: Job | undefined): LaunchKind | undefined {
  if (job?.initiatedBy === 'START_DRILL') return 'drill';
  if (job?.initiatedBy === 'START_RECOVERY') return 'recovery';
  return undefined;
}

/** True when a DRS job carries this correlation id. */
export function carriesCorrelationId(job: Job | undefined, correlationId: string): boolean {
  return job?.tags?.['DR-CorrelationId'] === correlationId.slice(0, MAX_TAG_VALUE);
}

/**
 * True when a DRS job is a launch of this run: it carries the run's correlation id AND is the
 * same kind of launch (a drill never stands in for a recovery, nor the reverse).
 */
export function isOurJob(job: Job | undefined, correlationId: string, kind: LaunchKind): boolean {
  return carriesCorrelationId(job, correlationId) && jobLaunchKind(job) === kind;
}

/** A requested server whose last launch used this correlation id for something else. */
export interface CorrelationConflict {
  sourceServerId: string;
  jobId: string;
  /** What the id was used for, in words (`a drill`, `a drill whose instance was terminated since`). */
  usedFor: string;
}

/**
 * Requested servers whose last launch carries `correlationId` but cannot be this run's: another
 * kind of launch (a drill for a failover, or the reverse), or a launch of the same kind whose
 * recovery instance has been terminated since (the id was used for a terminate too). Adopting
 * those would report someone else's instances as this run's; the run is refused instead.
 */
export async function correlationConflicts(
  drs: DrsPort,
  servers: readonly SourceServer[],
  correlationId: string,
  kind: LaunchKind,
): Promise<CorrelationConflict[]> {
  const lastJob = new Map<string, { jobId: string; status?: string | undefined }>();
  for (const s of servers) {
    const jobId = s.lifeCycle?.lastLaunch?.initiated?.jobID;
    if (s.sourceServerID && jobId)
      lastJob.set(s.sourceServerID, { jobId, status: s.lifeCycle?.lastLaunch?.status });
  }
  if (lastJob.size === 0) return [];
  const jobs = await describeJobs(drs, [...new Set([...lastJob.values()].map((l) => l.jobId))]);
  const conflicts: CorrelationConflict[] = [];
  for (const [sourceServerId, last] of lastJob) {
    const job = jobs.get(last.jobId);
    if (!carriesCorrelationId(job, correlationId)) continue;
    const action = job?.tags?.['DR-Action'];
    const jobKind = jobLaunchKind(job);
    const what = `${jobKind === 'drill' ? 'a drill' : 'a recovery'}${action ? ` (action ${action})` : ''}`;
    if (jobKind !== kind) conflicts.push({ sourceServerId, jobId: last.jobId, usedFor: what });
    else if (last.status === 'TERMINATED')
      conflicts.push({
        sourceServerId,
        jobId: last.jobId,
        usedFor: `${what} whose recovery instance has been terminated since`,
      });
  }
  return conflicts;
}

/** Every source server of the account (all pages: no silent cap). */
export async function listAllSourceServers(drs: DrsPort): Promise<SourceServer[]> {
  const out: SourceServer[] = [];
  let nextToken: string | undefined;
  do {
    const page = await drs.describeSourceServers({ filters: {}, ...(nextToken ? { nextToken } : {}) });
    out.push(...(page.items ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** Source servers by id (≤ 200 ids per call, every page), keyed by id. */
export async function describeSourceServers(
  drs: DrsPort,
  ids: readonly string[],
): Promise<Map<string, SourceServer>> {
  const out = new Map<string, SourceServer>();
  for (const part of chunk([...new Set(ids)], MAX_IDS_PER_DESCRIBE)) {
    let nextToken: string | undefined;
    do {
      const page = await drs.describeSourceServers({
        filters: { sourceServerIDs: part },
        ...(nextToken ? { nextToken } : {}),
      });
      for (const s of page.items ?? []) if (s.sourceServerID) out.set(s.sourceServerID, s);
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return out;
}

/** Jobs by id (≤ 1000 ids per call, every page), keyed by id. */
export async function describeJobs(drs: DrsPort, ids: readonly string[]): Promise<Map<string, Job>> {
  const out = new Map<string, Job>();
  for (const part of chunk([...new Set(ids)], MAX_JOB_IDS_PER_DESCRIBE)) {
    let nextToken: string | undefined;
    do {
      const page = await drs.describeJobs({ filters: { jobIDs: part }, ...(nextToken ? { nextToken } : {}) });
      for (const j of page.items ?? []) if (j.jobID) out.set(j.jobID, j);
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return out;
}

/**
 * Whether a job log event is worth keeping in the job's record: a launch from an older snapshot,
 * a skipped server, a cancelled job, and every failure (`*_FAIL`, `*_FAILED`); the START/END pairs
 * of a healthy launch are not.
 */
export function isNotableLogEvent(event: string): boolean {
  return (
    event === 'USING_PREVIOUS_SNAPSHOT' ||
    event === 'SERVER_SKIPPED' ||
    event === 'JOB_CANCEL' ||
    event.endsWith('_FAIL') ||
    event.endsWith('_FAILED')
  );
}

/**
 * The notable items of one job's log (every page of DescribeJobLogItems), in DRS's order: the
 * first {@link MAX_LOG_EVENTS_PER_JOB} kept, the rest counted.
 */
export async function describeJobLog(
  drs: DrsPort,
  jobID: string,
): Promise<{ logEvents: JobLogEvent[]; omitted: number }> {
  const logEvents: JobLogEvent[] = [];
  let omitted = 0;
  let nextToken: string | undefined;
  do {
    // A job logs ~8 items per server: 1000 a page keeps a 100-server job to one call.
    const page = await drs.describeJobLogItems({
      jobID,
      maxResults: JOB_LOG_PAGE,
      ...(nextToken ? { nextToken } : {}),
    });
    for (const item of page.items ?? []) {
      if (!item.event || !item.logDateTime || !isNotableLogEvent(item.event)) continue;
      if (logEvents.length >= MAX_LOG_EVENTS_PER_JOB) {
        omitted += 1;
        continue;
      }
      const sourceServerID = item.eventData?.sourceServerID;
      logEvents.push({
        event: item.event,
        time: item.logDateTime,
        ...(sourceServerID ? { sourceServerID } : {}),
      });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return { logEvents, omitted };
}

/** Recovery instances by source server or by id (≤ 200 ids per call, every page). */
export async function describeRecoveryInstances(
  drs: DrsPort,
  by: { sourceServerIDs: readonly string[] } | { recoveryInstanceIDs: readonly string[] },
): Promise<RecoveryInstance[]> {
  const ids = 'sourceServerIDs' in by ? by.sourceServerIDs : by.recoveryInstanceIDs;
  const out: RecoveryInstance[] = [];
  for (const part of chunk([...new Set(ids)], MAX_IDS_PER_DESCRIBE)) {
    let nextToken: string | undefined;
    do {
      const filters = 'sourceServerIDs' in by ? { sourceServerIDs: part } : { recoveryInstanceIDs: part };
      const page = await drs.describeRecoveryInstances({ filters, ...(nextToken ? { nextToken } : {}) });
      out.push(...(page.items ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return out;
}

/** The hostname DRS knows a server by. */
export function hostnameOf(server: SourceServer | undefined): string {
  return server?.sourceProperties?.identificationHints?.hostname ?? 'unknown';
}

/** Private IP of the primary network interface of a recovery instance. */
export function primaryIpOf(instance: RecoveryInstance | undefined): string | undefined {
  const nics = instance?.recoveryInstanceProperties?.networkInterfaces ?? [];
  const nic = nics.find((n) => n.isPrimary) ?? nics[0];
  return nic?.ips?.[0];
}

/** When a recovery instance was launched, as far as DRS tells. */
export function launchTimeOf(instance: RecoveryInstance | undefined): string | undefined {
  const raw =
    instance?.recoveryInstanceProperties?.lastUpdatedDateTime ?? instance?.pointInTimeSnapshotDateTime;
  if (!raw) return undefined;
  const ms = Date.parse(raw);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** Picks, per source server, its recovery instance (the one of `preferJob` when there are several). */
export function instancesByServer(
  instances: readonly RecoveryInstance[],
  preferJob?: ReadonlyMap<string, string>,
): Map<string, RecoveryInstance> {
  const out = new Map<string, RecoveryInstance>();
  for (const ri of instances) {
    const sid = ri.sourceServerID;
    if (!sid) continue;
    const existing = out.get(sid);
    if (!existing || (preferJob?.get(sid) !== undefined && ri.jobID === preferJob.get(sid))) out.set(sid, ri);
  }
  return out;
}

/**
 * Base record of a server: id, hostname, accounts, tags. `accountId` is the account the task works
 * in; for an extended source server (DRS `stagingArea` EXTENDED or EXTENSION_ERROR) that is the
 * target account it recovers in, and its staging account is where it replicates.
 */
export function baseRecord(
  id: string,
  server: SourceServer | undefined,
  accountId: string,
  status: ServerRecord['status'],
): ServerRecord {
  const staging = stagingAccountOf(server);
  return {
    sourceServerId: id,
    hostname: hostnameOf(server),
    stagingAccountId: staging ?? accountId,
    ...(staging !== undefined && staging !== accountId && { recoveryAccountId: accountId }),
    status,
    ...(server?.tags && Object.keys(server.tags).length ? { tags: { ...server.tags } } : {}),
  };
}

/**
 * The staging account of an extended source server (its `stagingArea.stagingAccountID` while DRS
 * marks it EXTENDED or EXTENSION_ERROR), or `undefined` for a server replicating in its own account.
 */
export function stagingAccountOf(server: SourceServer | undefined): string | undefined {
  const area = server?.stagingArea;
  if (area?.status !== 'EXTENDED' && area?.status !== 'EXTENSION_ERROR') return undefined;
  return area.stagingAccountID || undefined;
}

/** The record status of a run failure: a timed-out server is `timeout`, any other failure `failed`. */
export function failureStatus(failure: RunFailure): 'timeout' | 'failed' {
  return failure.code === ErrorNames.JobTimeout ? 'timeout' : 'failed';
}
