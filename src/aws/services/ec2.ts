/** EC2 port of one staging account; `@aws-sdk/client-ec2` is loaded on the first call. */
import type { DescribeInstancesCommandOutput } from '@aws-sdk/client-ec2';
import { awsErrorCode } from '../errors.js';
import type { Ec2InstanceInfo, Ec2Port } from '../ports.js';
import { type AwsService, sdkCaller } from '../service.js';

/**
 * The EC2 service module.
 *
 * @example
 * ```ts
 * const [instance] = await ec2Service.create(scope).describeInstances(['i-0abc']);
 * ```
 */
export const ec2Service: AwsService<Ec2Port> = {
  service: 'ec2',
  create({ settings, send }) {
    const call = sdkCaller(
      send,
      () => import('./sdk/ec2.js'),
      (sdk) => new sdk.EC2Client(settings),
    );
    return {
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
    };
  },
};
