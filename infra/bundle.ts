/**
 * Bundles the Lambda handlers (`src/handlers/<task-id>.ts`) with esbuild, locally: one minified
 * ESM file per function for Node 22 on arm64. Tree shaking keeps only the AWS SDK clients a
 * handler imports. No Docker: CDK only receives the finished directories (`Code.fromAsset`).
 *
 * Plain module: importing it never loads `aws-cdk-lib`.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';
import { REPO_ROOT } from './config.js';

/** Build-time failure of the infrastructure (never raised at run time). */
export class BundlingError extends Error {
  override readonly name = 'BundlingError';
}

/** What {@link bundleHandlers} needs. */
export interface BundleOptions {
  /** Task ids to bundle, e.g. `['validate', 'discover']`. */
  readonly taskIds: readonly string[];
  /** Directory that receives `<task-id>/index.mjs`. */
  readonly outDir: string;
  /** Directory holding `<task-id>.ts`. @default `<repo>/src/handlers` */
  readonly handlersDir?: string;
  /** Minify the output. @default true */
  readonly minify?: boolean;
}

/** One bundled function. */
export interface HandlerBundle {
  readonly taskId: string;
  /** Directory to hand to `lambda.Code.fromAsset` (contains only `index.mjs`). */
  readonly dir: string;
  /** The bundle file. */
  readonly file: string;
  /** Size of the bundle in bytes. */
  readonly bytes: number;
  /** Lambda handler string. */
  readonly handler: 'index.handler';
}

/** Lambda runs ESM bundles; bundled CommonJS dependencies still call `require` for Node built-ins. */
const REQUIRE_SHIM =
  "import{createRequire as __drsCreateRequire}from'node:module';const require=__drsCreateRequire(import.meta.url);";

/**
 * Bundles every requested handler in one esbuild run.
 *
 * @throws {BundlingError} when a handler file is missing (naming the file and who writes it) or
 *   esbuild reports an error.
 * @example bundleHandlers({ taskIds: ['validate'], outDir: '/tmp/bundles' })[0].file // '/tmp/bundles/validate/index.mjs'
 */
export function bundleHandlers(options: BundleOptions): HandlerBundle[] {
  const handlersDir = options.handlersDir ?? join(REPO_ROOT, 'src', 'handlers');
  const entryPoints: Record<string, string> = {};
  const missing: string[] = [];
  for (const taskId of options.taskIds) {
    const entry = join(handlersDir, `${taskId}.ts`);
    if (!existsSync(entry)) missing.push(relative(REPO_ROOT, entry));
    entryPoints[`${taskId}/index`] = entry;
  }
  if (missing.length > 0) {
    throw new BundlingError(
      `cannot bundle the lambda functions: missing handler file(s) ${missing.join(', ')}; ` +
        'expected src/handlers/<task-id>.ts exporting `handler` for every task of docs/design/data-flow.md',
    );
  }
  mkdirSync(options.outDir, { recursive: true });
  try {
    buildSync({
      entryPoints,
      outdir: options.outDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      mainFields: ['module', 'main'],
      minify: options.minify ?? true,
      legalComments: 'none',
      sourcemap: false,
      banner: { js: REQUIRE_SHIM },
      tsconfig: join(REPO_ROOT, 'tsconfig.json'),
      logLevel: 'silent',
    });
  } catch (err) {
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number } | null }[] })
      .errors;
    const detail = errors?.length
      ? errors
          .map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text))
          .join('; ')
      : (err as Error).message;
    throw new BundlingError(`cannot bundle the lambda functions: esbuild failed: ${detail}`, { cause: err });
  }
  return options.taskIds.map((taskId) => {
    const dir = join(options.outDir, taskId);
    const file = join(dir, 'index.mjs');
    return { taskId, dir, file, bytes: statSync(file).size, handler: 'index.handler' };
  });
}
