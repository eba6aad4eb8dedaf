/**
 * The shapes that travel between the state machines and the tasks (docs/design/data-flow.md).
 * They live in `core` so that pure logic can use them; `src/tasks/types.ts` re-exports them.
 * Everything here is JSON: no Dates, no class instances, no `undefined` values on the wire.
 */
import type { OrchestrationRequest, ServerReport } from '../contract/index.js';

export type { OrchestrationRequest };

/** The orchestration action (`drill` is `failover` with `isDrill`). */
export type Action = OrchestrationRequest['action'];

/** The running Step Functions execution (or its local stand-in). */
export interface ExecutionRef {
  /** Execution ARN (or the local runtime's id). */
  id: string;
  /** Execution name; the default correlation id. */
  name: string;
  /** ISO-8601 start time (virtual time locally). */
  startTime: string;
  /**
   * An executor's way back to the main execution's Task that waits for it (set by start-executor
   * in the executor's input only): its poll tasks send heartbeats, its last state the result.
   */
  callback?: ExecutorCallback;
}

/** Where an executor reports to: the task token of the main execution's waiting Task. */
export interface ExecutorCallback {
  /** `$$.Task.Token` of the waiting Task. */
  taskToken: string;
  /** The main execution's Region (SendTask* go to Step Functions there). */
  region: string;
  /** The orchestrator-account role allowed to answer the token (assumed from the staging account). */
  roleArn: string;
}

/** A staging account as the tasks address it. */
export interface AccountRef {
  accountId: string;
  region: string;
  /** Role the orchestrator assumes in this account. */
  roleArn: string;
}

/** Service-quota values used to plan launches in one account. */
export interface LaunchQuotas {
  /** Servers in one job (L-B827C881). */
  perJob: number;
  /** Servers in all active jobs (L-05AFA8C6). */
  allJobs: number;
  /** Concurrent jobs (L-D88FAC3A). */
  concurrentJobs: number;
  /** Where the values came from: live Service Quotas, or the conservative defaults. */
  source: 'service-quotas' | 'default';
}

/** How one account's servers are launched (set by partition; see `planLaunch`). */
export interface LaunchPlan {
  /**
   * Job size while servers wait for capacity: min(perJob, ceil(maxInFlight / maxConcurrentJobs)),
   * so that capacity comes back in small steps as jobs finish.
   */
  batchSize: number;
  /** Servers allowed in active jobs at once: min(parallelism, all-jobs quota, perJob x concurrent-jobs quota). */
  maxInFlight: number;
  /** Active jobs allowed at once: min(concurrent-jobs quota, ceil(maxInFlight / batchSize)). */
  maxConcurrentJobs: number;
  /**
   * Most servers in one job: min(per-job quota, 200 per call, all-jobs quota). Absent in plans made
   * before it existed (runs in flight across an upgrade), which then use `batchSize`.
   */
  perJob?: number;
  quotas: LaunchQuotas;
}

/** The work of one staging account. */
export interface AccountWork extends AccountRef {
  /** Matching source servers in this account, in discovery order. */
  serverIds: string[];
  /** failback/terminate/status: the recovery instances of those servers. */
  recoveryInstanceIds?: string[];
  /**
   * failback: the registered accounts (staging-accounts parameter) that this account's AWS-origin
   * servers came from, i.e. their `sourceCloudProperties` origin account and Region, where a
   * Region-to-Region failback recovers them (set by discover; addition to data-flow.md).
   */
  origins?: AccountRef[];
  /**
   * The account's `maxServers` from the staging-accounts parameter, so partition need not read it
   * again (addition to data-flow.md).
   */
  maxServers?: number;
  /** Set by partition. */
  plan?: LaunchPlan;
}

/**
 * Where an account's server ids are, as the main machine carries them: in the results bucket
 * (`serversKey`, an {@link AccountServers} object) or, without a bucket, inline. 50 accounts x
 * 300 ids are ~330 KB, over Step Functions' 256 KiB per state, so with a bucket no id travels.
 */
export interface AccountServerRef {
  /** Number of matching servers (what `AccountFailed` counts without the ids). */
  serverCount: number;
  /** S3 key of the {@link AccountServers} in the results bucket. */
  serversKey?: string;
  /** Inline ids (no results bucket). */
  serverIds?: string[];
  /** Inline recovery instance ids (no results bucket; failback/terminate/status). */
  recoveryInstanceIds?: string[];
}

/** The ids of one account's work, as stored under `serversKey`. */
export interface AccountServers {
  serverIds: string[];
  recoveryInstanceIds?: string[];
}

/**
 * One account as the main machine carries it (an item of its Map): the account, its plan and where
 * its server ids are; `start-executor` loads the ids into the executor's {@link AccountWork}.
 */
export interface AccountItem extends AccountRef, AccountServerRef {
  maxServers?: number;
  plan?: LaunchPlan;
  /** failback: see {@link AccountWork.origins} (a few accounts, so it travels with the item). */
  origins?: AccountRef[];
}

/** An account that could not be worked on (denied, over capacity, failed). */
export interface AccountIssue extends Partial<AccountServerRef> {
  accountId: string;
  region?: string;
  /** An error name of `src/contract/errors.ts`. */
  errorCode: string;
  errorMessage: string;
}

/** What discover returns (and partition, with plans and `rejectedAccounts`). */
export interface DiscoveryResult {
  totalServers: number;
  /** Only accounts with at least one matching server. */
  accounts: AccountItem[];
  deniedAccounts: AccountIssue[];
  /** Number of staging accounts configured and scanned (denied ones included). */
  scannedAccounts: number;
  /** Set by partition: accounts over their `maxServers`. */
  rejectedAccounts?: AccountIssue[];
  /** When nothing matched: the tag keys the scanned servers do carry (sorted, at most 50). */
  tagKeys?: string[];
}

/** Outcome of one server (or recovery instance) in a per-account report. */
export type ServerStatus =
  | 'launched'
  | 'failed'
  | 'timeout'
  | 'skipped'
  | 'terminated'
  | 'failback-completed'
  | 'reported';

/** One per server; written to S3 by the task that finishes the report, never carried by the main machine. */
export interface ServerRecord {
  sourceServerId: string;
  hostname: string;
  /** Where the server replicates: its staging account (an extended server's `stagingArea.stagingAccountID`). */
  stagingAccountId: string;
  /** Where it recovers when that is not its staging account: the target account holding it as an extended source server. */
  recoveryAccountId?: string;
  status: ServerStatus;
  jobId?: string;
  recoveryInstanceId?: string;
  ec2InstanceId?: string;
  privateIp?: string;
  launchTime?: string;
  isDrill?: boolean;
  tags?: Record<string, string>;
  replicationState?: string;
  lagDuration?: string;
  /** Status: the newest point-in-time snapshot a recovery could use now (DescribeRecoverySnapshots). */
  newestRecoveryPoint?: string;
  /** Status: whether a failover could recover this server now (its replication state keeps a recovery point). */
  failoverRecoverable?: boolean;
  lastLaunch?: { jobId?: string; status?: string; type?: string; time?: string };
  recoveryInstanceState?: string;
  failbackState?: string;
  /** Failback of an AWS-origin server: where it went back to and how far it got. */
  crossRegionFailback?: CrossRegionFailback;
  /** Failover/drill: the point in time the instance was launched from (RPO). */
  recoveryPointTime?: string;
  /**
   * Failover/drill: the last moment replicated data reached DRS: the launch request, or when the
   * agent was last seen if the source went dark before it (tasks/get-recovery-instances.ts).
   */
  replicatedUntil?: string;
  /** Failover/drill: seconds of data lost, `replicatedUntil` minus the recovery point. */
  dataLossSeconds?: number;
  /** Failover/drill: replication had stopped before the launch, so DRS used a snapshot it had. */
  usedPreviousSnapshot?: boolean;
  /** Failover/drill: seconds from `replicatedUntil` (the outage, or the request) to `readyTime`. */
  recoveryTimeSeconds?: number;
  /** Failover/drill: when the instance was up (status checks ok; the launch time with the check off). */
  readyTime?: string;
  /** Outcome of DRS post-launch actions, when they ran. */
  postLaunchActions?: PostLaunchOutcome;
  /** Something worth knowing about a success (a drill of replication that is not CONTINUOUS). */
  warning?: string;
  errorCode?: string;
  errorMessage?: string;
}

/**
 * A per-account report: what the executor's last step formats. With a results bucket the records
 * are stored in S3 by the task that makes them and only `resultKey` travels, so a 300-server
 * report costs a few hundred bytes of state instead of ~200 KB (Step Functions caps a state at
 * 256 KiB); without one they travel inline in `records`.
 */
export interface AccountReport {
  /** The per-server records, inline (no results bucket, or asked for inline). */
  records?: ServerRecord[];
  /** S3 key of the records in the results bucket. */
  resultKey?: string;
  /** Counts of the records by outcome. */
  counts: { total: number; succeeded: number; failed: number; timedOut: number; skipped: number };
  /** Every DRS job the records name, in order of first appearance. */
  jobIds: string[];
  /** Failover, drill, terminate: each job's servers and DRS's own times (the report's timeline). */
  jobs?: JobTiming[];
  /** Mean seconds from the execution's start to each launched server's launch (RecoveryLaunchTime metric). */
  meanLaunchSeconds?: number;
  /** Why the records travel inline although a results bucket is configured (it failed). */
  warning?: string;
}

/** What an executor returns to the main machine (small: counts and keys only). */
export interface AccountSummary {
  accountId: string;
  region: string;
  status: 'success' | 'partial' | 'failed' | 'timeout';
  serversProcessed: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  skipped: number;
  /** Every DRS job started or adopted, in order. */
  jobIds: string[];
  /** When the executor started (its `$$.Execution.StartTime`) and summarised (ISO). */
  startTime?: string;
  endTime?: string;
  /** Each job's servers and DRS times, when the action's run state keeps them. */
  jobs?: JobTiming[];
  /** S3 key of the account's ServerRecord[] when a results bucket is configured. */
  resultKey?: string;
  /** Inline records, only when there is no results bucket. */
  records?: ServerRecord[];
  errorCode?: string;
  errorMessage?: string;
  /** Something the caller should know (records not stored in the results bucket). */
  warning?: string;
}

/** A server that did not succeed, with the error name and why. */
export interface RunFailure {
  id: string;
  code: string;
  message: string;
}

/** Outcome of DRS post-launch actions on one server (model enum `LaunchActionRunStatus`). */
export interface PostLaunchOutcome {
  status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  /** Action ids (or names) of the runs that failed, with DRS's reason. */
  failed?: string[];
}

/** The health check of launched instances, carried between polls. */
export interface HealthWatch {
  /** Server id -> EC2 instance id, launched and not yet up. */
  watching: Record<string, string>;
  /** Server id -> ISO time the instance was first seen launched (its check window starts then). */
  since: Record<string, string>;
  /** Server id -> ISO time its instance was seen running with both status checks ok. */
  ready: Record<string, string>;
  /** Server id -> outcome of DRS post-launch actions (from the job's launchActionsStatus). */
  postLaunch?: Record<string, PostLaunchOutcome>;
  /** ec2:DescribeInstanceStatus calls made (for the benchmark). */
  calls: number;
}

/**
 * One DRS job of an account as the report's timeline draws it: its servers in this run and DRS's
 * own times (`creationDateTime`, and `endDateTime` once COMPLETED), so the deployed report needs
 * no history of the executor (which runs in another account and Region).
 */
export interface JobTiming {
  jobId: string;
  servers: number;
  startTime?: string;
  endTime?: string;
  /** Set when the run took the job over: the correlation id of the run that started it ({@link RunJob.adoptedFrom}). */
  adoptedFrom?: string;
  /** The job log items that matter to the evidence report, as DRS logged them ({@link RunJob.logEvents}). */
  logEvents?: JobLogEvent[];
  /** Matching job log items left out of `logEvents` (over {@link MAX_LOG_EVENTS_PER_JOB}). */
  logEventsOmitted?: number;
}

/**
 * One item of a DRS job log (DescribeJobLogItems) kept in the job's record: its event (model enum
 * `JobLogEvent`), DRS's own time, and the source server it is about.
 */
export interface JobLogEvent {
  event: string;
  time: string;
  sourceServerID?: string;
}

/**
 * Job log items kept per job: outputs travel through Step Functions (256 KiB), so a 1000-server
 * job keeps the first few and counts the rest.
 */
export const MAX_LOG_EVENTS_PER_JOB = 20;

/** One DRS job started or adopted by a run. */
export interface RunJob {
  jobId: string;
  serverIds: string[];
  /** Started before this run (same correlation id) or found through a ConflictException. */
  adopted?: boolean;
  /**
   * Adopted jobs: the `DR-CorrelationId` tag of the run that started the job (ours for a resume,
   * another run's when taken over through a ConflictException; `''` when the job has none).
   */
  adoptedFrom?: string;
  finished?: boolean;
  /** Set when the job finished: how many of its servers launched (finished jobs are not polled). */
  launched?: number;
  /** ISO time StartRecovery created the job (the poll cadence's anchor); unknown for some adopted jobs. */
  startedAt?: string;
  /** DRS's `endDateTime` of the job, once seen COMPLETED. */
  endedAt?: string;
  /** Read once when the job is seen COMPLETED: its log items that matter (at most {@link MAX_LOG_EVENTS_PER_JOB}). */
  logEvents?: JobLogEvent[];
  /** Matching log items left out of `logEvents`. */
  logEventsOmitted?: number;
}

/** State of a failover/drill in one account, carried between start-recovery and monitor-job. */
export interface RecoveryRun {
  kind: 'recovery';
  /** ISO time: execution.startTime + maxWaitMinutes. */
  deadline: string;
  /** Ready, not yet launched, in launch order. */
  pending: string[];
  /** Recovery point over `maxDataLossMinutes` while still replicating; re-checked each poll. */
  waiting: string[];
  /** Launched with a warning (a drill of a server that is not CONTINUOUS). */
  warnings?: RunFailure[];
  /** The up-not-just-launched check (absent when `healthCheckMinutes` is 0). */
  health?: HealthWatch;
  jobs: RunJob[];
  failed: RunFailure[];
  /** First failure without continueOnFailure: no more batches. */
  stopped?: boolean;
  /** Resolved pointInTimeSnapshot per server. */
  snapshotIds?: Record<string, string>;
  done: boolean;
  timedOut?: boolean;
  polls: number;
  /**
   * Seconds the executor waits before the next poll (its Wait state), set whenever the run is
   * returned unfinished; see `src/core/poll-cadence.ts`.
   */
  waitSeconds?: number;
}

/** One recovery instance a terminate run works on. */
export interface TerminateTarget {
  recoveryInstanceId: string;
  sourceServerId: string;
}

/** State of a terminate in one account, carried between terminate-instances and monitor-job. */
export interface TerminateRun {
  kind: 'terminate';
  deadline: string;
  targets: TerminateTarget[];
  /** Target instance ids not yet submitted (DRS quota was full). */
  pending?: string[];
  jobs: {
    jobId: string;
    recoveryInstanceIds: string[];
    finished?: boolean;
    /** DRS's `creationDateTime` and, once COMPLETED, `endDateTime` of the job. */
    startedAt?: string;
    endedAt?: string;
  }[];
  /** Servers (or instances) not touched, with the reason (non-drill, too young, no instance). */
  skipped: RunFailure[];
  failed: RunFailure[];
  done: boolean;
  timedOut?: boolean;
  polls: number;
  /** Set when done. */
  report?: AccountReport;
}

/** State of a failback in one account, carried between start-failback and monitor-failback. */
export interface FailbackRun {
  kind: 'failback';
  deadline: string;
  /** Instances being failed back. */
  targets: TerminateTarget[];
  jobIds: string[];
  /**
   * Not failed back and never will be by this run (no recovery instance, a drill instance). Once
   * `done`, the working lists (targets, skipped, failed, waiting, reverse) are emptied: the report
   * holds the outcome, and 300 entries with their reasons would crowd the 256 KiB state.
   */
  skipped: RunFailure[];
  /** Recovery instances not yet FAILBACK_READY_FOR_LAUNCH: re-checked each poll until maxWaitMinutes. */
  waiting?: TerminateTarget[];
  /** AWS-origin instances failing back Region to Region (ReverseReplication, then a recovery in the origin). */
  reverse?: ReverseFailback[];
  failed: RunFailure[];
  done: boolean;
  timedOut?: boolean;
  polls: number;
  report?: AccountReport;
}

/**
 * One AWS-origin recovery instance failing back to its origin Region, as DRS documents it
 * ("Performing a cross-Region failback"): ReverseReplication creates a FAILBACK-direction source
 * server in the origin account and Region; once it is CONTINUOUS, a recovery there (StartRecovery)
 * launches the failed-back instance.
 */
export interface ReverseFailback {
  /** The source server in this (the recovery) account. */
  sourceServerId: string;
  /** Its recovery instance, which is replicated back. */
  recoveryInstanceId: string;
  /**
   * That instance's EC2 id when it differs from `recoveryInstanceId`: the reversed server must
   * replicate this one (not an earlier failover's).
   */
  ec2InstanceId?: string;
  /** Where it fails back to: a registered account ({@link AccountWork.origins} has its role). */
  origin: Pick<AccountRef, 'accountId' | 'region'>;
  /** The source server ReverseReplication created in the origin. */
  reversedServerArn?: string;
  /** replicating: waiting for CONTINUOUS; launching: the origin recovery job runs; completed: launched. */
  phase: 'replicating' | 'launching' | 'completed';
  /** Replication state of the reversed server when last read. */
  replicationState?: string;
  /** The recovery job in the origin Region. */
  jobId?: string;
  /** The instance that job launched in the origin Region. */
  originRecoveryInstanceId?: string;
}

/**
 * Where an AWS-origin server failed back to, in its per-server record: the output schema's
 * `crossRegionFailback` (origin account and Region, the reversed source server there and its
 * replication state, the origin recovery job and the instance it launched).
 */
export type CrossRegionFailback = NonNullable<ServerReport['crossRegionFailback']>;

/** Any run a monitor task works on. */
export type Run = RecoveryRun | TerminateRun | FailbackRun;

/** A notification the state machine publishes with `sns:publish`. */
export interface Notification {
  topicArn: string;
  subject: string;
  message: string;
}

/** Per-account progress, emitted by the monitor tasks (the local runtime forwards it as an `AccountProgress` event). */
export interface AccountProgress {
  accountId: string;
  /** Servers this account works on. */
  discovered: number;
  /** Servers in jobs that have not finished. */
  launching: number;
  /** Servers done successfully so far (launched, terminated, failed back). */
  launched: number;
  failed: number;
}
