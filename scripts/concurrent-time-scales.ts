/**
 * Concurrent executions on `drs-orch serve` at two time scales: N drills (each on its own
 * source servers) started at once with the SDK's StartExecution, once on a `serve` at the default
 * time scale and once at x100. A time scale must never change results: every execution's status,
 * summary counts and per-server outcomes must be the same in both runs (timings are not compared).
 *
 * Usage: node --import tsx scripts/concurrent-time-scales.ts [--executions 50]
 *          [--servers-per-execution 10] [--scales default,100]
 * Exits 1 when the runs differ. CI runs it (see .ci/run).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConcurrentDrills } from '../test/_helpers/concurrent-drills.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(name);
  return at >= 0 ? String(args[at + 1]) : fallback;
};
const executions = Number(flag('--executions', '50'));
const serversPerExecution = Number(flag('--servers-per-execution', '10'));
const scales = flag('--scales', 'default,100').split(',');
const dir = mkdtempSync(join(tmpdir(), 'drs-orch-scales-'));
const results: string[][] = [];
for (const scale of scales) {
  const started = Date.now();
  const outcomes = await runConcurrentDrills({
    executions,
    serversPerExecution,
    timeScale: scale === 'default' ? undefined : Number(scale),
    dir,
  });
  const histogram: Record<string, number> = {};
  for (const o of outcomes) {
    const k = o.split(' ').slice(0, 2).join(' ');
    histogram[k] = (histogram[k] ?? 0) + 1;
  }
  console.log(
    `time scale ${scale}: ${executions} executions in ${((Date.now() - started) / 1000).toFixed(1)} s wall: ${JSON.stringify(histogram)}`,
  );
  results.push(outcomes);
}
writeFileSync(join(dir, 'outcomes.json'), JSON.stringify(results, null, 1));
// Every execution must also have succeeded (its output then says what happened to each server).
const unfinished = results.flat().filter((o) => !o.startsWith('SUCCEEDED ')).length;
let differ = 0;
const [first, ...rest] = results;
for (const other of rest) {
  for (let i = 0; i < executions; i++) {
    if (first?.[i] !== other[i]) {
      differ += 1;
      console.log(`execution ${i} differs:\n  ${first?.[i]}\n  ${other[i]}`);
    }
  }
}
console.log(`${differ} of ${executions} executions differ between time scales ${scales.join(' and ')}`);
if (unfinished > 0) console.log(`${unfinished} execution(s) did not succeed`);
process.exit(differ === 0 && unfinished === 0 ? 0 : 1);
