/**
 * Elastic Disaster Recovery as a registry entry: restJson1 routed by the model's HTTP traits,
 * its operations on the caller's account, its own throttling and internal errors (with
 * `Retry-After`), IAM per source server or recovery instance for the operations IAM scopes so.
 */
import {
  type AuthorizeRequest,
  jsonBodyOf,
  type OperationAuthorization,
  type ServiceDescriptor,
  type ServiceInstance,
  stringArg,
} from '../../registry.js';
import type { EmulatorRequest, Principal } from '../../types.js';
import { internal, throttling, validation } from './errors.js';
import { DRS_REQUIREMENTS } from './iam.js';
import type { LaunchTemplateUse } from './records.js';
import { jobJson, recoveryInstanceJson } from './serialize.js';
import { createDrsService, drsOperationOf } from './service.js';
import { applyDrsChanges, checkSlice, DrsWorld, pruneDrsSlice } from './world.js';

// IAM authorizes these per resource (Service Authorization Reference: SourceServerResource* /
// RecoveryInstanceResource* / ReplicationConfigurationTemplateResource* required), so a policy scoped to those ARNs must be able to allow them.
const PER_RESOURCE: Readonly<Record<string, { field: string; type: string; key?: string }>> = {
  StartRecovery: { field: 'sourceServers', type: 'source-server', key: 'sourceServerID' },
  TerminateRecoveryInstances: { field: 'recoveryInstanceIDs', type: 'recovery-instance' },
  StartFailbackLaunch: { field: 'recoveryInstanceIDs', type: 'recovery-instance' },
  ReverseReplication: { field: 'recoveryInstanceID', type: 'recovery-instance' },
  GetReplicationConfiguration: { field: 'sourceServerID', type: 'source-server' },
  UpdateReplicationConfiguration: { field: 'sourceServerID', type: 'source-server' },
  StopReplication: { field: 'sourceServerID', type: 'source-server' },
  StartReplication: { field: 'sourceServerID', type: 'source-server' },
  UpdateReplicationConfigurationTemplate: {
    field: 'replicationConfigurationTemplateID',
    type: 'replication-configuration-template',
  },
  DeleteReplicationConfigurationTemplate: {
    field: 'replicationConfigurationTemplateID',
    type: 'replication-configuration-template',
  },
};

/** `drs:<Operation>`, its resources, and tags given at creation. */
const drsAuthorization: OperationAuthorization = (
  req: EmulatorRequest,
  principal: Principal,
  operation: string,
): AuthorizeRequest => {
  let resource = '*';
  if (req.rawPath.startsWith('/tags/')) {
    try {
      resource = decodeURIComponent(req.rawPath.slice(6));
    } catch {
      resource = '*';
    }
  }
  // The scoped operations are the only ones whose body decides authorization: parse it once.
  const scoped = PER_RESOURCE[operation];
  const body = scoped === undefined ? undefined : jsonBodyOf(req);
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
  if (operation === 'CreateExtendedSourceServer') {
    // IAM checks it on the staging source server it names (another account's).
    const arn = jsonBodyOf(req)?.sourceServerArn;
    if (typeof arn === 'string' && arn !== '') resources = [arn];
  }
  const tags = body?.tags;
  const tagsOnCreate =
    (operation === 'StartRecovery' || operation === 'StartFailbackLaunch') &&
    typeof tags === 'object' &&
    tags !== null &&
    Object.keys(tags).length > 0;
  return { action: `drs:${operation}`, resources, region: req.region, tagsOnCreate };
};

/** What DRS reads of EC2's launch templates: a template's default version, in the model's member names. */
interface Ec2LaunchTemplates {
  defaultData(accountId: string, region: string, id: string): Readonly<Record<string, unknown>> | undefined;
}

/** What a launch takes from launch template data (RequestLaunchTemplateData's members). */
function launchTemplateUse(data: Readonly<Record<string, unknown>>): LaunchTemplateUse {
  const nic = (data.NetworkInterfaces as Record<string, unknown>[] | undefined)?.find(
    (n) => n.DeviceIndex === undefined || n.DeviceIndex === 0,
  );
  const groups = (nic?.Groups ?? data.SecurityGroupIds) as string[] | undefined;
  const profile = data.IamInstanceProfile as { Arn?: string; Name?: string } | undefined;
  const use: LaunchTemplateUse = {};
  if (typeof data.InstanceType === 'string') use.instanceType = data.InstanceType;
  if (typeof nic?.SubnetId === 'string') use.subnetId = nic.SubnetId;
  if (groups !== undefined && groups.length > 0) use.securityGroupIds = [...groups];
  const profileName = profile?.Arn ?? profile?.Name;
  if (profileName !== undefined) use.iamInstanceProfile = profileName;
  return use;
}

/** The running DRS: its instance and every account's DRS (for EC2's instances and the inspection API). */
export interface DrsInstance extends ServiceInstance {
  readonly drs: DrsWorld;
}

/** DRS (signing name `drs`). */
export const drsService: ServiceDescriptor = {
  name: 'drs',
  protocol: 'rest-json',
  operationOf: drsOperationOf,
  recognizes: (hint) =>
    drsOperationOf({ method: hint.method, rawPath: hint.path }) !== undefined ||
    (/^\/(?:[A-Z][A-Za-z]+|tags\/.*)$/.test(hint.path) &&
      !(hint.headers['content-type'] ?? '').includes('xml')),
  unknownOperation: (_operation, req) =>
    validation(`Unknown operation: ${req.method} ${req.rawPath}`, 'unknownOperation'),
  invalidPageToken: () =>
    validation('Invalid pagination token', 'fieldValidationFailed', [
      { name: 'nextToken', message: 'The pagination token is invalid or expired' },
    ]),
  tooDeep: (message) => validation(message, 'cannotParse'),
  faultError: (fault) =>
    fault.kind === 'throttle' ? throttling(fault.retryAfterSeconds) : internal(fault.status),
  authorization: { fallback: drsAuthorization },
  iam: DRS_REQUIREMENTS,
  applyChanges: applyDrsChanges,
  prune: (slice, limits) => pruneDrsSlice(slice, limits.finishedJobsPerAccount),
  checkSaved: (slice, fleet) => {
    checkSlice(slice, fleet);
  },
  create(world): DrsInstance {
    const { state } = world;
    const nowMs = () => state.clock.nowMs();
    const drs =
      world.restored === undefined
        ? DrsWorld.seed(state.fleet, state.faults, nowMs)
        : DrsWorld.restore(world.restored, state.fleet, state.faults, nowMs);
    return {
      operations: createDrsService(
        {
          account: (id) => {
            // The call may change it: its state goes to the journal with the call.
            drs.changed(id);
            return drs.account(id);
          },
          quotas: (id) => state.quotas(id),
          changed: (id) => drs.changed(id),
          // EC2 holds the launch templates DRS created; a launch reads the default version.
          stagingNetwork: (accountId, region) => {
            const ec2 = world.service('ec2') as
              | {
                  network?: (
                    accountId: string,
                    region: string,
                  ) => { subnets: readonly { subnetId: string }[] };
                }
              | undefined;
            const subnetId = ec2?.network?.(accountId, region).subnets.at(-1)?.subnetId;
            return subnetId === undefined ? undefined : { subnetId };
          },
          launchTemplate: (accountId, region, id) => {
            const ec2 = world.service('ec2') as { launchTemplates?: Ec2LaunchTemplates } | undefined;
            const data = ec2?.launchTemplates?.defaultData(accountId, region, id);
            return data === undefined ? undefined : launchTemplateUse(data);
          },
        },
        () => state.faults.generation,
      ),
      state: drs,
      drs,
      // The inspection API's DRS routes, at the paths its clients use.
      routes: {
        'GET jobs': (q) => {
          const now = nowMs();
          return {
            jobs: drs.jobs(q.get('accountId') ?? undefined).map(({ accountId: id, job }) => {
              const account = drs.account(id);
              return { accountId: id, ...(account ? jobJson(account, job, now) : {}) };
            }),
          };
        },
        'GET instances': (q) => {
          const now = nowMs();
          return {
            instances: drs.instances(q.get('accountId') ?? undefined).map(({ accountId: id, instance }) => {
              const account = drs.account(id);
              return { accountId: id, ...(account ? recoveryInstanceJson(account, instance, now) : {}) };
            }),
          };
        },
        'POST failback': (_q, body) => {
          const b = body();
          drs.setFailbackState(
            stringArg(b, 'accountId'),
            stringArg(b, 'recoveryInstanceID'),
            stringArg(b, 'state'),
          );
          return { ok: true };
        },
      },
      accountFields: (accountId) => ({ sourceServers: drs.account(accountId)?.servers().length ?? 0 }),
    };
  },
};
