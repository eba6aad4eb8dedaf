/**
 * Stress harness for the discrete scheduler (not a Vitest file: it runs for minutes). Runs real
 * drills (1 server, 150 servers, the demo's wave 1) in fresh processes, many seeds, with random
 * extra emulator latency, random in-process CPU hogs and optional CPU burner processes, each drill
 * under a watchdog that dumps what the scheduler waits on when nothing moves.
 *
 *   node --import tsx test/e2e/scheduler-stress.ts [--runs 100] [--jobs 2] [--burners 1] [--only single,150,demo] [--cold]
 *
 * Exit code 0 when every drill finished, 1 when one hung or failed (details on stderr).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeEnv } from '../../src/cli/targets/local.js';
import { EMULATOR_CREDENTIALS } from '../../src/cli/targets/sim-world.js';
import { type Fleet, generateFleet, startEmulator } from '../../src/emulator/index.js';
import {
  DiscreteScheduler,
  type RuntimeEnv,
  runStateMachine,
  taskTokenBackend,
} from '../../src/runtime/index.js';

const ORCHESTRATOR = '123456789012';
const RESULTS_BUCKET = `drs-orchestration-results-${ORCHESTRATOR}`;
const START_TIME = '2025-01-06T09:00:00.000Z';
/** Real seconds without progress before a worker calls its drill hung. */
const QUIET_SECONDS = 20;

type ScenarioId = 'single' | '150' | 'demo';

function fleetOf(id: ScenarioId, seed: number): { fleet: Fleet | 'demo'; tags: Record<string, string> } {
  if (id === 'demo') return { fleet: 'demo', tags: { 'DR-Wave': '1' } };
  const shape =
    id === 'single' ? { accounts: 1, serversPerAccount: 20 } : { accounts: 2, serversPerAccount: 75 };
  const fleet = generateFleet({
    seed,
    ...shape,
    waves: 1,
    singleTestServer: id === 'single',
    startTime: START_TIME,
  });
  return {
    fleet: {
      ...fleet,
      accounts: fleet.accounts.map((a) => ({
        ...a,
        ...(a.sourceServers
          ? {
              sourceServers: a.sourceServers.map((s) => ({
                ...s,
                tags: { ...s.tags, 'DR-Enabled': 'true' },
              })),
            }
          : {}),
      })),
    },
    tags: id === 'single' ? { 'DR-Test': 'single' } : { 'DR-Wave': '1' },
  };
}

/** A deterministic PRNG so that a failing run can be replayed from its seed. */
function rng(seed: number): () => number {
  let x = seed * 2654435761 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % 1_000_000) / 1_000_000;
  };
}

async function worker(id: ScenarioId, seed: number, drills: number): Promise<void> {
  const random = rng(seed);
  for (let d = 0; d < drills; d++) {
    const { fleet, tags } = fleetOf(id, seed + d);
    const latency: { service: string; ms: number }[] = [];
    for (const service of ['drs', 'sts', 's3', 'ssm', 'servicequotas', 'ec2']) {
      if (random() < 0.4) latency.push({ service, ms: Math.floor(random() * 12) });
    }
    const emu = await startEmulator({
      fleet,
      seed: seed + d,
      startTime: START_TIME,
      timeScale: 0,
      stepFunctions: taskTokenBackend,
      ...(latency.length > 0 ? { faults: { latency } } : {}),
    });
    // The safety net is off: this harness wants to see a real hang, not its error.
    const scheduler = new DiscreteScheduler({ clock: emu.clock, stallTimeoutMs: 0 });
    // The CLI's wiring (one factory serves the CLI, the benchmark and the e2e tests).
    const env: RuntimeEnv = await runtimeEnv({
      accountId: ORCHESTRATOR,
      region: 'us-east-1',
      timeScale: 1,
      now: () => emu.clock.now(),
      scheduler,
      endpoint: emu.endpoint,
      credentials: EMULATOR_CREDENTIALS,
      resultsBucket: RESULTS_BUCKET,
      env: {},
    });
    // In-process CPU hogs: the event loop is busy at random moments, as on a loaded machine.
    const hogEvery = random() < 0.5 ? 1 + Math.floor(random() * 20) : 0;
    const hogMs = Math.floor(random() * 15);
    const hog = hogEvery
      ? setInterval(() => {
          const until = performance.now() + hogMs;
          while (performance.now() < until) {
            /* busy */
          }
        }, hogEvery)
      : undefined;
    let events = 0;
    let lastLine = '';
    let watched = '';
    let quiet = 0;
    const watchdog = setInterval(() => {
      const now = `${events}|${JSON.stringify(scheduler.stats())}|${emu.state.callTotal({})}`;
      if (now !== watched) {
        watched = now;
        quiet = 0;
        return;
      }
      quiet += 1;
      if (quiet < QUIET_SECONDS) return;
      process.stderr.write(
        `HUNG ${id} seed ${seed + d} drill ${d} hog ${hogEvery}/${hogMs} latency ${JSON.stringify(latency)}\n` +
          `last event: ${lastLine}\n${scheduler.describe()}\n` +
          `resources: ${JSON.stringify(process.getActiveResourcesInfo())}\n`,
      );
      process.exit(3);
    }, 1000);
    const result = await runStateMachine({
      machine: 'main',
      input: { action: 'drill', tags, options: { maxWaitMinutes: 1440 } },
      env,
      onEvent: (e) => {
        events += 1;
        lastLine = `${e.time} ${e.type} ${e.machine} ${'state' in e ? e.state : ''}`;
      },
    });
    clearInterval(watchdog);
    clearInterval(hog);
    await emu.stop();
    if (result.status !== 'SUCCEEDED') {
      process.stderr.write(`FAILED ${id} seed ${seed + d}: ${result.error}: ${result.cause}\n`);
      process.exit(2);
    }
  }
  process.exit(0);
}

async function parent(): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const runs = Number(arg('runs') ?? 100);
  const jobs = Number(arg('jobs') ?? 2);
  const burners = Number(arg('burners') ?? 0);
  const only = (arg('only') ?? 'single,150,demo').split(',') as ScenarioId[];
  const base = Number(arg('seed') ?? Date.now() % 100_000);
  // --cold: every worker gets its own TMPDIR, so tsx compiles every module again (a first run).
  const cold = process.argv.includes('--cold');
  const burning = Array.from({ length: burners }, () =>
    spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }),
  );
  const queue: { id: ScenarioId; seed: number }[] = [];
  for (let r = 0; r < runs; r++) for (const id of only) queue.push({ id, seed: base + r * 10 });
  const total = queue.length;
  const bad: string[] = [];
  let done = 0;
  const self = fileURLToPath(import.meta.url);
  const one = (job: { id: ScenarioId; seed: number }): Promise<void> =>
    new Promise((resolve) => {
      // Mostly one drill per process (the reported hang was a process's first drill).
      const drills = job.seed % 3 === 0 ? 2 : 1;
      execFile(
        process.execPath,
        ['--import', 'tsx', self, 'worker', job.id, String(job.seed), String(drills)],
        {
          timeout: 180_000,
          maxBuffer: 16 * 1024 * 1024,
          env: {
            ...process.env,
            NODE_NO_WARNINGS: '1',
            ...(cold ? { TMPDIR: mkdtempSync(join(tmpdir(), 'stress-cold-')) } : {}),
          },
        },
        (err, _stdout, stderr) => {
          done += 1;
          if (err) {
            const why = `${job.id} seed ${job.seed}: exit ${err.code ?? (err.killed ? 'killed' : '?')}\n${stderr}`;
            bad.push(why);
            process.stderr.write(`${why}\n`);
          }
          if (done % 10 === 0) process.stdout.write(`${done}/${total} done, ${bad.length} bad\n`);
          resolve();
        },
      );
    });
  const lanes = Array.from({ length: jobs }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await one(job);
  });
  await Promise.all(lanes);
  for (const b of burning) b.kill();
  process.stdout.write(`${done} drills, ${bad.length} hung or failed\n`);
  process.exit(bad.length > 0 ? 1 : 0);
}

if (process.argv[2] === 'worker') {
  await worker(process.argv[3] as ScenarioId, Number(process.argv[4]), Number(process.argv[5] ?? 1));
} else {
  await parent();
}
