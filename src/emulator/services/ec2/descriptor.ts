/**
 * EC2 as a registry entry: the ec2 query protocol over what DRS put into EC2: the recovery
 * instances it launched in the caller's account and Region, the EC2 instances EC2-origin source
 * servers replicate (in their origin account), the launch templates it created for its source
 * servers (changes are EC2's slice of the world; DRS's launches read their default version), and
 * each account's recovery network.
 */

import { fail } from '../../protocols/service-errors.js';
import { Random } from '../../random.js';
import { anyResource, queryProtocol, type ServiceDescriptor, type ServiceInstance } from '../../registry.js';
import { createEc2Handler, type Ec2InstanceView } from './ec2.js';
import {
  type CreatedTemplate,
  type Ec2StateSnapshot,
  LaunchTemplates,
  RECOVERY_INSTANCE_PROFILE,
} from './launch-templates.js';
import { type Ec2InterfaceView, type Ec2Network, networkOf, subnetOf } from './network.js';

/** What EC2 reads of the service that launches its instances (DRS) and creates their templates. */
interface DrsFacts {
  launchedInstances(accountId: string): readonly {
    readonly instanceId: string;
    readonly sourceServerID: string;
    readonly stopped: boolean;
    readonly launchedMs: number;
    readonly privateIp: string;
    readonly macAddress: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly instanceType: string;
    readonly network?: { subnetId?: string; securityGroupIds?: string[]; iamInstanceProfile?: string };
    readonly volumes: readonly { readonly volumeId: string; readonly bytes: number }[];
  }[];
  launchTemplates(accountId: string): readonly CreatedTemplate[];
  replicatedInstances(
    accountId: string,
    region: string,
  ): readonly {
    readonly instanceId: string;
    readonly hostname: string;
    readonly privateIp?: string;
    readonly macAddress: string;
    readonly instanceType: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly launchedMs: number;
  }[];
  account(accountId: string): { readonly state: { readonly region: string } } | undefined;
}

/** The running EC2: its operations and the launch templates DRS's launches read. */
export interface Ec2Instance extends ServiceInstance {
  readonly launchTemplates: LaunchTemplates;
  /** An account's recovery network in a Region (DRS puts its replication staging area there). */
  network(accountId: string, region: string): Ec2Network;
}

/** EC2's device name of a recovery instance's volume `index` (root first). */
function deviceName(index: number): string {
  return index === 0 ? '/dev/sda1' : `/dev/xvd${String.fromCharCode(97 + index)}`;
}

/** An instance profile name or ARN as its ARN. */
function profileArn(accountId: string, profile: string): string {
  return profile.startsWith('arn:') ? profile : `arn:aws:iam::${accountId}:instance-profile/${profile}`;
}

/** The API version of EC2 (its query `Version`). */
const EC2_VERSION = '2016-11-15';

/** EC2 (signing name `ec2`). */
export const ec2Service: ServiceDescriptor = {
  name: 'ec2',
  ...queryProtocol(EC2_VERSION, 'ec2'),
  unknownOperation: (action) =>
    fail({ code: 'InvalidAction', message: `The action ${action ?? ''} is not valid for this web service.` }),
  invalidPageToken: (token) =>
    fail({ code: 'InvalidParameterValue', message: `Invalid value '${token}' for nextToken` }),
  // EC2 `Describe*` actions support no resource-level permissions.
  authorization: { fallback: anyResource('ec2') },
  create(world): Ec2Instance {
    const { state } = world;
    // The instances DRS launched are the accounts' EC2 instances, and their templates DRS's.
    const drs = (world.service('drs') as { drs?: DrsFacts } | undefined)?.drs;
    const launchTemplates = new LaunchTemplates(
      (accountId) => drs?.launchTemplates(accountId) ?? [],
      world.restored as Ec2StateSnapshot | undefined,
    );
    /**
     * EC2 status checks of a recovery instance: `initializing` for 2-6 virtual minutes after it
     * launched (seeded per instance), then `ok`, or an `impaired` instance check under the fault.
     */
    const initMinutes = new Map<string, number>();
    const statusChecksOf = (instanceId: string, sourceServerID: string, launchedMs: number, now: number) => {
      let minutes = initMinutes.get(instanceId);
      if (minutes === undefined) {
        minutes = new Random(`status/${instanceId}`).int(2, 6);
        initMinutes.set(instanceId, minutes);
      }
      const readyMs = launchedMs + minutes * 60_000;
      if (now < readyMs) return { system: 'initializing', instance: 'initializing' } as const;
      if (state.faults.isImpaired(instanceId, sourceServerID))
        return {
          system: 'ok',
          instance: 'impaired',
          impairedSince: new Date(readyMs).toISOString(),
        } as const;
      return { system: 'ok', instance: 'ok' } as const;
    };
    /** A network interface in the recovery network, on the subnet and groups it was launched with. */
    const interfaceOf = (
      accountId: string,
      region: string,
      instanceId: string,
      privateIp: string | undefined,
      macAddress: string,
      launchedMs: number,
      network: { subnetId?: string; securityGroupIds?: string[] } | undefined,
    ): Ec2InterfaceView => {
      const net = networkOf(accountId, region);
      const subnet = subnetOf(net, network?.subnetId);
      const groupIds = network?.securityGroupIds ?? net.securityGroups.map((g) => g.groupId);
      return {
        networkInterfaceId: `eni-0${new Random(`eni/${instanceId}`).hex(16)}`,
        instanceId,
        subnetId: subnet?.subnetId ?? network?.subnetId ?? '',
        vpcId: net.vpcId,
        availabilityZone: subnet?.availabilityZone ?? `${region}a`,
        ...(privateIp === undefined ? {} : { privateIp }),
        macAddress,
        groups: groupIds.map(
          (id) =>
            net.securityGroups.find((g) => g.groupId === id) ?? {
              groupId: id,
              groupName: id,
              description: '',
            },
        ),
        attachTime: new Date(launchedMs).toISOString(),
      };
    };
    return {
      launchTemplates,
      network: networkOf,
      state: launchTemplates,
      operations: createEc2Handler({
        launchTemplates,
        nowMs: () => state.clock.nowMs(),
        listInstances: (accountId, region) => {
          const now = state.clock.nowMs();
          const home = drs?.account(accountId);
          const launched =
            home === undefined || home.state.region !== region
              ? []
              : (drs?.launchedInstances(accountId) ?? []);
          const recovery = launched.map((r): Ec2InstanceView => {
            const nic = interfaceOf(
              accountId,
              region,
              r.instanceId,
              r.privateIp,
              r.macAddress,
              r.launchedMs,
              r.network,
            );
            return {
              instanceId: r.instanceId,
              state: r.stopped ? 'stopped' : 'running',
              launchTime: new Date(r.launchedMs).toISOString(),
              privateIpAddress: r.privateIp,
              tags: r.tags,
              instanceType: r.instanceType,
              availabilityZone: nic.availabilityZone,
              networkInterface: nic,
              iamInstanceProfileArn: profileArn(
                accountId,
                r.network?.iamInstanceProfile ?? RECOVERY_INSTANCE_PROFILE,
              ),
              volumes: r.volumes.map((v, i) => ({ deviceName: deviceName(i), volumeId: v.volumeId })),
              // EC2 runs no status checks on a stopped instance: both report `not-applicable`.
              statusChecks: r.stopped
                ? ({ system: 'not-applicable', instance: 'not-applicable' } as const)
                : statusChecksOf(r.instanceId, r.sourceServerID, r.launchedMs, now),
            };
          });
          // The EC2 instances EC2-origin source servers replicate run in their origin account.
          const sources = (drs?.replicatedInstances(accountId, region) ?? []).map((s): Ec2InstanceView => {
            const nic = interfaceOf(
              accountId,
              region,
              s.instanceId,
              s.privateIp,
              s.macAddress,
              s.launchedMs,
              undefined,
            );
            return {
              instanceId: s.instanceId,
              state: 'running',
              launchTime: new Date(s.launchedMs).toISOString(),
              ...(s.privateIp === undefined ? {} : { privateIpAddress: s.privateIp }),
              tags: { Name: s.hostname, ...s.tags },
              instanceType: s.instanceType,
              availabilityZone: nic.availabilityZone,
              networkInterface: nic,
            };
          });
          return [...recovery, ...sources];
        },
      }),
    };
  },
};
