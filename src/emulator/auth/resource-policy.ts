/**
 * Resource-based policies (an S3 bucket policy, a KMS key policy) and how IAM combines them with
 * the caller's identity policies (IAM User Guide, "Policy evaluation logic" and "Cross-account
 * policy evaluation logic"):
 *
 * - an explicit `Deny` in either policy denies;
 * - within the resource's account, an `Allow` in either policy is enough, except that a
 *   resource policy naming only the account (`arn:aws:iam::<account>:root`) delegates to IAM, so
 *   the identity policy must allow then;
 * - across accounts, both must allow: the identity policy in the caller's account and the
 *   resource policy in the owner's.
 *
 * Generic: a service whose resources carry policies evaluates them here and hands the pipeline
 * its decision through its instance's `resourcePolicy` hook (registry.ts).
 */
import type { Principal } from '../types.js';
import {
  type ConditionKeys,
  evaluatePolicies,
  type PolicyDecision,
  type PolicyDocument,
} from './iam-policy.js';
import type { AuthorizationResult } from './required-actions.js';

/**
 * How a resource policy answers one request: `Allow` when it names the caller (its role, its
 * session, or `*`), `AccountAllow` when it allows only through the caller's account principal
 * (delegation to the account's IAM policies), else IAM's deny decisions.
 */
export type ResourcePolicyDecision = PolicyDecision | 'AccountAllow';

/** The caller as the Principal element of a resource policy sees it. */
function callerOf(principal: Principal): { arn: string; accountId: string; roleArn?: string } {
  return {
    arn: principal.arn,
    accountId: principal.accountId,
    ...(principal.roleArn === undefined ? {} : { roleArn: principal.roleArn }),
  };
}

/**
 * Evaluates one resource policy for a caller: `Allow` when a statement names the caller itself
 * (or `*`), `AccountAllow` when only its account principal is allowed.
 */
export function evaluateResourcePolicy(
  policy: PolicyDocument,
  request: {
    readonly action: string;
    readonly resource: string;
    readonly principal: Principal;
    readonly keys: ConditionKeys;
  },
): ResourcePolicyDecision {
  const caller = callerOf(request.principal);
  const full = evaluatePolicies([policy], {
    action: request.action,
    resource: request.resource,
    keys: request.keys,
    principal: caller,
  });
  if (full !== 'Allow') return full;
  // The same policy with the account principal made unmatchable: what still allows names the caller.
  const direct = evaluatePolicies([policy], {
    action: request.action,
    resource: request.resource,
    keys: request.keys,
    principal: { ...caller, accountId: '' },
  });
  return direct === 'Allow' ? 'Allow' : 'AccountAllow';
}

/**
 * Combines the identity decision with the resource policy's, as IAM does for a resource owned by
 * `ownerAccountId`.
 *
 * @example combineDecisions('ImplicitDeny', 'Allow', true) // 'Allow' (same account: either suffices)
 * @example combineDecisions('ImplicitDeny', 'Allow', false) // 'ImplicitDeny' (cross-account: both needed)
 */
export function combineDecisions(
  identity: PolicyDecision,
  resource: ResourcePolicyDecision,
  sameAccount: boolean,
): PolicyDecision {
  if (identity === 'ExplicitDeny' || resource === 'ExplicitDeny') return 'ExplicitDeny';
  if (sameAccount) return identity === 'Allow' || resource === 'Allow' ? 'Allow' : 'ImplicitDeny';
  return identity === 'Allow' && (resource === 'Allow' || resource === 'AccountAllow')
    ? 'Allow'
    : 'ImplicitDeny';
}

/**
 * KMS's rule (KMS Developer Guide, "Key policies" and "Allowing users in other accounts to use a
 * KMS key"): the key policy must allow, either naming the caller (enough within the key's
 * account) or through the account principal (then the identity policy must allow too); a caller
 * of another account needs its identity policy to allow as well; an explicit Deny anywhere denies.
 *
 * @example combineKeyDecisions('ImplicitDeny', 'AccountAllow', true) // 'ImplicitDeny'
 */
export function combineKeyDecisions(
  identity: PolicyDecision,
  keyPolicy: ResourcePolicyDecision,
  sameAccount: boolean,
): PolicyDecision {
  if (identity === 'ExplicitDeny' || keyPolicy === 'ExplicitDeny') return 'ExplicitDeny';
  if (keyPolicy === 'Allow' && sameAccount) return 'Allow';
  if (keyPolicy === 'Allow' || keyPolicy === 'AccountAllow')
    return identity === 'Allow' ? 'Allow' : 'ImplicitDeny';
  return 'ImplicitDeny';
}

/** The policy decision an authorization result stands for. */
export function decisionOf(result: AuthorizationResult): PolicyDecision {
  return result.allowed ? 'Allow' : result.explicitlyDenied.length > 0 ? 'ExplicitDeny' : 'ImplicitDeny';
}

/** A denial of `action` with that decision. */
export function denied(action: string, decision: PolicyDecision): AuthorizationResult {
  return { allowed: false, missing: [action], explicitlyDenied: decision === 'ExplicitDeny' ? [action] : [] };
}

/** An allowed call. */
export function allowed(): AuthorizationResult {
  return { allowed: true, missing: [], explicitlyDenied: [] };
}
