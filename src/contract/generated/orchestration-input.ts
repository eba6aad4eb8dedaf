/* Generated from schemas/orchestration-input.schema.json by `npm run gen:types`. Do not edit. */

/**
 * Input of a DRS orchestration (design 3.1), tightened: unknown fields are errors, never ignored.
 */
export interface OrchestrationInput {
  /**
   * The DRS operation to perform. `drill` is `failover` with `options.isDrill` forced to true.
   */
  action: 'failover' | 'failback' | 'drill' | 'terminate' | 'status';
  /**
   * Tag key-value pairs selecting source servers; a server matches when it carries every pair (AND).
   */
  tags: {
    [k: string]: string;
  };
  options?: OrchestrationOptions;
  metadata?: OrchestrationMetadata;
  /**
   * Set by a parent Step Functions execution to link the two executions; ignored otherwise.
   */
  AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID?: string;
}
export interface OrchestrationOptions {
  /**
   * Launch as a drill (terminable without affecting replication). Forced to true by action `drill`.
   */
  isDrill?: boolean;
  /**
   * Maximum minutes to wait for the action to complete; work still pending then is reported as `timeout`.
   */
  maxWaitMinutes?: number;
  /**
   * DRS recovery snapshot id for point-in-time recovery (pit- followed by 17 letters or digits).
   */
  pointInTimeSnapshot?: string;
  /**
   * Failover/drill: the RPO budget. A server whose recovery point is older waits (within maxWaitMinutes) while it still replicates, and fails with RecoveryPointTooOld when it cannot get there (STALLED, PAUSED or the wait ends). Absent: every server with a recovery point launches at once, whatever its age.
   */
  maxDataLossMinutes?: number;
  /**
   * Failover/drill: after DRS reports LAUNCHED, wait up to this many minutes for the EC2 instance to be running with system and instance status checks ok (ec2:DescribeInstanceStatus); one that is not fails with InstanceUnhealthy. 0 turns the check off.
   */
  healthCheckMinutes?: number;
  /**
   * SNS topic ARN that receives started/completed/failed/partial notifications.
   */
  notificationArn?: string;
  /**
   * Keep launching the remaining servers when some fail; the result is then `partial` instead of `failed`.
   */
  continueOnFailure?: boolean;
  /**
   * Maximum servers in flight (in active DRS jobs) per staging account: a whole number from 1 up to the account's all-jobs quota read from Service Quotas (L-05AFA8C6, DRS default 500; checked per account when the run starts, and never above 10000, refused before anything starts), or "max" for as many as the quotas allow. The default 50 keeps the load on DRS low but launches a 300-server account in several rounds (drs-orch plan shows the estimated duration); "max" launches up to 500 servers at once.
   */
  parallelism?: number | 'max';
  /**
   * Success ratio above which a `partial` result still sets `nextPhaseReady` (design 11.3).
   */
  nextPhaseThreshold?: number;
  /**
   * The number of source servers the tags must match (all reachable staging accounts together). When the matched count differs, the run fails before anything starts with the error ServerCountMismatch (output status failed, error.code ServerCountMismatch). Absent: any count, zero included (zero is then a success with a warning, design 3.2).
   */
  expectedServers?: number;
  /**
   * Let `terminate` touch recovery instances of real (non-drill) recoveries. By default only drill instances are terminated; others are skipped and reported.
   */
  terminateNonDrill?: boolean;
  /**
   * `terminate` only: touch only recovery instances launched at least this many minutes ago (drill cleanup). Absent: any age.
   */
  olderThanMinutes?: number;
}
/**
 * Pass-through metadata for tracking and correlation; returned unchanged in the output. `correlationId` defaults to the execution name and tags every DRS job started.
 */
export interface OrchestrationMetadata {
  /**
   * Idempotency and tracing key; becomes the DRS job tag DR-CorrelationId, so it is limited to tag-value characters.
   */
  correlationId?: string;
  /**
   * Execution id/ARN of the parent workflow; becomes the DRS job tag DR-ParentExecutionId.
   */
  parentExecutionId?: string;
  ticketId?: string;
  initiatedBy?: string;
  [k: string]: unknown;
}
