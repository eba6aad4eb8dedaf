/**
 * `npm run synth`: synthesizes the CDK app (cdk-nag and CloudFormation validation included) and
 * writes the four CloudFormation templates of design 13.1 to `templates/<stack>.yaml`.
 * Needs no AWS credentials: every value comes from `config/`.
 *
 * Usage: `tsx infra/synth.ts [--out <dir>]`
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { type BuildAppOptions, buildApp, STACK_IDS, type StackId } from './app.js';
import { REPO_ROOT } from './config.js';

/** One written template. */
export interface WrittenTemplate {
  readonly stack: StackId;
  readonly path: string;
  readonly bytes: number;
}

/**
 * Renders a CloudFormation template as YAML: plain block style, no anchors, no folded lines.
 *
 * @example templateToYaml({ Resources: {} }) // 'Resources: {}\n'
 */
export function templateToYaml(template: unknown): string {
  return stringify(template, { aliasDuplicateObjects: false, lineWidth: 0, minContentWidth: 0 });
}

/**
 * Synthesizes every stack and writes `<outDir>/<stack>.yaml`.
 *
 * @param outDir @default `<repo>/templates`
 */
export function synthTemplates(
  outDir = join(REPO_ROOT, 'templates'),
  options: BuildAppOptions = {},
): WrittenTemplate[] {
  const { app } = buildApp(options);
  const assembly = app.synth();
  mkdirSync(outDir, { recursive: true });
  return STACK_IDS.map((id) => {
    const artifact = assembly.getStackByName(`drs-orchestration-${id}`);
    const template: unknown = JSON.parse(
      readFileSync(join(assembly.directory, artifact.templateFile), 'utf8'),
    );
    const path = join(outDir, `${id}.yaml`);
    const text = templateToYaml(template);
    writeFileSync(path, text);
    return { stack: id, path, bytes: Buffer.byteLength(text) };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outFlag = process.argv.indexOf('--out');
  const outDir =
    outFlag > 0 && process.argv[outFlag + 1] ? resolve(process.argv[outFlag + 1] as string) : undefined;
  try {
    for (const t of synthTemplates(outDir)) {
      console.log(`wrote ${relative(process.cwd(), t.path)} (${t.bytes} bytes)`);
    }
  } catch (err) {
    console.error(`synth failed: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
