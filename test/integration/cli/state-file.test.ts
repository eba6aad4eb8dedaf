/**
 * The simulated world on disk (`--state-file`): damaged files, custom fleets, one writer at a time,
 * no orphaned temporary files, no 0-byte saves, and `--state-file` checked before anything runs.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { acquireLock, loadWorld } from '../../../src/cli/targets/state-file.js';
import { generateFleet } from '../../../src/emulator/index.js';
import { drsAccountsOf } from '../../../src/emulator/services/drs/world.js';
import { fakeIo } from '../../unit/cli/fakes.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'drs-orch-state-'));
}

async function run(dir: string, argv: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const { io, stderr, stdout } = fakeIo({ cwd: dir });
  const code = await main([...argv, '--state-file', 'sim.json'], io);
  return { code, stderr: stderr.text, stdout: stdout.text };
}

/** A saved demo world with one drill instance. */
async function drilledWorld(): Promise<{ dir: string; saved: Record<string, unknown> }> {
  const dir = await tempDir();
  const { code } = await run(dir, ['drill', '--tags', 'DR-Test=single', '--quiet']);
  expect(code).toBe(0);
  return { dir, saved: JSON.parse(await readFile(join(dir, 'sim.json'), 'utf8')) };
}

describe('drs-orch --state-file', () => {
  it('refuses damaged state files with exit 64, saying what is wrong and how to recover', async () => {
    const { dir, saved } = await drilledWorld();
    const services = saved.services as { drs: { accounts: { accountId: string; instances: unknown[] }[] } };
    const drs = services.drs.accounts;
    /** The saved world with other DRS accounts (its DRS slice). */
    const withDrs = (accounts: unknown[]) => ({ ...saved, services: { ...services, drs: { accounts } } });
    const withInstance = drs.find((d) => d.instances.length > 0);
    const cases: [string, string, RegExp][] = [
      ['empty (a save killed on the old code)', '', /is damaged: it is empty/],
      ['not an object', '[1,2]', /is damaged: it is not a JSON object/],
      ['no clock', JSON.stringify({ ...saved, clock: undefined }), /clock.nowMs is missing/],
      ['wrong version', JSON.stringify({ ...saved, version: 7 }), /format version is 7/],
      [
        'an account missing',
        JSON.stringify(withDrs(drs.filter((d) => d.accountId !== '111111111111'))),
        /account 111111111111 of the fleet has no saved DRS state/,
      ],
      [
        'instances missing',
        JSON.stringify(withDrs(drs.map((d) => (d === withInstance ? { ...d, instances: [] } : d)))),
        /points to recovery instance i-[0-9a-f]+, which is missing/,
      ],
      [
        'servers not a list',
        JSON.stringify(withDrs(drs.map((d) => ({ ...d, servers: 3 })))),
        /has no servers list/,
      ],
    ];
    for (const [what, text, message] of cases) {
      await writeFile(join(dir, 'sim.json'), text);
      const { code, stderr, stdout } = await run(dir, ['status', '--tags', 'DR-Test=single', '--quiet']);
      expect({ what, code }).toEqual({ what, code: 64 });
      expect(stderr).toMatch(message);
      expect(stderr).toMatch(/Move it away to keep it, or pass --reset/);
      expect(stdout).toBe('');
      // Refusing never replaces what is there.
      expect(await readFile(join(dir, 'sim.json'), 'utf8')).toBe(text);
    }
    const reset = await run(dir, ['status', '--tags', 'DR-Test=single', '--quiet', '--reset']);
    expect(reset.code).toBe(0);
  });

  it('never replaces the world of a custom fleet without --reset', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'fleet.json'),
      JSON.stringify(generateFleet({ accounts: 1, serversPerAccount: 4, seed: 3 })),
    );
    const first = await run(dir, ['drill', '--tags', 'DR-Wave=1', '--fleet', 'fleet.json', '--quiet']);
    expect(first.code).toBe(0);
    const before = await readFile(join(dir, 'sim.json'), 'utf8');

    const forgot = await run(dir, ['status', '--tags', 'DR-Wave=1', '--quiet']);

    expect(forgot.code).toBe(64);
    expect(forgot.stderr).toMatch(
      /holds the world of another fleet, fleet.json \(\d account\(s\), 4 source server\(s\)\); pass --fleet fleet.json to continue it, or --reset to replace it/,
    );
    expect(await readFile(join(dir, 'sim.json'), 'utf8')).toBe(before);
    const again = await run(dir, ['status', '--tags', 'DR-Wave=1', '--fleet', 'fleet.json', '--quiet']);
    expect(again.code).toBe(0);
    const replaced = await run(dir, ['status', '--tags', 'DR-Wave=1', '--reset', '--quiet']);
    expect(replaced.code).toBe(0);
  });

  it('lets one command at a time own the world: a second one exits 64 naming the holder', async () => {
    const dir = await tempDir();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await writeFile(
        join(dir, 'sim.json.lock'),
        JSON.stringify({
          pid: holder.pid,
          host: (await import('node:os')).hostname(),
          command: 'drs-orch drill',
          since: '2025-01-06T09:00:00.000Z',
        }),
      );

      const second = await run(dir, ['status', '--tags', 'DR-Test=single', '--quiet']);

      expect(second.code).toBe(64);
      expect(second.stderr).toMatch(
        new RegExp(
          `"sim.json" is in use by drs-orch pid ${holder.pid} on .* \\(drs-orch drill, since 2025-01-06T09:00:00.000Z\\); wait for it to finish`,
        ),
      );
      expect(existsSync(join(dir, 'sim.json'))).toBe(false);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('takes over the lock of a killed command and removes the temporary files killed saves left', async () => {
    const dir = await tempDir();
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    await writeFile(
      join(dir, 'sim.json.lock'),
      JSON.stringify({
        pid: dead.pid,
        host: (await import('node:os')).hostname(),
        command: 'drs-orch drill',
        since: 'x',
      }),
    );
    await writeFile(join(dir, 'sim.json.4242.tmp'), 'half');
    await writeFile(join(dir, '.sim.json.0badc0de.tmp'), 'half');

    const { code, stderr } = await run(dir, ['status', '--tags', 'DR-Test=single']);

    expect(code).toBe(0);
    expect(stderr).toMatch(/removed 2 temporary file\(s\)/);
    // .drs-orch/ holds the runs' evidence reports, not world files; sim.json.objects the S3 bodies.
    expect((await readdir(dir)).filter((n) => n !== '.drs-orch').sort()).toEqual([
      'sim.json',
      'sim.json.objects',
    ]);
  });

  it('takes over a lock whose pid runs again but is another process: pid 1 of another boot, or another start time', async () => {
    // Inside a container the killed run held pid 1, which always runs: the lock's boot id and the
    // pid's start time tell the dead holder from the live pid 1.
    const { hostname } = await import('node:os');
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pid1Start = readFileSync('/proc/1/stat', 'utf8').split(') ')[1]?.split(' ')[19];
    for (const [what, identity] of [
      ['another boot', { bootId: '00000000-0000-4000-8000-000000000000', startTime: pid1Start }],
      ['another start time', { bootId, startTime: `${Number(pid1Start) + 12345}` }],
    ] as const) {
      const dir = await tempDir();
      await writeFile(
        join(dir, 'sim.json.lock'),
        JSON.stringify({ pid: 1, host: hostname(), command: 'drs-orch drill', since: 'x', ...identity }),
      );

      const { code, stderr } = await run(dir, ['status', '--tags', 'DR-Test=single']);

      expect(code, what).toBe(0);
      expect(stderr, what).toMatch(
        /took over the lock of drs-orch pid 1 on .* \(drs-orch drill, since x\): /,
      );
      expect(existsSync(join(dir, 'sim.json.lock')), what).toBe(false);
    }
  });

  it('takes over an old lock without a process identity (written before locks carried one) held by pid 1, once it is stale', async () => {
    // pid 1 always runs in a container: without a boot id or start time only the lock's age can
    // tell its holder is gone (today's holders refresh it every 15 s).
    const { hostname } = await import('node:os');
    const dir = await tempDir();
    const lock = join(dir, 'sim.json.lock');
    await writeFile(lock, JSON.stringify({ pid: 1, host: hostname(), command: 'drs-orch run', since: 'z' }));
    const old = new Date(Date.now() - 3600_000);
    await utimes(lock, old, old);

    const { code, stderr } = await run(dir, ['status', '--tags', 'DR-Test=single']);

    expect(code).toBe(0);
    expect(stderr).toMatch(/took over the lock of drs-orch pid 1 on .*: it carries no process identity/);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock holding null, and refuses a lock that is a directory with a clear error (never exit 70)', async () => {
    const nullDir = await tempDir();
    await writeFile(join(nullDir, 'sim.json.lock'), 'null');
    expect((await run(nullDir, ['status', '--tags', 'DR-Test=single'])).code).toBe(0);

    const folderDir = await tempDir();
    await mkdir(join(folderDir, 'sim.json.lock'));
    const { code, stderr } = await run(folderDir, ['status', '--tags', 'DR-Test=single']);
    expect(code).toBe(64);
    expect(stderr).toContain('is a directory, not a lock file; remove it');
  });

  it('refuses a state file that is a device (/dev/zero) before reading it', async () => {
    const dir = await tempDir();
    const { io, stderr } = fakeIo({ cwd: dir });
    const code = await main(['status', '--tags', 'DR-Test=single', '--state-file', '/dev/zero'], io);
    expect(code).toBe(64);
    expect(stderr.text).toContain('"/dev/zero" is not a regular file');
  });

  it('refuses a lock whose pid runs with the same boot and start time (exit 64 naming the holder)', async () => {
    const { hostname } = await import('node:os');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const pid = holder.pid as number;
      const dir = await tempDir();
      await writeFile(
        join(dir, 'sim.json.lock'),
        JSON.stringify({
          pid,
          host: hostname(),
          command: 'drs-orch serve',
          since: 'y',
          bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
          startTime: readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19],
        }),
      );

      const { code, stderr } = await run(dir, ['status', '--tags', 'DR-Test=single']);

      expect(code).toBe(64);
      expect(stderr).toContain(
        `"sim.json" is in use by drs-orch pid ${pid} on ${hostname()} (drs-orch serve, since y)`,
      );
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it("refuses another host's lock while its heartbeat is recent, naming the host and how it is taken over, and takes it over once the heartbeat stopped", async () => {
    const dir = await tempDir();
    const lock = join(dir, 'sim.json.lock');
    const foreign = { pid: 4242, host: 'other-host', command: 'drs-orch failover', since: 'z', bootId: 'b' };
    await writeFile(lock, JSON.stringify(foreign));

    const recent = await run(dir, ['status', '--tags', 'DR-Test=single']);

    expect(recent.code).toBe(64);
    expect(recent.stderr).toContain(
      '"sim.json" is in use by drs-orch pid 4242 on other-host (drs-orch failover, since z), another host, which this one cannot check; a live holder refreshes the lock every 15 s, so it is taken over once 120 s pass without one. If that run is certainly gone, remove "sim.json.lock" to take it over now',
    );
    expect(existsSync(join(dir, 'sim.json'))).toBe(false);

    const old = new Date(Date.now() - 121_000);
    await utimes(lock, old, old);

    const later = await run(dir, ['status', '--tags', 'DR-Test=single']);

    expect(later.code).toBe(0);
    expect(later.stderr).toMatch(
      /took over the lock of drs-orch pid 4242 on other-host .*: its heartbeat stopped 12\d s ago/,
    );
  });

  it("keeps a lock it lost to a takeover: its release leaves the new holder's lock alone", async () => {
    const dir = await tempDir();
    const statePath = join(dir, 'sim.json');
    const release = acquireLock(statePath, '"sim.json"', 'drs-orch drill');
    const theirs = JSON.stringify({
      pid: 1,
      host: 'h',
      command: 'drs-orch serve',
      since: 's',
      token: 'theirs',
    });
    await writeFile(`${statePath}.lock`, theirs);

    release();

    expect(await readFile(`${statePath}.lock`, 'utf8')).toBe(theirs);
  });

  it("follows a symlinked --state-file to the file it names: its lock, journal and saves are the target's, and the link stays a link", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'real'));
    await symlink(join(dir, 'real', 'sim.json'), join(dir, 'link.json'));
    const viaLink = async (argv: string[]) => {
      const { io, stderr } = fakeIo({ cwd: dir });
      const code = await main([...argv, '--state-file', 'link.json'], io);
      return { code, stderr: stderr.text };
    };

    // A command holding the real file's lock keeps a command through the link out.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await writeFile(
        join(dir, 'real', 'sim.json.lock'),
        JSON.stringify({
          pid: holder.pid,
          host: (await import('node:os')).hostname(),
          command: 'drs-orch drill',
          since: '2025-01-06T09:00:00.000Z',
        }),
      );
      const locked = await viaLink(['status', '--tags', 'DR-Test=single', '--quiet']);
      expect(locked.code).toBe(64);
      expect(locked.stderr).toContain(`is in use by drs-orch pid ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
    }
    await rm(join(dir, 'real', 'sim.json.lock'));

    const drill = await viaLink(['drill', '--tags', 'DR-Test=single', '--quiet']);
    expect(drill.code, drill.stderr).toBe(0);
    // The world was saved where the link points, the link is still a link, and nothing of the
    // world (lock, journal, objects) was kept beside the link.
    expect((await lstat(join(dir, 'link.json'))).isSymbolicLink()).toBe(true);
    expect(existsSync(join(dir, 'real', 'sim.json'))).toBe(true);
    // (.drs-orch holds the run's report, which is the working folder's.)
    expect((await readdir(dir)).filter((n) => n !== '.drs-orch').sort()).toEqual(['link.json', 'real']);
    // The drill's recovery job is in the world at the real path (its snapshot and journal).
    const world = loadWorld(join(dir, 'real', 'sim.json'), 'real/sim.json');
    const jobs = drsAccountsOf(world).flatMap((a) => a.jobs.filter((j) => j.initiatedBy === 'START_DRILL'));
    expect(jobs).toHaveLength(1);
  });

  it('checks --state-file before anything starts (a directory, or a path that cannot be created)', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'sim.json'));
    const isDir = await run(dir, ['drill', '--tags', 'DR-Test=single', '--quiet']);
    expect(isDir.code).toBe(64);
    expect(isDir.stderr).toMatch(/--state-file "sim.json" is a directory/);

    await writeFile(join(dir, 'file'), 'x');
    const { io, stderr } = fakeIo({ cwd: dir });
    const code = await main(
      ['drill', '--tags', 'DR-Test=single', '--state-file', 'file/sim.json', '--quiet'],
      io,
    );
    expect(code).toBe(64);
    expect(stderr.text).toMatch(
      /--state-file "file\/sim.json": its directory cannot be created \((ENOTDIR|EEXIST)\)/,
    );
  });

  it('keeps the file bounded: old result objects and finished jobs nobody points to are pruned', async () => {
    const { dir } = await drilledWorld();
    for (let i = 0; i < 3; i++) {
      expect((await run(dir, ['terminate', '--tags', 'DR-Test=single', '--quiet'])).code).toBe(0);
      expect((await run(dir, ['drill', '--tags', 'DR-Test=single', '--quiet'])).code).toBe(0);
    }
    const saved = JSON.parse(await readFile(join(dir, 'sim.json'), 'utf8')) as {
      services: { s3: { buckets: { objects: { sha256: string; body?: unknown }[] }[] } };
    };
    for (const bucket of saved.services.s3.buckets) expect(bucket.objects.length).toBeLessThanOrEqual(50);
    // The snapshot holds the objects' metadata; their bodies are files beside it, none orphaned.
    const objects = saved.services.s3.buckets.flatMap((b) => b.objects);
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.filter((o) => o.body !== undefined)).toEqual([]);
    expect((await readdir(join(dir, 'sim.json.objects'))).sort()).toEqual(
      [...new Set(objects.map((o) => o.sha256))].sort(),
    );
    // .drs-orch/ holds the runs' evidence reports, not world files.
    expect((await readdir(dir)).filter((n) => n !== '.drs-orch').sort()).toEqual([
      'sim.json',
      'sim.json.objects',
    ]);
  });
});
