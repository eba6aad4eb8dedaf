/**
 * Whether DRS in a target account can read a staging account (DRS user guide, "Using multiple
 * staging accounts with DRS"): through the staging role the staging account grants the target
 * (`DRSStagingAccountRole_<target>`), while the staging account is reachable and still holds the
 * staging server. An extended server that cannot be read is in `EXTENSION_ERROR`.
 */
import type { DrsAccountView } from './account-view.js';
import type { SourceServerRecord } from './records.js';

/** The name of the staging role a staging account grants one target account. */
export function stagingRoleName(targetAccountId: string): string {
  return `DRSStagingAccountRole_${targetAccountId}`;
}

/**
 * What extended servers need to know of the world beyond their own account; `A` is what the
 * world hands out for an account (the `DrsAccount` class in the emulator).
 */
export interface StagingLinks<A extends DrsAccountView = DrsAccountView> {
  /** The DRS of another account, or undefined when it has none (not in the fleet). */
  account(accountId: string): A | undefined;
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
  target: DrsAccountView,
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
