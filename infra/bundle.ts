/**
 * Bundles the Lambda handlers (`src/handlers/<task-id>.ts`) with esbuild, locally: one minified
 * ESM file per function for Node 22 on arm64. Each handler imports only its task and the AWS
 * service modules that task calls, so each bundle holds only those SDK clients. No Docker: CDK
 * only receives the finished directories (`Code.fromAsset`).
 *
 * Plain module: importing it never loads `aws-cdk-lib`.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { BuildOptions, Metafile } from 'esbuild';
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
  /** Source files in the bundle (paths relative to the repository root, as esbuild names them). */
  readonly inputs: readonly string[];
  /** The metafile of the whole esbuild run (every bundle's import graph). */
  readonly metafile: Metafile;
}

/** Lambda runs ESM bundles; bundled CommonJS dependencies still call `require` for Node built-ins. */
const REQUIRE_SHIM =
  "import{createRequire as __drsCreateRequire}from'node:module';const require=__drsCreateRequire(import.meta.url);";

/**
 * Runs in a worker (esbuild plugins need its async API; CDK calls us synchronously).
 *
 * The plugin folds duplicate copies of one package version into one: the install tree holds the
 * same `@smithy/core` or `@aws-sdk/core` version nested under each newer SDK client (an older
 * client pins older versions at the top level), and without this every client would bring its
 * own copy. Only identical name@version pairs are merged, which is what `npm dedupe` would do.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
// Whatever happens, the waiting thread gets an answer: it blocks in Atomics.wait and cannot see
// this worker die (a missing esbuild used to hang the build instead of failing it).
function answer(message) {
  workerData.port.postMessage(message);
  Atomics.store(workerData.flag, 0, 1);
  Atomics.notify(workerData.flag, 0);
}
try {
const fs = require('node:fs');
const path = require('node:path');
const { build } = require(workerData.esbuild);
const NM = path.sep + 'node_modules' + path.sep;
const versions = new Map();
function versionOf(root) {
  if (!versions.has(root)) {
    let v;
    try { v = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version; } catch {}
    versions.set(root, v);
  }
  return versions.get(root);
}
function packageOf(file) {
  const i = file.lastIndexOf(NM);
  if (i < 0) return undefined;
  const parts = file.slice(i + NM.length).split(path.sep);
  const n = parts[0].startsWith('@') ? 2 : 1;
  if (parts.length <= n) return undefined;
  return { root: file.slice(0, i + NM.length) + parts.slice(0, n).join(path.sep), name: parts.slice(0, n).join('/') };
}
const top = path.join(workerData.root, 'node_modules');
let nested;
function nestedDirs() {
  if (nested) return nested;
  nested = [top];
  const add = (dir) => { const nm = path.join(dir, 'node_modules'); if (fs.existsSync(nm)) nested.push(nm); };
  for (const entry of fs.readdirSync(top)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) for (const sub of fs.readdirSync(path.join(top, entry))) add(path.join(top, entry, sub));
    else add(path.join(top, entry));
  }
  return nested;
}
const canonical = new Map();
function canonicalRoot(name, root) {
  const version = versionOf(root);
  if (!version) return root;
  const key = name + '@' + version;
  if (!canonical.has(key)) {
    const same = nestedDirs().map((d) => path.join(d, ...name.split('/'))).filter((r) => versionOf(r) === version);
    same.sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
    canonical.set(key, same[0] ?? root);
  }
  return canonical.get(key);
}
const dedupe = {
  name: 'dedupe-package-versions',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData && args.pluginData.dedupe) return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { dedupe: true } });
      if (r.errors.length || r.external || r.namespace !== 'file') return undefined;
      const pkg = packageOf(r.path);
      if (!pkg) return undefined;
      const target = canonicalRoot(pkg.name, pkg.root);
      return { path: target + r.path.slice(pkg.root.length), sideEffects: r.sideEffects };
    });
  },
};
// Each src/aws/services/sdk/<service>.ts re-exports the client and commands it uses from the
// client package's index. That module is loaded with import(), and esbuild keeps the whole import
// graph under a dynamically imported module: through the index every command, the aggregated
// client and every operation schema (client-ssm alone: ~130 KB in a bundle that sends two
// commands). Here each name comes from its own file of the package's ES build instead (the same
// class the index re-exports, so behaviour is unchanged; a name with no such file fails the build).
const SDK_REEXPORT = /export\\s*\\{([^}]*)\\}\\s*from\\s*'(@aws-sdk\\/client-[a-z0-9-]+)';/g;
const exactSdkFiles = {
  name: 'exact-sdk-files',
  setup(b) {
    b.onLoad({ filter: /\\.ts$/ }, (args) => {
      if (path.dirname(args.path) !== workerData.sdkDir) return undefined;
      const source = fs.readFileSync(args.path, 'utf8');
      let names = 0;
      const contents = source.replace(SDK_REEXPORT, (_, list, pkg) =>
        list.split(',').map((n) => n.trim()).filter(Boolean).map((entry) => {
          names += 1;
          // \`DrsClient as Client\`: the file is the exported class's own.
          const name = entry.split(/\\s+as\\s+/)[0];
          const file = name.endsWith('Command') ? 'commands/' + name : name;
          return 'export { ' + entry + " } from '" + pkg + '/dist-es/' + file + ".js';";
        }).join('\\n'));
      if (names === 0) {
        return { errors: [{ text: args.path + ": expected export { ... } from '@aws-sdk/client-...'" }] };
      }
      return { contents, loader: 'ts' };
    });
  },
};
build({ ...workerData.options, plugins: [dedupe, exactSdkFiles] }).then(
  (result) => answer({ metafile: result.metafile }),
  (err) => answer({ errors: err.errors, message: String(err && err.message) }),
);
} catch (err) {
  answer({ message: 'the bundling worker failed before building: ' + String(err && err.message) });
}
`;

/** What the bundling worker answers: the metafile, or why the build failed. */
export interface WorkerAnswer {
  metafile?: Metafile;
  errors?: { text: string; location?: { file: string; line: number } | null }[];
  message?: string;
}

/**
 * Runs an esbuild build (with the dedupe plugin) in a worker and waits for it synchronously.
 *
 * @param esbuildPath the esbuild module the worker loads (a test points it at a missing one)
 * @param workerTimeoutMs how long to wait for the worker's answer
 */
export function buildInWorker(
  options: BuildOptions,
  esbuildPath: string = createRequire(import.meta.url).resolve('esbuild'),
  workerTimeoutMs = 600_000,
): WorkerAnswer {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      esbuild: esbuildPath,
      root: REPO_ROOT,
      sdkDir: join(REPO_ROOT, 'src', 'aws', 'services', 'sdk'),
      options,
      flag,
      port: port2,
    },
    transferList: [port2],
  });
  try {
    // Bounded: a worker that dies without answering (it cannot be observed from a blocked thread)
    // fails the build after the timeout instead of hanging it.
    if (Atomics.wait(flag, 0, 0, workerTimeoutMs) === 'timed-out') {
      return { message: `the bundling worker gave no answer within ${workerTimeoutMs / 1000} s` };
    }
    const answer = receiveMessageOnPort(port1)?.message as WorkerAnswer | undefined;
    return answer ?? { message: 'the bundling worker ended without an answer' };
  } finally {
    port1.close();
    void worker.terminate();
  }
}

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
  const answer = buildInWorker({
    entryPoints,
    outdir: options.outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // The SDK's ES module builds tree-shake; its CommonJS builds do not.
    mainFields: ['module', 'main'],
    minify: options.minify ?? true,
    legalComments: 'none',
    sourcemap: false,
    banner: { js: REQUIRE_SHIM },
    tsconfig: join(REPO_ROOT, 'tsconfig.json'),
    absWorkingDir: REPO_ROOT,
    metafile: true,
    logLevel: 'silent',
  });
  if (!answer.metafile) {
    const detail = answer.errors?.length
      ? answer.errors
          .map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text))
          .join('; ')
      : (answer.message ?? 'no detail');
    throw new BundlingError(`cannot bundle the lambda functions: esbuild failed: ${detail}`);
  }
  const metafile = answer.metafile;
  return options.taskIds.map((taskId) => {
    const dir = join(options.outDir, taskId);
    const file = join(dir, 'index.mjs');
    const output = metafile.outputs[relative(REPO_ROOT, file).split('\\').join('/')];
    return {
      taskId,
      dir,
      file,
      bytes: statSync(file).size,
      handler: 'index.handler',
      inputs: Object.keys(output?.inputs ?? {}),
      metafile,
    };
  });
}
