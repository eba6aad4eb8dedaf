/**
 * Lambda figures: each handler bundled as CDK would (esbuild, minified, Node 22), its size, and
 * the time a fresh Node process takes to import it (the module part of a cold start).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { bundleHandlers } from '../infra/bundle.js';

const run = promisify(execFile);

/** Files of src/handlers that are shared code, not Lambda entries. */
const NOT_ENTRIES = new Set(['index.ts', 'create-handler.ts']);

/** One handler's figures. */
export interface LambdaMeasurement {
  readonly handler: string;
  readonly bundleBytes: number;
  /** Size with `@aws-sdk/*` left out (the Node 22 Lambda runtime ships SDK v3). */
  readonly bundleBytesSdkExternal: number;
  /** Cold module load of every repetition, milliseconds. */
  readonly loadMs: readonly number[];
}

async function loadOnce(file: string): Promise<number> {
  const code = `const t = performance.now(); const m = await import(${JSON.stringify(file)}); if (typeof m.handler !== 'function') throw new Error('no handler'); console.log(performance.now() - t);`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, AWS_REGION: 'us-east-1', NODE_OPTIONS: '' },
  });
  return Number(stdout.trim().split('\n').pop());
}

/**
 * Bundles every handler exactly as the CDK stacks do (`bundleHandlers` of infra/bundle.ts, the
 * deployed artefact) into a temp dir and measures it; the SDK-external size comes from a second,
 * plain esbuild run with `@aws-sdk/*` left out.
 *
 * @example
 * const rows = await measureLambdas('/repo', 5);
 */
export async function measureLambdas(root: string, loads: number): Promise<LambdaMeasurement[]> {
  const dir = join(root, 'src', 'handlers');
  const entries = (await readdir(dir)).filter((f) => f.endsWith('.ts') && !NOT_ENTRIES.has(f)).sort();
  const out = await mkdtemp(join(tmpdir(), 'drs-bench-lambda-'));
  try {
    const taskIds = entries.map((entry) => entry.replace(/\.ts$/, ''));
    const bundles = bundleHandlers({ taskIds, outDir: join(out, 'deployed'), handlersDir: dir });
    const rows: LambdaMeasurement[] = [];
    for (const bundle of bundles) {
      const external = join(out, `${bundle.taskId}.sdk-external.mjs`);
      await build({
        entryPoints: [join(dir, `${bundle.taskId}.ts`)],
        outfile: external,
        bundle: true,
        minify: true,
        platform: 'node',
        target: 'node22',
        format: 'esm',
        mainFields: ['module', 'main'],
        external: ['@aws-sdk/*'],
        logLevel: 'silent',
      });
      const loadMs: number[] = [];
      for (let i = 0; i < loads; i += 1) loadMs.push(await loadOnce(bundle.file));
      rows.push({
        handler: bundle.taskId,
        bundleBytes: bundle.bytes,
        bundleBytesSdkExternal: (await stat(external)).size,
        loadMs,
      });
    }
    return rows;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
