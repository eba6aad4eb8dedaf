/**
 * EC2 (ec2 query protocol): the launch templates DRS launches from (launch-templates.ts), the
 * recovery network's reads (network.ts), and `DescribeInstances` and `DescribeInstanceStatus` (status checks:
 * `initializing` for a few virtual minutes after launch, then `ok`, or `impaired` under the
 * `impairedInstances` fault) over the recovery instances the DRS model
 * launched in the caller's account and region, with `InstanceId.N`, `Filter.N` (`instance-id`,
 * `instance-state-name`, `private-ip-address`, `tag:<key>`, `tag-key`, with `*`/`?` wildcards),
 * `MaxResults`/`NextToken`, and EC2's own errors.
 */

import { wildcardMatch } from '../../auth/iam-policy.js';
import { ec2Response } from '../../protocols/ec2.js';
import { compareKeys, type Page, type PageKey, paginate } from '../../protocols/paginator.js';
import { parseQueryParams, queryList, queryStructList } from '../../protocols/query.js';
import { fail } from '../../protocols/service-errors.js';
import { raw, type XmlRaw, xmlElements } from '../../protocols/xml.js';
import type {
  EmulatorRequest,
  EmulatorResponse,
  Operations,
  Principal,
  ServiceContext,
} from '../../types.js';
import {
  type LaunchTemplates,
  requireTemplate,
  resolveVersion,
  type StoredTemplate,
  templateValue,
  versionValue,
} from './launch-templates.js';
import { decodeInput, encodeValue, type ModelValue, modelResponse } from './model-codec.js';
import { describePage, type Ec2InterfaceView, isInstanceType, NETWORK_READS } from './network.js';

/** EC2 instance states. */
export type Ec2InstanceStateName =
  | 'pending'
  | 'running'
  | 'shutting-down'
  | 'terminated'
  | 'stopping'
  | 'stopped';

const STATE_CODES: Readonly<Record<Ec2InstanceStateName, number>> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** An instance as the EC2 handler renders it (the DRS model's recovery instances, adapted). */
export interface Ec2InstanceView {
  /** `i-` + 8 or 17 hex digits. */
  readonly instanceId: string;
  readonly state: Ec2InstanceStateName;
  readonly launchTime: string | Date;
  readonly privateIpAddress?: string;
  readonly tags: Readonly<Record<string, string>>;
  /** @default `m5.large` */
  readonly instanceType?: string;
  readonly imageId?: string;
  readonly availabilityZone?: string;
  readonly subnetId?: string;
  readonly vpcId?: string;
  /** Instances launched together share a reservation. @default derived from the instance id */
  readonly reservationId?: string;
  /** EC2 status checks (DescribeInstanceStatus). @default both `ok` */
  readonly statusChecks?: Ec2StatusChecks;
  /** Its primary network interface (with the subnet's VPC and the security groups). */
  readonly networkInterface?: Ec2InterfaceView;
  /** The ARN of its instance profile. */
  readonly iamInstanceProfileArn?: string;
  /** Its EBS volumes, root first. */
  readonly volumes?: readonly { readonly deviceName: string; readonly volumeId: string }[];
}

/** Summary status of a status check (model enum `SummaryStatus`). */
export type Ec2SummaryStatus = 'ok' | 'impaired' | 'insufficient-data' | 'not-applicable' | 'initializing';

/** The system and instance status checks of a running instance. */
export interface Ec2StatusChecks {
  readonly system: Ec2SummaryStatus;
  readonly instance: Ec2SummaryStatus;
  /** When a check that is `impaired` started failing (ISO-8601). */
  readonly impairedSince?: string;
}

/** EC2 accepts at most 100 explicit instance ids in one DescribeInstanceStatus call. */
export const MAX_STATUS_IDS = 100;

const STATUS_FILTERS = new Set([
  'availability-zone',
  'instance-state-name',
  'instance-state-code',
  'instance-status.status',
  'instance-status.reachability',
  'system-status.status',
  'system-status.reachability',
]);

/** Detail status of a check (model enum `StatusType`) for a summary status. */
function detailOf(status: Ec2SummaryStatus): string {
  if (status === 'ok') return 'passed';
  if (status === 'impaired') return 'failed';
  if (status === 'initializing') return 'initializing';
  return 'insufficient-data';
}

/** Narrow ports of the EC2 handler. */
export interface Ec2Ports {
  /** Instances of an account in a region (recovery instances, terminated ones while still visible). */
  listInstances(accountId: string, region: string): readonly Ec2InstanceView[];
  /** The accounts' launch templates (none when absent). */
  readonly launchTemplates?: LaunchTemplates;
  /** The virtual time (a new launch template version's CreateTime). @default the wall clock */
  nowMs?(): number;
}

const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const FILTERS = new Set([
  'instance-id',
  'instance-state-name',
  'instance-state-code',
  'private-ip-address',
  'tag-key',
  'instance-type',
  'availability-zone',
]);

function reservationOf(instance: Ec2InstanceView): string {
  return instance.reservationId ?? `r-${instance.instanceId.slice(2).padEnd(17, '0').slice(0, 17)}`;
}

function filterValues(instance: Ec2InstanceView, name: string, region: string): string[] {
  switch (name) {
    case 'instance-id':
      return [instance.instanceId];
    case 'instance-state-name':
      return [instance.state];
    case 'instance-state-code':
      return [String(STATE_CODES[instance.state])];
    case 'private-ip-address':
      return instance.privateIpAddress === undefined ? [] : [instance.privateIpAddress];
    case 'tag-key':
      return Object.keys(instance.tags);
    case 'instance-type':
      return [instance.instanceType ?? 'm5.large'];
    case 'availability-zone':
      return [instance.availabilityZone ?? `${region}a`];
    default:
      if (name.startsWith('tag:')) {
        const value = instance.tags[name.slice(4)];
        return value === undefined ? [] : [value];
      }
      return [];
  }
}

/** A value rendered by its model shape, as an element's content. */
function modelled(value: ModelValue | undefined, shape: string): XmlRaw | undefined {
  return value === undefined ? undefined : raw(encodeValue(value, shape));
}

function renderInstance(instance: Ec2InstanceView, region: string, ownerId: string): XmlRaw {
  const ip = instance.privateIpAddress;
  const nic = instance.state === 'terminated' ? undefined : instance.networkInterface;
  const groups: ModelValue | undefined = nic?.groups.map((g) => ({
    GroupId: g.groupId,
    GroupName: g.groupName,
  }));
  const interfaces: ModelValue | undefined =
    nic === undefined
      ? undefined
      : [
          {
            NetworkInterfaceId: nic.networkInterfaceId,
            SubnetId: nic.subnetId,
            VpcId: nic.vpcId,
            OwnerId: ownerId,
            Status: 'in-use',
            MacAddress: nic.macAddress,
            SourceDestCheck: true,
            InterfaceType: 'interface',
            Groups: groups ?? [],
            Attachment: {
              AttachmentId: `eni-attach-${nic.networkInterfaceId.slice(4)}`,
              AttachTime: nic.attachTime,
              DeleteOnTermination: true,
              DeviceIndex: 0,
              Status: 'attached',
              NetworkCardIndex: 0,
            },
            ...(nic.privateIp === undefined
              ? {}
              : {
                  PrivateIpAddress: nic.privateIp,
                  PrivateIpAddresses: [{ PrivateIpAddress: nic.privateIp, Primary: true }],
                }),
          },
        ];
  const blockDevices: ModelValue | undefined =
    instance.state === 'terminated' || instance.volumes === undefined
      ? undefined
      : instance.volumes.map((v) => ({
          DeviceName: v.deviceName,
          Ebs: {
            VolumeId: v.volumeId,
            Status: 'attached',
            AttachTime: new Date(instance.launchTime).toISOString(),
            DeleteOnTermination: true,
          },
        }));
  const az = instance.availabilityZone ?? `${region}a`;
  const launch =
    typeof instance.launchTime === 'string' ? new Date(instance.launchTime) : instance.launchTime;
  const tags = Object.entries(instance.tags).map(([key, value]) =>
    raw(
      `<item>${
        xmlElements([
          ['key', key],
          ['value', value],
        ]).xml
      }</item>`,
    ),
  );
  const privateDns =
    ip === undefined
      ? ''
      : `ip-${ip.replace(/\./g, '-')}.${region === 'us-east-1' ? 'ec2' : `${region}.compute`}.internal`;
  return raw(
    `<item>${
      xmlElements([
        ['instanceId', instance.instanceId],
        ['imageId', instance.imageId ?? 'ami-0abcdef1234567890'],
        [
          'instanceState',
          xmlElements([
            ['code', STATE_CODES[instance.state]],
            ['name', instance.state],
          ]),
        ],
        ['privateDnsName', instance.state === 'terminated' ? '' : privateDns],
        ['dnsName', ''],
        ['instanceType', instance.instanceType ?? 'm5.large'],
        ['launchTime', launch],
        [
          'placement',
          xmlElements([
            ['availabilityZone', az],
            ['groupName', ''],
            ['tenancy', 'default'],
          ]),
        ],
        ['monitoring', xmlElements([['state', 'disabled']])],
        ['subnetId', instance.state === 'terminated' ? undefined : (nic?.subnetId ?? instance.subnetId)],
        ['vpcId', instance.state === 'terminated' ? undefined : (nic?.vpcId ?? instance.vpcId)],
        ['privateIpAddress', instance.state === 'terminated' ? undefined : ip],
        ['architecture', 'x86_64'],
        ['rootDeviceType', 'ebs'],
        ['rootDeviceName', instance.volumes?.[0]?.deviceName ?? '/dev/xvda'],
        ['blockDeviceMapping', modelled(blockDevices, 'InstanceBlockDeviceMappingList')],
        [
          'iamInstanceProfile',
          instance.iamInstanceProfileArn === undefined
            ? undefined
            : modelled(
                {
                  Arn: instance.iamInstanceProfileArn,
                  Id: `AIPA${instance.instanceId.slice(2, 19).toUpperCase()}`,
                },
                'IamInstanceProfile',
              ),
        ],
        ['virtualizationType', 'hvm'],
        ['hypervisor', 'xen'],
        ['groupSet', modelled(groups, 'GroupIdentifierList')],
        ['networkInterfaceSet', modelled(interfaces, 'InstanceNetworkInterfaceList')],
        ['tagSet', tags],
      ]).xml
    }</item>`,
  );
}

function statusFilterValues(instance: Ec2InstanceView, name: string, region: string): string[] {
  const checks = instance.statusChecks ?? { system: 'ok', instance: 'ok' };
  switch (name) {
    case 'instance-status.status':
      return [checks.instance];
    case 'instance-status.reachability':
      return [detailOf(checks.instance)];
    case 'system-status.status':
      return [checks.system];
    case 'system-status.reachability':
      return [detailOf(checks.system)];
    default:
      return filterValues(instance, name, region);
  }
}

function renderStatus(instance: Ec2InstanceView, region: string): XmlRaw {
  const checks = instance.statusChecks ?? { system: 'ok', instance: 'ok' };
  const summary = (status: Ec2SummaryStatus) =>
    xmlElements([
      [
        'details',
        [
          raw(
            `<item>${
              xmlElements([
                ['name', 'reachability'],
                ['status', detailOf(status)],
                ['impairedSince', status === 'impaired' ? checks.impairedSince : undefined],
              ]).xml
            }</item>`,
          ),
        ],
      ],
      ['status', status],
    ]);
  return raw(
    `<item>${
      xmlElements([
        ['instanceId', instance.instanceId],
        ['availabilityZone', instance.availabilityZone ?? `${region}a`],
        [
          'instanceState',
          xmlElements([
            ['code', STATE_CODES[instance.state]],
            ['name', instance.state],
          ]),
        ],
        ['systemStatus', summary(checks.system)],
        ['instanceStatus', summary(checks.instance)],
        ['eventsSet', raw('')],
      ]).xml
    }</item>`,
  );
}

/** The EC2 operations over the instances the ports list. */
export function createEc2Handler(ports: Ec2Ports): Operations {
  const invalid = (code: string, message: string): never => {
    throw fail({ code, message, status: 400 });
  };

  /** What differs between the two Describe operations that list instances. */
  interface Selection {
    readonly action: 'DescribeInstances' | 'DescribeInstanceStatus';
    /** Most explicit ids in one call, if EC2 caps them. */
    readonly maxIds?: number;
    readonly knownFilter: (name: string) => boolean;
    readonly valuesOf: (instance: Ec2InstanceView, name: string, region: string) => string[];
    readonly include: (instance: Ec2InstanceView) => boolean;
  }

  /**
   * The one request pipeline of both operations: ids, MaxResults, Filter.N, IAM, unknown ids, then
   * one page in instance-id order (a stable key, so a launch or termination between pages shifts
   * nothing).
   */
  function selectPage(
    params: URLSearchParams,
    region: string,
    ctx: ServiceContext,
    spec: Selection,
  ): Page<Ec2InstanceView> {
    const { principal } = ctx;
    const ids = queryList(params, 'InstanceId', '');
    const filters = queryStructList(params, 'Filter', '');
    const maxRaw = params.get('MaxResults');
    const token = params.get('NextToken');
    for (const id of ids) {
      if (!INSTANCE_ID.test(id)) invalid('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
    }
    if (spec.maxIds !== undefined && ids.length > spec.maxIds) {
      invalid(
        'InvalidParameterValue',
        `The maximum number of instance IDs that can be specified is ${spec.maxIds}, got ${ids.length}`,
      );
    }
    if (maxRaw !== null && ids.length > 0) {
      invalid(
        'InvalidParameterCombination',
        'The parameter instancesSet cannot be used with the parameter maxResults',
      );
    }
    let max: number | undefined;
    if (maxRaw !== null) {
      max = Number(maxRaw);
      if (!Number.isInteger(max) || max < 5 || max > 1000) {
        invalid(
          'InvalidParameterValue',
          `Value ( ${maxRaw} ) for parameter maxResults is invalid. Expecting a value ${Number(maxRaw) > 1000 ? 'less than 1000' : 'greater than 5'}.`,
        );
      }
    }
    const parsedFilters: Array<{ name: string; values: string[] }> = [];
    for (const filter of filters) {
      const name = filter.Name ?? '';
      if (!spec.knownFilter(name)) invalid('InvalidParameterValue', `The filter '${name}' is invalid`);
      const values = Object.entries(filter)
        .filter(([k]) => k.startsWith('Value.'))
        .sort((a, b) => Number(a[0].slice(6)) - Number(b[0].slice(6)))
        .map(([, v]) => v);
      parsedFilters.push({ name, values });
    }
    const all = ports.listInstances(principal.accountId, region);
    if (ids.length > 0) {
      const known = new Set(all.map((i) => i.instanceId));
      const unknown = ids.filter((id) => !known.has(id));
      if (unknown.length > 0) {
        const message =
          unknown.length === 1
            ? `The instance ID '${unknown[0]}' does not exist`
            : `The instance IDs '${unknown.join(', ')}' do not exist`;
        invalid('InvalidInstanceID.NotFound', message);
      }
    }
    const instanceKey = (i: Ec2InstanceView): PageKey => [i.instanceId];
    const selected = [...all]
      .sort((a, b) => compareKeys(instanceKey(a), instanceKey(b)))
      .filter(
        (instance) =>
          spec.include(instance) &&
          (ids.length === 0 || ids.includes(instance.instanceId)) &&
          parsedFilters.every(({ name, values }) =>
            spec
              .valuesOf(instance, name, region)
              .some((v) => values.some((pattern) => wildcardMatch(pattern, v))),
          ),
      );
    return paginate(selected, {
      scope: spec.action,
      key: instanceKey,
      max: max ?? Number.MAX_SAFE_INTEGER,
      token: token ?? undefined,
    });
  }

  function describeInstances(params: URLSearchParams, region: string, ctx: ServiceContext): EmulatorResponse {
    const pageOf = selectPage(params, region, ctx, {
      action: 'DescribeInstances',
      knownFilter: (name) => FILTERS.has(name) || name.startsWith('tag:'),
      valuesOf: filterValues,
      include: () => true,
    });
    const reservations = new Map<string, Ec2InstanceView[]>();
    for (const instance of pageOf.items) {
      const rid = reservationOf(instance);
      reservations.set(rid, [...(reservations.get(rid) ?? []), instance]);
    }
    const items = [...reservations.entries()].map(([rid, instances]) =>
      raw(
        `<item>${
          xmlElements([
            ['reservationId', rid],
            ['ownerId', ctx.principal.accountId],
            ['groupSet', raw('')],
            ['instancesSet', instances.map((i) => renderInstance(i, region, ctx.principal.accountId))],
          ]).xml
        }</item>`,
      ),
    );
    return ec2Response(
      'DescribeInstances',
      xmlElements([
        ['reservationSet', items],
        ['nextToken', pageOf.nextToken],
      ]),
      ctx.requestId,
    );
  }

  /**
   * DescribeInstanceStatus: status checks of running instances (all states with
   * IncludeAllInstances), at most 100 explicit ids, MaxResults 5-1000 without ids, Filter.N.
   */
  function describeInstanceStatus(
    params: URLSearchParams,
    region: string,
    ctx: ServiceContext,
  ): EmulatorResponse {
    const includeAll = params.get('IncludeAllInstances') === 'true';
    const pageOf = selectPage(params, region, ctx, {
      action: 'DescribeInstanceStatus',
      maxIds: MAX_STATUS_IDS,
      knownFilter: (name) => STATUS_FILTERS.has(name),
      valuesOf: statusFilterValues,
      include: (instance) => includeAll || instance.state === 'running',
    });
    return ec2Response(
      'DescribeInstanceStatus',
      xmlElements([
        ['instanceStatusSet', pageOf.items.map((i) => renderStatus(i, region))],
        ['nextToken', pageOf.nextToken],
      ]),
      ctx.requestId,
    );
  }

  const templates = ports.launchTemplates;
  const nowMs = () => ports.nowMs?.() ?? Date.now();
  /** The templates of the caller's account and Region (none when the ports hold none). */
  const templatesOf = (accountId: string, region: string): StoredTemplate[] =>
    templates?.list(accountId, region) ?? [];
  const requireOne = (accountId: string, region: string, input: Record<string, ModelValue>) => {
    if (templates === undefined)
      throw fail({ code: 'InvalidLaunchTemplateId.NotFound', message: 'No launch templates', status: 400 });
    return requireTemplate(templates, accountId, region, input);
  };
  /** One model-shaped operation: its input decoded by the model, its result rendered by it. */
  const modelOperation =
    (
      operation: string,
      run: (
        input: Record<string, ModelValue>,
        req: EmulatorRequest,
        ctx: ServiceContext,
      ) => Record<string, ModelValue | undefined>,
    ) =>
    (req: EmulatorRequest, ctx: ServiceContext): EmulatorResponse =>
      modelResponse(operation, run(decodeInput(operation, parseQueryParams(req)), req, ctx), ctx.requestId);
  const network =
    (operation: string) =>
    (req: EmulatorRequest, ctx: ServiceContext): EmulatorResponse =>
      modelResponse(
        operation,
        (NETWORK_READS[operation] ?? (() => ({})))(decodeInput(operation, parseQueryParams(req)), {
          accountId: ctx.principal.accountId,
          region: req.region,
          interfaces: ports
            .listInstances(ctx.principal.accountId, req.region)
            .flatMap((i) => (i.state === 'terminated' || !i.networkInterface ? [] : [i.networkInterface])),
        }),
        ctx.requestId,
      );
  /** IAM scopes the launch template changes to the template's ARN. */
  const onTemplate = (req: EmulatorRequest, principal: Principal, operation: string) => {
    const input = decodeInput(operation, parseQueryParams(req));
    const id = input.LaunchTemplateId as string | undefined;
    return {
      action: `ec2:${operation}`,
      resources: `arn:aws:ec2:${req.region}:${principal.accountId}:launch-template/${id ?? '*'}`,
      region: req.region,
    };
  };

  return {
    DescribeInstances: (req, ctx) => describeInstances(parseQueryParams(req), req.region, ctx),
    DescribeInstanceStatus: (req, ctx) => describeInstanceStatus(parseQueryParams(req), req.region, ctx),
    DescribeVpcs: network('DescribeVpcs'),
    DescribeSubnets: network('DescribeSubnets'),
    DescribeSecurityGroups: network('DescribeSecurityGroups'),
    DescribeNetworkInterfaces: network('DescribeNetworkInterfaces'),
    DescribeInstanceTypes: network('DescribeInstanceTypes'),

    DescribeLaunchTemplates: modelOperation('DescribeLaunchTemplates', (input, req, ctx) => {
      const all = templatesOf(ctx.principal.accountId, req.region);
      const names = (input.LaunchTemplateNames as string[] | undefined) ?? [];
      const byName = names.map((n) => all.find((t) => t.launchTemplateName === n)?.launchTemplateId ?? n);
      const page = describePage(
        input,
        all.map((t) => ({
          id: t.launchTemplateId,
          value: templateValue(t),
          fields: {
            'launch-template-name': [t.launchTemplateName],
            'create-time': [new Date(t.createdMs).toISOString()],
          },
          tags: t.tags,
        })),
        {
          operation: 'DescribeLaunchTemplates',
          ids: [...((input.LaunchTemplateIds as string[] | undefined) ?? []), ...byName],
          notFound: () =>
            fail({
              code: 'InvalidLaunchTemplateId.NotFound',
              message: 'At least one of the launch templates specified in the request does not exist.',
              status: 400,
            }),
          minMax: 1,
          maxMax: 200,
        },
      );
      return { LaunchTemplates: page.items, NextToken: page.nextToken };
    }),

    DescribeLaunchTemplateVersions: modelOperation('DescribeLaunchTemplateVersions', (input, req, ctx) => {
      const t = requireOne(ctx.principal.accountId, req.region, input);
      const wanted = (input.Versions as string[] | undefined) ?? [];
      const min = input.MinVersion === undefined ? undefined : Number(input.MinVersion);
      const max = input.MaxVersion === undefined ? undefined : Number(input.MaxVersion);
      const versions =
        wanted.length > 0
          ? [...new Set(wanted.map((w) => resolveVersion(t, w)))]
          : t.versions.filter(
              (v) =>
                (min === undefined || v.versionNumber >= min) &&
                (max === undefined || v.versionNumber <= max),
            );
      const page = describePage(
        input,
        versions.map((v) => ({
          id: String(v.versionNumber).padStart(10, '0'),
          value: versionValue(t, v),
          fields: { 'instance-type': [String(v.data.InstanceType ?? '')] },
        })),
        {
          operation: `DescribeLaunchTemplateVersions/${t.launchTemplateId}`,
          ids: [],
          notFound: () => new Error('unreachable'),
          minMax: 1,
          maxMax: 200,
        },
      );
      return { LaunchTemplateVersions: page.items, NextToken: page.nextToken };
    }),

    CreateLaunchTemplateVersion: {
      iam: onTemplate,
      run: modelOperation('CreateLaunchTemplateVersion', (input, req, ctx) => {
        const t = requireOne(ctx.principal.accountId, req.region, input);
        const token = input.ClientToken as string | undefined;
        const again = token === undefined ? undefined : t.versions.find((v) => v.clientToken === token);
        if (again) return { LaunchTemplateVersion: versionValue(t, again) };
        const data = input.LaunchTemplateData as Record<string, ModelValue> | undefined;
        if (data === undefined)
          throw fail({
            code: 'MissingParameter',
            message: 'The request must contain the parameter LaunchTemplateData',
            status: 400,
          });
        const type = data.InstanceType as string | undefined;
        if (type !== undefined && !isInstanceType(type))
          throw fail({
            code: 'InvalidParameterValue',
            message: `Invalid value '${type}' for InstanceType.`,
            status: 400,
          });
        // A source version's parameters are inherited except those the new data names.
        const base =
          input.SourceVersion === undefined ? {} : resolveVersion(t, String(input.SourceVersion)).data;
        const next: StoredTemplate = {
          ...t,
          versions: [
            ...t.versions,
            {
              versionNumber: Math.max(...t.versions.map((v) => v.versionNumber)) + 1,
              ...(input.VersionDescription === undefined
                ? {}
                : { description: String(input.VersionDescription) }),
              createdMs: nowMs(),
              createdBy: ctx.principal.arn,
              data: { ...base, ...data },
              ...(token === undefined ? {} : { clientToken: token }),
            },
          ],
        };
        templates?.store(next);
        return { LaunchTemplateVersion: versionValue(next, next.versions.at(-1) as never) };
      }),
    },

    ModifyLaunchTemplate: {
      iam: onTemplate,
      run: modelOperation('ModifyLaunchTemplate', (input, req, ctx) => {
        const t = requireOne(ctx.principal.accountId, req.region, input);
        const next: StoredTemplate = { ...t, versions: [...t.versions] };
        if (input.DefaultVersion !== undefined)
          next.defaultVersion = resolveVersion(t, String(input.DefaultVersion)).versionNumber;
        templates?.store(next);
        return { LaunchTemplate: templateValue(next) };
      }),
    },
  };
}
