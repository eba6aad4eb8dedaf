/** DRS port of one staging account; `@aws-sdk/client-drs` is loaded on the first call. */
import type { DrsPort } from '../ports.js';
import { type AwsService, sdkService } from '../service.js';

/**
 * The DRS service module.
 *
 * @example
 * ```ts
 * const drs = drsService.create(scope);
 * await drs.describeJobs({ filters: { jobIDs: ['drsjob-1'] } });
 * ```
 */
export const drsService: AwsService<DrsPort> = /* @__PURE__ */ sdkService(
  'drs',
  () => import('./sdk/drs.js'),
  (call) => ({
    describeSourceServers: (input) =>
      call('DescribeSourceServers', (sdk, client) =>
        client.send(new sdk.DescribeSourceServersCommand(input)),
      ),
    describeJobs: (input) =>
      call('DescribeJobs', (sdk, client) => client.send(new sdk.DescribeJobsCommand(input))),
    describeJobLogItems: (input) =>
      call('DescribeJobLogItems', (sdk, client) => client.send(new sdk.DescribeJobLogItemsCommand(input))),
    describeRecoveryInstances: (input) =>
      call('DescribeRecoveryInstances', (sdk, client) =>
        client.send(new sdk.DescribeRecoveryInstancesCommand(input)),
      ),
    describeRecoverySnapshots: (input) =>
      call('DescribeRecoverySnapshots', (sdk, client) =>
        client.send(new sdk.DescribeRecoverySnapshotsCommand(input)),
      ),
    startRecovery: (input) =>
      call('StartRecovery', (sdk, client) => client.send(new sdk.StartRecoveryCommand(input))),
    startFailbackLaunch: (input) =>
      call('StartFailbackLaunch', (sdk, client) => client.send(new sdk.StartFailbackLaunchCommand(input))),
    reverseReplication: (input) =>
      call('ReverseReplication', (sdk, client) => client.send(new sdk.ReverseReplicationCommand(input))),
    terminateRecoveryInstances: (input) =>
      call('TerminateRecoveryInstances', (sdk, client) =>
        client.send(new sdk.TerminateRecoveryInstancesCommand(input)),
      ),
    createExtendedSourceServer: (input) =>
      call('CreateExtendedSourceServer', (sdk, client) =>
        client.send(new sdk.CreateExtendedSourceServerCommand(input)),
      ),
    listExtensibleSourceServers: (input) =>
      call('ListExtensibleSourceServers', (sdk, client) =>
        client.send(new sdk.ListExtensibleSourceServersCommand(input)),
      ),
    tagResource: async (input) => {
      await call('TagResource', (sdk, client) => client.send(new sdk.TagResourceCommand(input)));
    },
  }),
);
