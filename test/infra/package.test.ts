/**
 * Issue 21 point 1: the construct library is published. The package exports it as
 * `drs-orchestration/infra` (built output in `dist/`), `npm pack` includes it with what it needs to
 * synthesize (ASL files, handler sources, tsconfig), aws-cdk-lib and constructs are peer
 * dependencies, and the built entry point imports and builds an app.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/config.js';
import { FIXTURE_HANDLERS } from './support.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
const BUILT_ENTRY = join(REPO_ROOT, 'dist', 'infra', 'lib', 'index.js');

describe('Package: the construct library is published as drs-orchestration/infra', () => {
  it('exports ./infra from the built output, with aws-cdk-lib and constructs as peer dependencies', () => {
    expect(pkg.exports['./infra']).toEqual({
      types: './dist/infra/lib/index.d.ts',
      default: './dist/infra/lib/index.js',
    });
    expect(Object.keys(pkg.peerDependencies ?? {})).toEqual(
      expect.arrayContaining(['aws-cdk-lib', 'constructs']),
    );
    // The CLI alone needs neither: they stay optional for its users.
    expect(pkg.peerDependenciesMeta['aws-cdk-lib']).toEqual({ optional: true });
    expect(pkg.devDependencies['aws-cdk-lib']).toBeDefined();
  });

  it('packs the construct entry point and what synthesizing needs (npm pack --dry-run)', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const files = new Set<string>(
      (JSON.parse(out) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [],
    );
    for (const needed of [
      'dist/infra/lib/index.js',
      'dist/infra/lib/index.d.ts',
      'dist/infra/lib/drs-orchestrator.js',
      'dist/infra/lib/drs-staging-account.js',
      'dist/infra/stacks/main-orchestrator-stack.js',
      'statemachines/main-orchestrator.asl.json',
      'statemachines/staging-account-executor.asl.json',
      'src/handlers/discover.ts',
      'tsconfig.json',
    ]) {
      expect(files.has(needed), needed).toBe(true);
    }
    expect([...files].filter((f) => f.startsWith('test/') || f.startsWith('node_modules/'))).toEqual([]);
  });

  it('imports the built entry point and builds both constructs from it', async () => {
    expect(existsSync(BUILT_ENTRY), `${BUILT_ENTRY} (npm run build)`).toBe(true);
    const lib = (await import(pathToFileURL(BUILT_ENTRY).href)) as typeof import('../../infra/lib/index.js');
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), 'drs-pkg-')),
      context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true },
    });
    const common = {
      orchestratorAccountId: '210987654321',
      orchestratorRegion: 'eu-central-1',
      organizationId: 'o-acmeorg0001',
      stackNamePrefix: 'pkg',
      handlersDir: FIXTURE_HANDLERS,
    };
    const orchestrator = new lib.DrsOrchestrator(app, 'Orchestrator', common);
    const staging = new lib.DrsStagingAccount(app, 'Staging', { ...common, stacks: ['iam-roles'] });
    const assembly = app.synth();
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual([
      'pkg-iam-roles',
      'pkg-main-orchestrator',
      'pkg-observability',
    ]);
    expect(orchestrator.main.stackName).toBe('pkg-main-orchestrator');
    expect(staging.regions).toHaveLength(1);
  });
});
