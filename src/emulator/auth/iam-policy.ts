/**
 * IAM's policy language: documents, and their evaluation for one action on one resource. What a
 * call needs besides its own action (dependent actions) is auth/required-actions.ts; which
 * actions depend on which is each service's (its descriptor's `iam`).
 *
 * Evaluation follows IAM's identity-policy logic: an explicit `Deny` wins, then any `Allow`,
 * otherwise the implicit deny. Supported: `Action`/`NotAction` with `*`/`?` wildcards (case
 * insensitive), `Resource`/`NotResource` ARN patterns matched segment by segment, `Condition` with
 * the String, Arn, Bool, Null, Numeric and Date operators, `...IfExists`, `ForAnyValue:`/
 * `ForAllValues:` and `${policy:variables}`; `Principal`/`NotPrincipal` for trust policies.
 * Unknown condition operators never match (so an Allow guarded by one does not apply).
 */

/** One IAM policy statement as it appears in JSON. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Trust policies only. */
  readonly Principal?: PolicyPrincipal;
  readonly NotPrincipal?: PolicyPrincipal;
}

/** `"*"` or `{ "AWS": ..., "Service": ... }`. */
export type PolicyPrincipal = '*' | Readonly<Record<string, string | readonly string[]>>;

/** An IAM policy document. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Id?: string;
  readonly Statement: PolicyStatement | readonly PolicyStatement[];
}

/** Values of request context keys (`aws:PrincipalAccount`, `aws:CalledVia`, `aws:ResourceTag/x`, ...). */
export type ConditionKeys = Readonly<Record<string, string | number | boolean | readonly string[]>>;

/** The outcome of evaluating one request against a set of policies. */
export type PolicyDecision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** One request to evaluate. */
export interface PolicyRequest {
  /** `service:Action`, e.g. `drs:StartRecovery`. */
  readonly action: string;
  /**
   * Resource ARN, or `undefined` for "some resource of this action" (used for dependent actions,
   * whose concrete resources the emulator does not model): any Allow that names the action
   * applies, and a Deny applies only if its Resource covers every ARN.
   */
  readonly resource: string | undefined;
  readonly keys?: ConditionKeys;
  /** For trust policies: who is asking. */
  readonly principal?: { readonly arn: string; readonly accountId: string; readonly roleArn?: string };
}

/** Raised by {@link toPolicyDocument} for JSON that is not an IAM policy (STS calls it MalformedPolicyDocument). */
export class MalformedPolicyDocumentError extends Error {
  override readonly name = 'MalformedPolicyDocumentError';
}

/**
 * Checks that a value (e.g. from a fleet file or a CloudFormation template) is an IAM policy
 * document this module can evaluate, and returns it typed.
 *
 * @throws MalformedPolicyDocumentError naming the first problem
 */
export function toPolicyDocument(value: unknown): PolicyDocument {
  const fail = (why: string): never => {
    throw new MalformedPolicyDocumentError(`malformed policy document: ${why}`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('expected an object');
  const statementsValue = (value as Record<string, unknown>).Statement;
  const list = Array.isArray(statementsValue) ? statementsValue : [statementsValue];
  if (statementsValue === undefined) fail('missing Statement');
  list.forEach((s: unknown, i) => {
    if (s === null || typeof s !== 'object') fail(`statement ${i} is not an object`);
    const st = s as Record<string, unknown>;
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny')
      fail(`statement ${i} has Effect '${String(st.Effect)}', expected Allow or Deny`);
    if ((st.Action === undefined) === (st.NotAction === undefined))
      fail(`statement ${i} needs exactly one of Action, NotAction`);
    for (const key of ['Action', 'NotAction', 'Resource', 'NotResource']) {
      const v = st[key];
      if (
        v !== undefined &&
        typeof v !== 'string' &&
        !(Array.isArray(v) && v.every((x) => typeof x === 'string'))
      ) {
        fail(`statement ${i} ${key} must be a string or a list of strings`);
      }
    }
    if (st.Condition !== undefined && (st.Condition === null || typeof st.Condition !== 'object')) {
      fail(`statement ${i} Condition must be an object`);
    }
  });
  return value as PolicyDocument;
}

function list<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

function statements(doc: PolicyDocument): readonly PolicyStatement[] {
  return list(doc.Statement);
}

const regexCache = new Map<string, RegExp>();

/**
 * Matches IAM wildcards: `*` any run of characters, `?` exactly one.
 *
 * @example wildcardMatch('drs:Describe*', 'drs:DescribeJobs', true) // true
 */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = regexCache.get(cacheKey);
  if (re === undefined) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    regexCache.set(cacheKey, re);
  }
  return re.test(value);
}

/** Matches an action pattern (`drs:Describe*`, `ec2:*`, `*`) against `service:Action`. */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern, action, true);
}

/**
 * Matches a resource ARN pattern the way IAM does: `*` alone matches everything; otherwise the
 * first five ARN segments are matched one by one and the resource part (which may itself contain
 * `:` and `/`) as a whole.
 */
export function resourceMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = splitArn(pattern);
  const a = splitArn(arn);
  if (p === undefined || a === undefined) return wildcardMatch(pattern, arn);
  for (let i = 0; i < 6; i++) {
    if (!wildcardMatch(p[i] ?? '', a[i] ?? '')) return false;
  }
  return true;
}

function splitArn(arn: string): string[] | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** Whether a Resource pattern covers every ARN (used for Deny on "some resource"). */
function coversEverything(pattern: string): boolean {
  if (pattern === '*') return true;
  const p = splitArn(pattern);
  return p !== undefined && ['*', ''].includes(p[3] ?? '') && ['*', ''].includes(p[4] ?? '') && p[5] === '*';
}

function resolveVariables(value: string, keys: ConditionKeys): string {
  return value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (name === '*' || name === '?' || name === '$') return name;
    const v = lookupKey(keys, name);
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : whole;
  });
}

function lookupKey(keys: ConditionKeys, name: string): ConditionKeys[string] | undefined {
  if (name in keys) return keys[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(keys)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

type Comparator = (given: string, expected: string) => boolean;

const COMPARATORS: Readonly<Record<string, { cmp: Comparator; negated: boolean }>> = {
  StringEquals: { cmp: (g, e) => g === e, negated: false },
  StringNotEquals: { cmp: (g, e) => g === e, negated: true },
  StringEqualsIgnoreCase: { cmp: (g, e) => g.toLowerCase() === e.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { cmp: (g, e) => g.toLowerCase() === e.toLowerCase(), negated: true },
  StringLike: { cmp: (g, e) => wildcardMatch(e, g), negated: false },
  StringNotLike: { cmp: (g, e) => wildcardMatch(e, g), negated: true },
  ArnEquals: { cmp: (g, e) => resourceMatches(e, g), negated: false },
  ArnLike: { cmp: (g, e) => resourceMatches(e, g), negated: false },
  ArnNotEquals: { cmp: (g, e) => resourceMatches(e, g), negated: true },
  ArnNotLike: { cmp: (g, e) => resourceMatches(e, g), negated: true },
  Bool: { cmp: (g, e) => g.toLowerCase() === e.toLowerCase(), negated: false },
  NumericEquals: { cmp: (g, e) => Number(g) === Number(e), negated: false },
  NumericNotEquals: { cmp: (g, e) => Number(g) === Number(e), negated: true },
  NumericLessThan: { cmp: (g, e) => Number(g) < Number(e), negated: false },
  NumericLessThanEquals: { cmp: (g, e) => Number(g) <= Number(e), negated: false },
  NumericGreaterThan: { cmp: (g, e) => Number(g) > Number(e), negated: false },
  NumericGreaterThanEquals: { cmp: (g, e) => Number(g) >= Number(e), negated: false },
  DateEquals: { cmp: (g, e) => Date.parse(g) === Date.parse(e), negated: false },
  DateNotEquals: { cmp: (g, e) => Date.parse(g) === Date.parse(e), negated: true },
  DateLessThan: { cmp: (g, e) => Date.parse(g) < Date.parse(e), negated: false },
  DateLessThanEquals: { cmp: (g, e) => Date.parse(g) <= Date.parse(e), negated: false },
  DateGreaterThan: { cmp: (g, e) => Date.parse(g) > Date.parse(e), negated: false },
  DateGreaterThanEquals: { cmp: (g, e) => Date.parse(g) >= Date.parse(e), negated: false },
};

function toStrings(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => String(v));
  if (value === undefined || value === null) return [];
  return [String(value)];
}

/** Evaluates one `"Operator": { "key": values }` entry. */
function conditionHolds(
  operatorName: string,
  entries: Readonly<Record<string, unknown>>,
  keys: ConditionKeys,
): boolean {
  let op = operatorName;
  let setMode: 'any' | 'all' | 'single' = 'single';
  if (op.startsWith('ForAnyValue:')) {
    setMode = 'any';
    op = op.slice('ForAnyValue:'.length);
  } else if (op.startsWith('ForAllValues:')) {
    setMode = 'all';
    op = op.slice('ForAllValues:'.length);
  }
  let ifExists = false;
  if (op.endsWith('IfExists')) {
    ifExists = true;
    op = op.slice(0, -'IfExists'.length);
  }
  for (const [key, expectedRaw] of Object.entries(entries)) {
    const given = lookupKey(keys, key);
    const expected = toStrings(expectedRaw).map((e) => resolveVariables(e, keys));
    if (op === 'Null') {
      const isNull = given === undefined;
      if (!expected.some((e) => (e.toLowerCase() === 'true') === isNull)) return false;
      continue;
    }
    const comparator = COMPARATORS[op];
    if (comparator === undefined) return false;
    if (given === undefined) {
      if (ifExists || setMode === 'all') continue;
      if (comparator.negated) continue;
      return false;
    }
    const values = toStrings(given);
    const matchOne = (value: string): boolean => {
      const hit = expected.some((e) => comparator.cmp(value, e));
      return comparator.negated ? !hit : hit;
    };
    let holds: boolean;
    if (setMode === 'any') holds = values.some(matchOne);
    else if (setMode === 'all') holds = values.every(matchOne);
    else holds = values.length > 0 && values.every(matchOne);
    if (!holds) return false;
  }
  return true;
}

function conditionsHold(statement: PolicyStatement, keys: ConditionKeys): boolean {
  for (const [op, entries] of Object.entries(statement.Condition ?? {})) {
    if (!conditionHolds(op, entries, keys)) return false;
  }
  return true;
}

function principalMatches(
  principal: PolicyPrincipal,
  caller: NonNullable<PolicyRequest['principal']>,
): boolean {
  if (principal === '*') return true;
  for (const aws of list(principal.AWS)) {
    if (aws === '*') return true;
    if (/^\d{12}$/.test(aws) && aws === caller.accountId) return true;
    if (aws === `arn:aws:iam::${caller.accountId}:root`) return true;
    if (aws === caller.arn) return true;
    if (caller.roleArn !== undefined && aws === caller.roleArn) return true;
  }
  return false;
}

function statementApplies(statement: PolicyStatement, request: PolicyRequest): boolean {
  const action = request.action;
  if (statement.Action !== undefined) {
    if (!list(statement.Action).some((p) => actionMatches(p, action))) return false;
  } else if (statement.NotAction !== undefined) {
    if (list(statement.NotAction).some((p) => actionMatches(p, action))) return false;
  } else {
    return false;
  }
  const keys = request.keys ?? {};
  if (statement.Resource !== undefined || statement.NotResource !== undefined) {
    const patterns = list(statement.Resource ?? statement.NotResource).map((p) => resolveVariables(p, keys));
    const negated = statement.Resource === undefined;
    let hit: boolean;
    if (request.resource === undefined) {
      // "Some resource": an Allow applies if it names any resource, a Deny only if it covers all.
      const covers = patterns.some(coversEverything);
      hit =
        statement.Effect === 'Allow' ? (negated ? !covers : patterns.length > 0) : negated ? false : covers;
      if (!hit) return false;
    } else {
      const resource = request.resource;
      hit = patterns.some((p) => resourceMatches(p, resource));
      if (negated ? hit : !hit) return false;
    }
  }
  if (statement.Principal !== undefined || statement.NotPrincipal !== undefined) {
    if (request.principal === undefined) return false;
    if (statement.Principal !== undefined && !principalMatches(statement.Principal, request.principal))
      return false;
    if (statement.NotPrincipal !== undefined && principalMatches(statement.NotPrincipal, request.principal)) {
      return false;
    }
  }
  return conditionsHold(statement, keys);
}

/**
 * Evaluates a request against policy documents.
 *
 * @example evaluatePolicies([{ Statement: [{ Effect: 'Allow', Action: 'drs:Describe*', Resource: '*' }] }],
 *   { action: 'drs:DescribeJobs', resource: '*' }) // 'Allow'
 */
export function evaluatePolicies(docs: readonly PolicyDocument[], request: PolicyRequest): PolicyDecision {
  let allowed = false;
  for (const doc of docs) {
    for (const statement of statements(doc)) {
      if (!statementApplies(statement, request)) continue;
      if (statement.Effect === 'Deny') return 'ExplicitDeny';
      if (statement.Effect === 'Allow') allowed = true;
    }
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

/**
 * Whether a role's trust policy lets `caller` perform `action` (normally `sts:AssumeRole`).
 *
 * @example trustAllows(trust, { arn: 'arn:aws:iam::123456789012:root', accountId: '123456789012' })
 */
export function trustAllows(
  trustPolicy: PolicyDocument,
  caller: NonNullable<PolicyRequest['principal']>,
  keys: ConditionKeys = {},
  action = 'sts:AssumeRole',
): boolean {
  return (
    evaluatePolicies([trustPolicy], { action, resource: undefined, keys, principal: caller }) === 'Allow'
  );
}
