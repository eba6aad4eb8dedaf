/**
 * The DRS world of one account as plain, JSON-serializable records. Job progress is not stored:
 * it is derived from each job's plan (absolute virtual times drawn when the job started) and the
 * clock, so advancing time by hours is free and save/load only copies these records.
 */

import type { DataReplicationState } from '../../fleet/types.js';

/** Failback states (model enum `FailbackState`). */
export type FailbackState =
  | 'FAILBACK_NOT_STARTED'
  | 'FAILBACK_IN_PROGRESS'
  | 'FAILBACK_READY_FOR_LAUNCH'
  | 'FAILBACK_COMPLETED'
  | 'FAILBACK_ERROR'
  | 'FAILBACK_NOT_READY_FOR_LAUNCH'
  | 'FAILBACK_LAUNCH_STATE_NOT_AVAILABLE';

/** Per-server launch status (model enum `LaunchStatus`). */
export type LaunchStatus = 'PENDING' | 'IN_PROGRESS' | 'LAUNCHED' | 'FAILED' | 'TERMINATED';

/**
 * What a launch takes from the server's EC2 launch template (its default version when the job
 * starts): DRS launches the recovery instance with it, as on AWS.
 */
export interface LaunchTemplateUse {
  instanceType?: string;
  subnetId?: string;
  securityGroupIds?: string[];
  /** Instance profile name or ARN. */
  iamInstanceProfile?: string;
}

/** A source server as stored. */
export interface SourceServerRecord {
  sourceServerID: string;
  arn: string;
  tags: Record<string, string>;
  hostname: string;
  fqdn: string;
  os: string;
  replicationState: DataReplicationState;
  lagSeconds: number;
  originEnvironment: 'ON_PREMISES' | 'AWS';
  originAccountID?: string;
  originRegion?: string;
  ips: string[];
  macAddress: string;
  disks: { deviceName: string; bytes: number }[];
  cpus: { cores: number; modelName: string }[];
  ramBytes: number;
  recommendedInstanceType: string;
  addedMs: number;
  /** Last launch: the job is authoritative for its status. */
  lastLaunch?: { jobID: string; type: 'RECOVERY' | 'DRILL'; apiCallMs: number };
  /** Current recovery instance, if any. */
  recoveryInstanceID?: string;
  /**
   * FAILBACK for a server ReverseReplication created: it replicates a recovery instance back to
   * the origin Region. @default 'FAILOVER'
   */
  replicationDirection?: 'FAILOVER' | 'FAILBACK';
  /** The server replicating the opposite way (set on both by ReverseReplication). */
  reversedDirectionSourceServerArn?: string;
  /**
   * A server ReverseReplication created replicates from scratch: INITIATING until `initiatedMs`,
   * INITIAL_SYNC until `syncedMs` (no snapshot before), then its stored state.
   */
  initialSync?: { initiatedMs: number; syncedMs: number };
  /** The EC2 instance it replicates (ReverseReplication: the recovery instance), as `identificationHints.awsInstanceID`. */
  awsInstanceID?: string;
  /** For an EC2-origin server: the source instance's type (what a synchronizer copies). @default recommendedInstanceType */
  sourceInstanceType?: string;
  /**
   * An extended source server (CreateExtendedSourceServer): the staging account and the staging
   * server it extends (its `stagingArea`). Absent: the server replicates in this account.
   */
  staging?: { accountId: string; sourceServerArn: string };
  /** Bumped on every stored change, invalidates the cached JSON. */
  version: number;
}

/** One log event in a job plan. */
export interface PlannedEvent {
  atMs: number;
  event: string;
  sourceServerID?: string;
  targetInstanceID?: string;
  conversionServerID?: string;
  rawError?: string;
}

/** One server's part in a job. */
export interface JobServerPlan {
  sourceServerID: string;
  /** Recovery instance launched (LAUNCH) or acted upon (TERMINATE, FAILBACK). */
  recoveryInstanceID?: string;
  /** When the server leaves PENDING. */
  startMs: number;
  /** When it reaches its outcome; `null` = never (stuck-job fault). */
  endMs: number | null;
  outcome: LaunchStatus;
  /** For LAUNCH: point in time the instance is launched from. */
  pointInTimeMs?: number;
  privateIp?: string;
  /** For LAUNCH: the server's launch configuration when the job started (what DRS applies). */
  launch?: {
    stopped: boolean;
    copyTags: boolean;
    privateIp?: string;
    /** What the EC2 launch template's default version said when the job started. */
    template?: LaunchTemplateUse;
    /** Post-launch actions that run after the instance launched (planned when the job starts). */
    actions?: LaunchActionsPlan;
  };
  /** Whether the side effects (instance created/removed, failback done) were applied. */
  settled: boolean;
}

/** The post-launch actions of one launch, as planned when its job starts. */
export interface LaunchActionsPlan {
  /** When the SSM agent is seen on the launched instance. */
  ssmAgentDiscoveryMs: number;
  runs: LaunchActionRunPlan[];
}

/** One post-launch action run: the action as it was when the job started, and its timing. */
export interface LaunchActionRunPlan {
  action: LaunchActionRecord;
  runId: string;
  /** IN_PROGRESS until then; then SUCCEEDED, or FAILED with `failureReason`. */
  endMs: number;
  failureReason?: string;
}

/** A DRS job as stored. */
export interface JobRecord {
  jobID: string;
  arn: string;
  type: 'LAUNCH' | 'TERMINATE' | 'CREATE_CONVERTED_SNAPSHOT';
  initiatedBy: 'START_RECOVERY' | 'START_DRILL' | 'FAILBACK' | 'TERMINATE_RECOVERY_INSTANCES';
  createdMs: number;
  /** PENDING until then. */
  startedMs: number;
  /** COMPLETED from then on; `null` = never (stuck-job fault). */
  endMs: number | null;
  isDrill: boolean;
  tags: Record<string, string>;
  servers: JobServerPlan[];
  events: PlannedEvent[];
}

/** A recovery instance as stored. */
export interface RecoveryInstanceRecord {
  recoveryInstanceID: string;
  arn: string;
  sourceServerID: string;
  jobID: string;
  isDrill: boolean;
  launchedMs: number;
  pointInTimeMs: number;
  privateIp: string;
  tags: Record<string, string>;
  originEnvironment: 'ON_PREMISES' | 'AWS';
  instanceType: string;
  /** Subnet, security groups and instance profile the launch template gave it. */
  network?: LaunchTemplateUse;
  /** Launched stopped (`launchDisposition: STOPPED`); absent = running. */
  stopped?: boolean;
  /** When failback replication is ready (non-drill, on-premises origin only). */
  failbackReadyMs?: number;
  /** Set by a StartFailbackLaunch job. */
  failbackJobID?: string;
  failbackInitiationMs?: number;
  /** Set by the emulator control; wins over the derived state. */
  failbackOverride?: FailbackState;
}

/** The DRS state of one account. */
export interface DrsAccountState {
  accountId: string;
  region: string;
  servers: SourceServerRecord[];
  jobs: JobRecord[];
  instances: RecoveryInstanceRecord[];
  /** Seeded generator state for IDs and durations in this account. */
  rngState: number;
}

/** The settings a launch uses (the members of the model's LaunchConfiguration we model). */
export interface LaunchSettings {
  name?: string;
  launchDisposition: 'STOPPED' | 'STARTED';
  targetInstanceTypeRightSizingMethod: 'NONE' | 'BASIC' | 'IN_AWS';
  copyPrivateIp: boolean;
  copyTags: boolean;
  licensing: { osByol: boolean };
  postLaunchEnabled: boolean;
}

/** A launch configuration template (LaunchConfigurationTemplate). */
export interface LaunchTemplateRecord extends Omit<LaunchSettings, 'name'> {
  launchConfigurationTemplateID: string;
  tags: Record<string, string>;
  exportBucketArn?: string;
  launchIntoSourceInstance: boolean;
}

/** A post-launch action (LaunchAction) on a source server or template. */
export interface LaunchActionRecord {
  actionId: string;
  actionCode: string;
  type: 'SSM_AUTOMATION' | 'SSM_COMMAND';
  name: string;
  active: boolean;
  order: number;
  actionVersion: string;
  optional: boolean;
  parameters?: Record<string, { value: string; type: string }>;
  description: string;
  category: string;
}

/** Launch settings of one account, saved with its DRS state. */
export interface LaunchSettingsState {
  configurations: Record<string, LaunchSettings>;
  templates: LaunchTemplateRecord[];
  actions: Record<string, LaunchActionRecord[]>;
}
