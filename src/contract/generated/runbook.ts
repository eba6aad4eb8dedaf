/* Generated from schemas/runbook.schema.json by `npm run gen:types`. Do not edit. */

/**
 * A DR runbook: one action run as ordered waves (statemachines/waves.asl.json), each wave optionally waiting for an operator's approval. Written in YAML or JSON. Wave options are orchestration options (orchestration-input.schema.json#/properties/options) and are validated as such.
 */
export interface Runbook {
  /**
   * What the runbook is, shown in progress and in the evidence report.
   */
  name?: string;
  /**
   * Free text for the report.
   */
  description?: string;
  /**
   * The DRS operation every wave performs.
   */
  action: 'failover' | 'failback' | 'drill' | 'terminate' | 'status';
  /**
   * Orchestration options for every wave; a wave's own options win field by field.
   */
  options?: {
    [k: string]: unknown;
  };
  /**
   * Orchestration metadata (ticketId, initiatedBy, correlationId, ...) passed to every wave.
   */
  metadata?: {
    [k: string]: unknown;
  };
  approval?: RunbookApproval;
  /**
   * The waves, run in order; a wave starts only when the previous one reported nextPhaseReady.
   *
   * @minItems 1
   * @maxItems 50
   */
  waves: [RunbookWave, ...RunbookWave[]];
}
/**
 * Where approval requests are announced and how long a wave waits for a decision.
 */
export interface RunbookApproval {
  /**
   * SNS topic that receives the approval requests. Default on sim: the fleet's first topic in the orchestrator account.
   */
  topicArn?: string;
  /**
   * Seconds a wave waits for a decision before the runbook stops with status timeout.
   */
  timeoutSeconds?: number;
}
export interface RunbookWave {
  /**
   * Unique name of the wave (used by --approve WAVE).
   */
  name: string;
  /**
   * Tag pairs selecting the wave's source servers (all must match).
   */
  tags: {
    [k: string]: string;
  };
  /**
   * Orchestration options for this wave only.
   */
  options?: {
    [k: string]: unknown;
  };
  /**
   * Wait for an operator's approval before this wave starts.
   */
  approval?: boolean;
  /**
   * The number of source servers the wave's tags must match; otherwise the wave fails with ServerCountMismatch before anything starts (the orchestration option of the same name, which this sets).
   */
  expectedServers?: number;
  /**
   * Recovery time objective of the wave: the report compares the wave's duration with it.
   */
  rtoTargetMinutes?: number;
}
