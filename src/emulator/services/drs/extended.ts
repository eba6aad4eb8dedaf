/**
 * Extended source servers (DRS user guide, "Using multiple staging accounts with DRS"; API
 * `CreateExtendedSourceServer`, `ListExtensibleSourceServers`, `ListStagingAccounts`, the source
 * server's `stagingArea`). A target (recovery) account holds a copy of a staging account's
 * source server under its own id; its recovery launches in the target account, under the target's
 * quotas. DRS reads the staging account through the staging role the staging account grants the
 * target (`DRSStagingAccountRole_<target>`, DRS console "Trusted accounts", "Staging role"): while
 * that role is missing, the staging account is gone or unreachable (fault `stagingUnreachable`),
 * or the staging server is gone, the extended server is `EXTENSION_ERROR` and cannot be launched.
 *
 * Modelled simply: the extended server copies the staging server's replication state when it is
 * created (a later change in the staging account is not mirrored).
 */
import type { DrsAccount } from './account.js';
import type { SourceServerRecord } from './records.js';

/**
 * Creates in `target` the extended source server of `from` (a server of `stagingAccountId`):
 * a new id in the target account, the staging server's properties and replication state, and
 * `tags` (CreateExtendedSourceServer's, not the staging server's).
 */
export function createExtendedServer(
  target: DrsAccount,
  from: SourceServerRecord,
  stagingAccountId: string,
  tags: Record<string, string>,
  now: number,
): SourceServerRecord {
  const id = `s-${target.rng.hex(17)}`;
  target.syncRng();
  const server: SourceServerRecord = {
    ...structuredClone(from),
    sourceServerID: id,
    arn: `arn:aws:drs:${target.region}:${target.accountId}:source-server/${id}`,
    tags: { ...tags },
    addedMs: now,
    version: 0,
    staging: { accountId: stagingAccountId, sourceServerArn: from.arn },
  };
  delete server.lastLaunch;
  delete server.recoveryInstanceID;
  delete server.reversedDirectionSourceServerArn;
  target.addServer(server);
  return server;
}

/** The servers of `staging` that `target` could extend: replicating there, not extended here yet, not extensions. */
export function extensibleServers(target: DrsAccount, staging: DrsAccount): SourceServerRecord[] {
  const extended = new Set(target.servers().flatMap((s) => (s.staging ? [s.staging.sourceServerArn] : [])));
  return staging
    .servers()
    .filter((s) => s.staging === undefined && s.replicationDirection !== 'FAILBACK' && !extended.has(s.arn));
}

/** The staging accounts of the target's extended servers, in the order first extended. */
export function stagingAccountsOf(target: DrsAccount): string[] {
  return [...new Set(target.servers().flatMap((s) => (s.staging ? [s.staging.accountId] : [])))];
}
