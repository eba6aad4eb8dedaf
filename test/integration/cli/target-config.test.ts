import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { fakeIo } from '../../unit/cli/fakes.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'drs-orch-target-'));
}

describe('drs-orch targets refusing their configuration (exit 64, nothing run)', () => {
  it('rejects a fleet file that breaks its schema', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'fleet.json'), JSON.stringify({ name: 'x', accounts: 'none' }));
    const { io, stderr, stdout } = fakeIo({ cwd: dir });

    const code = await main(['drill', '--tags', 'DR-Wave=1', '--fleet', 'fleet.json'], io);

    expect(code).toBe(64);
    expect(stderr.text).toMatch(/^drs-orch: --fleet "fleet.json" is not a valid fleet: \/accounts/);
    expect(stdout.text).toBe('');
  });

  it('rejects a fleet file that does not exist', async () => {
    const dir = await tempDir();
    const { io, stderr } = fakeIo({ cwd: dir });

    const code = await main(['status', '--tags', 'DR-Wave=1', '--fleet', 'missing.json'], io);

    expect(code).toBe(64);
    expect(stderr.text).toMatch(/--fleet "missing.json" is not a valid fleet: cannot read fleet file/);
  });

  it('rejects a state file that is not JSON and suggests --reset', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'sim.json'), '{ half a world');
    const { io, stderr } = fakeIo({ cwd: dir });

    const code = await main(['status', '--tags', 'DR-Wave=1', '--state-file', 'sim.json'], io);

    expect(code).toBe(64);
    expect(stderr.text).toMatch(
      /^drs-orch: state file "sim.json" is damaged: it is not valid JSON \(.*\)\. Move it away to keep it, or pass --reset to start a fresh world in its place\n$/,
    );
  });

  it('rejects an --endpoint that is not a drs-orch emulator', async () => {
    const { io, stderr } = fakeIo();

    const code = await main(['status', '--tags', 'DR-Wave=1', '--endpoint', 'http://127.0.0.1:1'], io);

    expect(code).toBe(64);
    expect(stderr.text).toMatch(/--endpoint http:\/\/127.0.0.1:1 does not answer as a drs-orch emulator/);
  });

  it('asks for a region on --target aws when none is configured', async () => {
    const { io, stderr } = fakeIo({ env: {} });

    const code = await main(['status', '--tags', 'DR-Wave=1', '--target', 'aws'], io);

    expect(code).toBe(64);
    expect(stderr.text).toBe('drs-orch: --target aws needs a region: pass --region or set AWS_REGION\n');
  });
});
