/**
 * Re-running a runbook: a run killed with SIGKILL mid-failover is resumed by the same command line
 * (no `--correlation-id`), so the waves it launched are adopted, never launched again; a run that
 * finished is over (a re-run starts a new one and says so); a malformed `--correlation-id` is
 * refused before anything starts. The killed run is a real child process (from source); the re-runs
 * run in-process on the same state file.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadWorld } from '../../src/cli/targets/state-file.js';
import { generateFleet } from '../../src/emulator/index.js';
import { drsAccountsOf } from '../../src/emulator/services/drs/world.js';
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

async function rerun(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, stdout, stderr } = fakeIo({ cwd: dir });
  const code = await main(ARGS, io);
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
 * Runs the runbook as a child process and kills it (SIGKILL) once wave 1 finished: when wave 2's
 * approval is given (the next wave starts only after the previous one reported ready), so wave 1
 * launched and recovered all its servers and a re-run must not do it again.
 */
async function killedAfterWaveOne(dir: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', TSX, resolve('src/cli/entry.ts'), ...ARGS], {
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

describe('re-running a runbook', () => {
  it('resumes a killed failover runbook with its correlation id: no server is recovered twice, every wave once', async () => {
    const dir = await folder();
    await killedAfterWaveOne(dir);
    const launchedByTheKilledRun = launchesPerServer(dir);
    expect(launchedByTheKilledRun.size).toBeGreaterThan(0);

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
      /runbook run: resuming the run of \S+ that did not finish, with its correlation id drs-orch-runbook-\S+: what its waves launched is adopted, not launched again/,
    );
    // Every DRS job of the runbook carries the first run's correlation id.
    const record = JSON.parse(
      await readFile(join(dir, 'runbooks', (await readdir(join(dir, 'runbooks')))[0] as string), 'utf8'),
    ) as { correlationId: string; state: string; firstExecution: string; lastExecution: string };
    expect(record.state).toBe('finished');
    expect(record.firstExecution).not.toBe(record.lastExecution);
    const world = loadWorld(join(dir, 'sim.json'), 'sim.json');
    const ids = new Set(
      drsAccountsOf(world).flatMap((a) =>
        a.jobs.filter((j) => j.initiatedBy === 'START_RECOVERY').map((j) => j.tags['DR-CorrelationId']),
      ),
    );
    expect([...ids]).toEqual([record.correlationId]);
  });

  it('starts a new run after a finished one, saying so and how to continue the previous one instead', async () => {
    const dir = await folder();
    const first = await rerun(dir);
    expect(first.code).toBe(0);
    expect(first.stderr).not.toMatch(/runbook run:/);
    const { correlationId } = JSON.parse(
      await readFile(join(dir, 'runbooks', (await readdir(join(dir, 'runbooks')))[0] as string), 'utf8'),
    ) as { correlationId: string };

    const second = await rerun(dir);

    expect(second.code).toBe(0);
    expect(second.stderr).toContain(
      `runbook run: the previous run of this runbook (correlation id ${correlationId}, `,
    );
    expect(second.stderr).toMatch(
      new RegExp(
        `finished \\(succeeded, runbook success\\); starting a new run with correlation id drs-orch-runbook-\\S+ \\(to continue the previous one instead, pass --correlation-id ${correlationId}\\)`,
      ),
    );
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
