/**
 * get-status: a read-only snapshot of the matched servers (zero mutating calls).
 */

import { compact } from '../core/aggregate.js';
import type { AccountReport, ServerRecord } from '../core/model.js';
import type { TaskDeps } from './deps.js';
import { publishReport } from './results.js';
import { baseRecord, describeRecoveryInstances, describeSourceServers, instancesByServer } from './shared.js';
import type { AccountEvent } from './types.js';

/**
 * Reports, per server: replication state and lag, last launch (job, status, type, time), and its
 * recovery instance's state, failback state and drill flag. Uses only DescribeSourceServers and
 * DescribeRecoveryInstances (≤ 200 ids per call).
 */
export async function getStatus(event: AccountEvent, deps: TaskDeps): Promise<AccountReport> {
  const { account } = event;
  const drs = deps.aws.account(account).drs;
  const servers = await describeSourceServers(drs, account.serverIds);
  const instances = instancesByServer(
    await describeRecoveryInstances(drs, { sourceServerIDs: account.serverIds }),
  );
  const records = account.serverIds.map((id): ServerRecord => {
    const server = servers.get(id);
    const ri = instances.get(id);
    const last = server?.lifeCycle?.lastLaunch;
    const lastLaunch = last
      ? compact<NonNullable<ServerRecord['lastLaunch']>>({
          jobId: last.initiated?.jobID,
          status: last.status,
          type: last.initiated?.type,
          time: last.initiated?.apiCallDateTime,
        })
      : undefined;
    return compact<ServerRecord>({
      ...baseRecord(id, server, account.accountId, 'reported'),
      replicationState: server?.dataReplicationInfo?.dataReplicationState,
      lagDuration: server?.dataReplicationInfo?.lagDuration,
      lastLaunch: lastLaunch && Object.keys(lastLaunch).length ? lastLaunch : undefined,
      recoveryInstanceId: ri?.recoveryInstanceID,
      ec2InstanceId: ri?.ec2InstanceID,
      recoveryInstanceState: ri?.ec2InstanceState,
      failbackState: ri?.failback?.state,
      isDrill: ri?.isDrill,
    });
  });
  return publishReport(records, event, deps);
}
