/**
 * What a call needs of IAM besides its own action: the dependent actions of the Service
 * Authorization Reference (an AWS service performing them with the caller's permissions, as DRS
 * launches EC2 instances for StartRecovery), the tagging action when tags are given at creation,
 * and `iam:PassRole` of the role handed to a service. Which action depends on which is each
 * service's to say (its descriptor's `iam`); this module evaluates them.
 */
import {
  type ConditionKeys,
  evaluatePolicies,
  type PolicyDecision,
  type PolicyDocument,
} from './iam-policy.js';

/** What IAM checks besides one action, when a caller performs it. */
export interface ActionRequirement {
  /** Actions the caller must hold as well (in the order they are reported). */
  readonly dependents?: readonly string[];
  /** The action that tags at creation also needs (`drs:TagResource`). */
  readonly tagOnCreate?: string;
  /** The service principal that performs the dependents of another service (`aws:CalledVia`). */
  readonly calledVia?: string;
  /** The role an `iam:PassRole` dependent passes, and to which service. */
  readonly passRole?: {
    role(accountId: string): string;
    readonly passedToService: string;
  };
}

/** Requirements by `service:Action`. */
export type ActionRequirements = Readonly<Record<string, ActionRequirement>>;

/**
 * Every IAM action a call needs: the action itself, then its dependent actions, then the tagging
 * action when tags are given at creation.
 *
 * @example requiredActions('drs:TerminateRecoveryInstances', requirements)
 * // ['drs:TerminateRecoveryInstances', 'drs:DescribeSourceServers', 'ec2:DeleteVolume', ...]
 */
export function requiredActions(
  action: string,
  requirements: ActionRequirements = {},
  options: { readonly tagsOnCreate?: boolean } = {},
): string[] {
  const requirement = requirements[action];
  const out = [action, ...(requirement?.dependents ?? [])];
  if (options.tagsOnCreate === true && requirement?.tagOnCreate !== undefined)
    out.push(requirement.tagOnCreate);
  return out;
}

/** Request context of {@link authorize}. */
export interface AuthorizationContext {
  /** Account the call runs in (for the `iam:PassRole` resource). */
  readonly accountId: string;
  readonly region: string;
  /** Condition keys of the request (`aws:PrincipalArn`, `aws:ResourceTag/...`, ...). */
  readonly keys?: ConditionKeys;
  /** Tags are given at creation (adds the action's tagging action). @default false */
  readonly tagsOnCreate?: boolean;
  /** Check the dependent actions of `action` too. @default true */
  readonly includeDependentActions?: boolean;
  /** The role passed (`iam:PassRole`). @default the requirement's role for `accountId` */
  readonly passRoleArn?: string;
  /** What each action needs besides itself. @default nothing */
  readonly requirements?: ActionRequirements;
}

/** The outcome of {@link authorize}. */
export interface AuthorizationResult {
  readonly allowed: boolean;
  /** Required actions the policies do not allow (explicitly denied ones included), in order. */
  readonly missing: string[];
  /** Actions refused by an explicit Deny (a subset of `missing`). */
  readonly explicitlyDenied: string[];
}

/**
 * Whether `policyDocs` allow `action` on `resource` (every resource, if several) plus all its
 * required actions. A dependent action of another service is evaluated as that service performs
 * it: with `aws:ViaAWSService=true` and `aws:CalledVia=[<service principal>]`; `iam:PassRole` on
 * the passed role with `iam:PassedToService`.
 *
 * @example authorize(docs, 'drs:StartRecovery', arn, { accountId, region, requirements }).missing
 * // ['drs:CreateRecoveryInstanceForDrs', 'ec2:RunInstances', ...] when only StartRecovery is granted
 */
export function authorize(
  policyDocs: readonly PolicyDocument[],
  action: string,
  resource: string | readonly string[],
  context: AuthorizationContext,
): AuthorizationResult {
  const keys = context.keys ?? {};
  const missing: string[] = [];
  const explicitlyDenied: string[] = [];
  const record = (name: string, decision: PolicyDecision) => {
    if (decision === 'Allow') return;
    missing.push(name);
    if (decision === 'ExplicitDeny') explicitlyDenied.push(name);
  };
  const resources = typeof resource === 'string' ? [resource] : resource;
  let worst: PolicyDecision = 'Allow';
  for (const r of resources.length === 0 ? ['*'] : resources) {
    const decision = evaluatePolicies(policyDocs, { action, resource: r, keys });
    if (decision === 'ExplicitDeny' || (decision === 'ImplicitDeny' && worst === 'Allow')) worst = decision;
  }
  record(action, worst);
  if (context.includeDependentActions === false)
    return { allowed: missing.length === 0, missing, explicitlyDenied };
  const requirement = context.requirements?.[action];
  const service = action.slice(0, action.indexOf(':'));
  const calledVia = requirement?.calledVia;
  const via: ConditionKeys =
    calledVia === undefined
      ? keys
      : {
          ...keys,
          'aws:ViaAWSService': 'true',
          'aws:CalledVia': [calledVia],
          'aws:CalledViaFirst': calledVia,
          'aws:CalledViaLast': calledVia,
        };
  const required = requiredActions(action, context.requirements, {
    tagsOnCreate: context.tagsOnCreate === true,
  });
  for (const dependent of required.slice(1)) {
    const passRole = requirement?.passRole;
    const decision =
      dependent === 'iam:PassRole' && passRole !== undefined
        ? evaluatePolicies(policyDocs, {
            action: dependent,
            resource: context.passRoleArn ?? passRole.role(context.accountId),
            keys: { ...keys, 'iam:PassedToService': passRole.passedToService },
          })
        : evaluatePolicies(policyDocs, {
            action: dependent,
            resource: undefined,
            // Another service's action is performed by the calling service on the caller's behalf.
            keys: dependent.startsWith(`${service}:`) ? keys : via,
          });
    record(dependent, decision);
  }
  return { allowed: missing.length === 0, missing, explicitlyDenied };
}
