/**
 * EC2's network reads over each account's recovery network: one VPC per account and Region with
 * a subnet in each of three Availability Zones and its default security group (seeded from the
 * account and Region, so nothing is stored), the network interfaces of the instances EC2
 * describes, and the instance types DRS right-sizes to. `DescribeVpcs`, `DescribeSubnets`,
 * `DescribeSecurityGroups`, `DescribeNetworkInterfaces`, `DescribeInstanceTypes`, each with its
 * ids, `Filter.N` (`*`/`?` wildcards), `MaxResults`/`NextToken`, and EC2's not-found errors.
 */
import { wildcardMatch } from '../../auth/iam-policy.js';
import { compareKeys, paginate } from '../../protocols/paginator.js';
import { fail } from '../../protocols/service-errors.js';
import { Random } from '../../random.js';
import type { ModelValue } from './model-codec.js';

/** A subnet of the recovery network. */
export interface Ec2Subnet {
  readonly subnetId: string;
  readonly availabilityZone: string;
  readonly cidr: string;
}

/** A security group of the recovery network. */
export interface Ec2SecurityGroup {
  readonly groupId: string;
  readonly groupName: string;
  readonly description: string;
}

/** The recovery network of one account and Region. */
export interface Ec2Network {
  readonly vpcId: string;
  readonly cidr: string;
  readonly subnets: readonly Ec2Subnet[];
  readonly securityGroups: readonly Ec2SecurityGroup[];
}

/** The recovery network of an account in a Region (seeded: the same on every run). */
export function networkOf(accountId: string, region: string): Ec2Network {
  const r = new Random(`network/${accountId}/${region}`);
  const vpcId = `vpc-0${r.hex(16)}`;
  return {
    vpcId,
    cidr: '10.0.0.0/16',
    subnets: ['a', 'b', 'c'].map((zone, i) => ({
      subnetId: `subnet-0${r.hex(16)}`,
      availabilityZone: `${region}${zone}`,
      cidr: `10.0.${i * 16}.0/20`,
    })),
    securityGroups: [
      { groupId: `sg-0${r.hex(16)}`, groupName: 'default', description: 'default VPC security group' },
    ],
  };
}

/** The subnet an instance is in: the one named, else the first (the template's default). */
export function subnetOf(network: Ec2Network, subnetId: string | undefined): Ec2Subnet | undefined {
  return subnetId === undefined ? network.subnets[0] : network.subnets.find((s) => s.subnetId === subnetId);
}

/** One instance type: vCPUs and memory (what DRS right-sizing and sizing tools read). */
interface InstanceTypeSpec {
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly burstable?: boolean;
}

/** The instance types the emulator describes (those DRS right-sizes to, and their neighbours). */
const INSTANCE_TYPES: Readonly<Record<string, InstanceTypeSpec>> = {
  't3.micro': { vcpus: 2, memoryMiB: 1024, burstable: true },
  't3.small': { vcpus: 2, memoryMiB: 2048, burstable: true },
  't3.medium': { vcpus: 2, memoryMiB: 4096, burstable: true },
  't3.large': { vcpus: 2, memoryMiB: 8192, burstable: true },
  't3.xlarge': { vcpus: 4, memoryMiB: 16384, burstable: true },
  'm5.large': { vcpus: 2, memoryMiB: 8192 },
  'm5.xlarge': { vcpus: 4, memoryMiB: 16384 },
  'm5.2xlarge': { vcpus: 8, memoryMiB: 32768 },
  'm5.4xlarge': { vcpus: 16, memoryMiB: 65536 },
  'c5.large': { vcpus: 2, memoryMiB: 4096 },
  'c5.xlarge': { vcpus: 4, memoryMiB: 8192 },
  'c5.2xlarge': { vcpus: 8, memoryMiB: 16384 },
  'c5.4xlarge': { vcpus: 16, memoryMiB: 32768 },
  'r5.large': { vcpus: 2, memoryMiB: 16384 },
  'r5.xlarge': { vcpus: 4, memoryMiB: 32768 },
  'r5.2xlarge': { vcpus: 8, memoryMiB: 65536 },
  'r5.4xlarge': { vcpus: 16, memoryMiB: 131072 },
};

/** Whether EC2 knows an instance type (CreateLaunchTemplateVersion refuses others at launch). */
export function isInstanceType(name: string): boolean {
  return Object.hasOwn(INSTANCE_TYPES, name);
}

/** A network interface EC2 describes (an instance's primary one). */
export interface Ec2InterfaceView {
  readonly networkInterfaceId: string;
  readonly instanceId: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  readonly privateIp?: string;
  readonly macAddress: string;
  readonly groups: readonly Ec2SecurityGroup[];
  readonly attachTime: string;
}

/** A resource listed by one of the describe operations: its id and its filterable values. */
interface Listed {
  readonly id: string;
  readonly value: ModelValue;
  readonly fields: Readonly<Record<string, readonly string[]>>;
  readonly tags?: Readonly<Record<string, string>>;
}

/** How one describe operation lists its resources. */
interface Listing {
  readonly operation: string;
  /** Its explicit-ids member and the not-found error for an unknown one. */
  readonly ids: readonly string[];
  readonly notFound: (ids: readonly string[]) => Error;
  readonly minMax: number;
  readonly maxMax: number;
}

type Input = Record<string, ModelValue>;

function filtersOf(input: Input): { name: string; values: string[] }[] {
  return ((input.Filters as Input[] | undefined) ?? []).map((f) => ({
    name: String(f.Name ?? ''),
    values: ((f.Values as string[] | undefined) ?? []).map(String),
  }));
}

/**
 * One page of a describe: explicit ids (each must exist), `Filter.N` (an unknown filter name is
 * refused as EC2 does), `MaxResults` in the operation's range, then a stable page by id.
 */
export function describePage(
  input: Input,
  all: readonly Listed[],
  listing: Listing,
): { items: ModelValue[]; nextToken: string | undefined } {
  const known = new Set(all.map((r) => r.id));
  const missing = listing.ids.filter((id) => !known.has(id));
  if (missing.length > 0) throw listing.notFound(missing);
  const filters = filtersOf(input);
  const fieldNames = new Set(all.flatMap((r) => Object.keys(r.fields)));
  for (const f of filters) {
    if (!fieldNames.has(f.name) && !f.name.startsWith('tag:') && f.name !== 'tag-key' && all.length > 0)
      throw fail({
        code: 'InvalidParameterValue',
        message: `The filter '${f.name}' is invalid`,
        status: 400,
      });
  }
  const valuesOf = (r: Listed, name: string): readonly string[] => {
    if (name === 'tag-key') return Object.keys(r.tags ?? {});
    if (name.startsWith('tag:')) {
      const v = r.tags?.[name.slice(4)];
      return v === undefined ? [] : [v];
    }
    return r.fields[name] ?? [];
  };
  const max = input.MaxResults as number | undefined;
  if (max !== undefined && (!Number.isInteger(max) || max < listing.minMax || max > listing.maxMax))
    throw fail({
      code: 'InvalidParameterValue',
      message: `Value ( ${String(max)} ) for parameter maxResults is invalid. Expecting a value between ${listing.minMax} and ${listing.maxMax}.`,
      status: 400,
    });
  const selected = [...all]
    .sort((a, b) => compareKeys([a.id], [b.id]))
    .filter(
      (r) =>
        (listing.ids.length === 0 || listing.ids.includes(r.id)) &&
        filters.every((f) => valuesOf(r, f.name).some((v) => f.values.some((p) => wildcardMatch(p, v)))),
    );
  const page = paginate(selected, {
    scope: listing.operation,
    key: (r) => [r.id],
    max: max ?? Number.MAX_SAFE_INTEGER,
    token: (input.NextToken as string | undefined) ?? undefined,
  });
  return { items: page.items.map((r) => r.value), nextToken: page.nextToken };
}

const notFound = (code: string, noun: string) => (ids: readonly string[]) =>
  fail({
    code,
    message:
      ids.length === 1
        ? `The ${noun} '${ids[0]}' does not exist`
        : `The ${noun}s '${ids.join(', ')}' do not exist`,
    status: 400,
  });

/** What the network operations read: the caller's account and Region, and its instances' interfaces. */
export interface NetworkScope {
  readonly accountId: string;
  readonly region: string;
  readonly interfaces: readonly Ec2InterfaceView[];
}

/** The network describe operations, as input -> result (rendered by the model). */
export const NETWORK_READS: Readonly<
  Record<string, (input: Input, scope: NetworkScope) => Record<string, ModelValue | undefined>>
> = {
  DescribeVpcs(input, { accountId, region }) {
    const net = networkOf(accountId, region);
    const vpc: Listed = {
      id: net.vpcId,
      fields: {
        'vpc-id': [net.vpcId],
        'cidr-block': [net.cidr],
        state: ['available'],
        'owner-id': [accountId],
      },
      value: {
        VpcId: net.vpcId,
        OwnerId: accountId,
        CidrBlock: net.cidr,
        State: 'available',
        DhcpOptionsId: `dopt-0${new Random(`dopt/${net.vpcId}`).hex(16)}`,
        InstanceTenancy: 'default',
        IsDefault: false,
        CidrBlockAssociationSet: [
          {
            AssociationId: `vpc-cidr-assoc-0${new Random(`assoc/${net.vpcId}`).hex(16)}`,
            CidrBlock: net.cidr,
            CidrBlockState: { State: 'associated' },
          },
        ],
      },
    };
    const page = describePage(input, [vpc], {
      operation: 'DescribeVpcs',
      ids: (input.VpcIds as string[] | undefined) ?? [],
      notFound: notFound('InvalidVpcID.NotFound', 'vpc ID'),
      minMax: 5,
      maxMax: 1000,
    });
    return { Vpcs: page.items, NextToken: page.nextToken };
  },

  DescribeSubnets(input, { accountId, region }) {
    const net = networkOf(accountId, region);
    const subnets: Listed[] = net.subnets.map((s) => ({
      id: s.subnetId,
      fields: {
        'subnet-id': [s.subnetId],
        'vpc-id': [net.vpcId],
        'availability-zone': [s.availabilityZone],
        'cidr-block': [s.cidr],
        state: ['available'],
        'owner-id': [accountId],
      },
      value: {
        SubnetId: s.subnetId,
        SubnetArn: `arn:aws:ec2:${region}:${accountId}:subnet/${s.subnetId}`,
        VpcId: net.vpcId,
        OwnerId: accountId,
        CidrBlock: s.cidr,
        AvailabilityZone: s.availabilityZone,
        AvailableIpAddressCount: 4091,
        State: 'available',
        DefaultForAz: false,
        MapPublicIpOnLaunch: false,
        AssignIpv6AddressOnCreation: false,
      },
    }));
    const page = describePage(input, subnets, {
      operation: 'DescribeSubnets',
      ids: (input.SubnetIds as string[] | undefined) ?? [],
      notFound: notFound('InvalidSubnetID.NotFound', 'subnet ID'),
      minMax: 5,
      maxMax: 1000,
    });
    return { Subnets: page.items, NextToken: page.nextToken };
  },

  DescribeSecurityGroups(input, { accountId, region }) {
    const net = networkOf(accountId, region);
    const groups: Listed[] = net.securityGroups.map((g) => ({
      id: g.groupId,
      fields: {
        'group-id': [g.groupId],
        'group-name': [g.groupName],
        'vpc-id': [net.vpcId],
        description: [g.description],
        'owner-id': [accountId],
      },
      value: {
        GroupId: g.groupId,
        GroupName: g.groupName,
        Description: g.description,
        VpcId: net.vpcId,
        OwnerId: accountId,
        SecurityGroupArn: `arn:aws:ec2:${region}:${accountId}:security-group/${g.groupId}`,
        IpPermissions: [],
        IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      },
    }));
    const names = (input.GroupNames as string[] | undefined) ?? [];
    const byName = names.map((n) => net.securityGroups.find((g) => g.groupName === n)?.groupId ?? n);
    const page = describePage(input, groups, {
      operation: 'DescribeSecurityGroups',
      ids: [...((input.GroupIds as string[] | undefined) ?? []), ...byName],
      notFound: notFound('InvalidGroup.NotFound', 'security group'),
      minMax: 5,
      maxMax: 1000,
    });
    return { SecurityGroups: page.items, NextToken: page.nextToken };
  },

  DescribeNetworkInterfaces(input, { accountId, interfaces }) {
    const listed: Listed[] = interfaces.map((n) => ({
      id: n.networkInterfaceId,
      fields: {
        'network-interface-id': [n.networkInterfaceId],
        'attachment.instance-id': [n.instanceId],
        'subnet-id': [n.subnetId],
        'vpc-id': [n.vpcId],
        'availability-zone': [n.availabilityZone],
        'private-ip-address': n.privateIp === undefined ? [] : [n.privateIp],
        'mac-address': [n.macAddress],
        'group-id': n.groups.map((g) => g.groupId),
        status: ['in-use'],
      },
      value: interfaceValue(n, accountId),
    }));
    const page = describePage(input, listed, {
      operation: 'DescribeNetworkInterfaces',
      ids: (input.NetworkInterfaceIds as string[] | undefined) ?? [],
      notFound: notFound('InvalidNetworkInterfaceID.NotFound', 'networkInterface ID'),
      minMax: 5,
      maxMax: 1000,
    });
    return { NetworkInterfaces: page.items, NextToken: page.nextToken };
  },

  DescribeInstanceTypes(input) {
    const listed: Listed[] = Object.entries(INSTANCE_TYPES).map(([name, spec]) => ({
      id: name,
      fields: {
        'instance-type': [name],
        'vcpu-info.default-vcpus': [String(spec.vcpus)],
        'memory-info.size-in-mib': [String(spec.memoryMiB)],
        'current-generation': ['true'],
        'burstable-performance-supported': [String(spec.burstable === true)],
      },
      value: {
        InstanceType: name,
        CurrentGeneration: true,
        FreeTierEligible: name === 't3.micro',
        SupportedUsageClasses: ['on-demand', 'spot'],
        SupportedRootDeviceTypes: ['ebs'],
        SupportedVirtualizationTypes: ['hvm'],
        BareMetal: false,
        Hypervisor: 'nitro',
        ProcessorInfo: { SupportedArchitectures: ['x86_64'] },
        VCpuInfo: { DefaultVCpus: spec.vcpus, DefaultCores: spec.vcpus / 2, DefaultThreadsPerCore: 2 },
        MemoryInfo: { SizeInMiB: spec.memoryMiB },
        InstanceStorageSupported: false,
        BurstablePerformanceSupported: spec.burstable === true,
        HibernationSupported: true,
        AutoRecoverySupported: true,
      },
    }));
    const page = describePage(input, listed, {
      operation: 'DescribeInstanceTypes',
      ids: (input.InstanceTypes as string[] | undefined) ?? [],
      notFound: (ids) =>
        fail({
          code: 'InvalidInstanceType',
          message: `The following supplied instance types do not exist: [${ids.join(', ')}]`,
          status: 400,
        }),
      minMax: 5,
      maxMax: 100,
    });
    return { InstanceTypes: page.items, NextToken: page.nextToken };
  },
};

/** A network interface in the model's member names (DescribeNetworkInterfaces). */
function interfaceValue(n: Ec2InterfaceView, accountId: string): ModelValue {
  return {
    NetworkInterfaceId: n.networkInterfaceId,
    SubnetId: n.subnetId,
    VpcId: n.vpcId,
    AvailabilityZone: n.availabilityZone,
    Description: '',
    OwnerId: accountId,
    RequesterManaged: false,
    Status: 'in-use',
    MacAddress: n.macAddress,
    InterfaceType: 'interface',
    SourceDestCheck: true,
    Groups: n.groups.map((g) => ({ GroupId: g.groupId, GroupName: g.groupName })),
    Attachment: {
      AttachmentId: `eni-attach-0${new Random(`attach/${n.networkInterfaceId}`).hex(16)}`,
      AttachTime: n.attachTime,
      DeleteOnTermination: true,
      DeviceIndex: 0,
      InstanceId: n.instanceId,
      InstanceOwnerId: accountId,
      Status: 'attached',
    },
    ...(n.privateIp === undefined
      ? {}
      : {
          PrivateIpAddress: n.privateIp,
          PrivateIpAddresses: [{ PrivateIpAddress: n.privateIp, Primary: true }],
        }),
  };
}
