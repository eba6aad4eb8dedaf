/**
 * The one table the server pipeline authorizes every call by: for each emulated service and
 * operation, the IAM action the Service Authorization Reference names for it and the resource
 * ARN(s) IAM evaluates it on, read from the request alone. No service handler checks IAM itself;
 * a handler only enforces what is not an identity policy (resource policies, trust policies,
 * cross-account sharing).
 */
import { renderServiceError } from '../protocols/service-errors.js';
import type { Authorizer as PipelineAuthorizer } from '../server.js';
import { parameterArn } from '../services/ssm/ssm.js';
import type { EmulatorRequest, Principal } from '../types.js';
import { type AuthorizeRequest, type Authorizer, accessDenied } from './authorizer.js';

/**
 * What one operation asks IAM: a builder of its request, or `'none'` for an operation that
 * needs no permission (`sts:GetCallerIdentity`: "No permissions are required to perform this
 * operation").
 */
export type OperationAuthorization =
  | 'none'
  | ((req: EmulatorRequest, principal: Principal, operation: string) => AuthorizeRequest);

/** The JSON object of a request body, or undefined (the service itself answers a malformed one). */
function jsonBody(req: EmulatorRequest): Record<string, unknown> | undefined {
  if (req.body.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(req.body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The parameters of a query-protocol call (query string and form body together). */
function queryParams(req: EmulatorRequest): URLSearchParams {
  const params = new URLSearchParams(req.query);
  if (req.body.length > 0 && req.body.length < 1_000_000) {
    for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) params.set(k, v);
  }
  return params;
}

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

// IAM authorizes these per resource (Service Authorization Reference: SourceServerResource* /
// RecoveryInstanceResource* required), so a policy scoped to those ARNs must be able to allow them.
const DRS_PER_RESOURCE: Readonly<Record<string, { field: string; type: string; key?: string }>> = {
  StartRecovery: { field: 'sourceServers', type: 'source-server', key: 'sourceServerID' },
  TerminateRecoveryInstances: { field: 'recoveryInstanceIDs', type: 'recovery-instance' },
  StartFailbackLaunch: { field: 'recoveryInstanceIDs', type: 'recovery-instance' },
  ReverseReplication: { field: 'recoveryInstanceID', type: 'recovery-instance' },
};

/** The IAM request of a DRS call: `drs:<Operation>`, its resources, and tags given at creation. */
function drsAuthorization(req: EmulatorRequest, principal: Principal, operation: string): AuthorizeRequest {
  let resource = '*';
  if (req.rawPath.startsWith('/tags/')) {
    try {
      resource = decodeURIComponent(req.rawPath.slice(6));
    } catch {
      resource = '*';
    }
  }
  // The scoped operations are the only ones whose body decides authorization: parse it once.
  const scoped = DRS_PER_RESOURCE[operation];
  const body = scoped === undefined ? undefined : jsonBody(req);
  let resources: string | string[] = resource;
  if (scoped !== undefined && body !== undefined) {
    const value = body[scoped.field];
    // A list of resources, or one (ReverseReplication names a single recovery instance).
    const items = Array.isArray(value) ? (value as unknown[]) : value === undefined ? [] : [value];
    const ids = items
      .map((item) => (scoped.key ? (item as Record<string, unknown> | null)?.[scoped.key] : item))
      .filter((id): id is string => typeof id === 'string');
    if (ids.length > 0) {
      resources = ids.map((id) => `arn:aws:drs:${req.region}:${principal.accountId}:${scoped.type}/${id}`);
    }
  }
  const tags = body?.tags;
  const tagsOnCreate =
    (operation === 'StartRecovery' || operation === 'StartFailbackLaunch') &&
    typeof tags === 'object' &&
    tags !== null &&
    Object.keys(tags).length > 0;
  return { action: `drs:${operation}`, resources, region: req.region, tagsOnCreate };
}

/** Step Functions operations and the input member naming the resource IAM checks them on. */
const STATES_RESOURCE: Readonly<Record<string, string>> = {
  StartExecution: 'stateMachineArn',
  ListExecutions: 'stateMachineArn',
  DescribeExecution: 'executionArn',
  GetExecutionHistory: 'executionArn',
  StopExecution: 'executionArn',
};

/** `states:<Operation>` on the state machine or execution ARN it names (`*` when none). */
function statesAuthorization(
  req: EmulatorRequest,
  _principal: Principal,
  operation: string,
): AuthorizeRequest {
  const member = STATES_RESOURCE[operation];
  return {
    action: `states:${operation}`,
    resources: (member === undefined ? undefined : nonEmpty(jsonBody(req)?.[member])) ?? '*',
    region: req.region,
  };
}

const SSM_ARN = /^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/.*?)(?::[^:/]*)?$/;

/**
 * `ssm:GetParameter` / `ssm:PutParameter` on the parameter's ARN: the ARN given as `Name`
 * (another account's shared parameter), else the caller's own; a `:version` selector is not
 * part of the resource.
 */
function ssmAuthorization(req: EmulatorRequest, principal: Principal, operation: string): AuthorizeRequest {
  const name = nonEmpty(jsonBody(req)?.Name);
  let resource = '*';
  if (name !== undefined) {
    const arn = SSM_ARN.exec(name);
    if (arn) resource = arn[1] ?? name;
    else {
      // Parameter names cannot contain ':', so a colon starts a version selector (`name:3`).
      const colon = name.lastIndexOf(':');
      resource = parameterArn(principal.accountId, req.region, colon > 0 ? name.slice(0, colon) : name);
    }
  }
  return { action: `ssm:${operation}`, resources: resource, region: req.region };
}

/**
 * `ssm:GetParametersByPath` on the path's ARN (the caller's account): Parameter Store authorizes
 * it against the path, not against the parameters it returns (Systems Manager user guide, "How
 * Parameter Store authorizes parameter retrieval"). A trailing `/` is not part of the resource.
 */
function ssmPathAuthorization(
  req: EmulatorRequest,
  principal: Principal,
  operation: string,
): AuthorizeRequest {
  const path = nonEmpty(jsonBody(req)?.Path);
  const resource =
    path === undefined || !path.startsWith('/')
      ? '*'
      : parameterArn(principal.accountId, req.region, path.length > 1 ? path.replace(/\/+$/, '') : path);
  return { action: `ssm:${operation}`, resources: resource, region: req.region };
}

/** `sns:CreateTopic` on the topic it would create, `sns:Publish` on the topic it names. */
function snsAuthorization(req: EmulatorRequest, principal: Principal, operation: string): AuthorizeRequest {
  const params = queryParams(req);
  const name = params.get('Name');
  const resource =
    operation === 'CreateTopic'
      ? name === null
        ? '*'
        : `arn:aws:sns:${req.region}:${principal.accountId}:${name}`
      : (nonEmpty(params.get('TopicArn')) ?? nonEmpty(params.get('TargetArn')) ?? '*');
  return { action: `sns:${operation}`, resources: resource, region: req.region };
}

/** `sts:AssumeRole` on the role it names. */
function stsAssumeRole(req: EmulatorRequest): AuthorizeRequest {
  return {
    action: 'sts:AssumeRole',
    resources: nonEmpty(queryParams(req).get('RoleArn')) ?? '*',
    region: req.region,
  };
}

/** Service Quotas: the quota's ARN for the per-quota reads, `*` for the listing. */
function serviceQuotasAuthorization(
  req: EmulatorRequest,
  principal: Principal,
  operation: string,
): AuthorizeRequest {
  const body = jsonBody(req);
  const service = nonEmpty(body?.ServiceCode);
  const code = nonEmpty(body?.QuotaCode);
  return {
    action: `servicequotas:${operation}`,
    resources:
      operation === 'ListServiceQuotas' || service === undefined || code === undefined
        ? '*'
        : `arn:aws:servicequotas:${req.region}:${principal.accountId}:${service}/${code}`,
    region: req.region,
  };
}

/** `<service>:<Operation>` on `*`: actions without resource-level permissions. */
function anyResource(service: string): OperationAuthorization {
  return (req, _principal, operation) => ({
    action: `${service}:${operation}`,
    resources: '*',
    region: req.region,
  });
}

/** The path-style bucket and key of an S3 request. */
function s3Target(req: EmulatorRequest): { bucket: string; key: string } {
  const trimmed = req.path.startsWith('/') ? req.path.slice(1) : req.path;
  const slash = trimmed.indexOf('/');
  return slash < 0
    ? { bucket: trimmed, key: '' }
    : { bucket: trimmed.slice(0, slash), key: trimmed.slice(slash + 1) };
}

/** S3 operations and the IAM action each needs (HeadBucket and the listings need ListBucket). */
const S3_ACTIONS: Readonly<Record<string, { action: string; on: 'bucket' | 'object' }>> = {
  CreateBucket: { action: 's3:CreateBucket', on: 'bucket' },
  HeadBucket: { action: 's3:ListBucket', on: 'bucket' },
  ListObjects: { action: 's3:ListBucket', on: 'bucket' },
  ListObjectsV2: { action: 's3:ListBucket', on: 'bucket' },
  PutObject: { action: 's3:PutObject', on: 'object' },
  GetObject: { action: 's3:GetObject', on: 'object' },
  HeadObject: { action: 's3:GetObject', on: 'object' },
};

/** S3: the bucket ARN for bucket operations, `bucket/key` for object ones. */
function s3Authorization(req: EmulatorRequest, _principal: Principal, operation: string): AuthorizeRequest {
  const spec = S3_ACTIONS[operation];
  const { bucket, key } = s3Target(req);
  return {
    action: spec?.action ?? `s3:${operation}`,
    resources: spec?.on === 'object' ? `arn:aws:s3:::${bucket}/${key}` : `arn:aws:s3:::${bucket}`,
    region: req.region,
  };
}

/**
 * Every served operation of every emulated service, by SigV4 service name, with what it asks IAM.
 * An operation missing here is authorized by its service's fallback (`<service>:<Operation>` on
 * `*`), so a new operation is never let through unchecked.
 */
export const OPERATION_AUTHORIZATION: Readonly<
  Record<
    string,
    {
      readonly byOperation: Readonly<Record<string, OperationAuthorization>>;
      readonly fallback: OperationAuthorization;
    }
  >
> = {
  drs: { byOperation: {}, fallback: drsAuthorization },
  states: { byOperation: {}, fallback: statesAuthorization },
  ssm: {
    byOperation: {
      GetParameter: ssmAuthorization,
      GetParametersByPath: ssmPathAuthorization,
      PutParameter: ssmAuthorization,
    },
    fallback: anyResource('ssm'),
  },
  sns: {
    byOperation: { CreateTopic: snsAuthorization, Publish: snsAuthorization },
    fallback: anyResource('sns'),
  },
  sts: {
    byOperation: { AssumeRole: stsAssumeRole, GetCallerIdentity: 'none' },
    fallback: anyResource('sts'),
  },
  servicequotas: {
    byOperation: {
      GetServiceQuota: serviceQuotasAuthorization,
      GetAWSDefaultServiceQuota: serviceQuotasAuthorization,
      ListServiceQuotas: serviceQuotasAuthorization,
    },
    fallback: anyResource('servicequotas'),
  },
  ec2: {
    // EC2 `Describe*` actions support no resource-level permissions.
    byOperation: { DescribeInstances: anyResource('ec2'), DescribeInstanceStatus: anyResource('ec2') },
    fallback: anyResource('ec2'),
  },
  s3: { byOperation: {}, fallback: s3Authorization },
};

/**
 * The IAM request of one call, `'none'` when the operation needs no permission, or undefined for
 * a service the table does not know (the pipeline then answers that service as unknown anyway).
 */
export function authorizationOf(
  req: EmulatorRequest,
  principal: Principal,
  operation: string,
): AuthorizeRequest | 'none' | undefined {
  const entry = OPERATION_AUTHORIZATION[req.service];
  if (entry === undefined) return undefined;
  const how = entry.byOperation[operation] ?? entry.fallback;
  return how === 'none' ? 'none' : how(req, principal, operation);
}

/**
 * SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat: IAM scopes them to the state machine
 * whose Task the token belongs to (Service Authorization Reference), which only the backend that
 * issued the token knows; a token no Task holds is checked on `*`.
 */
function sendTaskAuthorization(
  req: EmulatorRequest,
  operation: string,
  taskOwner: (token: string) => string | undefined,
): AuthorizeRequest | undefined {
  if (req.service !== 'states' || !operation.startsWith('SendTask')) return undefined;
  const token = nonEmpty(jsonBody(req)?.taskToken);
  return {
    action: `states:${operation}`,
    resources: (token === undefined ? undefined : taskOwner(token)) ?? '*',
    region: req.region,
  };
}

/**
 * The server pipeline's authorization step over an authorizer: looks the call up in
 * {@link OPERATION_AUTHORIZATION} and answers the service's own access-denied error (its code,
 * status and protocol) when the caller's policies do not allow it.
 */
export function createPipelineAuthorizer(
  authorizer: Authorizer,
  /** The state machine whose Task holds (or held) a task token: the Step Functions backend knows it. */
  taskOwner: (token: string) => string | undefined = () => undefined,
): PipelineAuthorizer {
  return (req, principal, operation, requestId) => {
    const request =
      sendTaskAuthorization(req, operation, taskOwner) ?? authorizationOf(req, principal, operation);
    if (request === undefined || request === 'none') return undefined;
    const result = authorizer.check(principal, request);
    if (result.allowed) return undefined;
    const shown = typeof request.resources === 'string' ? request.resources : (request.resources[0] ?? '*');
    return renderServiceError(
      req.service,
      accessDenied(req.service, principal, result, shown),
      requestId,
      req.method === 'HEAD',
    );
  };
}
