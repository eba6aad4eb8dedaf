/**
 * Crash loop: runs `drs-orch drill` against one simulated world and kills it with SIGKILL at
 * random moments, then re-runs it with the same correlation id, many times. After every kill it
 * checks the world on disk (snapshot + journal) and at the end it lets the run finish:
 *
 * - 0 damaged files: every state file left by a kill loads, and no run ever exits 64 or 70;
 * - 0 lost jobs: every DRS job that existed when a StartRecovery answered (the emulator's audit
 *   trail, written after the journal is flushed) is still in the world;
 * - 0 duplicate launches: no source server is in two drill jobs of one correlation id.
 *
 * Usage: node --import tsx scripts/crash-loop.ts [--cycles 50] [--seed 1]
 * Exits 1 when a check fails. CI runs it (see .ci/run).
 */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadWorld } from '../src/cli/targets/state-file.js';
import { generateFleet } from '../src/emulator/index.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const cycles = flag('--cycles', 50);
let seed = flag('--seed', 1) >>> 0;
const random = (): number => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const base = await mkdtemp(join(tmpdir(), 'drs-orch-crash-'));
// Each round (one correlation id, killed until a run completes) has its own world, so the
// world's pruning of old finished jobs (it keeps the newest 50) never hides a lost one.
let dir = '';
let audit = '';
function newWorld(round: number): void {
  dir = join(base, `round-${round}`);
  mkdirSync(dir);
  audit = join(dir, 'audit.jsonl');
  copyFileSync(join(base, 'fleet.json'), join(dir, 'fleet.json'));
}
writeFileSync(
  join(base, 'fleet.json'),
  JSON.stringify(generateFleet({ accounts: 2, serversPerAccount: 20, seed: 7 })),
);

/**
 * When to kill a run: `{ afterMs }` from its start (any moment: startup, load, compaction), or
 * `{ afterLaunchMs }` after its first StartRecovery answered (the audit trail grew), so that kills
 * land mid-launch however slow the machine is.
 */
type KillPlan = { afterMs: number } | { afterLaunchMs: number } | undefined;

function auditSize(): number {
  try {
    return statSync(audit).size;
  } catch {
    return 0;
  }
}

/** Runs one drill; kills it as `plan` says unless it ends first. */
function drill(correlationId: string, plan: KillPlan): Promise<{ code: number | null; killed: boolean }> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        join(root, 'src/cli/entry.ts'),
        'drill',
        '--tags',
        'DR-Wave=1',
        '--fleet',
        'fleet.json',
        '--state-file',
        'sim.json',
        '--parallelism',
        '2',
        '--max-wait',
        '1440',
        '--continue-on-failure',
        '--correlation-id',
        correlationId,
        '--quiet',
      ],
      { cwd: dir, env: { ...process.env, DRS_ORCH_SIM_AUDIT: audit }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let killed = false;
    const kill = (): void => {
      killed = child.kill('SIGKILL');
    };
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    if (plan !== undefined && 'afterMs' in plan) timer = setTimeout(kill, plan.afterMs);
    if (plan !== undefined && 'afterLaunchMs' in plan) {
      const start = auditSize();
      poll = setInterval(() => {
        if (auditSize() === start) return;
        clearInterval(poll);
        timer = setTimeout(kill, plan.afterLaunchMs);
      }, 10);
    }
    child.on('exit', (code) => {
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      if (code !== null && code !== 0 && code !== 2) console.error(`exit ${code}: ${stderr.slice(-2000)}`);
      done({ code, killed: killed && code === null });
    });
  });
}

function auditedJobs(): Set<string> {
  if (!existsSync(audit)) return new Set();
  const jobs = new Set<string>();
  for (const line of readFileSync(audit, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      for (const id of (JSON.parse(line) as { jobs: string[] }).jobs) jobs.add(id);
    } catch {
      // a line torn by the kill itself: the call it describes had not answered
    }
  }
  return jobs;
}

const tally = {
  cycles: 0,
  killed: 0,
  killedAfterALaunch: 0,
  completed: 0,
  damaged: 0,
  badExits: 0,
  lostJobs: 0,
  duplicateLaunches: 0,
  rounds: 1,
  leftoversInRounds: 0,
};

function check(): { launches: number } {
  let world: ReturnType<typeof loadWorld>;
  try {
    world = loadWorld(join(dir, 'sim.json'), 'sim.json');
  } catch (err) {
    tally.damaged += 1;
    console.error(`damaged: ${(err as Error).message}`);
    return { launches: 0 };
  }
  const present = new Set((world?.drs ?? []).flatMap((a) => a.jobs.map((j) => j.jobID)));
  const missing = [...auditedJobs()].filter((id) => !present.has(id));
  if (missing.length > 0) {
    const counts = (world?.drs ?? []).map((a) => `${a.accountId}: ${a.jobs.length} jobs`).join(', ');
    console.error(
      `cycle ${tally.cycles}: ${missing.length} audited job(s) missing (${missing.slice(0, 3).join(', ')}); world has ${counts}`,
    );
  }
  lostThisRound = missing.length;
  const seen = new Map<string, number>();
  let launches = 0;
  for (const account of world?.drs ?? []) {
    for (const job of account.jobs) {
      if (job.initiatedBy !== 'START_DRILL') continue;
      launches += 1;
      for (const s of job.servers) {
        const key = `${job.tags['DR-CorrelationId']}/${s.sourceServerID}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
  }
  dupThisRound = [...seen.values()].filter((n) => n > 1).length;
  return { launches };
}

let lostThisRound = 0;
let dupThisRound = 0;
const started = Date.now();
let round = 1;
newWorld(round);
let launchesBefore = 0;
for (let i = 0; i < cycles; i++) {
  const plan: KillPlan =
    random() < 0.25
      ? { afterMs: Math.floor(random() * 4000) }
      : { afterLaunchMs: Math.floor(random() * 1200) };
  const { code, killed } = await drill(`crash-${round}`, plan);
  tally.cycles += 1;
  if (killed) tally.killed += 1;
  else if (code === 0 || code === 2 || code === 3) {
    tally.completed += 1;
    check();
    tally.lostJobs += lostThisRound;
    tally.duplicateLaunches += dupThisRound;
    lostThisRound = 0;
    dupThisRound = 0;
    const leftovers = readdirSync(dir).filter((n) => /\.(tmp|lock|journal)$/.test(n));
    tally.leftoversInRounds += leftovers.length;
    // A new correlation id in a new world, so kills keep landing mid-launch.
    round += 1;
    tally.rounds = round;
    newWorld(round);
    launchesBefore = 0;
    continue;
  } else tally.badExits += 1;
  const { launches } = check();
  if (killed && launches > launchesBefore) tally.killedAfterALaunch += 1;
  launchesBefore = launches;
}
// Let the last round finish: it adopts what the killed runs launched and launches the rest once.
const t0 = Date.now();
const last = await drill(`crash-${round}`, undefined);
console.error(`last run: exit ${last.code} in ${Date.now() - t0} ms`);
if (last.code !== 0 && last.code !== 2) tally.badExits += 1;
check();
tally.lostJobs += lostThisRound;
tally.duplicateLaunches += dupThisRound;
const leftovers = readdirSync(dir).filter(
  (n) => n.endsWith('.tmp') || n.endsWith('.lock') || n.endsWith('.journal'),
);
const result = { ...tally, leftovers: leftovers.length, seconds: Math.round((Date.now() - started) / 1000) };
console.log(`crash loop: ${JSON.stringify(result)}`);
const ok =
  result.damaged === 0 &&
  result.badExits === 0 &&
  result.lostJobs === 0 &&
  result.duplicateLaunches === 0 &&
  result.leftovers === 0 &&
  result.leftoversInRounds === 0 &&
  result.killedAfterALaunch > 0;
process.exit(ok ? 0 : 1);
