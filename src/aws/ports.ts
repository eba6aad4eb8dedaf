/**
 * Narrow ports over the AWS services we call: only the operations the tasks use, so a reader can
 * see the whole AWS surface of the product here, and IAM policies can be checked against it.
 */
import type {
  CreateExtendedSourceServerRequest,
  CreateExtendedSourceServerResponse,
  DescribeJobLogItemsRequest,
  DescribeJobLogItemsResponse,
  DescribeJobsRequest,
  DescribeJobsResponse,
  DescribeRecoveryInstancesRequest,
  DescribeRecoveryInstancesResponse,
  DescribeRecoverySnapshotsRequest,
  DescribeRecoverySnapshotsResponse,
  DescribeSourceServersRequest,
  DescribeSourceServersResponse,
  ListExtensibleSourceServersRequest,
  ListExtensibleSourceServersResponse,
  ReverseReplicationRequest,
  ReverseReplicationResponse,
  StartFailbackLaunchRequest,
  StartFailbackLaunchResponse,
  StartRecoveryRequest,
  StartRecoveryResponse,
  TagResourceRequest,
  TerminateRecoveryInstancesRequest,
  TerminateRecoveryInstancesResponse,
} from '@aws-sdk/client-drs';

/** DRS in one staging account (one page per call; paging is the caller's). */
export interface DrsPort {
  describeSourceServers(input: DescribeSourceServersRequest): Promise<DescribeSourceServersResponse>;
  describeJobs(input: DescribeJobsRequest): Promise<DescribeJobsResponse>;
  /** One page of a job's log (read once per job, when it ends, for the evidence report). */
  describeJobLogItems(input: DescribeJobLogItemsRequest): Promise<DescribeJobLogItemsResponse>;
  describeRecoveryInstances(
    input: DescribeRecoveryInstancesRequest,
  ): Promise<DescribeRecoveryInstancesResponse>;
  describeRecoverySnapshots(
    input: DescribeRecoverySnapshotsRequest,
  ): Promise<DescribeRecoverySnapshotsResponse>;
  /** Mutating. */
  startRecovery(input: StartRecoveryRequest): Promise<StartRecoveryResponse>;
  /** Mutating. */
  startFailbackLaunch(input: StartFailbackLaunchRequest): Promise<StartFailbackLaunchResponse>;
  /**
   * Mutating: replicates an AWS-origin recovery instance back to its origin Region (a new
   * FAILBACK-direction source server there).
   */
  reverseReplication(input: ReverseReplicationRequest): Promise<ReverseReplicationResponse>;
  /** Mutating. */
  terminateRecoveryInstances(
    input: TerminateRecoveryInstancesRequest,
  ): Promise<TerminateRecoveryInstancesResponse>;
  /**
   * Mutating, in a target (recovery) account: creates the extended source server of a staging
   * account's source server (DRS reads the staging account through its DRSStagingAccountRole).
   */
  createExtendedSourceServer(
    input: CreateExtendedSourceServerRequest,
  ): Promise<CreateExtendedSourceServerResponse>;
  /** Source servers of a staging account that this (target) account could extend, one page. */
  listExtensibleSourceServers(
    input: ListExtensibleSourceServersRequest,
  ): Promise<ListExtensibleSourceServersResponse>;
  /** Mutating: tags a DRS resource (the extend action keeps an extended server's tags in step). */
  tagResource(input: TagResourceRequest): Promise<void>;
}

/** Temporary credentials from STS. */
export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** When STS says they expire. */
  expiration: Date;
}

/** STS in the orchestrator account. */
export interface StsPort {
  assumeRole(input: {
    roleArn: string;
    sessionName: string;
    durationSeconds?: number;
  }): Promise<SessionCredentials>;
  /** The account the ambient credentials belong to. */
  getCallerIdentity(): Promise<{ account: string; arn: string }>;
}

/** SSM Parameter Store in the orchestrator account. */
export interface SsmPort {
  /** The parameter's value (decrypted). */
  getParameter(name: string): Promise<string>;
  /**
   * Every parameter directly under `path` (not recursive), every page, decrypted, ordered by name.
   */
  getParametersByPath(path: string): Promise<{ name: string; value: string }[]>;
}

/** S3 (results bucket). */
export interface S3Port {
  putObject(input: { bucket: string; key: string; body: string; contentType?: string }): Promise<void>;
  /** The object's text. */
  getObject(input: { bucket: string; key: string }): Promise<string>;
}

/** SNS (notifications). */
export interface SnsPort {
  publish(input: { topicArn: string; subject: string; message: string }): Promise<{ messageId?: string }>;
}

/** What DescribeExecution says about an execution (the fields the orchestration reads). */
export interface ExecutionDescription {
  executionArn: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';
  startDate: Date;
  stopDate?: Date;
  /** The output, parsed (SUCCEEDED only). */
  output?: unknown;
  /** The input as given, parsed. */
  input?: unknown;
  error?: string;
  cause?: string;
}

/**
 * One event of an execution's history (the model's `HistoryEvent`): its type, time and the
 * members of its `<x>EventDetails` (`input`/`output` stay JSON strings, as the API sends them).
 */
export interface ExecutionHistoryEvent {
  id: number;
  previousEventId?: number;
  /** `TaskStateEntered`, `TaskSucceeded`, ... */
  type: string;
  timestamp: Date;
  details?: Record<string, unknown>;
}

/**
 * Step Functions in one staging account and Region: starting and watching that account's
 * executor (through the executor-starter role).
 */
export interface StatesPort {
  /** Idempotent for a running execution of the same name and input (ExecutionAlreadyExists otherwise). */
  startExecution(input: {
    stateMachineArn: string;
    name: string;
    input: unknown;
  }): Promise<{ executionArn: string; startDate: Date }>;
  describeExecution(input: { executionArn: string }): Promise<ExecutionDescription>;
  /**
   * The whole history of an execution, oldest first (every page, up to `maxEvents`); read by the
   * report task of the orchestrator account on its own executions only.
   */
  getExecutionHistory(input: { executionArn: string; maxEvents?: number }): Promise<ExecutionHistoryEvent[]>;
  /** Mutating: ends a running execution (ABORTED); no effect on a closed one. */
  stopExecution(input: { executionArn: string; error: string; cause: string }): Promise<void>;
}

/** Service Quotas in one account and region. */
export interface QuotasPort {
  /** The applied quota value, or `undefined` when the service gives none. */
  getServiceQuota(input: { serviceCode: string; quotaCode: string }): Promise<number | undefined>;
}

/** What we read of an EC2 instance. */
export interface Ec2InstanceInfo {
  instanceId: string;
  /** `pending`, `running`, `terminated`, ... */
  state?: string;
  privateIp?: string;
  launchTime?: string;
}

/** The status checks of one instance (ec2:DescribeInstanceStatus). */
export interface Ec2InstanceStatusInfo {
  instanceId: string;
  /** `pending`, `running`, `stopped`, ... */
  state?: string;
  /** System status check: `ok`, `impaired`, `initializing`, `insufficient-data`, `not-applicable`. */
  system?: string;
  /** Instance status check (same values). */
  instance?: string;
}

/** EC2 in one staging account and region. */
export interface Ec2Port {
  /** Instances by id; ids EC2 no longer knows are simply absent. */
  describeInstances(instanceIds: readonly string[]): Promise<Ec2InstanceInfo[]>;
  /**
   * Status checks of instances in any state (IncludeAllInstances), one call per 100 ids (EC2's
   * limit); ids EC2 does not know (yet) are simply absent. With `upOnly`, EC2 filters the answer
   * to instances running with both checks ok, or stopped (checks `not-applicable`: launched
   * stopped by design), so a poll of many initializing instances stays small.
   */
  describeInstanceStatus(
    instanceIds: readonly string[],
    options?: { upOnly?: boolean },
  ): Promise<Ec2InstanceStatusInfo[]>;
}

/** The ports of the orchestrator account. */
export interface OrchestratorPorts {
  region: string;
  sts: StsPort;
  ssm: SsmPort;
  s3: S3Port;
  sns: SnsPort;
  /** Step Functions of the orchestrator account (the report task reads its own executions). */
  states: StatesPort;
}

/**
 * Answers to a Step Functions task token (the executor's callback to the main execution's
 * waiting Task), in the Region and account of that execution.
 */
export interface TaskTokenPort {
  /** `output`: the JSON text the waiting Task returns. */
  sendTaskSuccess(taskToken: string, output: string): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
  sendTaskHeartbeat(taskToken: string): Promise<void>;
}

/** The ports of one staging account, acting through its role. */
export interface StagingAccountPorts {
  accountId: string;
  region: string;
  /** Obtains (or reuses) the account's credentials; throws `CrossAccountAccessDenied` when the role cannot be assumed. */
  connect(): Promise<void>;
  drs: DrsPort;
  quotas: QuotasPort;
  ec2: Ec2Port;
  states: StatesPort;
  /** Task-token answers (reached through the orchestrator's callback role). */
  callbacks: TaskTokenPort;
}
