/**
 * `--fleet FILE` goes through the strict document reader: a fleet file giving a key twice, nested
 * too deep or too large is refused with exit 64 and one line naming the file, the limit and
 * where, before any world exists (no state file, lock or journal is left behind).
 */
import { mkdtemp, readdir, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { generateFleet } from '../../../src/emulator/index.js';
import { Capture } from '../../unit/cli/fakes.js';

async function drillWith(
  content: string | { sparseBytes: number },
): Promise<{ code: number; stderr: string; left: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'drs-orch-fleet-'));
  const path = join(dir, 'fleet.json');
  if (typeof content === 'string') await writeFile(path, content);
  else {
    await writeFile(path, '');
    await truncate(path, content.sparseBytes);
  }
  const stderr = new Capture();
  const code = await main(
    ['drill', '--tags', 'DR-Wave=1', '--fleet', 'fleet.json', '--state-file', 'sim.json', '--reset'],
    { stdout: new Capture(), stderr, stdin: new PassThrough(), env: {}, isTTY: false, cwd: dir },
  );
  return { code, stderr: stderr.text, left: await readdir(dir) };
}

describe('drs-orch --fleet FILE is read strictly', () => {
  it('refuses a fleet file that gives a key twice (JSON.parse kept the last account list)', async () => {
    const fleet = JSON.stringify(generateFleet({ seed: 3, accounts: 1, serversPerAccount: 2 }));
    const twice = fleet.replace('"accounts":', '"accounts":[],\n"accounts":');
    expect(twice).not.toBe(fleet);

    const r = await drillWith(twice);

    expect(r.stderr).toBe('drs-orch: --fleet fleet.json: duplicate key "accounts" at /accounts (line 2)\n');
    expect(r.code).toBe(64);
    expect(r.left).toEqual(['fleet.json']);
  });

  it('refuses a fleet nested 3,000 deep, naming the depth limit', async () => {
    const r = await drillWith(`{"accounts":${'['.repeat(3000)}${']'.repeat(3000)}}`);

    expect(r.stderr).toMatch(
      /^drs-orch: --fleet fleet\.json: nests deeper than 64 levels of objects and arrays at \/accounts\/0\//,
    );
    expect(r.code).toBe(64);
    expect(r.left).toEqual(['fleet.json']);
  });

  it('refuses a 100 MB fleet file by its size, without reading it', async () => {
    const r = await drillWith({ sparseBytes: 100_000_000 });

    expect(r.stderr).toBe(
      'drs-orch: --fleet fleet.json: too large: 100000000 bytes, over the limit of 16777216 bytes (16 MiB)\n',
    );
    expect(r.code).toBe(64);
    expect(r.left).toEqual(['fleet.json']);
  });

  it('refuses a device as the fleet file (/dev/zero never ends) without reading it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drs-orch-fleet-'));
    const stderr = new Capture();
    const code = await main(
      ['drill', '--tags', 'DR-Wave=1', '--fleet', '/dev/zero', '--state-file', 'sim.json', '--reset'],
      { stdout: new Capture(), stderr, stdin: new PassThrough(), env: {}, isTTY: false, cwd: dir },
    );
    expect(code).toBe(64);
    expect(stderr.text).toContain('not a regular file');
    expect(await readdir(dir)).toEqual([]);
  });
});
