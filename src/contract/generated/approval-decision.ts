/* Generated from schemas/approval-decision.schema.json by `npm run gen:types`. Do not edit. */

/**
 * The answer to a wave's approval (statemachines/waves.asl.json, RequestApproval): the task output of SendTaskSuccess. The wave runs only when approved is true; approved false rejects it, and an answer that does not match this schema rejects it as malformed. SendTaskFailure (error ApprovalRejected) rejects it too. drs-orch approve, the runbook prompt and --approve send exactly this.
 */
export interface ApprovalDecision {
  /**
   * true runs the wave; false rejects it.
   */
  approved: boolean;
  /**
   * Who answered (user@host, or --by), recorded in the report.
   */
  approvedBy?: string;
  /**
   * When the decision was taken (ISO 8601).
   */
  at?: string;
  /**
   * Why, recorded in the report.
   */
  comment?: string;
}
