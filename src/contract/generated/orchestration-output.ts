/* Generated from schemas/orchestration-output.schema.json by `npm run gen:types`. Do not edit. */

/**
 * Output of a DRS orchestration (design 3.2), plus `message`, `resultLocation` and the per-server `servers` report of status/terminate/failback.
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
}
export interface OutputSummary {
  totalServers: number;
  succeeded: number;
  failed: number;
  skipped: number;
  timedOut?: number;
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
  stagingAccountId: string;
  status: 'launched' | 'failed' | 'timeout';
  privateIp?: string;
  launchTime?: string;
  isDrill?: boolean;
  jobId?: string;
  tags?: StringMap;
}
export interface StringMap {
  [k: string]: string;
}
export interface FailedServer {
  sourceServerId: string;
  sourceServerHostname?: string;
  stagingAccountId: string;
  errorCode: string;
  errorMessage: string;
  jobId?: string;
}
export interface ServerReport {
  sourceServerId: string;
  sourceServerHostname?: string;
  stagingAccountId: string;
  outcome: 'reported' | 'terminated' | 'skipped' | 'failback-completed' | 'failed' | 'timeout';
  replicationState?: string;
  lagDuration?: string;
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
  errorCode?: string;
  errorMessage?: string;
}
