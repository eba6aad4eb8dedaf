/* Generated from schemas/orchestration-output.schema.json by `npm run gen:types`. Do not edit. */

/**
 * Output of a DRS orchestration (design 3.2), plus `message`, `resultLocation`, `reportLocation` and the per-server `servers` report of status/terminate/failback.
 */
export interface OrchestrationOutput {
  /**
   * success: everything succeeded (including zero servers); partial: some failed with continueOnFailure; failed: a failure without continueOnFailure, or nothing succeeded; timeout: maxWaitMinutes reached with work pending.
   */
  status: 'success' | 'partial' | 'failed' | 'timeout';
  action: 'failover' | 'failback' | 'drill' | 'terminate' | 'status';
  /**
   * Human-readable explanation of the result.
   */
  message?: string;
  summary: OutputSummary;
  timing: OutputTiming;
  recoveryInstances: RecoveryInstanceResult[];
  failedServers: FailedServer[];
  /**
   * Every matched server the run did not act on, with why (summary.skipped counts them: totalServers = succeeded + failed + timedOut + skipped). Absent when none. Cut like failedServers when the output is too large to return inline (the stored full result at resultLocation lists them all; the message says how many are shown).
   */
  skippedServers?: SkippedServer[];
  /**
   * Per-server report for status, terminate and failback.
   */
  servers?: ServerReport[];
  /**
   * Per-staging-account breakdown.
   */
  stagingAccountResults: StagingAccountResult[];
  /**
   * Pass-through metadata from the input.
   */
  metadata: {
    [k: string]: unknown;
  };
  /**
   * True when downstream phases may proceed: on success, or on partial above nextPhaseThreshold.
   */
  nextPhaseReady: boolean;
  /**
   * S3 URI of the full result when the per-server lists were too large to return inline.
   */
  resultLocation?: string;
  /**
   * S3 URI of the evidence report (HTML; its JSON source is next to it, same name ending .json) that the workflow wrote to the results bucket. Absent when there is no results bucket or the report could not be written (then `warnings` says why).
   */
  reportLocation?: string;
  readiness?: ReadinessReport;
  /**
   * Failover/drill: DRS jobs this run took over instead of starting its own (DRS allows one job per source server): a job of an earlier run with the same correlation id (a resume), or one of another run still working on the servers. Each with the correlation id of the run that started it (its DR-CorrelationId tag; absent when the job has none). Absent when none.
   */
  adoptedJobs?: AdoptedJob[];
  error?: RunError;
  /**
   * Things the caller should know that did not change the status: tags that matched nothing (with the tag keys that exist), results that could not be stored in the results bucket. The CLI prints each on stderr (unless --quiet).
   */
  warnings?: string[];
}
export interface OutputSummary {
  totalServers: number;
  succeeded: number;
  failed: number;
  skipped: number;
  timedOut?: number;
  /**
   * Failover/drill: the largest dataLossSeconds of the recovered servers (the RPO achieved).
   */
  worstDataLossSeconds?: number;
  /**
   * Failover/drill: seconds from the execution's start to the last recovered server up (the RTO achieved).
   */
  recoveryTimeSeconds?: number;
  /**
   * Staging accounts that could not be reached (role not assumable, DRS failing at discovery). Their servers cannot be listed, so each such account counts as one failure in the status rule: failed without continueOnFailure; with it, partial when other servers succeeded, failed when none did.
   */
  unreachableAccounts?: number;
}
export interface OutputTiming {
  startTime: string;
  endTime: string;
  durationSeconds: number;
  /**
   * ISO-8601 duration, e.g. PT45M30S.
   */
  durationFormatted: string;
}
export interface RecoveryInstanceResult {
  sourceServerId: string;
  sourceServerHostname?: string;
  recoveryInstanceId?: string;
  ec2InstanceId?: string;
  /**
   * The staging account where the server replicates (for an extended source server: its stagingArea.stagingAccountID).
   */
  stagingAccountId: string;
  /**
   * The target (recovery) account where the server recovers, when it is not its staging account: the server is an extended source server there (registry recoveryAccount). Absent: it recovers in its staging account.
   */
  recoveryAccountId?: string;
  status: 'launched' | 'failed' | 'timeout';
  privateIp?: string;
  launchTime?: string;
  isDrill?: boolean;
  jobId?: string;
  tags?: StringMap;
  /**
   * The point in time the instance was launched from (DRS pointInTimeSnapshotDateTime).
   */
  recoveryPointTime?: string;
  /**
   * The last moment replicated data reached DRS: the launch request (SourceServer lifeCycle.lastLaunch.initiated.apiCallDateTime), or, when the source went dark before it, when its agent was last seen (lifeCycle.lastSeenByServiceDateTime).
   */
  replicatedUntil?: string;
  /**
   * Data lost (RPO achieved): replicatedUntil minus the recovery point, in seconds. The downtime between an outage and the failover is recoveryTimeSeconds, not data loss.
   */
  dataLossSeconds?: number;
  /**
   * True when replication had stopped before the launch request (a lost site, a stall), so DRS launched from a snapshot it already had (job log USING_PREVIOUS_SNAPSHOT).
   */
  usedPreviousSnapshot?: boolean;
  /**
   * Seconds from replicatedUntil (the outage, or the launch request) to readyTime: the downtime this server saw.
   */
  recoveryTimeSeconds?: number;
  /**
   * When the instance was up: running with both EC2 status checks ok (the launch time when healthCheckMinutes is 0).
   */
  readyTime?: string;
  /**
   * Outcome of DRS post-launch actions, when they ran (from the job's launchActionsStatus).
   */
  postLaunchActions?: {
    status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
    failed?: string[];
  };
  /**
   * Something worth knowing about this launch, e.g. a drill of a server whose replication is not CONTINUOUS.
   */
  warning?: string;
}
export interface StringMap {
  [k: string]: string;
}
export interface FailedServer {
  sourceServerId: string;
  sourceServerHostname?: string;
  /**
   * The staging account where the server replicates (for an extended source server: its stagingArea.stagingAccountID).
   */
  stagingAccountId: string;
  /**
   * The target (recovery) account where the server recovers, when it is not its staging account: the server is an extended source server there (registry recoveryAccount). Absent: it recovers in its staging account.
   */
  recoveryAccountId?: string;
  errorCode: string;
  errorMessage: string;
  jobId?: string;
  postLaunchActions?: PostLaunchActions;
}
/**
 * Outcome of DRS post-launch actions, when they ran: a failed action that is not optional is what failed a PostLaunchActionFailed server.
 */
export interface PostLaunchActions {
  status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  failed?: string[];
}
export interface SkippedServer {
  sourceServerId: string;
  sourceServerHostname?: string;
  /**
   * The staging account where the server replicates (for an extended source server: its stagingArea.stagingAccountID).
   */
  stagingAccountId: string;
  /**
   * The target (recovery) account where the server recovers, when it is not its staging account: the server is an extended source server there (registry recoveryAccount). Absent: it recovers in its staging account.
   */
  recoveryAccountId?: string;
  /**
   * The staging account's Region.
   */
  region?: string;
  /**
   * Stable code: NotLaunched (a failover/drill stopped by an earlier failure, or that never reached the server), NoRecoveryInstance, NotDrillInstance, TooRecent (terminate), DrillInstance, FailbackNotReady (failback).
   */
  reasonCode: string;
  /**
   * Why, in words.
   */
  reason: string;
}
export interface ServerReport {
  sourceServerId: string;
  sourceServerHostname?: string;
  /**
   * The staging account where the server replicates (for an extended source server: its stagingArea.stagingAccountID).
   */
  stagingAccountId: string;
  /**
   * The target (recovery) account where the server recovers, when it is not its staging account: the server is an extended source server there (registry recoveryAccount). Absent: it recovers in its staging account.
   */
  recoveryAccountId?: string;
  outcome: 'reported' | 'terminated' | 'skipped' | 'failback-completed' | 'failed' | 'timeout';
  replicationState?: string;
  lagDuration?: string;
  /**
   * status: the newest point-in-time snapshot a recovery could use now (ISO 8601); absent when the server has none
   */
  newestRecoveryPoint?: string;
  /**
   * status: whether a failover could recover the server now; false for INITIATING, INITIAL_SYNC, STOPPED and DISCONNECTED, which keep no recovery point
   */
  failoverRecoverable?: boolean;
  lastLaunch?: {
    jobId?: string;
    status?: string;
    type?: string;
    time?: string;
  };
  recoveryInstanceId?: string;
  ec2InstanceId?: string;
  recoveryInstanceState?: string;
  failbackState?: string;
  /**
   * failback of an AWS-origin server (ReverseReplication, then a recovery in its origin Region): the origin account and Region, the reversed source server there, its replication state, the recovery job and the instance it launched
   */
  crossRegionFailback?: {
    accountId: string;
    region: string;
    reversedSourceServerArn?: string;
    replicationState?: string;
    jobId?: string;
    recoveryInstanceId?: string;
  };
  isDrill?: boolean;
  jobId?: string;
  reason?: string;
}
export interface StagingAccountResult {
  accountId: string;
  region?: string;
  status?: 'success' | 'partial' | 'failed' | 'timeout';
  serversProcessed: number;
  succeeded: number;
  failed: number;
  skipped?: number;
  timedOut?: number;
  /**
   * First DRS job of this account.
   */
  jobId?: string;
  jobIds?: string[];
  /**
   * When the account's executor started (its execution's start time).
   */
  startTime?: string;
  /**
   * When the account's executor summarised its result.
   */
  endTime?: string;
  /**
   * Failover, drill and terminate: each DRS job with its servers and DRS's own times (creationDateTime; endDateTime once COMPLETED), for the evidence report's timeline. Left out of an output whose per-server lists were cut (the stored full result keeps them).
   */
  jobs?: AccountJob[];
  errorCode?: string;
  errorMessage?: string;
  /**
   * Failover/drill: the largest dataLossSeconds of the recovered servers (the RPO achieved).
   */
  worstDataLossSeconds?: number;
  /**
   * Failover/drill: seconds from the execution's start to the last recovered server up (the RTO achieved).
   */
  recoveryTimeSeconds?: number;
}
export interface AccountJob {
  jobId: string;
  /**
   * Source servers of this run in the job.
   */
  servers: number;
  startTime?: string;
  endTime?: string;
  /**
   * Set when this run took the job over instead of starting it: the DR-CorrelationId tag of the run that did (empty string when the job has none).
   */
  adoptedFrom?: string;
  /**
   * Failover and drill: the job log items (DescribeJobLogItems, read once when the job ended) that the evidence report shows: USING_PREVIOUS_SNAPSHOT, SERVER_SKIPPED, JOB_CANCEL and every *_FAIL / *_FAILED event, in DRS's order, at most 20 per job.
   */
  logEvents?: AccountJobLogEvent[];
  /**
   * Matching job log items left out of logEvents (over 20).
   */
  logEventsOmitted?: number;
}
export interface AccountJobLogEvent {
  /**
   * DRS JobLogEvent, e.g. USING_PREVIOUS_SNAPSHOT.
   */
  event: string;
  /**
   * DRS's logDateTime of the item.
   */
  time: string;
  sourceServerID?: string;
}
/**
 * status only: how ready the matched servers are, counted from the per-server report: source servers by replication state, the largest replication lag, and recovery instances by failback state.
 */
export interface ReadinessReport {
  /**
   * Servers a failover started now would recover (each one's failoverRecoverable; the rule plan uses too): replicating (CONTINUOUS, BACKLOG, CREATING_SNAPSHOT, RESCAN) or, having stopped replicating (STALLED, PAUSED), with a recovery snapshot. replicationStates says how many are CONTINUOUS.
   */
  ready: number;
  /**
   * Servers a failover could not recover now, or whose replication state DRS does not say.
   */
  notReady: number;
  replicationStates: {
    [k: string]: number;
  };
  maxLagSeconds?: number;
  /**
   * Servers a failover could not recover now (no recovery point: INITIATING, INITIAL_SYNC, STOPPED, DISCONNECTED).
   */
  unrecoverable?: number;
  failbackStates?: {
    [k: string]: number;
  };
}
export interface AdoptedJob {
  jobId: string;
  stagingAccountId: string;
  /**
   * Source servers of this run in the job.
   */
  servers: number;
  /**
   * DR-CorrelationId tag of the job: the run that started it.
   */
  correlationId?: string;
}
/**
 * The failure that stopped the run as a whole (a step of the workflow failed, or the matched servers were not options.expectedServers), by its stable error name (src/contract/errors.ts). Absent when no such failure happened; per-server failures are in failedServers.
 */
export interface RunError {
  code: string;
  message: string;
}
