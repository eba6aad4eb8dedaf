/**
 * A model of what the synthesized templates deploy, for the deploy-day checks: every resource of
 * every stack with its intrinsics rendered as the values they take in the account and Region the
 * stack is deployed to (cross-stack imports followed), the roles with all their statements, the
 * keys with their aliases, and a small IAM condition evaluator. Reads templates only; no AWS.
 */
import type { Stack } from 'aws-cdk-lib';
import type { SynthesizedApp } from './support.js';

/** Where a stack is deployed. */
export interface StackEnv {
  readonly accountId: string;
  readonly region: string;
}

/** A resource of a stack. */
export interface WorldResource {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
  readonly deletionPolicy?: string;
  readonly env: StackEnv;
}

/** One IAM statement with its intrinsics rendered. */
export interface RenderedStatement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string[];
  readonly Resource: string[];
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** A role and everything its policies allow (inline, attached `AWS::IAM::Policy`, managed). */
export interface WorldRole {
  readonly stack: string;
  readonly logicalId: string;
  readonly arn: string;
  readonly statements: RenderedStatement[];
}

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Glob match as IAM does (`*`, `?`), case-sensitive. */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/** Everything the stacks of a synthesized app deploy, rendered for their accounts and Regions. */
export class DeployedWorld {
  readonly resources: WorldResource[] = [];
  readonly #templates = new Map<string, { template: Template; env: StackEnv }>();
  readonly #exports = new Map<string, { stack: string; value: unknown }>();

  /**
   * @param envs where each stack (by construct id) is deployed; the environment-agnostic staging
   *   stacks are rendered for one staging account.
   */
  constructor(built: SynthesizedApp, envs: Readonly<Record<string, StackEnv>>) {
    const stacks = [built.iamRoles, built.executor, built.main, built.observability].filter(
      (s): s is NonNullable<typeof s> => s !== undefined,
    ) as Stack[];
    for (const stack of stacks) {
      const env = envs[stack.node.id];
      if (env === undefined) throw new Error(`no environment for stack ${stack.node.id}`);
      const template = built.template(stack).toJSON() as Template;
      this.#templates.set(stack.node.id, { template, env });
      for (const output of Object.values(template.Outputs ?? {})) {
        if (output.Export) {
          this.#exports.set(String(output.Export.Name), { stack: stack.node.id, value: output.Value });
        }
      }
    }
    for (const [stack, { template, env }] of this.#templates) {
      for (const [logicalId, r] of Object.entries(template.Resources)) {
        this.resources.push({
          stack,
          logicalId,
          type: r.Type,
          properties: r.Properties ?? {},
          ...(r.DeletionPolicy === undefined ? {} : { deletionPolicy: r.DeletionPolicy }),
          env,
        });
      }
    }
  }

  /** Resources of one type. */
  ofType(type: string): WorldResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The resource a stack names by logical id. */
  resource(stack: string, logicalId: string): WorldResource {
    const found = this.resources.find((r) => r.stack === stack && r.logicalId === logicalId);
    if (!found) throw new Error(`no resource ${logicalId} in ${stack}`);
    return found;
  }

  /** The ARN (or identifier) a resource's `Ref`/`GetAtt Arn` stands for once deployed. */
  arnOf(r: WorldResource): string {
    const { accountId, region } = r.env;
    const p = r.properties;
    switch (r.type) {
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${region}:${accountId}:stateMachine:${String(p.StateMachineName ?? r.logicalId)}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${region}:${accountId}:key/${r.stack}-${r.logicalId}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${accountId}:${String(p.TopicName ?? r.logicalId)}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${accountId}:role/${String(p.RoleName ?? `${r.stack}-${r.logicalId}`)}`;
      case 'AWS::IAM::ManagedPolicy':
        return `arn:aws:iam::${accountId}:policy/${String(p.ManagedPolicyName ?? r.logicalId)}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${accountId}:function:${String(p.FunctionName ?? r.logicalId)}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${String(p.BucketName ?? `${r.stack}-${r.logicalId}`.toLowerCase())}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${accountId}:log-group:${String(p.LogGroupName ?? r.logicalId)}:*`;
      default:
        return `${r.stack}/${r.logicalId}`;
    }
  }

  /** What `Ref` of a resource returns (names for buckets, topics' ARNs, ...). */
  #refOf(r: WorldResource): string {
    if (r.type === 'AWS::S3::Bucket') return this.arnOf(r).slice('arn:aws:s3:::'.length);
    if (r.type === 'AWS::IAM::Role') return String(r.properties.RoleName ?? `${r.stack}-${r.logicalId}`);
    if (r.type === 'AWS::Lambda::Function' || r.type === 'AWS::Logs::LogGroup') {
      return String(r.properties.FunctionName ?? r.properties.LogGroupName ?? r.logicalId);
    }
    return this.arnOf(r);
  }

  /** Renders a template value (intrinsics included) as a string in the stack's environment. */
  render(stack: string, value: unknown): string {
    const entry = this.#templates.get(stack);
    if (!entry) throw new Error(`unknown stack ${stack}`);
    const { env } = entry;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value !== 'object' || value === null) return '';
    const v = value as Record<string, unknown>;
    if ('Ref' in v) {
      const ref = String(v.Ref);
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return env.region;
      if (ref === 'AWS::AccountId') return env.accountId;
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      if (ref === 'AWS::StackName') return stack;
      return this.#refOf(this.resource(stack, ref));
    }
    if ('Fn::GetAtt' in v) {
      const [id, attr] = v['Fn::GetAtt'] as [string, string];
      const r = this.resource(stack, id);
      if (attr === 'Arn') return this.arnOf(r);
      return `${this.arnOf(r)}#${attr}`;
    }
    if ('Fn::Join' in v) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => this.render(stack, p)).join(sep);
    }
    if ('Fn::ImportValue' in v) {
      const name = this.render(stack, v['Fn::ImportValue']);
      const exported = this.#exports.get(name);
      if (!exported) throw new Error(`stack ${stack} imports ${name}, which no stack exports`);
      return this.render(exported.stack, exported.value);
    }
    if ('Fn::Sub' in v) {
      const text = String(asList(v['Fn::Sub'] as string | string[])[0]);
      return text.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
        this.render(stack, name.includes('.') ? { 'Fn::GetAtt': name.split('.') } : { Ref: name }),
      );
    }
    if ('Fn::Select' in v) {
      const [index, list] = v['Fn::Select'] as [number, unknown];
      return this.render(stack, asList(list as unknown[])[index]);
    }
    throw new Error(`cannot render ${JSON.stringify(value)} in ${stack}`);
  }

  /** A policy document's statements, rendered. */
  statementsOf(stack: string, document: unknown): RenderedStatement[] {
    const statements = asList((document as { Statement?: unknown })?.Statement as unknown[]);
    return statements.map((raw) => {
      const s = raw as Record<string, unknown>;
      const condition: Record<string, Record<string, string | string[]>> = {};
      for (const [op, entries] of Object.entries((s.Condition ?? {}) as Record<string, unknown>)) {
        condition[op] = {};
        for (const [key, val] of Object.entries(entries as Record<string, unknown>)) {
          (condition[op] as Record<string, string | string[]>)[key] = Array.isArray(val)
            ? val.map((x) => this.render(stack, x))
            : this.render(stack, val);
        }
      }
      return {
        ...(typeof s.Sid === 'string' ? { Sid: s.Sid } : {}),
        Effect: String(s.Effect),
        Action: asList(s.Action as string | string[]),
        Resource: asList(s.Resource as unknown).map((x) => this.render(stack, x)),
        ...(s.Principal === undefined ? {} : { Principal: this.#renderPrincipal(stack, s.Principal) }),
        ...(s.Condition === undefined ? {} : { Condition: condition }),
      };
    });
  }

  #renderPrincipal(stack: string, principal: unknown): unknown {
    if (typeof principal !== 'object' || principal === null) return principal;
    return Object.fromEntries(
      Object.entries(principal as Record<string, unknown>).map(([k, v]) => [
        k,
        Array.isArray(v) ? v.map((x) => this.render(stack, x)) : this.render(stack, v),
      ]),
    );
  }

  /** Every role with the statements of all its policies. */
  roles(): WorldRole[] {
    return this.ofType('AWS::IAM::Role').map((role) => {
      const statements: RenderedStatement[] = [];
      for (const inline of asList(role.properties.Policies as { PolicyDocument: unknown }[])) {
        statements.push(...this.statementsOf(role.stack, inline.PolicyDocument));
      }
      for (const policy of this.ofType('AWS::IAM::Policy').filter((p) => p.stack === role.stack)) {
        const attached = asList(policy.properties.Roles as unknown[]).some(
          (r) => (r as { Ref?: string }).Ref === role.logicalId,
        );
        if (attached) statements.push(...this.statementsOf(policy.stack, policy.properties.PolicyDocument));
      }
      for (const managed of asList(role.properties.ManagedPolicyArns as unknown[])) {
        const arn = this.render(role.stack, managed);
        const policy = this.ofType('AWS::IAM::ManagedPolicy').find(
          (p) => p.stack === role.stack && this.arnOf(p) === arn,
        );
        if (policy) statements.push(...this.statementsOf(policy.stack, policy.properties.PolicyDocument));
      }
      return { stack: role.stack, logicalId: role.logicalId, arn: this.arnOf(role), statements };
    });
  }

  /** The aliases of a key (by the key's ARN). */
  aliasesOf(keyArn: string): string[] {
    return this.ofType('AWS::KMS::Alias')
      .filter((a) => this.render(a.stack, a.properties.TargetKeyId) === keyArn)
      .map((a) => String(a.properties.AliasName));
  }
}

/** Request context of an evaluated action: condition keys and their values. */
export type RequestContext = Readonly<Record<string, string | readonly string[]>>;

/**
 * Whether a statement's conditions hold for a request (operators we use: String/Arn Equals/Like,
 * their `ForAnyValue:` forms, Bool). A condition on a key the request does not carry fails, as
 * in IAM.
 */
export function conditionsHold(statement: RenderedStatement, context: RequestContext): boolean {
  for (const [rawOp, entries] of Object.entries(statement.Condition ?? {})) {
    const anyValue = rawOp.startsWith('ForAnyValue:');
    const op = rawOp.replace(/^ForAnyValue:/, '');
    for (const [key, expected] of Object.entries(entries)) {
      const actual = context[key];
      if (actual === undefined) return false;
      const values = asList(actual as string | string[]);
      const wanted = asList(expected);
      const like = op === 'StringLike' || op === 'ArnLike';
      if (!['StringEquals', 'StringLike', 'ArnEquals', 'ArnLike', 'Bool'].includes(op)) return false;
      const matches = (value: string) => wanted.some((w) => (like ? globMatch(w, value) : w === value));
      const ok = anyValue ? values.some(matches) : values.length > 0 && values.every(matches);
      if (!ok) return false;
    }
  }
  return true;
}

/** Whether a role's statements allow an action on a resource in a request context (no Deny modelled). */
export function allows(
  role: WorldRole,
  action: string,
  resource: string,
  context: RequestContext = {},
): boolean {
  return role.statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      s.Action.some((a) => globMatch(a.toLowerCase(), action.toLowerCase())) &&
      s.Resource.some((r) => globMatch(r, resource)) &&
      conditionsHold(s, context),
  );
}

/**
 * IAM's size of a policy document: characters of its JSON without whitespace. Intrinsics are
 * rendered first, so an ARN counts with its deployed length.
 */
export function policySize(world: DeployedWorld, stack: string, document: unknown): number {
  const rendered = {
    Version: (document as { Version?: string }).Version,
    Statement: world.statementsOf(stack, document),
  };
  return JSON.stringify(rendered).replace(/\s+/g, '').length;
}
