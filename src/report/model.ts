/**
 * The evidence report's JSON source: everything the HTML shows, in one document that can be
 * archived, hashed and re-rendered. Pure types.
 */

/** Report format version; bumped when a field changes meaning. */
export const REPORT_VERSION = 1;

/** How an execution ended, in the words of an operator. */
export type ReportOutcome =
  | 'success'
  | 'partial'
  | 'failed'
  | 'timeout'
  | 'rejected'
  | 'stopped'
  | 'aborted'
  | 'running';

/** An approval decision of one wave. */
export interface ReportApproval {
  /** approved, rejected, timeout (nobody answered), or pending (execution ended while waiting). */
  readonly decision: 'approved' | 'rejected' | 'timeout' | 'pending';
  readonly requestedAt?: string;
  readonly decidedAt?: string;
  readonly by?: string;
  readonly comment?: string;
}

/** One wave (a single action is one wave). */
export interface ReportWave {
  readonly number: number;
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Status of the wave's orchestration (design 3.2), or `not run`. */
  readonly status: string;
  readonly startTime?: string;
  readonly endTime?: string;
  readonly durationSeconds?: number;
  readonly rtoTargetMinutes?: number;
  /** Whether the wave finished within its RTO target (absent without a target or an end). */
  readonly rtoMet?: boolean;
  readonly approvalRequired: boolean;
  readonly approval?: ReportApproval;
  readonly message?: string;
  readonly totals: ReportTotals;
  /** What the wave did, in time order: discovery, each account and DRS job, health checks, approval. */
  /** Absent in reports written before the step log (they stay readable). */
  readonly steps?: readonly ReportStep[];
}

/** One line of a wave's step log (as VMware SRM's recovery plan history lists its steps). */
export interface ReportStep {
  readonly time: string;
  readonly endTime?: string;
  /** discover, batches, account, drs job, health checks, approval, aggregate. */
  readonly step: string;
  /** ok, failed, warning, skipped, pending, running, or the step's own status. */
  readonly status: string;
  readonly detail?: string;
}

/** Worst data loss and recovery time of a set of servers. */
export interface ReportObjectiveFigures {
  /** Largest data loss (replicated-until minus recovery point), seconds: the RPO achieved. */
  readonly worstDataLossSeconds?: number;
  /** Largest recovery time (replicated-until, i.e. the outage or the launch request, to ready), seconds: the RTO achieved. */
  readonly recoveryTimeSeconds?: number;
  /** Servers recovered (with an instance). */
  readonly recovered: number;
  /** Of those, launched from an older snapshot because replication had stopped. */
  readonly previousSnapshot: number;
}

/** RPO and RTO at a glance: overall, per wave, per account, and the worst servers. */
export interface ReportObjectives {
  readonly overall: ReportObjectiveFigures;
  readonly waves: readonly (ReportObjectiveFigures & { readonly wave: number })[];
  readonly accounts: readonly (ReportObjectiveFigures & { readonly accountId: string })[];
  /** The servers with the most data loss (then the longest recovery), at most five. */
  readonly worstServers: readonly {
    readonly wave: number;
    readonly sourceServerId: string;
    readonly name?: string;
    readonly accountId?: string;
    readonly dataLossSeconds?: number;
    readonly recoveryTimeSeconds?: number;
    readonly usedPreviousSnapshot?: boolean;
  }[];
}

/** A warning of an output, next to the servers it names. */
export interface ReportWarning {
  readonly wave: number;
  readonly text: string;
  /** Source servers the warning names. */
  readonly sourceServerIds: readonly string[];
}

/** One staging account's executor in one wave. */
export interface ReportAccount {
  readonly wave: number;
  readonly accountId: string;
  readonly region?: string;
  readonly status: string;
  readonly startTime: string;
  readonly endTime?: string;
}

/** One DRS job: DRS's creation and end times (else the executor's polls: first seen, first seen finished). */
export interface ReportJob {
  readonly wave: number;
  readonly accountId: string;
  readonly jobId: string;
  readonly servers: number;
  readonly startTime: string;
  readonly endTime?: string;
  /** Taken over from another run: that run's correlation id (`''` when its job carried none). */
  readonly adoptedFrom?: string;
  /** The job log items the run kept (USING_PREVIOUS_SNAPSHOT, LAUNCH_FAILED, ...), as DRS logged them. */
  readonly logEvents?: readonly ReportJobLogEvent[];
  /** Matching log items the run left out (over its cap per job). */
  readonly logEventsOmitted?: number;
}

/** One DRS job log item: its event, DRS's time and the source server it is about. */
export interface ReportJobLogEvent {
  readonly event: string;
  readonly time: string;
  readonly sourceServerId?: string;
}

/** One source server's result. */
export interface ReportServer {
  readonly wave: number;
  readonly sourceServerId: string;
  readonly name?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly accountId?: string;
  readonly jobId?: string;
  /** Snapshot the instance was launched from (when the output carries it). */
  readonly recoveryPointTime?: string;
  /** When replication last reached DRS: the launch request, or when the agent was last seen if it went dark before. */
  readonly replicatedUntil?: string;
  /** Seconds of data lost: replicated-until minus recovery point (when the output carries it). */
  readonly dataLossSeconds?: number;
  /** Launched from an older snapshot because replication had stopped (DRS: USING_PREVIOUS_SNAPSHOT). */
  readonly usedPreviousSnapshot?: boolean;
  /** Seconds from replicated-until to ready: the downtime this server saw. */
  readonly recoveryTimeSeconds?: number;
  /** When both EC2 status checks passed. */
  readonly readyTime?: string;
  /** Seconds from the instance's launch to ready. */
  readonly launchToReadySeconds?: number;
  readonly region?: string;
  readonly instanceId?: string;
  readonly privateIp?: string;
  readonly health?: string;
  /** succeeded, failed, skipped, timeout, or the status report's outcome. */
  readonly outcome: string;
  readonly reason?: string;
  readonly launchTime?: string;
}

/** Server counts. */
export interface ReportTotals {
  readonly servers: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  readonly timedOut: number;
}

/** A notable moment (approval asked or given, cancellation). */
export interface ReportNote {
  readonly time: string;
  readonly text: string;
}

/** The report's JSON source. */
export interface ReportSource {
  readonly reportVersion: number;
  readonly kind: 'runbook' | 'action';
  readonly title: string;
  /** The runbook's `description`. */
  readonly description?: string;
  readonly action: string;
  readonly execution: {
    readonly name: string;
    readonly arn: string;
    /** Where it ran: sim, aws, sfn, or an endpoint. */
    readonly target: string;
    readonly outcome: ReportOutcome;
    /** Step Functions' status of the root execution. */
    readonly status: string;
    readonly startTime: string;
    readonly endTime?: string;
    readonly durationSeconds?: number;
    readonly reason?: string;
    /** Why Step Functions' status and the outcome read differently (SUCCEEDED beside partial). */
    readonly statusNote?: string;
  };
  readonly startedBy: {
    readonly initiatedBy?: string;
    readonly ticketId?: string;
    readonly correlationId?: string;
  };
  /** The execution's input as given. */
  readonly input: unknown;
  readonly waves: readonly ReportWave[];
  readonly accounts: readonly ReportAccount[];
  readonly jobs: readonly ReportJob[];
  /** Failures first, then by wave and name. */
  readonly servers: readonly ReportServer[];
  readonly totals: ReportTotals & { readonly waves: number; readonly wavesRun: number };
  /** RPO and RTO achieved, at a glance. */
  readonly objectives?: ReportObjectives;
  /** The outputs' warnings, each with the servers it names. */
  readonly warnings?: readonly ReportWarning[];
  readonly notes: readonly ReportNote[];
  /** Per-server lists the report could not include (e.g. a truncated output without its S3 copy). */
  readonly gaps: readonly string[];
  readonly generatedAt: string;
}
