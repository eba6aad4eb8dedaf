/**
 * Issue 21 point 2: the staging-account side as service-managed StackSet templates. Each must
 * deploy into an account that was never CDK-bootstrapped: no BootstrapVersion parameter, no
 * CheckBootstrapVersion rule, no CDK asset (Lambda code from the regional artifact bucket, state
 * machine definitions inline). cfn-lint checks every template the project ships.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildStackSets, STACKSET_TEMPLATES } from '../../infra/stacksets.js';
import { templateToYaml } from '../../infra/synth.js';
import { FIXTURE_HANDLERS, synthesize, unacknowledgedFindings } from './support.js';

const built = buildStackSets({
  outdir: mkdtempSync(join(tmpdir(), 'drs-stacksets-')),
  handlersDir: FIXTURE_HANDLERS,
  nag: false,
});
built.app.synth();
const templates = Object.fromEntries(
  STACKSET_TEMPLATES.map((name) => [name, Template.fromStack(built.stacks[name]).toJSON()]),
) as Record<(typeof STACKSET_TEMPLATES)[number], Record<string, unknown>>;

/** The single file of a zip written by infra/zip.ts, inflated. */
function unzipOne(zip: Buffer): { name: string; data: Buffer } {
  expect(zip.readUInt32LE(0)).toBe(0x04034b50);
  const size = zip.readUInt32LE(18);
  const nameLength = zip.readUInt16LE(26);
  const name = zip.subarray(30, 30 + nameLength).toString('utf8');
  return { name, data: inflateRawSync(zip.subarray(30 + nameLength, 30 + nameLength + size)) };
}

describe('StackSets: bootstrap-free staging-account templates', () => {
  it.each(STACKSET_TEMPLATES)('%s has no bootstrap parameter, rule or CDK asset', (name) => {
    const template = templates[name];
    expect(Object.keys((template.Parameters ?? {}) as object)).not.toContain('BootstrapVersion');
    expect(Object.keys((template.Rules ?? {}) as object)).not.toContain('CheckBootstrapVersion');
    const text = JSON.stringify(template);
    for (const bootstrapOnly of [
      'cdk-hnb659fds',
      'AssetParameters',
      'DefinitionS3Location',
      'ssm:GetParameter',
    ])
      expect(text, bootstrapOnly).not.toContain(bootstrapOnly);
  });

  it('reads every executor Lambda from the Region’s artifact bucket, as the zips written next to the templates', () => {
    const functions = Object.values(
      templates['staging-account-executor'].Resources as Record<
        string,
        { Type: string; Properties: { Code: { S3Bucket: unknown; S3Key: string } } }
      >,
    ).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(9);
    const zips = new Map(built.artifacts.map((a) => [a.key, a.zip]));
    for (const fn of functions) {
      expect(JSON.stringify(fn.Properties.Code.S3Bucket)).toBe(
        JSON.stringify({
          'Fn::Join': ['', ['drs-orchestration-artifacts-123456789012-', { Ref: 'AWS::Region' }]],
        }),
      );
      const zip = zips.get(fn.Properties.Code.S3Key);
      expect(zip, fn.Properties.Code.S3Key).toBeDefined();
      const file = unzipOne(zip as Buffer);
      expect(file.name).toBe('index.mjs');
      expect(file.data.toString('utf8')).toContain('handler');
    }
    const machine = Object.values(
      templates['staging-account-executor'].Resources as Record<
        string,
        { Type: string; Properties: Record<string, unknown> }
      >,
    ).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    expect(machine?.Properties.DefinitionString).toBeDefined();
  });

  it('lets only the accounts of the DR OU read the Lambda code', () => {
    const policies = Object.values(
      templates.artifacts.Resources as Record<
        string,
        { Type: string; Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }
      >,
    ).filter((r) => r.Type === 'AWS::S3::BucketPolicy');
    const allows = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]?.Condition).toEqual({
      StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorgid' },
      'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-exampleorgid/r-exam/ou-exam-11111111/*'] },
    });
  });

  it.each(STACKSET_TEMPLATES)('%s has no unacknowledged cdk-nag AwsSolutions finding', (name) => {
    expect(unacknowledgedFindings(built.app, built.stacks[name])).toEqual([]);
  });
});

const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
if (!cfnLint)
  console.warn('notice: cfn-lint is not installed here; the cfn-lint check of every template is skipped');

describe('cfn-lint', () => {
  it.runIf(cfnLint)('passes on every template: the four stacks and the three StackSet templates', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drs-cfn-lint-'));
    const app = synthesize({});
    const files: string[] = [];
    for (const stack of [app.iamRoles, app.executor, app.main, app.observability]) {
      const file = join(dir, `${stack?.stackName}.yaml`);
      writeFileSync(file, templateToYaml(app.template(stack as NonNullable<typeof stack>).toJSON()));
      files.push(file);
    }
    for (const name of STACKSET_TEMPLATES) {
      const file = join(dir, `stackset-${name}.yaml`);
      writeFileSync(file, templateToYaml(templates[name]));
      files.push(file);
    }
    // W3005: CDK adds DependsOn on a role's default policy that a GetAtt already implies: redundant, harmless.
    const out = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', ...files], { encoding: 'utf8' });
    expect(`${out.stdout}${out.stderr}`.trim()).toBe('');
    expect(out.status).toBe(0);
    expect(files).toHaveLength(7);
    expect(readFileSync(files[0] as string, 'utf8').length).toBeGreaterThan(1000);
  });
});
