/**
 * Re-running a runbook: a run killed with SIGKILL mid-failover is resumed by the same command line
 * (no `--correlation-id`), so the waves it launched are adopted, never launched again; a run that
 * finished failover is refused (exit 64), as is a runbook edited after its run was killed;
 * `--new-run` starts a new run deliberately; a malformed `--correlation-id` is refused before
 * anything starts. The run record lives in the world's results bucket (real SDK), so a run killed
 * in one folder is resumed from another against the same `serve`. The killed run is a real child
 * process (from source); the re-runs run in-process.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadWorld } from '../../src/cli/targets/state-file.js';
import { generateFleet } from '../../src/emulator/index.js';
import { drsAccountsOf } from '../../src/emulator/services/drs/world.js';
import { startServeProcess, stopServeProcesses } from '../_helpers/serve-process.js';
import { fakeIo } from '../unit/cli/fakes.js';

const FAILOVER = `
name: three-wave failover
action: failover
options: { continueOnFailure: true }
waves:
  - { name: databases, tags: { DR-Wave: "1" } }
  - { name: application, tags: { DR-Wave: "2" }, approval: true }
  - { name: web, tags: { DR-Wave: "3" } }
`;

/** tsx's loader as a URL: the child runs in the test's folder, where `tsx` does not resolve. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const ARGS = [
  'runbook',
  'runbook.yaml',
  '--approve',
  'all',
  '--fleet',
  'fleet.json',
  '--state-file',
  'sim.json',
];

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'drs-orch-rerun-'));
  await writeFile(join(dir, 'runbook.yaml'), FAILOVER);
  await writeFile(
    join(dir, 'fleet.json'),
    JSON.stringify(generateFleet({ accounts: 1, serversPerAccount: 12, waves: 3, seed: 11 })),
  );
  return dir;
}

async function rerun(
  dir: string,
  extra: readonly string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, stdout, stderr } = fakeIo({ cwd: dir });
  const code = await main([...ARGS, ...extra], io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Recovery launches per source server in the world on disk (every correlation id). */
function launchesPerServer(dir: string): Map<string, number> {
  const perServer = new Map<string, number>();
  for (const account of drsAccountsOf(loadWorld(join(dir, 'sim.json'), 'sim.json'))) {
    for (const job of account.jobs) {
      if (job.initiatedBy !== 'START_RECOVERY') continue;
      for (const s of job.servers)
        perServer.set(s.sourceServerID, (perServer.get(s.sourceServerID) ?? 0) + 1);
    }
  }
  return perServer;
}

/**
 * Runs the runbook as a child process in `dir` and kills it (SIGKILL) once wave 1 finished: when
 * wave 2's approval is given (the next wave starts only after the previous one reported ready), so
 * wave 1 launched and recovered all its servers and a re-run must not do it again.
 */
async function killedAfterWaveOne(dir: string, args: readonly string[] = ARGS): Promise<void> {
  const child = spawn(process.execPath, ['--import', TSX, resolve('src/cli/entry.ts'), ...args], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (/wave 2 of 3 \(application, failover\): approved by/.test(stderr)) child.kill('SIGKILL');
  });
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  // Killed, not finished: the run was cut short by the kill.
  expect(code, stderr.slice(-2000)).toBeNull();
}

/** The correlation ids of the recovery jobs in the world on disk. */
function correlationIds(dir: string): string[] {
  const world = loadWorld(join(dir, 'sim.json'), 'sim.json');
  return [
    ...new Set(
      drsAccountsOf(world).flatMap((a) =>
        a.jobs.filter((j) => j.initiatedBy === 'START_RECOVERY').map((j) => j.tags['DR-CorrelationId']),
      ),
    ),
  ] as string[];
}

/** Recovery launches per source server in a running serve's world (GET /_emulator/state). */
async function servedLaunches(endpoint: string): Promise<Map<string, number>> {
  const state = (await (await fetch(`${endpoint}/_emulator/state`)).json()) as {
    services: {
      drs: { accounts: { jobs: { initiatedBy: string; servers: { sourceServerID: string }[] }[] }[] };
    };
  };
  const perServer = new Map<string, number>();
  for (const account of state.services.drs.accounts) {
    for (const job of account.jobs) {
      if (job.initiatedBy !== 'START_RECOVERY') continue;
      for (const s of job.servers)
        perServer.set(s.sourceServerID, (perServer.get(s.sourceServerID) ?? 0) + 1);
    }
  }
  return perServer;
}

afterAll(() => stopServeProcesses());

describe('re-running a runbook', () => {
  it('resumes a killed failover runbook with its correlation id: no server is recovered twice, every wave once', async () => {
    const dir = await folder();
    await killedAfterWaveOne(dir);
    const launchedByTheKilledRun = launchesPerServer(dir);
    expect(launchedByTheKilledRun.size).toBeGreaterThan(0);
    const [killedId] = correlationIds(dir);

    const again = await rerun(dir);

    expect(again.code).toBe(0);
    const output = JSON.parse(again.stdout) as {
      waves: Record<string, { summary: { totalServers: number } }>;
    };
    const perServer = launchesPerServer(dir);
    expect([...perServer.values()].filter((n) => n > 1)).toEqual([]);
    const counted = Object.values(output.waves).map((w) => w.summary.totalServers);
    expect(counted.every((n) => n > 0)).toBe(true);
    expect(perServer.size).toBe(counted.reduce((a, b) => a + b, 0));
    for (const id of launchedByTheKilledRun.keys()) expect(perServer.get(id)).toBe(1);
    expect(again.stderr).toMatch(
      /runbook run: resuming the run of \S+ that did not finish, with its correlation id drs-orch-runbook-\S+ \(1 of 3 waves finished: databases; run record s3:\/\/drs-orchestration-results-\d+\/runbook-runs\/[0-9a-f]{32}\.json\): what its waves launched is adopted, not launched again/,
    );
    // Every DRS job of the runbook carries the first run's correlation id.
    expect(correlationIds(dir)).toEqual([killedId]);
  });

  it('refuses to run a finished failover runbook again (exit 64, nothing launched), naming its correlation id; --new-run starts a new run', async () => {
    const dir = await folder();
    const first = await rerun(dir);
    expect(first.code).toBe(0);
    expect(first.stderr).not.toMatch(/runbook run:/);
    const [correlationId] = correlationIds(dir);
    const launched = launchesPerServer(dir);

    const second = await rerun(dir);

    expect(second.code).toBe(64);
    expect(second.stderr).toContain(
      `runbook "three-wave failover" (failover) already ran to its end: its run with correlation id ${correlationId} started `,
    );
    expect(second.stderr).toContain('3 of 3 waves finished: databases, application, web');
    expect(second.stderr).toContain(
      `Pass --new-run to start a new failover deliberately, or --correlation-id ${correlationId}`,
    );
    expect(launchesPerServer(dir)).toEqual(launched);

    const deliberate = await rerun(dir, ['--new-run']);
    expect(deliberate.code, deliberate.stderr.slice(-2000)).not.toBe(64);
    expect(deliberate.stderr).toMatch(
      new RegExp(
        `--new-run: starting a new run with correlation id drs-orch-runbook-\\S+; the finished run of \\S+ \\(correlation id ${correlationId}`,
      ),
    );
  });

  it("refuses a runbook edited after its run was killed (exit 64, nothing launched), naming the killed run's correlation id", async () => {
    const dir = await folder();
    await killedAfterWaveOne(dir);
    const launched = launchesPerServer(dir);
    const [killedId] = correlationIds(dir);
    await writeFile(join(dir, 'runbook.yaml'), FAILOVER.replace('DR-Wave: "3"', 'DR-Wave: "2"'));

    const edited = await rerun(dir);

    expect(edited.code).toBe(64);
    expect(edited.stderr).toContain(`runbook "three-wave failover" was edited since its run of `);
    expect(edited.stderr).toContain(
      `that did not finish (correlation id ${killedId}, 1 of 3 waves finished: databases;`,
    );
    expect(edited.stderr).toContain(`pass --correlation-id ${killedId} to resume it with the edited runbook`);
    expect(launchesPerServer(dir)).toEqual(launched);
  });

  it('resumes a failover runbook killed in one folder from another folder on the same serve: no server is recovered twice', async () => {
    const a = await folder();
    const b = await folder();
    const { endpoint } = await startServeProcess(['--fleet', join(a, 'fleet.json')]);
    const args = ['runbook', 'runbook.yaml', '--approve', 'all', '--endpoint', endpoint];
    await killedAfterWaveOne(a, args);
    const launchedByTheKilledRun = await servedLaunches(endpoint);
    expect(launchedByTheKilledRun.size).toBeGreaterThan(0);

    const { io, stdout, stderr } = fakeIo({ cwd: b });
    const code = await main(args, io);

    expect(code, stderr.text.slice(-2000)).toBe(0);
    expect(stderr.text).toMatch(/runbook run: resuming the run of \S+ that did not finish/);
    const perServer = await servedLaunches(endpoint);
    expect([...perServer.values()].filter((n) => n > 1)).toEqual([]);
    const output = JSON.parse(stdout.text) as {
      waves: Record<string, { summary: { totalServers: number } }>;
    };
    const counted = Object.values(output.waves).reduce((n, w) => n + w.summary.totalServers, 0);
    expect(perServer.size).toBe(counted);
    for (const id of launchedByTheKilledRun.keys()) expect(perServer.get(id)).toBe(1);
  });

  it('refuses a malformed --correlation-id before anything starts (exit 64, nothing written)', async () => {
    const dir = await folder();
    const { io, stderr } = fakeIo({ cwd: dir });

    const code = await main([...ARGS, '--correlation-id', 'bad id!'], io);

    expect(code).toBe(64);
    expect(stderr.text).toContain('/metadata/correlationId (--correlation-id) must match the expected form');
    expect(stderr.text).toContain('got "bad id!"');
    expect((await readdir(dir)).sort()).toEqual(['fleet.json', 'runbook.yaml']);
  });
});
