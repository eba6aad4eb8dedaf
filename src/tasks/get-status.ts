/**
 * get-status: a read-only snapshot of the matched servers (zero mutating calls).
 */

import type { DrsPort } from '../aws/ports.js';
import { compact } from '../core/aggregate.js';
import type { AccountReport, ServerRecord } from '../core/model.js';
import { NO_RECOVERY_POINT_STATES, recoverableNow } from '../core/readiness.js';
import type { TaskDeps } from './deps.js';
import { publishReport } from './results.js';
import { baseRecord, describeRecoveryInstances, describeSourceServers, instancesByServer } from './shared.js';
import type { AccountEvent } from './types.js';

/** DescribeRecoverySnapshots calls in flight at once (one per server; keeps a 300-server account polite). */
const SNAPSHOT_CONCURRENCY = 10;

/** The newest point-in-time snapshot of each server that can have one (one call per server). */
async function newestRecoveryPoints(drs: DrsPort, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      const page = await drs.describeRecoverySnapshots({ sourceServerID: id, order: 'DESC', maxResults: 1 });
      const newest = page.items?.[0];
      const at = newest?.timestamp ?? newest?.expectedTimestamp;
      if (at !== undefined) out.set(id, at);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SNAPSHOT_CONCURRENCY, ids.length) }, worker));
  return out;
}

/**
 * Reports, per server: replication state and lag, the newest recovery point and whether a failover
 * could recover it now (a lost site leaves STALLED servers recoverable from their last snapshot;
 * INITIATING, INITIAL_SYNC, STOPPED and DISCONNECTED keep none), last launch (job, status, type,
 * time), and its recovery instance's state, failback state and drill flag. Uses
 * DescribeSourceServers and DescribeRecoveryInstances (≤ 200 ids per call) and one
 * DescribeRecoverySnapshots per server that can have a snapshot; no mutating call.
 */
export async function getStatus(event: AccountEvent, deps: TaskDeps): Promise<AccountReport> {
  const { account } = event;
  const drs = deps.aws.account(account).drs;
  const servers = await describeSourceServers(drs, account.serverIds);
  const instances = instancesByServer(
    await describeRecoveryInstances(drs, { sourceServerIDs: account.serverIds }),
  );
  const stateOf = (id: string) => servers.get(id)?.dataReplicationInfo?.dataReplicationState;
  const points = await newestRecoveryPoints(
    drs,
    account.serverIds.filter((id) => {
      const state = stateOf(id);
      return state !== undefined && !NO_RECOVERY_POINT_STATES.has(state);
    }),
  );
  // The rule plan's eligibility uses too (core/readiness.ts), so plan and status agree.
  const recoverable = (id: string): boolean | undefined =>
    recoverableNow({ id, state: stateOf(id), hasRecoveryPoint: points.has(id) });
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
      newestRecoveryPoint: points.get(id),
      failoverRecoverable: recoverable(id),
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
