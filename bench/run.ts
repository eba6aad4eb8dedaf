/**
 * `npm run bench`: every measurement of issues 7 and 13, in order, each drill in its own process.
 * Writes bench/results/latest.json, prints the tables and puts them into bench/README.md.
 *
 * Options: `--runs N` (drill repetitions, default 3), `--only id,id` (scenarios), `--no-readme`.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { measureDiscovery } from './discovery.js';
import type { DrillMeasurement, Strategy, Variant } from './drill.js';
import { measureEmulator } from './emulator-load.js';
import { measureLambdas } from './lambda.js';
import { buildReport, type RawResults, renderTables } from './report.js';
import { SCENARIOS } from './scenarios.js';

const run = promisify(execFile);
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const root = here('../');

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Wall seconds after which a drill process is considered hung. */
const DRILL_TIMEOUT_MS = 240_000;

async function drillOnce(
  id: string,
  strategy: Strategy,
  seed: number,
  variant: Variant,
): Promise<DrillMeasurement> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', here('./drill.ts'), id, strategy, String(seed), variant],
    {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
      timeout: DRILL_TIMEOUT_MS,
      // The SDK's Node-version notice is noise here.
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    },
  );
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as DrillMeasurement;
}

/** Hung or crashed drills seen (a hang is a defect to report, not a figure). */
const incidents: string[] = [];

/** A message with the checkout's path and the node binary made repo-relative (README is committed). */
function repoRelative(text: string): string {
  return text.replaceAll(root, '').replaceAll(process.execPath, 'node');
}

async function drill(
  id: string,
  strategy: Strategy,
  seed: number,
  variant: Variant = 'scenario',
): Promise<DrillMeasurement> {
  const what = `${id} ${strategy}${variant === 'scenario' ? '' : ` (${variant})`} seed ${seed}`;
  try {
    return await drillOnce(id, strategy, seed, variant);
  } catch (err) {
    const why = (err as { killed?: boolean }).killed
      ? `hung (no result after ${DRILL_TIMEOUT_MS / 1000} s)`
      : (err as Error).message.split('\n')[0];
    incidents.push(repoRelative(`${what}: ${why}; retried once`));
    say(`${what}: ${why}; retrying`);
    try {
      return await drillOnce(id, strategy, seed, variant);
    } catch (again) {
      // A drill that cannot run is a result too (a missed target with its cause), not a crash.
      const text = (again as { stderr?: string }).stderr ?? (again as Error).message;
      const cause =
        text
          .split('\n')
          .find((l) => /^\w*Error\b.*: /.test(l.trim()))
          ?.trim() ?? 'no result';
      incidents.push(repoRelative(`${what}: failed again: ${cause}`));
      return failedDrill(id, strategy, seed, variant, cause);
    }
  }
}

/** The measurement of a drill that produced none. */
function failedDrill(
  id: string,
  strategy: Strategy,
  seed: number,
  variant: Variant,
  cause: string,
): DrillMeasurement {
  return {
    scenario: id,
    strategy,
    variant,
    parallelism: 'max',
    seed,
    status: 'NO_RESULT',
    servers: 0,
    succeeded: 0,
    failed: 0,
    endToEndSeconds: Number.NaN,
    idealSeconds: Number.NaN,
    overheadSeconds: Number.NaN,
    lowerBoundSeconds: Number.NaN,
    ratioToLowerBound: Number.NaN,
    detectionDelaySeconds: Number.NaN,
    largestHistoryEvents: 0,
    executions: 0,
    rounds: Number.NaN,
    jobs: 0,
    drsCalls: {},
    drsCallsTotal: 0,
    otherCalls: {},
    transitions: { main: 0, executor: 0, total: 0 },
    costUsd: 0,
    transitionsPerAccountMinute: 0,
    largestPayloadBytes: 0,
    wallMs: Number.NaN,
    cpuMs: Number.NaN,
    peakRssMb: Number.NaN,
    error: cause,
  };
}

const started = Date.now();
const runs = Number(option('runs') ?? 3);
const only = option('only')?.split(',');
const say = (text: string): void => {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0)} s] ${text}\n`);
};

if (process.argv.includes('--render-only')) {
  // Re-renders the tables of the last results (after a change to report.ts), measuring nothing.
  const last = JSON.parse(await readFile(here('./results/latest.json'), 'utf8')) as RawResults;
  const report = buildReport(last);
  await writeFile(here('./results/latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  const tables = renderTables(report);
  process.stdout.write(`${tables}\n`);
  await putIntoReadme(tables);
  process.exit(0);
}

const drills: DrillMeasurement[] = [];
for (const scenario of SCENARIOS.filter((s) => !only || only.includes(s.id))) {
  const seeds = Array.from({ length: scenario.runs ?? runs }, (_, i) => i + 1);
  const variants: Variant[] = [
    'scenario',
    ...(scenario.atDefault ? (['default'] as const) : []),
    ...(scenario.fixedCadence ? (['fixed'] as const) : []),
  ];
  for (const variant of variants) {
    for (const seed of seeds) {
      say(`${scenario.title}${variant === 'scenario' ? '' : ` (${variant})`}: run ${seed}/${seeds.length}`);
      drills.push(await drill(scenario.id, 'ours', seed, variant));
    }
  }
  if (scenario.competent) {
    // The same seeds as ours, so that ratios compare the same fleets and draws.
    for (const seed of seeds) {
      say(`${scenario.title}: competent script, seed ${seed}`);
      drills.push(await drill(scenario.id, 'competent', seed));
    }
  }
  if (scenario.naive) {
    // Discrete virtual time makes the naive script deterministic: one run, seed 1.
    say(`${scenario.title}: naive baseline`);
    drills.push(await drill(scenario.id, 'naive', 1));
  }
}
say('discovery alone (100 ms latency per call)');
const discovery = [await measureDiscovery(3, 100, 3), await measureDiscovery(10, 100, 3)];
say('lambda bundles and cold module loads');
const lambdas = await measureLambdas(root, 3);
say('emulator throughput');
const emulator = await measureEmulator(here('./emulator-serve.ts'), 2000);

const report = buildReport({
  machine: {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
  },
  startedAt: new Date(started).toISOString(),
  benchSeconds: 0,
  drills,
  discovery,
  lambdas,
  emulator,
  incidents,
});
report.benchSeconds = (Date.now() - started) / 1000;
await mkdir(here('./results'), { recursive: true });
await writeFile(here('./results/latest.json'), `${JSON.stringify(report, null, 2)}\n`);
const tables = renderTables(report);
process.stdout.write(`${tables}\n`);
if (!process.argv.includes('--no-readme') && !only) await putIntoReadme(tables);
say(`done in ${report.benchSeconds.toFixed(0)} s; bench/results/latest.json written`);

/** Replaces the results section of bench/README.md. */
async function putIntoReadme(tables: string): Promise<void> {
  const readme = here('./README.md');
  const text = await readFile(readme, 'utf8');
  const start = '<!-- results:start -->';
  const end = '<!-- results:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) {
    await writeFile(readme, `${text.slice(0, a + start.length)}\n${tables}\n${text.slice(b)}`);
  }
}
