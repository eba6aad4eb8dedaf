import type { ConditionKeys } from './auth/iam-policy.js';

/**
 * Shared types of the embedded AWS emulator: the request/response shape every service handler
 * speaks, and the identity the SigV4 layer resolves for each request.
 *
 * The HTTP server (server.ts) parses a request, authenticates it (auth/), picks the handler of the
 * service named in the SigV4 credential scope, and writes the handler's response back.
 */

/** One HTTP request as the emulator's service handlers see it. */
export interface EmulatorRequest {
  /** Upper-case HTTP method, e.g. `POST`. */
  readonly method: string;
  /** Decoded path without the query string, e.g. `/DescribeJobs` or `/tags/arn%3Aaws...` (raw). */
  readonly path: string;
  /** The raw path as received (still percent-encoded), needed for SigV4 and for rest-json labels. */
  readonly rawPath: string;
  /** Query string parameters. */
  readonly query: URLSearchParams;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Raw body bytes. */
  readonly body: Buffer;
  /** SigV4 credential-scope service (`drs`, `sts`, `ssm`, `sns`, `s3`, `servicequotas`, `ec2`, `states`). */
  readonly service: string;
  /** SigV4 credential-scope region, e.g. `us-east-2`. */
  readonly region: string;
}

/** What a service handler answers. */
export interface EmulatorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
}

/** The authenticated caller of one request. */
export interface Principal {
  /** 12-digit account the credentials belong to; every resource lookup is scoped to it. */
  readonly accountId: string;
  /** e.g. `arn:aws:iam::123456789012:root` or `arn:aws:sts::111111111111:assumed-role/DRS-Orchestration-Role/session`. */
  readonly arn: string;
  readonly accessKeyId: string;
  /** For assumed-role sessions: the role's ARN (its policies decide what the session may do). */
  readonly roleArn?: string;
}

/** Per-request context handed to a service handler. */
export interface ServiceContext {
  readonly principal: Principal;
  /** Virtual time of the emulator clock. */
  now(): Date;
  /** Unique id for `x-amzn-requestid` / `RequestId` elements. */
  readonly requestId: string;
}

/** One emulated AWS service. Handlers never throw for bad input: they answer the modelled error. */
export type ServiceHandler = (req: EmulatorRequest, ctx: ServiceContext) => Promise<EmulatorResponse>;

/** One operation of a service: its request in, its answer out (a `ServiceError` for a modelled failure). */
export type Operation = (
  req: EmulatorRequest,
  ctx: ServiceContext,
) => Promise<EmulatorResponse> | EmulatorResponse;

/** Per-call details of an authorization check. */
export interface AuthorizeRequest {
  /** `service:Action`, e.g. `ssm:GetParameter`. */
  readonly action: string;
  /** Resource ARN(s); `*` for actions without a resource. */
  readonly resources: string | readonly string[];
  readonly region: string;
  /** Extra condition keys (`aws:ResourceTag/...`, ...). */
  readonly keys?: ConditionKeys;
  /** Tags given at creation (adds the action's tagging action). @default false */
  readonly tagsOnCreate?: boolean;
}

/**
 * What one operation asks IAM: a builder of its request, or `'none'` for an operation that needs
 * no permission (`sts:GetCallerIdentity`).
 */
export type OperationAuthorization =
  | 'none'
  | ((req: EmulatorRequest, principal: Principal, operation: string) => AuthorizeRequest);

/** An operation with the IAM request it makes (when IAM scopes it to a resource). */
export interface OperationSpec {
  readonly run: Operation;
  readonly iam: OperationAuthorization;
}

/**
 * A service's operations by their model name: the one list of what it serves. An operation IAM
 * scopes to a resource carries its rule here; any other is authorized by its service's fallback.
 */
export type Operations = Readonly<Record<string, Operation | OperationSpec>>;

/** Something whose state is saved with the world (a service's slice). */
export interface Persistent {
  toJSON(): unknown;
  /**
   * What changed since the last call, when the slice can say it (S3's objects, DRS's accounts):
   * the journal records that instead of the whole slice, so a call's record is the size of its
   * change. The service's descriptor folds it back (`applyChanges`).
   */
  takeChanges?(): unknown;
  /** Writes what the snapshot refers to but does not hold (S3 object bodies) beside a saved file. */
  saveBeside?(path: string): void;
  /** A snapshot of the world was made durable: files nothing refers to any more can go. */
  compacted?(): void;
}

/** Read-only views of the inspection API a service contributes (`/_emulator/<service>/<view>`). */
export type InspectionViews = Readonly<Record<string, (query: URLSearchParams) => unknown>>;
