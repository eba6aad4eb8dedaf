import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateFleet } from '../../../src/emulator/index.js';
import {
  applyJournal,
  checkSnapshot,
  EmulatorState,
  isMutatingOperation,
  pruneSnapshot,
  type StateSnapshot,
  writeFileAtomic,
} from '../../../src/emulator/state.js';

function world(): StateSnapshot {
  return EmulatorState.create(generateFleet({ accounts: 2, serversPerAccount: 3, seed: 5 }), {
    startTime: Date.parse('2025-01-06T09:00:00Z'),
  }).toJSON();
}

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
    const [a] = base.drs;
    if (!a) throw new Error('no account');
    const changed = { ...a, rngState: 42 };
    const later = { ...a, rngState: 43 };
    const out = applyJournal(base, [
      { nowMs: base.clock.nowMs + 5000, drs: changed, services: { s3: { buckets: [] } } },
      { nowMs: base.clock.nowMs + 1000, drs: later },
    ]);
    expect(out.drs.find((d) => d.accountId === a.accountId)?.rngState).toBe(43);
    expect(out.drs).toHaveLength(base.drs.length);
    expect(out.services.s3).toEqual({ buckets: [] });
    expect(out.clock.nowMs).toBe(base.clock.nowMs + 5000);
  });

  it('prunes old objects and unreferenced finished jobs, keeping what a run reads', () => {
    const base = world();
    const a = base.drs.find((d) => d.servers.length > 0);
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
    const snapshot = { ...base, drs: [account], services: { s3: { buckets: [{ name: 'b', objects }] } } };

    const pruned = pruneSnapshot(snapshot, { objectsPerBucket: 3, finishedJobsPerAccount: 2 });

    expect(pruned.drs[0]?.jobs.map((j) => j.jobID).sort()).toEqual([
      'drsjob-0',
      'drsjob-100',
      'drsjob-8',
      'drsjob-9',
    ]);
    const kept = (pruned.services.s3 as { buckets: { objects: { key: string }[] }[] }).buckets[0]?.objects;
    expect(kept?.map((o) => o.key)).toEqual(['k7', 'k6', 'k5']);
  });

  it('accepts what it writes and names the first problem of what it did not', () => {
    const base = world();
    expect(checkSnapshot(JSON.parse(JSON.stringify(base)))).toEqual(JSON.parse(JSON.stringify(base)));
    expect(() => checkSnapshot({ ...base, drs: base.drs.slice(1) })).toThrow(/has no saved DRS state/);
    expect(() => checkSnapshot({ ...base, calls: null })).toThrow(/calls is missing/);
    expect(() => checkSnapshot('x')).toThrow(/not a JSON object/);
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
    await state.save(path);
    expect(checkSnapshot(JSON.parse(await readFile(path, 'utf8'))).version).toBe(1);
    expect(await readdir(dir)).toEqual(['world.json']);
  });
});
