/**
 * EC2 as a registry entry: the ec2 query protocol, `DescribeInstances` and
 * `DescribeInstanceStatus` over the recovery instances DRS launched in the caller's account and
 * Region (DRS launches EC2 instances: they are the only instances the emulated accounts hold).
 */

import { fail } from '../../protocols/service-errors.js';
import { Random } from '../../random.js';
import { anyResource, queryProtocol, type ServiceDescriptor } from '../../registry.js';
import { createEc2Handler } from './ec2.js';

/** What EC2 reads of the service that launches its instances (DRS's recovery instances). */
interface LaunchedInstances {
  account(accountId: string):
    | {
        readonly state: { readonly region: string };
        settle(now: number): void;
        instances(): readonly {
          readonly recoveryInstanceID: string;
          readonly sourceServerID: string;
          readonly stopped?: boolean;
          readonly launchedMs: number;
          readonly privateIp: string;
          readonly tags: Readonly<Record<string, string>>;
          readonly instanceType: string;
        }[];
      }
    | undefined;
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
  create(world) {
    const { state } = world;
    // The instances DRS launched are the accounts' EC2 instances.
    const drs = (world.service('drs') as { drs?: LaunchedInstances } | undefined)?.drs;
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
    return {
      operations: createEc2Handler({
        listInstances: (accountId, region) => {
          const account = drs?.account(accountId);
          if (!account || account.state.region !== region) return [];
          const now = state.clock.nowMs();
          account.settle(now);
          return account.instances().map((r) => ({
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
  },
};
