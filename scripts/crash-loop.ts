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
 * With `--serve-cycles N` it then does the same to `drs-orch serve --state-file`: a drill runs
 * against the served world (`--endpoint`), and the serve process is killed with SIGKILL at random
 * moments (mostly right after a StartRecovery answered), restarted on the same state file, and the
 * drill re-run with the same correlation id; the same three checks apply, and a clean stop
 * (SIGTERM) must leave the snapshot alone (no journal, lock or temporary file) and its S3 bodies
 * folder holding exactly the bodies the snapshot refers to (none missing, no orphan).
 *
 * With `--runbook-cycles N` it kills a three-wave failover runbook (`drs-orch runbook`, approvals
 * pre-approved with `--approve all`) at random moments and re-runs it with the same command line,
 * no correlation id given, every other time from a second working folder on the same world,
 * until it finishes, round after round (each round a fresh world): the re-run must resume the
 * killed run (its record is in the world's results bucket, not the folder), so 0 duplicate
 * launches (no source server in two recovery jobs, whatever their correlation id) and every
 * wave's servers recovered exactly once. A run killed after it finished is not run again (the
 * re-run refuses a second failover, exit 64): counted as `refusedFinished`, the round ends there.
 *
 * Usage: node --import tsx scripts/crash-loop.ts [--cycles 50] [--serve-cycles 0] [--runbook-cycles 0] [--seed 1]
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
import type { StoredSnapshot } from '../src/cli/targets/state-file.js';
import { loadWorld } from '../src/cli/targets/state-file.js';
import { generateFleet } from '../src/emulator/index.js';
import type { DrsAccountState } from '../src/emulator/services/drs/records.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const cycles = flag('--cycles', 50);
const serveCycles = flag('--serve-cycles', 0);
const runbookCycles = flag('--runbook-cycles', 0);
let seed = flag('--seed', 1) >>> 0;
const random = (): number => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The DRS accounts a loaded world holds (its DRS slice). */
function drsAccounts(world: StoredSnapshot | undefined): readonly DrsAccountState[] {
  return (world?.services.drs as { accounts?: readonly DrsAccountState[] } | undefined)?.accounts ?? [];
}

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

/** `drs-orch ARGS` from source, in the round's folder, with the audit trail switched on. */
function cli(args: readonly string[], stdout: 'ignore' | 'pipe' = 'ignore', cwd = dir) {
  return spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(root, 'src/cli/entry.ts'), ...args],
    {
      cwd,
      env: { ...process.env, DRS_ORCH_SIM_AUDIT: audit },
      stdio: ['ignore', stdout, 'pipe'],
    },
  );
}

/**
 * Runs one drill (in-process world, or against `endpoint`); kills it as `plan` says unless it
 * ends first (`victim`, when given, is killed instead: the serve process behind `endpoint`).
 */
function drill(
  correlationId: string,
  plan: KillPlan,
  endpoint?: string,
  victim?: ReturnType<typeof cli>,
): Promise<{ code: number | null; killed: boolean }> {
  return new Promise((done) => {
    const child = cli([
      'drill',
      '--tags',
      'DR-Wave=1',
      ...(endpoint === undefined
        ? ['--fleet', 'fleet.json', '--state-file', 'sim.json']
        : ['--endpoint', endpoint]),
      '--parallelism',
      '2',
      '--max-wait',
      '1440',
      '--continue-on-failure',
      '--correlation-id',
      correlationId,
      '--quiet',
    ]);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let killed = false;
    const kill = (): void => {
      if (victim === undefined) killed = child.kill('SIGKILL');
      else {
        // The world's server dies; its client is left with nothing to talk to.
        killed = victim.kill('SIGKILL');
        child.kill('SIGKILL');
      }
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
      if (!killed && code !== 0 && code !== 2) console.error(`exit ${code}: ${stderr.slice(-2000)}`);
      done({ code, killed: killed && (code === null || victim !== undefined) });
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

/** What one loop counts; {@link passed} says whether it holds. */
function newTally() {
  return {
    cycles: 0,
    killed: 0,
    killedAfterALaunch: 0,
    completed: 0,
    damaged: 0,
    badExits: 0,
    lostJobs: 0,
    duplicateLaunches: 0,
    rounds: 1,
    /** Journal, lock or temporary files left next to the state file after a run ended cleanly. */
    leftovers: 0,
  };
}

/** 0 damaged files, bad exits, lost jobs, duplicate launches and leftovers, and kills that mattered. */
function passed(t: ReturnType<typeof newTally>): boolean {
  return (
    t.damaged === 0 &&
    t.badExits === 0 &&
    t.lostJobs === 0 &&
    t.duplicateLaunches === 0 &&
    t.leftovers === 0 &&
    t.killedAfterALaunch > 0
  );
}

const tally = newTally();

/** S3 bodies the round's world refers to (`sha256` of every object in its snapshot + journal). */
function referencedBodies(world: ReturnType<typeof loadWorld>): Set<string> {
  const s3 = world?.services.s3 as { buckets?: { objects?: { sha256?: string }[] }[] } | undefined;
  return new Set(
    (s3?.buckets ?? []).flatMap((b) => (b.objects ?? []).flatMap((o) => (o.sha256 ? [o.sha256] : []))),
  );
}

/** Files in the S3 bodies folder (`sim.json.objects/`). */
function bodyFiles(): string[] {
  try {
    return readdirSync(join(dir, 'sim.json.objects'));
  } catch {
    return [];
  }
}

/**
 * Journal, lock or temporary files next to the round's state file, and files in its S3 bodies
 * folder that no object refers to (orphans a compaction should have removed, killed uploads).
 */
function worldFiles(): string[] {
  const live = referencedBodies(loadWorld(join(dir, 'sim.json'), 'sim.json'));
  return [
    ...readdirSync(dir).filter((n) => /\.(tmp|lock|journal)$/.test(n)),
    ...bodyFiles()
      .filter((n) => !live.has(n))
      .map((n) => `sim.json.objects/${n}`),
  ];
}

function check(): { launches: number } {
  let world: ReturnType<typeof loadWorld>;
  try {
    world = loadWorld(join(dir, 'sim.json'), 'sim.json');
  } catch (err) {
    tally.damaged += 1;
    console.error(`damaged: ${(err as Error).message}`);
    return { launches: 0 };
  }
  // Every S3 object the world holds has its body on disk (written before its PutObject answered).
  const bodies = new Set(bodyFiles());
  const lostBodies = [...referencedBodies(world)].filter((sha) => !bodies.has(sha));
  if (lostBodies.length > 0) {
    tally.damaged += 1;
    console.error(`damaged: ${lostBodies.length} S3 object bodies missing from sim.json.objects`);
  }
  const present = new Set(drsAccounts(world).flatMap((a) => a.jobs.map((j) => j.jobID)));
  const missing = [...auditedJobs()].filter((id) => !present.has(id));
  if (missing.length > 0) {
    const counts = drsAccounts(world)
      .map((a) => `${a.accountId}: ${a.jobs.length} jobs`)
      .join(', ');
    console.error(
      `cycle ${tally.cycles}: ${missing.length} audited job(s) missing (${missing.slice(0, 3).join(', ')}); world has ${counts}`,
    );
  }
  lostThisRound = missing.length;
  const seen = new Map<string, number>();
  let launches = 0;
  for (const account of drsAccounts(world)) {
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
let ok = true;
if (cycles > 0) {
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
      tally.leftovers += worldFiles().length;
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
  tally.leftovers += worldFiles().length;
  const result = { ...tally, seconds: Math.round((Date.now() - started) / 1000) };
  console.log(`crash loop: ${JSON.stringify(result)}`);
  ok = passed(tally);
}

/** Starts `drs-orch serve` on the round's state file; resolves with its endpoint (stdout's first line). */
async function serve(): Promise<{ child: ReturnType<typeof cli>; endpoint: string } | undefined> {
  const child = cli(
    ['serve', '--port', '0', '--fleet', 'fleet.json', '--state-file', 'sim.json', '--time-scale', '3000'],
    'pipe',
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const endpoint = await new Promise<string | undefined>((resolved) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolved(out.split('\n')[0]?.trim());
    });
    child.on('exit', (code) => {
      if (!out.includes('\n')) console.error(`serve exited ${code} before listening: ${stderr.slice(-2000)}`);
      resolved(undefined);
    });
  });
  return endpoint === undefined ? undefined : { child, endpoint };
}

if (serveCycles > 0) {
  const serveTally = newTally();
  const serveStarted = Date.now();
  const damagedBefore = tally.damaged;
  round += 1;
  newWorld(round);
  launchesBefore = 0;
  let serveRound = 1;
  for (let i = 0; i < serveCycles || serveTally.completed === 0; i++) {
    const served = await serve();
    serveTally.cycles += 1;
    if (served === undefined) {
      serveTally.badExits += 1;
      break;
    }
    // What the restarted serve loaded (it compacts it at start) must hold every audited job. Checked
    // here, before the drill re-runs: the world's seeded ids would give a re-launched job the id
    // of the lost one.
    check();
    serveTally.lostJobs += lostThisRound;
    const last = i >= serveCycles - 1;
    const plan: KillPlan = last
      ? undefined
      : random() < 0.25
        ? { afterMs: Math.floor(random() * 3000) }
        : { afterLaunchMs: Math.floor(random() * 400) };
    const { code, killed } = await drill(`serve-crash-${serveRound}`, plan, served.endpoint, served.child);
    if (killed) {
      serveTally.killed += 1;
      await new Promise((r) =>
        served.child.exitCode !== null || served.child.signalCode !== null
          ? r(0)
          : served.child.on('exit', r),
      );
      // Lost jobs stay lost: the round's last check (after it completes) counts them.
      const { launches } = check();
      if (launches > launchesBefore) serveTally.killedAfterALaunch += 1;
      launchesBefore = launches;
      continue;
    }
    // The drill ended: stop the world cleanly (compaction), then check it and move on.
    served.child.kill('SIGTERM');
    const serveCode = await new Promise<number | null>((r) =>
      served.child.exitCode !== null ? r(served.child.exitCode) : served.child.on('exit', (c) => r(c)),
    );
    if (code !== 0 && code !== 2 && code !== 3) serveTally.badExits += 1;
    if (serveCode !== 0) serveTally.badExits += 1;
    serveTally.completed += 1;
    check();
    serveTally.lostJobs += lostThisRound;
    serveTally.duplicateLaunches += dupThisRound;
    serveTally.leftovers += worldFiles().length;
    serveRound += 1;
    serveTally.rounds = serveRound;
    round += 1;
    newWorld(round);
    launchesBefore = 0;
  }
  serveTally.damaged = tally.damaged - damagedBefore;
  const serveResult = { ...serveTally, seconds: Math.round((Date.now() - serveStarted) / 1000) };
  console.log(`serve crash loop: ${JSON.stringify(serveResult)}`);
  ok = ok && passed(serveTally);
}
if (runbookCycles > 0) {
  ok = (await runbookLoop(runbookCycles)) && ok;
}

/**
 * The runbook crash loop: kills `drs-orch runbook` (three failover waves, the second with an
 * approval given by `--approve all`) at random moments and re-runs the same command line until a
 * run finishes; then checks the world and starts a new round in a fresh world.
 */
async function runbookLoop(count: number): Promise<boolean> {
  const t = {
    cycles: 0,
    killed: 0,
    killedAfterALaunch: 0,
    /** Re-runs that said they resume the killed run (its correlation id). */
    resumed: 0,
    /** Cycles run from the round's second working folder (same world, same runbook). */
    fromAnotherFolder: 0,
    /** Re-runs refused because the killed run had already finished (a failover is not run twice). */
    refusedFinished: 0,
    completed: 0,
    badExits: 0,
    damaged: 0,
    /** Source servers launched by more than one recovery job (any correlation id). */
    duplicateLaunches: 0,
    /** Servers the finished runbook counts in its waves but that were not launched exactly once. */
    notRecoveredOnce: 0,
    /** Servers recovered, over every completed round. */
    recovered: 0,
    rounds: 0,
    leftovers: 0,
  };
  const startedAt = Date.now();
  writeFileSync(
    join(base, 'runbook-fleet.json'),
    JSON.stringify(generateFleet({ accounts: 2, serversPerAccount: 15, waves: 3, seed: 11 })),
  );
  writeFileSync(
    join(base, 'runbook.yaml'),
    [
      'name: crash-loop failover',
      'action: failover',
      'options: { continueOnFailure: true, parallelism: 3 }',
      'waves:',
      '  - { name: databases, tags: { DR-Wave: "1" } }',
      '  - { name: application, tags: { DR-Wave: "2" }, approval: true }',
      '  - { name: web, tags: { DR-Wave: "3" } }',
      '',
    ].join('\n'),
  );
  const newRound = (): void => {
    t.rounds += 1;
    round += 1;
    dir = join(base, `runbook-round-${round}`);
    mkdirSync(dir);
    audit = join(dir, 'audit.jsonl');
    copyFileSync(join(base, 'runbook-fleet.json'), join(dir, 'fleet.json'));
    copyFileSync(join(base, 'runbook.yaml'), join(dir, 'runbook.yaml'));
    // A second working folder with its own copy of the runbook: every other cycle runs from it,
    // on the same world, so a re-run from another folder must find the killed run's record too.
    mkdirSync(join(dir, 'elsewhere'));
    copyFileSync(join(base, 'runbook.yaml'), join(dir, 'elsewhere', 'runbook.yaml'));
  };
  /** Recovery launches per source server in the round's world (0 when the world cannot be read). */
  const launchesPerServer = (): Map<string, number> => {
    const perServer = new Map<string, number>();
    let world: ReturnType<typeof loadWorld>;
    try {
      world = loadWorld(join(dir, 'sim.json'), 'sim.json');
    } catch (err) {
      t.damaged += 1;
      console.error(`damaged: ${(err as Error).message}`);
      return perServer;
    }
    for (const account of drsAccounts(world)) {
      for (const job of account.jobs) {
        if (job.initiatedBy !== 'START_RECOVERY') continue;
        for (const s of job.servers)
          perServer.set(s.sourceServerID, (perServer.get(s.sourceServerID) ?? 0) + 1);
      }
    }
    return perServer;
  };
  /** A kill plan, or `{ wave, ms }`: kill `ms` after wave `wave`'s main execution started. */
  type RunbookKillPlan = KillPlan | { wave: number; ms: number };
  const runbook = (
    plan: RunbookKillPlan,
    cwd: string,
  ): Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }> =>
    new Promise((done) => {
      const child = cli(
        [
          'runbook',
          'runbook.yaml',
          '--approve',
          'all',
          '--fleet',
          join(dir, 'fleet.json'),
          '--state-file',
          join(dir, 'sim.json'),
        ],
        'pipe',
        cwd,
      );
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      let killed = false;
      let timer: NodeJS.Timeout | undefined;
      let poll: NodeJS.Timeout | undefined;
      const kill = (): void => {
        killed = child.kill('SIGKILL');
      };
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        // Each wave starts one main execution; the accounts' executors are counted apart.
        if (plan !== undefined && 'wave' in plan && timer === undefined) {
          if ((stderr.match(/\] main execution started/g) ?? []).length >= plan.wave) {
            timer = setTimeout(kill, plan.ms);
          }
        }
      });
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
        if (!killed && code !== 0 && code !== 2)
          console.error(`runbook exit ${code}: ${stderr.slice(-2000)}`);
        done({ code, killed: killed && code === null, stdout, stderr });
      });
    });

  newRound();
  let launchedBefore = 0;
  for (let i = 0; i < count || t.completed === 0; i++) {
    // The last cycle lets the round's run finish; every other one is killed at a random moment.
    const last = i >= count - 1;
    // A third of the kills anywhere, a third mid-launch, a third once wave 2 or 3 began (after a
    // wave that finished: the case that re-launched finished waves).
    const pick = random();
    const plan: RunbookKillPlan = last
      ? undefined
      : pick < 1 / 3
        ? { afterMs: Math.floor(random() * 8000) }
        : pick < 2 / 3
          ? { afterLaunchMs: Math.floor(random() * 3000) }
          : { wave: 2 + Math.floor(random() * 2), ms: Math.floor(random() * 2000) };
    // Odd cycles run from the round's second folder: the re-run of a run killed elsewhere.
    const run = await runbook(plan, i % 2 === 1 ? join(dir, 'elsewhere') : dir);
    t.cycles += 1;
    if (i % 2 === 1) t.fromAnotherFolder += 1;
    if (/runbook run: resuming the run of/.test(run.stderr)) t.resumed += 1;
    if (run.killed) {
      t.killed += 1;
      const launched = [...launchesPerServer().values()].reduce((a, b) => a + b, 0);
      if (launched > launchedBefore) t.killedAfterALaunch += 1;
      launchedBefore = launched;
      continue;
    }
    // Killed after its run finished (recorded) but before it exited: the re-run refuses to fail
    // over a second time, naming the finished run. The round is over: check it, start the next.
    const refusedFinished = run.code === 64 && /already ran to its end/.test(run.stderr);
    if (refusedFinished) {
      t.refusedFinished += 1;
      t.duplicateLaunches += [...launchesPerServer().values()].filter((n) => n > 1).length;
      if (!last) {
        newRound();
        launchedBefore = 0;
      }
      continue;
    }
    if (run.code !== 0 && run.code !== 2) {
      t.badExits += 1;
      if (t.badExits > 3) break;
      continue;
    }
    t.completed += 1;
    const perServer = launchesPerServer();
    t.duplicateLaunches += [...perServer.values()].filter((n) => n > 1).length;
    let counted = 0;
    try {
      const output = JSON.parse(run.stdout) as {
        waves: Record<string, { summary: { totalServers: number } }>;
      };
      counted = Object.values(output.waves).reduce((n, w) => n + w.summary.totalServers, 0);
    } catch {
      t.badExits += 1;
    }
    const once = [...perServer.values()].filter((n) => n === 1).length;
    t.notRecoveredOnce += Math.abs(counted - once);
    t.recovered += once;
    t.leftovers += readdirSync(dir).filter((n) => /\.(tmp|lock|journal)$/.test(n)).length;
    if (existsSync(join(dir, 'runbooks'))) {
      t.leftovers += readdirSync(join(dir, 'runbooks')).filter((n) => n.endsWith('.lock')).length;
    }
    if (!last) {
      newRound();
      launchedBefore = 0;
    }
  }
  console.log(
    `runbook crash loop: ${JSON.stringify({ ...t, seconds: Math.round((Date.now() - startedAt) / 1000) })}`,
  );
  return (
    t.duplicateLaunches === 0 &&
    t.notRecoveredOnce === 0 &&
    t.badExits === 0 &&
    t.damaged === 0 &&
    t.leftovers === 0 &&
    t.completed > 0 &&
    t.recovered > 0 &&
    t.killedAfterALaunch > 0
  );
}

process.exit(ok ? 0 : 1);
