/**
 * Wires the neighbour services (STS, SSM, SNS, S3, Service Quotas, EC2; written against narrow
 * ports in services/) and IAM authorization onto the world, and adapts the world to their ports.
 */
import { type AuthorizeRequest, accessDenied, createAuthorizer } from './auth/authorizer.js';
import type { PolicyDocument } from './auth/iam-policy.js';
import type { InspectionViews } from './inspection.js';
import { renderServiceError } from './protocols/service-errors.js';
import { Random } from './random.js';
import type { Authorizer as ServerAuthorizer } from './server.js';
import { createEc2Handler } from './services/ec2.js';
import { createS3Handler, S3State, type S3StateSnapshot } from './services/s3.js';
import { createServiceQuotasHandler } from './services/service-quotas.js';
import { createSnsHandler, SnsState, type SnsStateSnapshot } from './services/sns.js';
import { createSsmHandler, SsmState, type SsmStateSnapshot } from './services/ssm.js';
import { createStsHandler } from './services/sts.js';
import type { EmulatorState } from './state.js';
import type { EmulatorRequest, Principal, ServiceHandler } from './types.js';

/** Handlers, authorizer and inspection views of the neighbour services. */
export interface NeighbourServices {
  readonly handlers: Readonly<Record<string, ServiceHandler>>;
  readonly authorize?: ServerAuthorizer;
  readonly views: InspectionViews;
}

/** The organization every fleet account belongs to (for `aws:PrincipalOrgID` trust conditions). */
export const FLEET_ORGANIZATION_ID = 'o-drsorchemu01';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

/** Builds the neighbour services over the world; their state is seeded from the fleet once. */
export function createNeighbourServices(state: EmulatorState): NeighbourServices {
  const restored = state.restoredServices;
  const seededAt = new Date(state.clock.nowMs()).toISOString();

  const ssm = restored.ssm ? SsmState.fromJSON(restored.ssm as SsmStateSnapshot) : new SsmState();
  const sns = restored.sns ? SnsState.fromJSON(restored.sns as SnsStateSnapshot) : new SnsState();
  const s3 = restored.s3 ? S3State.fromJSON(restored.s3 as S3StateSnapshot) : new S3State();
  for (const account of state.accounts()) {
    if (!restored.ssm) {
      for (const p of account.fleet.ssmParameters ?? []) {
        ssm.putParameter(account.accountId, account.region, {
          name: p.name,
          value: p.value,
          type: p.type ?? 'String',
          overwrite: true,
          now: seededAt,
        });
      }
    }
    if (!restored.sns)
      for (const t of account.fleet.snsTopics ?? []) sns.createTopic(account.accountId, account.region, t);
    if (!restored.s3) {
      for (const b of account.fleet.s3Buckets ?? []) {
        s3.createBucket(b.name, account.accountId, account.region, {
          allowedAccounts: b.allowAccounts ?? [],
          createdAt: seededAt,
        });
      }
    }
  }
  state.services.set('ssm', ssm);
  state.services.set('sns', sns);
  state.services.set('s3', s3);

  const findRole = (arn: string) => {
    const m = ROLE_ARN.exec(arn);
    if (!m) return undefined;
    const account = state.account(m[1] ?? '');
    const role = account?.roles.find((r) => r.name === m[2]);
    return account && role ? { account, role } : undefined;
  };
  const authorizer = createAuthorizer({
    policiesForRole: (arn) =>
      findRole(arn)?.role.policies as unknown as readonly PolicyDocument[] | undefined,
  });
  const accountQuotas = (accountId: string): Record<string, number> => {
    const q = state.account(accountId)?.quotas;
    return q
      ? {
          'L-B827C881': q.serversPerJob,
          'L-05AFA8C6': q.serversInAllActiveJobs,
          'L-D88FAC3A': q.concurrentJobs,
          'L-DD6D028C': q.jobsPerSourceServer,
          'L-C1D14A2B': q.replicatingServers,
        }
      : {};
  };

  const handlers: Record<string, ServiceHandler> = {
    sts: createStsHandler(
      {
        findRole: (arn) => {
          const hit = findRole(arn);
          return hit
            ? {
                arn: `arn:aws:iam::${hit.account.accountId}:role/${hit.role.name}`,
                accountId: hit.account.accountId,
                trustPolicy: hit.role.trustPolicy as unknown as PolicyDocument,
              }
            : undefined;
        },
        credentials: state.credentials,
        assumeRoleDenied: (roleArn) => state.faults.isAssumeRoleDenied(ROLE_ARN.exec(roleArn)?.[1] ?? ''),
        organizationIdOf: (accountId) => (state.account(accountId) ? FLEET_ORGANIZATION_ID : undefined),
        authorizer,
      },
      { defaultTrustedAccounts: [state.orchestratorAccountId] },
    ),
    ssm: createSsmHandler({ state: ssm, authorizer }),
    sns: createSnsHandler({ state: sns, authorizer }),
    s3: createS3Handler({ state: s3, authorizer }),
    servicequotas: createServiceQuotasHandler({
      quotas: (accountId) => accountQuotas(accountId),
      authorizer,
    }),
    ec2: createEc2Handler({
      listInstances: (accountId, region) => {
        const account = state.account(accountId);
        if (!account || account.region !== region) return [];
        account.drs.settle(state.clock.nowMs());
        const now = state.clock.nowMs();
        return account.drs.instances().map((r) => ({
          instanceId: r.recoveryInstanceID,
          state: r.stopped === true ? ('stopped' as const) : ('running' as const),
          launchTime: new Date(r.launchedMs).toISOString(),
          privateIpAddress: r.privateIp,
          tags: r.tags,
          instanceType: r.instanceType,
          availabilityZone: `${region}a`,
          statusChecks: statusChecksOf(r.recoveryInstanceID, r.sourceServerID, r.launchedMs, now),
        }));
      },
      authorizer,
    }),
  };

  /**
   * EC2 status checks of a recovery instance: `initializing` for 2-6 virtual minutes after it
   * launched (seeded per instance), then `ok`, or an `impaired` instance check under the fault.
   */
  const initMinutes = new Map<string, number>();
  function statusChecksOf(instanceId: string, sourceServerID: string, launchedMs: number, now: number) {
    let minutes = initMinutes.get(instanceId);
    if (minutes === undefined) {
      minutes = new Random(`status/${instanceId}`).int(2, 6);
      initMinutes.set(instanceId, minutes);
    }
    const readyMs = launchedMs + minutes * 60_000;
    if (now < readyMs) return { system: 'initializing', instance: 'initializing' } as const;
    if (state.faults.isImpaired(instanceId, sourceServerID))
      return { system: 'ok', instance: 'impaired', impairedSince: new Date(readyMs).toISOString() } as const;
    return { system: 'ok', instance: 'ok' } as const;
  }

  // The pipeline's authorization step: each service says which IAM action and resources a call
  // is (`drs:StartRecovery` on source servers, `states:ListExecutions` on the state machine, ...);
  // SSM, SNS, S3, STS, Service Quotas and EC2 still check inside their handlers.
  const requests: Record<
    string,
    (req: EmulatorRequest, principal: Principal, operation: string) => AuthorizeRequest
  > = {
    drs: drsAuthorization,
    states: statesAuthorization,
  };
  const authorize: ServerAuthorizer = (req, principal, operation, requestId) => {
    const describe = requests[req.service];
    if (describe === undefined) return undefined;
    const request = describe(req, principal, operation);
    const result = authorizer.check(principal, request);
    const shown = typeof request.resources === 'string' ? request.resources : (request.resources[0] ?? '*');
    return result.allowed
      ? undefined
      : renderServiceError(req.service, accessDenied(req.service, principal, result, shown), requestId);
  };

  const views: InspectionViews = {
    'sns/messages': (q) => ({ messages: sns.messages(q.get('topicArn') ?? undefined) }),
    's3/objects': (q) => ({
      objects: s3
        .buckets()
        .filter((b) => !q.get('bucket') || b.name === q.get('bucket'))
        .flatMap((b) =>
          [...b.objects.values()].map((o) => ({
            bucket: b.name,
            key: o.key,
            size: o.body.length,
            body: o.body.toString('utf8'),
          })),
        ),
    }),
    'ssm/parameters': () => ({ parameters: ssm.all() }),
  };

  return { handlers, authorize, views };
}

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

// IAM authorizes these per resource (Service Authorization Reference: SourceServerResource* /
// RecoveryInstanceResource* required), so a policy scoped to those ARNs must be able to allow them.
const DRS_PER_RESOURCE: Readonly<Record<string, { field: string; type: string; key?: string }>> = {
  StartRecovery: { field: 'sourceServers', type: 'source-server', key: 'sourceServerID' },
  TerminateRecoveryInstances: { field: 'recoveryInstanceIDs', type: 'recovery-instance' },
  StartFailbackLaunch: { field: 'recoveryInstanceIDs', type: 'recovery-instance' },
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
    const items = Array.isArray(body[scoped.field]) ? (body[scoped.field] as unknown[]) : [];
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

/**
 * The IAM request of a Step Functions call: `states:<Operation>` (the action names IAM uses) on
 * the state machine or execution ARN it names (`*` when it names none).
 */
function statesAuthorization(
  req: EmulatorRequest,
  _principal: Principal,
  operation: string,
): AuthorizeRequest {
  const member = STATES_RESOURCE[operation];
  const value = member === undefined ? undefined : jsonBody(req)?.[member];
  return {
    action: `states:${operation}`,
    resources: typeof value === 'string' && value !== '' ? value : '*',
    region: req.region,
  };
}
