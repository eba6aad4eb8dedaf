/* Generated from schemas/runbook.schema.json by `npm run gen:types`. Do not edit. */

/**
 * A DR runbook: one action run as ordered waves (statemachines/waves.asl.json), each wave optionally waiting for an operator's approval, with steps beyond DRS (SSM Automation and Run Command, Lambda, Route 53 DNS, waits, manual approvals) before or after a wave's launches or as a wave of its own. Written in YAML or JSON. Wave options are orchestration options (orchestration-input.schema.json#/properties/options) and are validated as such.
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
  waves: RunbookWave[];
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
/**
 * A launch wave (tags: the servers it recovers, with optional before and after steps) or a wave of steps only (steps, no tags).
 */
export interface RunbookWave {
  /**
   * Unique name of the wave (used by --approve WAVE).
   */
  name: string;
  /**
   * Tag pairs selecting the wave's source servers (all must match). Required unless the wave has steps.
   */
  tags?: {
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
   * The wave may match no source server. Without it, a wave that matches nothing makes the runbook end partial (exit 2), not success: a tag typo is not a recovered wave.
   */
  allowEmpty?: boolean;
  /**
   * Recovery time objective of the wave: the report compares the wave's duration with it.
   */
  rtoTargetMinutes?: number;
  /**
   * Steps run before the wave's launches (after its approval).
   *
   * @maxItems 20
   */
  before?: RunbookStep[];
  /**
   * Steps run after the wave's launches reported nextPhaseReady.
   *
   * @maxItems 20
   */
  after?: RunbookStep[];
  /**
   * A wave of its own: these steps, no launches (then tags, options, before and after are not allowed).
   *
   * @minItems 1
   * @maxItems 20
   */
  steps?: RunbookStep[];
}
/**
 * One step beyond DRS. The fields a kind does not use are refused. Every step has a timeout, retries and continueOnFailure; its result, times and error land in the wave's output (steps), the step log and the evidence report.
 */
export interface RunbookStep {
  /**
   * Unique name of the step in the runbook (shown in progress, the output and the report; --approve STEP answers a manual step).
   */
  name: string;
  /**
   * What the step does.
   */
  kind: 'ssm-automation' | 'ssm-command' | 'lambda' | 'dns' | 'wait' | 'manual';
  /**
   * Free text for the report.
   */
  description?: string;
  /**
   * Seconds one attempt may take (including its waits) before it fails with States.Timeout. Default 3600; a manual step's default is the runbook's approval.timeoutSeconds; a wait step's default is its minutes plus 60 seconds, or 3600 for a health check.
   */
  timeoutSeconds?: number;
  /**
   * Attempts after the first when an attempt fails (a manual step's rejection is never retried).
   */
  retries?: number;
  /**
   * Seconds between a failed attempt and the next.
   */
  retryIntervalSeconds?: number;
  /**
   * When every attempt failed: true records the failure and goes on (the runbook ends partial at best); false stops the runbook (status stopped, the step named).
   */
  continueOnFailure?: boolean;
  /**
   * ssm-automation, ssm-command, lambda, dns: the earlier wave whose recovered instances the step uses. Default: the step's own wave (its after steps), else the nearest earlier wave that launched.
   */
  fromWave?: string;
  /**
   * ssm-automation, ssm-command: the SSM document name or ARN.
   */
  document?: string;
  /**
   * ssm-automation, ssm-command: the document version. @default $DEFAULT
   */
  documentVersion?: string;
  /**
   * ssm-automation, ssm-command: the document's parameters (each a string or a list of strings).
   */
  parameters?: {
    [k: string]: string | string[];
  };
  /**
   * ssm-automation: the document parameter that receives the recovered instances' EC2 ids (a list of strings).
   */
  instancesParameter?: string;
  /**
   * lambda: the function name or ARN (with an optional version or alias).
   */
  function?: string;
  /**
   * lambda: the JSON payload. The function receives { payload, runbook, wave, instances, step } (instances: the recovered instances of the wave the step uses).
   */
  payload?: {};
  /**
   * dns: the Route 53 hosted zone id (Z...), without /hostedzone/.
   */
  hostedZoneId?: string;
  /**
   * dns: the records to UPSERT (at most 20).
   *
   * @minItems 1
   * @maxItems 20
   */
  records?: RunbookDnsRecord[];
  /**
   * dns: key under which the records' old values are kept (SSM parameter /drs-orchestration/dns-changes/KEY), for a failback runbook's restore.
   */
  saveAs?: string;
  /**
   * dns: restore the records a failover's dns step changed and kept under this key (saveAs): the old values come back, records that did not exist before are deleted.
   */
  restore?: string;
  /**
   * wait: minutes to wait.
   */
  minutes?: number;
  /**
   * wait: wait until this Route 53 health check reports healthy.
   */
  healthCheckId?: string;
  /**
   * ssm-automation, ssm-command, dns, wait (health check): seconds between status checks. Default 15.
   */
  pollSeconds?: number;
  /**
   * manual: what the operator must do or check before approving (sent with the approval request).
   */
  instructions?: string;
}
export interface RunbookDnsRecord {
  /**
   * The record name (app.example.com).
   */
  name: string;
  /**
   * A: the recovered instances' private IPs (or values); CNAME: one value.
   */
  type: 'A' | 'CNAME';
  /**
   * Seconds.
   */
  ttl?: number;
  /**
   * The record values. Default for A: the private IPs of the recovered instances of the step's wave (fromWave).
   *
   * @minItems 1
   * @maxItems 100
   */
  values?: string[];
  /**
   * Weighted or failover record: its identifier.
   */
  setIdentifier?: string;
  /**
   * Weighted record: 0-255 (needs setIdentifier).
   */
  weight?: number;
  /**
   * Failover record: PRIMARY or SECONDARY (needs setIdentifier).
   */
  failover?: 'PRIMARY' | 'SECONDARY';
  /**
   * The health check the record is associated with.
   */
  healthCheckId?: string;
}
