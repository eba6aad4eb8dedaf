import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateFleet } from '../../../src/emulator/index.js';
import type { DrsAccountState } from '../../../src/emulator/services/drs/records.js';
import { drsAccountsOf } from '../../../src/emulator/services/drs/world.js';
import { SERVICES } from '../../../src/emulator/services/index.js';
import { createServices } from '../../../src/emulator/services.js';
import {
  applyJournal,
  checkSnapshot,
  EmulatorState,
  isMutatingOperation,
  pruneSnapshot,
  type StateSnapshot,
  writeFileAtomic,
} from '../../../src/emulator/state.js';

/** A world with its services built (each service's slice seeded from the fleet), saved. */
function world(): StateSnapshot {
  const state = EmulatorState.create(generateFleet({ accounts: 2, serversPerAccount: 3, seed: 5 }), {
    startTime: Date.parse('2025-01-06T09:00:00Z'),
  });
  createServices(state, SERVICES);
  return state.toJSON();
}

/** The DRS accounts of a snapshot. */
const drsOf = (snapshot: StateSnapshot): readonly DrsAccountState[] => drsAccountsOf(snapshot);

/** A snapshot with other DRS accounts. */
const withDrs = (snapshot: StateSnapshot, accounts: readonly DrsAccountState[]): StateSnapshot => ({
  ...snapshot,
  services: { ...snapshot.services, drs: { accounts } },
});

describe('emulator state persistence', () => {
  it('journals every operation that is not a read', () => {
    for (const op of ['StartRecovery', 'TerminateRecoveryInstances', 'PutObject', 'Publish', 'AssumeRole']) {
      expect(isMutatingOperation(op)).toBe(true);
    }
    for (const op of [
      'DescribeJobs',
      'GetParameter',
      'ListTagsForResource',
      'HeadObject',
      'GetCallerIdentity',
    ]) {
      expect(isMutatingOperation(op)).toBe(false);
    }
  });

  it('replays journal records in order: each replaces what it carries, the clock never goes back', () => {
    const base = world();
    const [a] = drsOf(base);
    if (!a) throw new Error('no account');
    const changed = { ...a, rngState: 42 };
    const later = { ...a, rngState: 43 };
    const out = applyJournal(base, [
      {
        nowMs: base.clock.nowMs + 5000,
        serviceChanges: { drs: [changed] },
        services: { s3: { buckets: [] } },
      },
      { nowMs: base.clock.nowMs + 1000, serviceChanges: { drs: [later] } },
    ]);
    expect(drsOf(out).find((d) => d.accountId === a.accountId)?.rngState).toBe(43);
    expect(drsOf(out)).toHaveLength(drsOf(base).length);
    expect(out.services.s3).toEqual({ buckets: [] });
    expect(out.clock.nowMs).toBe(base.clock.nowMs + 5000);
  });

  it('prunes old objects and unreferenced finished jobs, keeping what a run reads', () => {
    const base = world();
    const a = drsOf(base).find((d) => d.servers.length > 0);
    if (!a) throw new Error('no account');
    const server = a.servers[0];
    if (!server) throw new Error('no server');
    const job = (i: number, endMs: number | null) => ({
      jobID: `drsjob-${i}`,
      arn: '',
      type: 'LAUNCH' as const,
      initiatedBy: 'START_DRILL' as const,
      createdMs: i,
      startedMs: i,
      endMs,
      isDrill: true,
      tags: {},
      servers: [],
      events: [],
    });
    const jobs = [...Array.from({ length: 10 }, (_, i) => job(i, i + 1)), job(100, null)];
    const account = {
      ...a,
      jobs,
      servers: [{ ...server, lastLaunch: { jobID: 'drsjob-0', type: 'DRILL' as const, apiCallMs: 0 } }],
    };
    const objects = Array.from({ length: 8 }, (_, i) => ({
      key: `k${i}`,
      lastModified: new Date(i * 1000).toISOString(),
    }));
    const snapshot = {
      ...base,
      services: { drs: { accounts: [account] }, s3: { buckets: [{ name: 'b', objects }] } },
    };

    const pruned = pruneSnapshot(snapshot, { objectsPerBucket: 3, finishedJobsPerAccount: 2 });

    expect(
      drsOf(pruned)[0]
        ?.jobs.map((j) => j.jobID)
        .sort(),
    ).toEqual(['drsjob-0', 'drsjob-100', 'drsjob-8', 'drsjob-9']);
    const kept = (pruned.services.s3 as { buckets: { objects: { key: string }[] }[] }).buckets[0]?.objects;
    expect(kept?.map((o) => o.key)).toEqual(['k7', 'k6', 'k5']);
  });

  it('accepts what it writes and names the first problem of what it did not', () => {
    const base = world();
    expect(checkSnapshot(JSON.parse(JSON.stringify(base)))).toEqual(JSON.parse(JSON.stringify(base)));
    expect(() => checkSnapshot(withDrs(base, drsOf(base).slice(1)))).toThrow(/has no saved DRS state/);
    expect(() => checkSnapshot({ ...base, calls: null })).toThrow(/calls is missing/);
    expect(() => checkSnapshot('x')).toThrow(/not a JSON object/);
  });

  it('keeps DRS as an ordinary service slice: no DRS field at the top of a saved world', () => {
    const base = world();

    expect(Object.keys(base).sort()).toEqual([
      'calls',
      'clock',
      'credentials',
      'faults',
      'fleet',
      'savedAt',
      'services',
      'version',
    ]);
    expect(drsOf(base).map((d) => d.accountId)).toEqual(base.fleet.accounts.map((a) => a.accountId));
  });

  it('loads a version 1 world (DRS accounts at the top) and its version 1 journal records, as version 2', () => {
    const base = world();
    const { services, ...rest } = base;
    const { drs, ...others } = services as { drs: { accounts: DrsAccountState[] } } & Record<string, unknown>;
    const v1 = JSON.parse(
      JSON.stringify({ ...rest, version: 1, drs: drs.accounts, services: others }),
    ) as unknown;
    const [a] = drs.accounts;
    if (!a) throw new Error('no account');

    const migrated = checkSnapshot(v1);
    const replayed = applyJournal(migrated, [{ nowMs: base.clock.nowMs + 1, drs: { ...a, rngState: 7 } }]);

    expect(migrated.version).toBe(2);
    expect(JSON.parse(JSON.stringify(drsOf(migrated)))).toEqual(JSON.parse(JSON.stringify(drs.accounts)));
    expect(drsOf(replayed).find((d) => d.accountId === a.accountId)?.rngState).toBe(7);
    expect(() => checkSnapshot({ ...(v1 as object), drs: drs.accounts.slice(1) })).toThrow(
      /has no saved DRS state/,
    );
    const loaded = EmulatorState.fromSnapshot(migrated);
    createServices(loaded, SERVICES);
    expect(drsOf(loaded.toJSON()).map((d) => d.servers.length)).toEqual(
      drs.accounts.map((d) => d.servers.length),
    );
  });

  it('replaces files atomically and leaves no temporary file, also when the write fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-atomic-'));
    const path = join(dir, 'state.json');
    await writeFile(path, 'old');
    writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(() => writeFileAtomic(join(dir, 'missing', 'state.json'), 'x')).toThrow();
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('saves the world (serve --state-file) through the atomic write', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-save-'));
    const path = join(dir, 'world.json');
    const state = EmulatorState.create(generateFleet({ accounts: 1, serversPerAccount: 2, seed: 1 }));
    createServices(state, SERVICES);
    await state.save(path);
    expect(checkSnapshot(JSON.parse(await readFile(path, 'utf8'))).version).toBe(2);
    expect(await readdir(dir)).toEqual(['world.json']);
  });
});
