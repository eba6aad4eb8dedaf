/**
 * Wires the neighbour services (STS, SSM, SNS, S3, Service Quotas, EC2; written against narrow
 * ports in services/) and IAM authorization onto the world, and adapts the world to their ports.
 */
import { createAuthorizer } from './auth/authorizer.js';
import type { PolicyDocument } from './auth/iam-policy.js';
import { createPipelineAuthorizer } from './auth/operations.js';
import { FLEET_ORGANIZATION_ID, organizationPathOf } from './auth/organization.js';
import type { InspectionViews } from './inspection.js';
import { Random } from './random.js';
import type { Authorizer as ServerAuthorizer } from './server.js';
import { createEc2Handler } from './services/ec2/ec2.js';
import { createS3Handler, S3State, type S3StateSnapshot } from './services/s3/s3.js';
import { DirectoryBodyStore, MemoryBodyStore } from './services/s3/s3-bodies.js';
import { createServiceQuotasHandler } from './services/servicequotas/service-quotas.js';
import { createSnsHandler, SnsState, type SnsStateSnapshot } from './services/sns/sns.js';
import { createSsmHandler, SsmState, type SsmStateSnapshot } from './services/ssm/ssm.js';
import { createStsHandler } from './services/sts/sts.js';
import { type EmulatorState, StateFileError } from './state.js';
import type { ServiceHandler } from './types.js';

/** Handlers, authorizer and inspection views of the neighbour services. */
export interface NeighbourServices {
  readonly handlers: Readonly<Record<string, ServiceHandler>>;
  readonly authorize?: ServerAuthorizer;
  readonly views: InspectionViews;
}

/** The organization every fleet account belongs to (for `aws:PrincipalOrgID` trust conditions). */
export { FLEET_ORGANIZATION_ID };

/** Largest object body the `s3/objects` view shows (a larger one is listed by size and SHA-256). */
const VIEW_BODY_LIMIT = 1024 * 1024;

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

/** Builds the neighbour services over the world; their state is seeded from the fleet once. */
export function createNeighbourServices(
  state: EmulatorState,
  /** The state machine holding a task token (the Step Functions backend's), for SendTask* IAM. */
  taskOwner: (token: string) => string | undefined = () => undefined,
  options: {
    /** Keep S3 object bodies as files in this folder (the state file's `<file>.objects/`). @default in memory */
    readonly objectsDir?: string;
  } = {},
): NeighbourServices {
  const restored = state.restoredServices;
  const seededAt = new Date(state.clock.nowMs()).toISOString();

  const ssm = restored.ssm ? SsmState.fromJSON(restored.ssm as SsmStateSnapshot) : new SsmState();
  const sns = restored.sns ? SnsState.fromJSON(restored.sns as SnsStateSnapshot) : new SnsState();
  const bodies =
    options.objectsDir === undefined ? new MemoryBodyStore() : new DirectoryBodyStore(options.objectsDir);
  let s3: S3State;
  try {
    s3 = restored.s3
      ? S3State.fromJSON(
          restored.s3 as S3StateSnapshot,
          bodies,
          state.savedFrom === undefined ? undefined : new DirectoryBodyStore(`${state.savedFrom}.objects`),
        )
      : new S3State(bodies);
  } catch (err) {
    throw new StateFileError((err as Error).message);
  }
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
  // The seeded buckets are part of the starting point (saved whole), not a call's change.
  s3.takeChanges();
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
  // Each account's place in the fleet's organization (aws:PrincipalOrgPaths, aws:ResourceOrgPaths).
  const organizationPath = (accountId: string): string | undefined => {
    const account = state.account(accountId);
    return account
      ? organizationPathOf(accountId, account.fleet.organizationPath, state.orchestratorAccountId)
      : undefined;
  };
  const authorizer = createAuthorizer({
    policiesForRole: (arn) =>
      findRole(arn)?.role.policies as unknown as readonly PolicyDocument[] | undefined,
    organizationPathOf: organizationPath,
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
        organizationPathOf: organizationPath,
      },
      { defaultTrustedAccounts: [state.orchestratorAccountId] },
    ),
    ssm: createSsmHandler({ state: ssm }),
    sns: createSnsHandler({ state: sns }),
    s3: createS3Handler({ state: s3 }),
    servicequotas: createServiceQuotasHandler({
      quotas: (accountId) => accountQuotas(accountId),
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
          // EC2 runs no status checks on a stopped instance: both report `not-applicable`.
          statusChecks:
            r.stopped === true
              ? ({ system: 'not-applicable', instance: 'not-applicable' } as const)
              : statusChecksOf(r.recoveryInstanceID, r.sourceServerID, r.launchedMs, now),
        }));
      },
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

  // The pipeline's authorization step, the only one: one table says which IAM action and
  // resources each call of each service is (`drs:StartRecovery` on source servers,
  // `ssm:GetParameter` on the parameter, `states:ListExecutions` on the state machine, ...).
  const authorize = createPipelineAuthorizer(authorizer, taskOwner);

  const views: InspectionViews = {
    'sns/messages': (q) => ({ messages: sns.messages(q.get('topicArn') ?? undefined) }),
    's3/objects': (q) => ({
      objects: s3
        .buckets()
        .filter((b) => !q.get('bucket') || b.name === q.get('bucket'))
        .flatMap((b) =>
          [...b.objects.values()].map((o) => {
            // Small objects (reports, results) are shown; a large body is only named by size.
            const body = o.size <= VIEW_BODY_LIMIT ? s3.body(o) : undefined;
            return {
              bucket: b.name,
              key: o.key,
              size: o.size,
              sha256: o.sha256,
              ...(body !== undefined && { body: body.toString('utf8') }),
            };
          }),
        ),
    }),
    'ssm/parameters': () => ({ parameters: ssm.all() }),
  };

  return { handlers, authorize, views };
}
