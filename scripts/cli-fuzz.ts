/**
 * The CLI fuzz (see test/_helpers/cli-fuzz.ts): generated command lines and documents through
 * `main()` in-process, with a fixed seed. Prints the number of cases, the exit-code histogram and
 * every case that broke a rule (internal error, exception, undocumented exit code, a document the
 * schema refuses but the CLI accepted).
 *
 * Usage: node --import tsx scripts/cli-fuzz.ts [--cases 3000] [--seed 25]
 * Exits 1 when any case broke a rule. CI runs it (see .ci/run).
 */
import fc from 'fast-check';
import { fuzzCases, runFuzzCase, showCase } from '../test/_helpers/cli-fuzz.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const cases = flag('--cases', 3000);
const seed = flag('--seed', 25);
// The SDK's default credential chain must find nothing and ask no metadata service.
for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
  delete process.env[name];
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/drs-orch-fuzz-credentials';
process.env.AWS_CONFIG_FILE = '/nonexistent/drs-orch-fuzz-config';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const started = Date.now();
const histogram: Record<string, number> = {};
const failures: string[] = [];
let documents = 0;
let refusedBySchema = 0;
for (const c of fc.sample(fuzzCases(), { seed, numRuns: cases })) {
  const result = await runFuzzCase(c);
  histogram[String(result.code)] = (histogram[String(result.code)] ?? 0) + 1;
  if (c.document !== undefined) documents += 1;
  if (result.problem !== undefined)
    failures.push(
      `${result.problem}\n    ${showCase(c)}\n    ${result.stderr.trim().split('\n').slice(-2).join(' | ')}`,
    );
  if (result.code === 64 && c.document !== undefined) refusedBySchema += 1;
}
const internal = histogram['70'] ?? 0;
console.log(
  `cli fuzz: ${cases} cases (seed ${seed}, ${documents} documents, ${refusedBySchema} of them refused) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
console.log(
  `exit codes: ${Object.entries(histogram)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')}`,
);
console.log(`internal errors: ${internal}; cases breaking a rule: ${failures.length}`);
for (const f of failures.slice(0, 50)) console.log(`- ${f}`);
process.exit(failures.length === 0 ? 0 : 1);
