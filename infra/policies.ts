/**
 * Reads IAM roles out of a synthesized CloudFormation template (YAML or JSON) as plain policy JSON,
 * with the pseudo parameters resolved for one account. This is how the emulator and the tests get
 * the staging role's policy: from the template that is deployed, not from a copy of it.
 *
 * Plain module: importing it never loads `aws-cdk-lib`.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { STAGING_ROLE_NAME } from './names.js';

/** Values of the pseudo parameters a template refers to. */
export interface TemplateEnvironment {
  /** Account the stack is deployed in (`AWS::AccountId`). */
  readonly accountId: string;
  /** Region the stack is deployed in (`AWS::Region`). */
  readonly region: string;
  /** @default 'aws' */
  readonly partition?: string;
}

/** An IAM policy document as plain JSON. */
export interface PolicyDocumentJson {
  readonly Version?: string;
  readonly Statement: readonly Record<string, unknown>[];
}

/** A role found in a template. */
export interface TemplateRole {
  /** `RoleName` property. */
  readonly roleName: string;
  /** `arn:<partition>:iam::<account>:role/<path><name>`. */
  readonly roleArn: string;
  /** `AssumeRolePolicyDocument`. */
  readonly trustPolicy: PolicyDocumentJson;
  /** Identity policies by name: the attached managed policies of the template, then inline ones. */
  readonly policies: Readonly<Record<string, PolicyDocumentJson>>;
}

/** A template construct this loader cannot resolve. */
export class TemplateResolutionError extends Error {
  override readonly name = 'TemplateResolutionError';
}

type Json = unknown;

function resolve(value: Json, env: Required<TemplateEnvironment>, where: string): Json {
  if (Array.isArray(value)) return value.map((v, i) => resolve(v, env, `${where}/${i}`));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, Json>);
  const pseudo: Record<string, string> = {
    'AWS::Partition': env.partition,
    'AWS::AccountId': env.accountId,
    'AWS::Region': env.region,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  if (entries.length === 1) {
    const [fn, arg] = entries[0] as [string, Json];
    if (fn === 'Ref') {
      const known = typeof arg === 'string' ? pseudo[arg] : undefined;
      if (known === undefined) {
        throw new TemplateResolutionError(
          `cannot resolve ${JSON.stringify(value)} at ${where}: only pseudo parameters`,
        );
      }
      return known;
    }
    if (fn === 'Fn::Join') {
      const [sep, parts] = arg as [string, Json[]];
      return parts.map((p, i) => String(resolve(p, env, `${where}/Fn::Join/${i}`))).join(sep);
    }
    if (fn === 'Fn::Sub' && typeof arg === 'string') {
      return arg.replace(/\$\{([^}!]+)\}/g, (whole, name: string) => {
        const known = pseudo[name];
        if (known === undefined)
          throw new TemplateResolutionError(`cannot resolve ${whole} in Fn::Sub at ${where}`);
        return known;
      });
    }
    if (fn.startsWith('Fn::')) {
      throw new TemplateResolutionError(
        `cannot resolve ${fn} at ${where}: only Ref, Fn::Join and Fn::Sub of pseudo parameters`,
      );
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v, env, `${where}/${k}`)]));
}

/**
 * Reads a CloudFormation template file (YAML or JSON).
 *
 * @example readTemplate('templates/iam-roles.yaml').Resources
 */
export function readTemplate(templatePath: string): {
  Resources: Record<string, { Type: string; Properties?: Json }>;
} {
  const parsed = parse(readFileSync(templatePath, 'utf8')) as unknown;
  if (parsed === null || typeof parsed !== 'object' || !('Resources' in parsed)) {
    throw new TemplateResolutionError(
      `${templatePath} is not a cloudformation template: it has no Resources`,
    );
  }
  return parsed as { Resources: Record<string, { Type: string; Properties?: Json }> };
}

/**
 * Every `AWS::IAM::Role` of a template, resolved for one account.
 *
 * @throws {TemplateResolutionError} when a role's properties use an intrinsic other than pseudo
 *   parameters, `Fn::Join` or `Fn::Sub` (the iam-roles stack uses none).
 */
export function loadTemplateRoles(templatePath: string, env: TemplateEnvironment): TemplateRole[] {
  const full: Required<TemplateEnvironment> = { partition: 'aws', ...env };
  const resources = readTemplate(templatePath).Resources;
  const managed = new Map<string, { name: string; document: PolicyDocumentJson }>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const props = resolve(resource.Properties ?? {}, full, `Resources/${logicalId}/Properties`) as {
      ManagedPolicyName?: string;
      PolicyDocument: PolicyDocumentJson;
    };
    managed.set(logicalId, { name: props.ManagedPolicyName ?? logicalId, document: props.PolicyDocument });
  }
  const roles: TemplateRole[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const where = `Resources/${logicalId}/Properties`;
    const { ManagedPolicyArns: attached = [], ...rest } = (resource.Properties ?? {}) as {
      ManagedPolicyArns?: Json[];
    };
    const props = resolve(rest, full, where) as {
      RoleName?: string;
      Path?: string;
      AssumeRolePolicyDocument: PolicyDocumentJson;
      Policies?: { PolicyName: string; PolicyDocument: PolicyDocumentJson }[];
    };
    if (props.RoleName === undefined) continue;
    const policies: Record<string, PolicyDocumentJson> = {};
    for (const ref of attached) {
      const target = typeof ref === 'object' && ref !== null ? (ref as { Ref?: unknown }).Ref : undefined;
      const policy = typeof target === 'string' ? managed.get(target) : undefined;
      if (policy === undefined) {
        throw new TemplateResolutionError(
          `cannot resolve managed policy ${JSON.stringify(ref)} of ${where}: only policies defined in the same template`,
        );
      }
      policies[policy.name] = policy.document;
    }
    for (const inline of props.Policies ?? []) policies[inline.PolicyName] = inline.PolicyDocument;
    roles.push({
      roleName: props.RoleName,
      roleArn: `arn:${full.partition}:iam::${full.accountId}:role${props.Path ?? '/'}${props.RoleName}`,
      trustPolicy: props.AssumeRolePolicyDocument,
      policies,
    });
  }
  return roles;
}

/**
 * The staging role (`DRS-Orchestration-Role`) from a synthesized `iam-roles` template: its trust
 * policy and its identity policies (Allow and Deny), ready for an IAM evaluator.
 *
 * @param templatePath e.g. `templates/iam-roles.yaml`
 * @param env the staging account the role is evaluated in
 * @throws {TemplateResolutionError} when the template has no such role.
 * @example
 * const role = loadStagingRolePolicy('templates/iam-roles.yaml', { accountId: '111111111111', region: 'us-east-2' });
 * emulatorFleet.roles[role.roleArn] = { trustPolicy: role.trustPolicy, policies: role.policyDocuments };
 */
export function loadStagingRolePolicy(
  templatePath: string,
  env: TemplateEnvironment,
): TemplateRole & { readonly policyDocuments: readonly PolicyDocumentJson[] } {
  const role = loadTemplateRoles(templatePath, env).find((r) => r.roleName === STAGING_ROLE_NAME);
  if (role === undefined) {
    throw new TemplateResolutionError(`${templatePath} has no role named ${STAGING_ROLE_NAME}`);
  }
  return { ...role, policyDocuments: Object.values(role.policies) };
}
