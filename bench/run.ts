/**
 * `npm run bench`: every measurement of issue 7, in order, each drill in its own process.
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
import type { DrillMeasurement } from './drill.js';
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

async function drillOnce(id: string, strategy: 'ours' | 'naive', seed: number): Promise<DrillMeasurement> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', here('./drill.ts'), id, strategy, String(seed)],
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

async function drill(id: string, strategy: 'ours' | 'naive', seed: number): Promise<DrillMeasurement> {
  try {
    return await drillOnce(id, strategy, seed);
  } catch (err) {
    const why = (err as { killed?: boolean }).killed
      ? `hung (no result after ${DRILL_TIMEOUT_MS / 1000} s)`
      : (err as Error).message.split('\n')[0];
    incidents.push(`${id} ${strategy} seed ${seed}: ${why}; retried once`);
    say(`${id} ${strategy} seed ${seed}: ${why}; retrying`);
    return drillOnce(id, strategy, seed);
  }
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
  for (let seed = 1; seed <= runs; seed += 1) {
    say(`${scenario.title}: run ${seed}/${runs}`);
    drills.push(await drill(scenario.id, 'ours', seed));
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
