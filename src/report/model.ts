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
  /** Seconds of data lost: launch time minus recovery point (when the output carries it). */
  readonly dataLossSeconds?: number;
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
  readonly notes: readonly ReportNote[];
  /** Per-server lists the report could not include (e.g. a truncated output without its S3 copy). */
  readonly gaps: readonly string[];
  readonly generatedAt: string;
}
