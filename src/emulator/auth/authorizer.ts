/**
 * The authorization port the emulated services call on every request: root credentials and
 * roles without policies are unrestricted (so ordinary tests need no policy); a role with
 * policies is evaluated by {@link authorize}, dependent actions included.
 */
import {
  commonServiceError,
  type ErrorFormat,
  notAuthorizedMessage,
  type ServiceError,
} from '../protocols/service-errors.js';
import type { AuthorizeRequest, Principal } from '../types.js';
import type { ConditionKeys, PolicyDocument } from './iam-policy.js';
import { organizationKeys } from './organization.js';
import { type ActionRequirements, type AuthorizationResult, authorize } from './required-actions.js';

/** Where the authorizer finds a role's identity policies. */
export interface RolePolicyLookup {
  /**
   * The identity policies attached to a role; `undefined` or empty means the fleet gives the
   * role no policies, and it is unrestricted.
   */
  policiesForRole(roleArn: string): readonly PolicyDocument[] | undefined;
  /**
   * The account's path in the fleet's organization, for `aws:PrincipalOrgID`/`aws:PrincipalOrgPaths`
   * (the caller) and `aws:ResourceOrgID`/`aws:ResourceOrgPaths` (the resource's account).
   * @default no organization keys
   */
  organizationPathOf?(accountId: string): string | undefined;
  /** What IAM checks besides each action (the registry's: dependent actions, ...). @default nothing */
  readonly requirements?: ActionRequirements;
}

/** The account an ARN names (its fifth field), when there is exactly one resource and it has one. */
function resourceAccountOf(resources: string | readonly string[]): string | undefined {
  const list = typeof resources === 'string' ? [resources] : resources;
  if (list.length !== 1) return undefined;
  const account = (list[0] as string).split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

export type { AuthorizeRequest };

/** Port: decides whether a principal may perform an action. */
export interface Authorizer {
  check(principal: Principal, request: AuthorizeRequest): AuthorizationResult;
}

const ALLOWED: AuthorizationResult = { allowed: true, missing: [], explicitlyDenied: [] };

/**
 * Builds the authorizer over the fleet's role policies.
 *
 * @example const authorizer = createAuthorizer({ policiesForRole: (arn) => fleet.roles[arn]?.policies });
 */
export function createAuthorizer(lookup: RolePolicyLookup): Authorizer {
  return {
    check(principal, request) {
      if (principal.roleArn === undefined) return ALLOWED;
      const docs = lookup.policiesForRole(principal.roleArn);
      if (docs === undefined || docs.length === 0) return ALLOWED;
      const keys: ConditionKeys = {
        'aws:PrincipalAccount': principal.accountId,
        'aws:PrincipalArn': principal.roleArn,
        'aws:RequestedRegion': request.region,
        'aws:PrincipalType': 'AssumedRole',
        ...organizationKeys('Principal', lookup.organizationPathOf?.(principal.accountId)),
        ...organizationKeys('Resource', resourceOrganizationPath(lookup, request.resources)),
        ...request.keys,
      };
      return authorize(docs, request.action, request.resources, {
        accountId: principal.accountId,
        region: request.region,
        keys,
        tagsOnCreate: request.tagsOnCreate === true,
        ...(lookup.requirements === undefined ? {} : { requirements: lookup.requirements }),
      });
    },
  };
}

function resourceOrganizationPath(
  lookup: RolePolicyLookup,
  resources: string | readonly string[],
): string | undefined {
  const account = resourceAccountOf(resources);
  return account === undefined ? undefined : lookup.organizationPathOf?.(account);
}

/**
 * The access-denied error a service answers for a failed check, with AWS's
 * `User: ... is not authorized to perform: ...` message naming the first missing action.
 */
export function accessDenied(
  service: DenyingService,
  principal: Principal,
  result: AuthorizationResult,
  resource: string,
): ServiceError {
  const action = result.missing[0] ?? 'unknown';
  const explicit = result.explicitlyDenied.includes(action);
  const standard = notAuthorizedMessage(principal.arn, action, resource, explicit);
  return commonServiceError(service, 'access-denied', {
    message: service.accessDeniedMessage?.(standard) ?? standard,
  });
}

/** What a denial needs of the service: its error format and, if it words denials otherwise, how. */
export interface DenyingService extends ErrorFormat {
  /** The message of an access denial (S3 says only `Access Denied`). @default the standard text */
  accessDeniedMessage?(standard: string): string;
}
