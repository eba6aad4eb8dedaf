/** EC2 port of one staging account; `@aws-sdk/client-ec2` is loaded on the first call. */
import type {
  DescribeInstanceStatusCommandOutput,
  DescribeInstancesCommandOutput,
} from '@aws-sdk/client-ec2';
import { awsErrorCode } from '../errors.js';
import type { Ec2InstanceInfo, Ec2InstanceStatusInfo, Ec2Port } from '../ports.js';

/** EC2 takes at most 100 explicit instance ids per DescribeInstanceStatus call. */
export const MAX_INSTANCE_STATUS_IDS = 100;

import { type AwsService, sdkService } from '../service.js';

/**
 * The EC2 service module.
 *
 * @example
 * ```ts
 * const [instance] = await ec2Service.create(scope).describeInstances(['i-0abc']);
 * ```
 */
export const ec2Service: AwsService<Ec2Port> = /* @__PURE__ */ sdkService(
  'ec2',
  () => import('./sdk/ec2.js'),
  (call) => ({
    async describeInstances(instanceIds) {
      if (instanceIds.length === 0) return [];
      const found: Ec2InstanceInfo[] = [];
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        let out: DescribeInstancesCommandOutput;
        try {
          // A filter (not InstanceIds) so that ids EC2 no longer knows are absent instead of an error.
          out = await call('DescribeInstances', (sdk, client) =>
            client.send(
              new sdk.DescribeInstancesCommand({
                Filters: [{ Name: 'instance-id', Values: [...instanceIds] }],
                ...(token ? { NextToken: token } : {}),
              }),
            ),
          );
        } catch (err) {
          if (awsErrorCode(err) === 'InvalidInstanceID.NotFound') return found;
          throw err;
        }
        for (const reservation of out.Reservations ?? []) {
          for (const instance of reservation.Instances ?? []) {
            if (!instance.InstanceId) continue;
            found.push({
              instanceId: instance.InstanceId,
              ...(instance.State?.Name ? { state: instance.State.Name } : {}),
              ...(instance.PrivateIpAddress ? { privateIp: instance.PrivateIpAddress } : {}),
              ...(instance.LaunchTime ? { launchTime: new Date(instance.LaunchTime).toISOString() } : {}),
            });
          }
        }
        nextToken = out.NextToken;
      } while (nextToken);
      return found;
    },

    async describeInstanceStatus(instanceIds, options = {}) {
      // Up: running with both checks ok, or stopped (checks not-applicable): an instance
      // launched stopped by its launch configuration is as up as it is meant to be.
      const filters = options.upOnly
        ? [
            { Name: 'instance-state-name', Values: ['running', 'stopped'] },
            { Name: 'system-status.status', Values: ['ok', 'not-applicable'] },
            { Name: 'instance-status.status', Values: ['ok', 'not-applicable'] },
          ]
        : undefined;
      const found: Ec2InstanceStatusInfo[] = [];
      for (let i = 0; i < instanceIds.length; i += MAX_INSTANCE_STATUS_IDS) {
        let ids = instanceIds.slice(i, i + MAX_INSTANCE_STATUS_IDS);
        // An instance EC2 does not know yet (eventual consistency right after a launch) fails the
        // whole call: ask again without the ids the error names, once.
        for (let attempt = 0; attempt < 2 && ids.length > 0; attempt += 1) {
          let out: DescribeInstanceStatusCommandOutput;
          try {
            out = await call('DescribeInstanceStatus', (sdk, client) =>
              client.send(
                new sdk.DescribeInstanceStatusCommand({
                  InstanceIds: ids,
                  IncludeAllInstances: true,
                  ...(filters ? { Filters: filters } : {}),
                }),
              ),
            );
          } catch (err) {
            if (awsErrorCode(err) !== 'InvalidInstanceID.NotFound') throw err;
            const unknown = new Set((err instanceof Error ? err.message : '').match(/i-[0-9a-f]+/g) ?? []);
            ids = unknown.size ? ids.filter((id) => !unknown.has(id)) : [];
            continue;
          }
          for (const s of out.InstanceStatuses ?? []) {
            if (!s.InstanceId) continue;
            found.push({
              instanceId: s.InstanceId,
              ...(s.InstanceState?.Name ? { state: s.InstanceState.Name } : {}),
              ...(s.SystemStatus?.Status ? { system: s.SystemStatus.Status } : {}),
              ...(s.InstanceStatus?.Status ? { instance: s.InstanceStatus.Status } : {}),
            });
          }
          break;
        }
      }
      return found;
    },
  }),
);
