/**
 * The AWS Organization every fleet account belongs to, with an OU path per account, and the
 * organization condition keys IAM puts in a request context: `aws:PrincipalOrgID` /
 * `aws:PrincipalOrgPaths` for the caller's account, `aws:ResourceOrgID` / `aws:ResourceOrgPaths`
 * for the account owning the resource (IAM User Guide, "AWS global condition context keys";
 * both path keys are multivalued, so policies test them with `ForAnyValue:`).
 */
import type { ConditionKeys } from './iam-policy.js';

/** The fleet's organization id. */
export const FLEET_ORGANIZATION_ID = 'o-drsorchemu01';

/** The OU the staging accounts are in unless the fleet says otherwise. */
export const FLEET_DR_OU_PATH = `${FLEET_ORGANIZATION_ID}/r-emu0/ou-emu0-dr000001/`;

/** The OU of the orchestrator account unless the fleet says otherwise. */
export const FLEET_PLATFORM_OU_PATH = `${FLEET_ORGANIZATION_ID}/r-emu0/ou-emu0-pl000001/`;

/**
 * An account's organization path: the fleet's, else the platform OU for the orchestrator account
 * and the DR OU for every other account.
 *
 * @example organizationPathOf('111111111111', undefined, '123456789012') // FLEET_DR_OU_PATH
 */
export function organizationPathOf(
  accountId: string,
  given: string | undefined,
  orchestratorAccountId: string,
): string {
  if (given !== undefined) return given;
  return accountId === orchestratorAccountId ? FLEET_PLATFORM_OU_PATH : FLEET_DR_OU_PATH;
}

/** The organization id a path starts with (`o-...`). */
function organizationIdOfPath(path: string): string {
  return path.slice(0, path.indexOf('/'));
}

/**
 * The organization keys of a request context for the caller's or the resource's account.
 *
 * @param side `Principal` for the caller's account, `Resource` for the resource owner's
 * @param path the account's organization path; `undefined` (no organization) adds no keys
 * @example organizationKeys('Principal', FLEET_DR_OU_PATH) // { 'aws:PrincipalOrgID': 'o-drsorchemu01', 'aws:PrincipalOrgPaths': [FLEET_DR_OU_PATH] }
 */
export function organizationKeys(side: 'Principal' | 'Resource', path: string | undefined): ConditionKeys {
  if (path === undefined) return {};
  return { [`aws:${side}OrgID`]: organizationIdOfPath(path), [`aws:${side}OrgPaths`]: [path] };
}
