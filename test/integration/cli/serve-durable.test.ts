/**
 * `drs-orch serve --state-file` loses nothing: a `kill -9` right after a call answered keeps what
 * the call did, one writer at a time owns the file, a damaged file is refused with the fix, a
 * clean exit compacts, and a long-running world stays bounded.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeJobsCommand,
  DescribeSourceServersCommand,
  StartRecoveryCommand,
  TagResourceCommand,
} from '@aws-sdk/client-drs';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { openDurableWorld } from '../../../src/cli/targets/durable-world.js';
import { loadWorld } from '../../../src/cli/targets/state-file.js';
import { demoFleet } from '../../../src/emulator/index.js';
import { drsAccountsOf } from '../../../src/emulator/services/drs/world.js';
import {
  exited,
  spawnServe,
  stagingDrs,
  startServeProcess,
  stopServeProcesses,
} from '../../_helpers/serve-process.js';
import { fakeIo } from '../../unit/cli/fakes.js';

afterEach(stopServeProcesses);

/** Files next to the state file other than the evidence folder. */
async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n !== '.drs-orch').sort();
}

describe('drs-orch serve --state-file (durable world)', () => {
  it('keeps a drill job whose StartRecovery answered when serve is killed with kill -9 right after', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-durable-'));
    const stateFile = join(dir, 'world.json');
    const first = await startServeProcess(['--state-file', stateFile]);
    const drs = await stagingDrs(first.endpoint);
    const { items } = await drs.send(new DescribeSourceServersCommand({ maxResults: 2 }));
    const ids = (items ?? []).map((s) => s.sourceServerID as string);
    // A control call is journaled like an API call: the fault plan survives the kill too.
    const faults = await fetch(`${first.endpoint}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stuckJobs: [ids[0]] }),
    });
    expect(faults.status).toBe(200);

    const started = await drs.send(
      new StartRecoveryCommand({
        isDrill: true,
        sourceServers: ids.map((sourceServerID) => ({ sourceServerID })),
      }),
    );
    first.child.kill('SIGKILL');
    await exited(first.child);

    const jobID = started.job?.jobID as string;
    expect(jobID).toMatch(/^drsjob-/);
    // What the kill left on disk already holds the job.
    const onDisk = loadWorld(stateFile, 'world.json');
    expect(drsAccountsOf(onDisk).flatMap((a) => a.jobs.map((j) => j.jobID))).toContain(jobID);

    const second = await startServeProcess(['--state-file', stateFile]);
    const again = await stagingDrs(second.endpoint);
    const { items: jobs } = await again.send(new DescribeJobsCommand({ filters: { jobIDs: [jobID] } }));
    const plan = (await (await fetch(`${second.endpoint}/_emulator/faults`)).json()) as {
      stuckJobs?: string[];
    };
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);

    expect(jobs?.map((j) => j.jobID)).toEqual([jobID]);
    expect(jobs?.[0]?.participatingServers?.map((s) => s.sourceServerID).sort()).toEqual([...ids].sort());
    expect(plan.stuckJobs).toEqual([ids[0]]);
    expect(second.stderr()).toContain(`resumed from ${stateFile}`);
    // A clean exit compacts: the snapshot alone, no journal, no lock, no temporary file.
    expect(await filesIn(dir)).toEqual(['world.json']);
  });

  it('lets one writer own the file: a second serve and a CLI run exit 64 naming the serve that holds it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-durable-'));
    const stateFile = join(dir, 'sim.json');
    const holder = await startServeProcess(['--state-file', stateFile]);
    const pid = holder.child.pid;

    const second = spawnServe(['--state-file', stateFile]);
    const secondCode = await exited(second.child);
    const { io, stderr } = fakeIo({ cwd: dir });
    const cliCode = await main(
      ['drill', '--tags', 'DR-Test=single', '--state-file', 'sim.json', '--quiet'],
      io,
    );
    holder.child.kill('SIGKILL');
    await exited(holder.child);
    // The lock of a killed serve is taken over by the next one.
    const third = await startServeProcess(['--state-file', stateFile]);
    third.child.kill('SIGTERM');
    const thirdCode = await exited(third.child);

    const inUse = new RegExp(
      `is in use by drs-orch pid ${pid} on .* \\(drs-orch serve, since [^)]+\\); wait for it to finish`,
    );
    expect(secondCode).toBe(64);
    expect(second.stderr()).toMatch(inUse);
    expect(cliCode).toBe(64);
    expect(stderr.text).toMatch(inUse);
    expect(thirdCode).toBe(0);
  });

  it('refuses a damaged state file with exit 64 and the fix, and starts fresh in its place with --reset', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-durable-'));
    const stateFile = join(dir, 'sim.json');
    await writeFile(stateFile, '{"version":1,"clock":');

    const refused = spawnServe(['--state-file', stateFile]);
    const code = await exited(refused.child);
    const kept = await readFile(stateFile, 'utf8');
    const reset = await startServeProcess(['--state-file', stateFile, '--reset']);
    reset.child.kill('SIGTERM');
    const resetCode = await exited(reset.child);

    expect(code).toBe(64);
    expect(refused.stderr()).toMatch(
      /^drs-orch: state file ".*sim.json" is damaged: it is not valid JSON .*Move it away to keep it, or pass --reset to start a fresh world in its place/,
    );
    expect(kept).toBe('{"version":1,"clock":');
    expect(existsSync(`${stateFile}.lock`)).toBe(false);
    expect(resetCode).toBe(0);
    expect(loadWorld(stateFile, 'sim.json')?.fleet.name).toBe('demo');
  });

  it('stays bounded while it runs: the journal is compacted past its limit and loses nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-durable-'));
    const limit = 256 * 1024;
    const world = await openDurableWorld({
      fleet: demoFleet(),
      fleetOption: 'demo',
      stateFile: 'sim.json',
      cwd: dir,
      reset: false,
      command: 'test',
      emulator: { timeScale: 0 },
      journalLimitBytes: limit,
      say: () => {},
    });
    const drs = await stagingDrs(world.emulator.endpoint);
    const { items } = await drs.send(new DescribeSourceServersCommand({ maxResults: 15 }));
    const jobs: string[] = [];
    let largestJournal = 0;
    for (const [i, s] of (items ?? []).entries()) {
      // Tags are mutating calls too: each one is a journal record of the whole account.
      await drs.send(new TagResourceCommand({ resourceArn: s.arn as string, tags: { Note: `n${i}` } }));
      const { job } = await drs.send(
        new StartRecoveryCommand({
          isDrill: true,
          sourceServers: [{ sourceServerID: s.sourceServerID as string }],
        }),
      );
      jobs.push(job?.jobID as string);
      largestJournal = Math.max(largestJournal, statSync(join(dir, 'sim.json.journal')).size);
    }
    // Read as a kill would leave it: before close.
    const onDisk = loadWorld(join(dir, 'sim.json'), 'sim.json');
    const compactions = world.compactions();
    const record = JSON.stringify(drsAccountsOf(onDisk).find((a) => a.accountId === '111111111111')).length;
    await world.close();

    expect(jobs).toHaveLength(15);
    expect(compactions).toBeGreaterThan(0);
    // At most the limit plus the record that crossed it.
    expect(largestJournal).toBeLessThanOrEqual(limit + record + 1024);
    const present = new Set(drsAccountsOf(onDisk).flatMap((a) => a.jobs.map((j) => j.jobID)));
    expect(jobs.filter((id) => !present.has(id))).toEqual([]);
    const tagged = drsAccountsOf(onDisk)
      .find((a) => a.accountId === '111111111111')
      ?.servers.filter((x) => x.tags.Note !== undefined);
    expect(tagged).toHaveLength(15);
    expect(await filesIn(dir)).toEqual(['sim.json']);
  });

  it('an unwritable state-file directory is a usage error before anything listens', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-durable-'));
    await writeFile(join(dir, 'file'), 'x');
    const { child, stderr } = spawnServe(['--state-file', join(dir, 'file', 'sim.json')]);
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const code = await exited(child);

    expect(code).toBe(64);
    expect(out).toBe('');
    expect(stderr()).toMatch(
      /--state-file ".*file\/sim.json": its directory cannot be created \((ENOTDIR|EEXIST)\)/,
    );
  });
});
