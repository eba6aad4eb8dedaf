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

/** The name of the staging role a staging account grants one target account. */
export function stagingRoleName(targetAccountId: string): string {
  return `DRSStagingAccountRole_${targetAccountId}`;
}

/** What extended servers need to know of the world beyond their own account. */
export interface StagingLinks {
  /** The DRS of another account, or undefined when it has none (not in the fleet). */
  account(accountId: string): DrsAccount | undefined;
  /** Whether the account holds an IAM role of this name. */
  hasRole(accountId: string, roleName: string): boolean;
  /** Whether a fault makes the staging account unreachable. */
  unreachable(accountId: string): boolean;
}

/** The staging account id and server id an extended server's staging ARN names. */
export function parseServerArn(
  arn: string,
): { region: string; accountId: string; sourceServerID: string } | undefined {
  const m = /^arn:[\w-]+:drs:([a-z0-9-]+):(\d{12}):source-server\/(s-[0-9a-zA-Z]{17})$/.exec(arn);
  return m
    ? { region: m[1] as string, accountId: m[2] as string, sourceServerID: m[3] as string }
    : undefined;
}

/**
 * Why DRS in `target` cannot read the staging account of `staging` (the staging role is missing,
 * the account is unreachable), or undefined when it can.
 */
export function stagingAccessError(
  links: StagingLinks,
  targetAccountId: string,
  stagingAccountId: string,
): string | undefined {
  if (links.unreachable(stagingAccountId) || links.account(stagingAccountId) === undefined) {
    return `Failed to access staging account ${stagingAccountId}: the account is not reachable`;
  }
  const role = stagingRoleName(targetAccountId);
  if (!links.hasRole(stagingAccountId, role)) {
    return `Failed to assume role arn:aws:iam::${stagingAccountId}:role/service-role/${role} in staging account ${stagingAccountId}: the staging role does not exist (add ${targetAccountId} as a trusted account with the staging role)`;
  }
  return undefined;
}

/** Why an extended server is in EXTENSION_ERROR, or undefined while DRS can read its staging server. */
export function extensionError(
  links: StagingLinks,
  target: DrsAccount,
  server: SourceServerRecord,
): string | undefined {
  const staging = server.staging;
  if (staging === undefined) return undefined;
  const access = stagingAccessError(links, target.accountId, staging.accountId);
  if (access !== undefined) return access;
  const ref = parseServerArn(staging.sourceServerArn);
  if (ref === undefined || links.account(staging.accountId)?.server(ref.sourceServerID) === undefined) {
    return `Staging source server ${staging.sourceServerArn} was not found`;
  }
  return undefined;
}

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
