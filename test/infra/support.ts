/**
 * Shared helpers of the infra tests: build a part of the CDK app once per test file (fixture
 * handlers, no CloudFormation schema validation: fast), and read what the templates say.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type BuildAppOptions, type BuiltApp, buildApp } from '../../infra/app.js';

/** Directory of the stand-in handlers. */
export const FIXTURE_HANDLERS = join(import.meta.dirname, '_fixtures', 'handlers');

/** A built and synthesized part of the app. */
export interface SynthesizedApp extends BuiltApp {
  readonly outdir: string;
  /** The template of a stack (synthesized once). */
  template(stack: Stack): Template;
}

/**
 * Builds the requested stacks with the fixture handlers into a fresh temporary directory.
 *
 * @example const built = synthesize({ stacks: ['iam-roles'] });
 */
export function synthesize(options: BuildAppOptions): SynthesizedApp {
  const outdir = mkdtempSync(join(tmpdir(), 'drs-infra-'));
  const built = buildApp({
    handlersDir: FIXTURE_HANDLERS,
    nag: false,
    cfnValidation: false,
    outdir,
    ...options,
  });
  built.app.synth();
  const cache = new Map<Stack, Template>();
  return {
    ...built,
    outdir,
    template(stack) {
      let t = cache.get(stack);
      if (t === undefined) {
        t = Template.fromStack(stack);
        cache.set(stack, t);
      }
      return t;
    },
  };
}

/** cdk-nag's AwsSolutions findings left unacknowledged in a stack: `rule @ path` lines. */
export function unacknowledgedFindings(app: BuiltApp['app'], stack: Stack): string[] {
  const report = new AwsSolutionsChecks(app).validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`),
  );
}

/** Every acknowledgement (`id` -> `reason`) recorded on the constructs of a stack. */
export function acknowledgements(stack: Stack): { path: string; id: string; reason: unknown }[] {
  const found: { path: string; id: string; reason: unknown }[] = [];
  for (const construct of stack.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (!entry.type.toLowerCase().includes('acknowledged') || typeof entry.data !== 'object' || !entry.data)
        continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        found.push({ path: construct.node.path, id, reason });
      }
    }
  }
  return found;
}

/** One statement of an identity or resource policy found in a template. */
export interface FoundStatement {
  readonly resource: string;
  readonly type: string;
  readonly statement: {
    Effect: string;
    Action?: string | string[];
    Resource?: unknown;
    Principal?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
  };
}

function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Every policy statement of every IAM policy, role, managed policy and resource policy. */
export function policyStatements(template: Template): FoundStatement[] {
  const out: FoundStatement[] = [];
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties?: Record<string, unknown> }
  >;
  const add = (resource: string, type: string, doc: unknown) => {
    const statements = (doc as { Statement?: FoundStatement['statement'] | FoundStatement['statement'][] })
      ?.Statement;
    for (const statement of asList(statements)) out.push({ resource, type, statement });
  };
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      add(id, r.Type, p.PolicyDocument);
    if (r.Type === 'AWS::IAM::Role') {
      for (const inline of asList(p.Policies as { PolicyDocument: unknown }[] | undefined)) {
        add(id, r.Type, inline.PolicyDocument);
      }
    }
    if (r.Type === 'AWS::S3::BucketPolicy' || r.Type === 'AWS::SNS::TopicPolicy')
      add(id, r.Type, p.PolicyDocument);
  }
  return out;
}

/** Actions of a statement as a list. */
export function actionsOf(statement: FoundStatement['statement']): string[] {
  return asList(statement.Action);
}

/** Identity-policy Allow statements whose Resource is literally `*`, with actions that are not read-only. */
export function wildcardWrites(template: Template): string[] {
  const readOnly = /^[a-z0-9-]+:(Describe|List|Get)[A-Za-z]*$/;
  return policyStatements(template)
    .filter((s) => s.type !== 'AWS::S3::BucketPolicy' && s.type !== 'AWS::SNS::TopicPolicy')
    .filter(
      (s) =>
        s.statement.Effect === 'Allow' && asList(s.statement.Resource as string | string[]).includes('*'),
    )
    .flatMap((s) =>
      actionsOf(s.statement)
        .filter((a) => !readOnly.test(a) && !ALLOWED_WILDCARD_WRITES.has(a))
        .map((a) => `${s.resource}: ${a}`),
    );
}

/**
 * Writes AWS offers no resource-level permission for, that CDK itself grants Step Functions for
 * logging and X-Ray; `Resource: "*"` is their only form.
 */
const ALLOWED_WILDCARD_WRITES = new Set([
  'logs:CreateLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:PutResourcePolicy',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
]);

/** Action names that are `*` or `service:*`. */
export function starActions(template: Template): string[] {
  return policyStatements(template)
    .filter((s) => s.statement.Effect === 'Allow')
    .flatMap((s) =>
      actionsOf(s.statement)
        .filter((a) => a === '*' || a.endsWith(':*'))
        .map((a) => `${s.resource}: ${a}`),
    );
}

/** Resources of one CloudFormation type: logical id -> properties. */
export function resourcesOf(template: Template, type: string): Record<string, Record<string, unknown>> {
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties?: Record<string, unknown> }
  >;
  return Object.fromEntries(
    Object.entries(resources)
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => [id, r.Properties ?? {}]),
  );
}

/**
 * The definition a state machine deploys: its `DefinitionS3Location` asset read back from the
 * cloud assembly, with the template's `DefinitionSubstitutions` applied (intrinsics rendered by
 * `render`).
 */
export function deployedDefinition(
  outdir: string,
  stack: Stack,
  properties: Record<string, unknown>,
  render: (value: unknown) => string,
): { raw: string; substituted: unknown } {
  const location = properties.DefinitionS3Location as { Key: unknown };
  const key = typeof location.Key === 'string' ? location.Key : JSON.stringify(location.Key);
  const hash = key.replace(/\.json$/, '');
  const manifest = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  const asset = manifest.files[hash];
  if (asset === undefined) throw new Error(`no asset ${hash} in the assembly of ${stack.artifactId}`);
  const raw = readFileSync(join(outdir, asset.source.path), 'utf8');
  const substitutions = (properties.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
  const text = raw.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) =>
    name in substitutions ? render(substitutions[name]) : whole,
  );
  return { raw, substituted: JSON.parse(text) };
}
